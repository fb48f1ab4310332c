-- Periods the standing office reopened for a unit's reporters after entry had closed, each
-- until a last day, with the reason and who decided (also in the audit log). A reopening is
-- never deleted; a later one for the same unit and period extends or shortens it.
-- Keep in step with ../postgres/0011_entry_reopenings.sql.
CREATE TABLE entry_reopenings (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES org_units (id),
    period TEXT NOT NULL,
    last_day DATE NOT NULL,
    reason TEXT NOT NULL,
    author TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX entry_reopenings_key ON entry_reopenings (org_id, period, id);
