-- The audit log as a hash chain. Keep in step with ../sqlite/0008_audit_chain.sql.
-- Each entry holds the hash of the entry before it and its own: SHA-256 over that previous
-- hash and its content. audit_head holds the last hash and the chain's length, so removing the
-- newest entries shows too; every append locks its one row, so appends from several servers
-- form one chain. Entries written before this migration carry no hashes.
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;

CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    hash TEXT NOT NULL,
    length BIGINT NOT NULL
);
INSERT INTO audit_head (id, hash, length) VALUES (1, '', 0);

-- Row triggers do not see TRUNCATE: refuse it on the audit log, its head and the values.
CREATE FUNCTION tiendo_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% keeps its history: TRUNCATE is refused', TG_TABLE_NAME;
END
$$;
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION tiendo_refuse_truncate();
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
    FOR EACH STATEMENT EXECUTE FUNCTION tiendo_refuse_truncate();
CREATE TRIGGER data_values_no_truncate BEFORE TRUNCATE ON data_values
    FOR EACH STATEMENT EXECUTE FUNCTION tiendo_refuse_truncate();

CREATE FUNCTION audit_head_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit chain head cannot be removed';
END
$$;
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
    FOR EACH ROW EXECUTE FUNCTION audit_head_kept();
