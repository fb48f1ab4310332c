-- Dashboards units build for their own programmes. `definition` is the domain's Dashboard as
-- JSON (its file format); the figures are read when it is shown. Keep in step with
-- ../postgres/0012_dashboards.sql.
CREATE TABLE dashboards (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    owner_org_id INTEGER NOT NULL REFERENCES org_units (id),
    definition TEXT NOT NULL,
    author TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX dashboards_owner ON dashboards (owner_org_id);
