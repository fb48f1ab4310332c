-- The numbers a target's values may take when they differ from what its unit of measure
-- allows (JSON: {"min": …, "max": …, "whole": …}); NULL keeps the unit of measure's bounds.
ALTER TABLE targets ADD COLUMN bounds TEXT;
