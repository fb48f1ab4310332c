-- tiendo core schema (SQLite). Keep in step with ../postgres/0001_core.sql.

CREATE TABLE org_units (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    name_vi TEXT NOT NULL,
    name_en TEXT NOT NULL,
    parent_id INTEGER REFERENCES org_units (id),
    valid_from DATE,
    valid_to DATE,
    synthetic BOOLEAN NOT NULL DEFAULT FALSE,
    source TEXT,
    CHECK (valid_from IS NULL OR valid_to IS NULL OR valid_from <= valid_to)
);
CREATE INDEX org_units_parent ON org_units (parent_id);

CREATE TABLE org_successions (
    predecessor_id INTEGER NOT NULL REFERENCES org_units (id),
    successor_id INTEGER NOT NULL REFERENCES org_units (id),
    effective DATE NOT NULL,
    source TEXT,
    PRIMARY KEY (predecessor_id, successor_id)
);

CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    title_en TEXT NOT NULL,
    title_vi TEXT,
    issuer_id INTEGER REFERENCES org_units (id),
    issued_on DATE,
    structure_note TEXT,
    sections TEXT NOT NULL,
    source TEXT
);

CREATE TABLE document_links (
    document_id INTEGER NOT NULL REFERENCES documents (id),
    implements_id INTEGER NOT NULL REFERENCES documents (id),
    PRIMARY KEY (document_id, implements_id)
);

CREATE TABLE targets (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    document_id INTEGER REFERENCES documents (id),
    group_code TEXT,
    name_en TEXT NOT NULL,
    name_vi TEXT,
    family TEXT NOT NULL,
    unit TEXT NOT NULL,
    direction TEXT NOT NULL,
    goals TEXT NOT NULL,
    baseline_value DOUBLE PRECISION,
    baseline_period TEXT,
    periodicity TEXT NOT NULL,
    aggregation TEXT NOT NULL,
    reporters TEXT NOT NULL,
    source TEXT
);

CREATE TABLE tasks (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    document_id INTEGER NOT NULL REFERENCES documents (id),
    group_code TEXT,
    parent_id INTEGER REFERENCES tasks (id),
    depth INTEGER NOT NULL CHECK (depth BETWEEN 1 AND 3),
    title_en TEXT NOT NULL,
    title_vi TEXT,
    lead_id INTEGER NOT NULL REFERENCES org_units (id),
    start_on DATE,
    deadline DATE,
    completed_on DATE,
    expected_product TEXT,
    secrecy SMALLINT NOT NULL CHECK (secrecy BETWEEN 0 AND 2),
    source TEXT
);
CREATE INDEX tasks_document ON tasks (document_id);
CREATE INDEX tasks_lead ON tasks (lead_id);

CREATE TABLE task_coordinators (
    task_id INTEGER NOT NULL REFERENCES tasks (id),
    org_id INTEGER NOT NULL REFERENCES org_units (id),
    PRIMARY KEY (task_id, org_id)
);
CREATE INDEX task_coordinators_org ON task_coordinators (org_id);

CREATE TABLE task_targets (
    task_id INTEGER NOT NULL REFERENCES tasks (id),
    target_id INTEGER NOT NULL REFERENCES targets (id),
    PRIMARY KEY (task_id, target_id)
);

CREATE TABLE progress_updates (
    id INTEGER PRIMARY KEY,
    task_id INTEGER NOT NULL REFERENCES tasks (id),
    reported_on DATE NOT NULL,
    percent_complete SMALLINT NOT NULL CHECK (percent_complete BETWEEN 0 AND 100),
    narrative TEXT NOT NULL,
    difficulties TEXT,
    recommendations TEXT,
    evidence TEXT NOT NULL,
    author TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX progress_updates_task ON progress_updates (task_id, id);

-- Append-only: every version of a value is a row; the current one has the highest id.
CREATE TABLE data_values (
    id INTEGER PRIMARY KEY,
    target_id INTEGER NOT NULL REFERENCES targets (id),
    org_id INTEGER NOT NULL REFERENCES org_units (id),
    period TEXT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    comment TEXT,
    source TEXT,
    author TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'approved', 'returned'))
);
CREATE INDEX data_values_key ON data_values (target_id, org_id, period, id);
