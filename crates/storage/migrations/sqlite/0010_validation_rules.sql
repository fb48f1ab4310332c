-- Validation rules between targets, from the dataset's files and from the standing office.
-- `rule` is the domain's rule as JSON; a withdrawn rule stays for the audit trail and its code
-- is not reused. Keep in step with ../postgres/0010_validation_rules.sql.
CREATE TABLE validation_rules (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    rule TEXT NOT NULL,
    withdrawn_on DATE
);
