-- One row for each value's key (target, unit, period) that was ever written through an entry or
-- a review: the row a writer of that value locks, so that two servers writing the same value
-- take turns, while writers of different values of the same target no longer wait for each
-- other (they share the target's lock). SQLite writes one transaction at a time and needs no
-- such table.
CREATE TABLE value_keys (
    target_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL,
    period TEXT NOT NULL,
    PRIMARY KEY (target_id, org_id, period)
);
-- No foreign keys: a row is only something to lock, and a reset empties the definitions it
-- would refer to.
