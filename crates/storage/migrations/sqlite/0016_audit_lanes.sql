-- The audit chain in lanes. Keep in step with ../postgres/0016_audit_lanes.sql.
-- The chain runs in eight lanes, each a chain of its own with its own head, so that on
-- PostgreSQL up to eight writers commit side by side. SQLite writes one transaction at a time
-- and keeps to lane 1; the lanes are here so both schemas are one. Entries written before
-- this migration are lane 1's.
ALTER TABLE audit_log ADD COLUMN lane INTEGER NOT NULL DEFAULT 1;

-- SQLite cannot change a CHECK in place: the head's table is made again with eight rows.
ALTER TABLE audit_head RENAME TO audit_head_before_lanes;
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id BETWEEN 1 AND 8),
    hash TEXT NOT NULL,
    length INTEGER NOT NULL
);
INSERT INTO audit_head (id, hash, length) SELECT id, hash, length FROM audit_head_before_lanes;
INSERT INTO audit_head (id, hash, length)
    VALUES (2, '', 0), (3, '', 0), (4, '', 0), (5, '', 0), (6, '', 0), (7, '', 0), (8, '', 0);
DROP TABLE audit_head_before_lanes;

CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
BEGIN
    SELECT RAISE(ABORT, 'the audit chain head cannot be removed');
END;
