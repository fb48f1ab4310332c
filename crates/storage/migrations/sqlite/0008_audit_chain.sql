-- The audit log as a hash chain. Keep in step with ../postgres/0008_audit_chain.sql.
-- Each entry holds the hash of the entry before it and its own: SHA-256 over that previous
-- hash and its content. audit_head holds the last hash and the chain's length, so removing the
-- newest entries shows too. Entries written before this migration carry no hashes; the chain
-- starts after them.
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;

CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    hash TEXT NOT NULL,
    length INTEGER NOT NULL
);
INSERT INTO audit_head (id, hash, length) VALUES (1, '', 0);

CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
BEGIN
    SELECT RAISE(ABORT, 'the audit chain head cannot be removed');
END;
