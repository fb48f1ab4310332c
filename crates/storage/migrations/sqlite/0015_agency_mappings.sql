-- Names in plans' task appendices that a standing office mapped by hand: to a unit, or to no
-- one unit (agencies named collectively). The next import reads them the same way. Keep in
-- step with ../postgres/0015_agency_mappings.sql.
CREATE TABLE agency_mappings (
    -- The words folded (lower case, no diacritics), as they are matched.
    folded TEXT PRIMARY KEY,
    -- The words as first written.
    words TEXT NOT NULL,
    -- The unit's code; NULL for a group of agencies named collectively.
    unit TEXT
);
