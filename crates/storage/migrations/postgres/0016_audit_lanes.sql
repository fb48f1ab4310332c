-- The audit chain in lanes. Keep in step with ../sqlite/0016_audit_lanes.sql.
-- Every audited write held the chain's one head row from its append to the end of its commit,
-- so the writers of every server committed one after another. The chain now runs in eight
-- lanes, each a chain of its own with its own head: a writer takes the first lane no other
-- transaction holds (or waits for one when all are taken) and records it on its entries, so
-- up to eight writers commit side by side. A lane's entries follow each other in id order, as
-- a lane's writers take turns. Entries written before this migration are lane 1's.
ALTER TABLE audit_log ADD COLUMN lane BIGINT NOT NULL DEFAULT 1;

ALTER TABLE audit_head DROP CONSTRAINT audit_head_id_check;
ALTER TABLE audit_head ADD CONSTRAINT audit_head_lane CHECK (id BETWEEN 1 AND 8);
INSERT INTO audit_head (id, hash, length)
    VALUES (2, '', 0), (3, '', 0), (4, '', 0), (5, '', 0), (6, '', 0), (7, '', 0), (8, '', 0);
