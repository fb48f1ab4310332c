-- The approval queue reads values awaiting review, oldest first; a partial index keeps that
-- read proportional to the queue, not to the millions of approved versions.
CREATE INDEX data_values_submitted ON data_values (id) WHERE state = 'submitted';
