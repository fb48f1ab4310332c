-- Feedback and initiatives from the public. Keep in step with ../postgres/0005_feedback.sql.
-- Units and concerns are named by code, as in the accounts: cases outlive a reset of the
-- reference data. Contact details are kept for the answer and never published.

CREATE TABLE feedback (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('difficulty', 'recommendation', 'initiative')),
    concern_type TEXT NOT NULL CHECK (concern_type IN ('document', 'target', 'task')),
    concern_code TEXT NOT NULL,
    unit TEXT,
    state TEXT NOT NULL CHECK (state IN ('received', 'assigned', 'answered', 'closed')),
    body TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    contact_email TEXT,
    contact_phone TEXT,
    contact_key TEXT NOT NULL,
    consent BOOLEAN NOT NULL,
    fingerprint TEXT NOT NULL,
    repeats INTEGER NOT NULL DEFAULT 0,
    tracking_hash TEXT NOT NULL,
    received_at TEXT NOT NULL,
    due_on TEXT NOT NULL,
    assigned_at TEXT,
    assigned_by TEXT,
    answer TEXT,
    answered_at TEXT,
    answered_by TEXT,
    published BOOLEAN NOT NULL DEFAULT FALSE,
    closed_at TEXT,
    closed_by TEXT,
    close_note TEXT,
    -- Published only with the sender's consent, and only once answered.
    CHECK (NOT published OR (consent AND answer IS NOT NULL)),
    CHECK ((state IN ('answered', 'closed')) OR answer IS NULL)
);
CREATE INDEX feedback_fingerprint ON feedback (fingerprint);
CREATE INDEX feedback_unit_state ON feedback (unit, state);
CREATE INDEX feedback_contact ON feedback (contact_key, received_at);
CREATE INDEX feedback_published ON feedback (id) WHERE published;

-- Evidence is kept in the database, never under a name the sender chose on a disk: there is
-- no path to traverse, and every copy of the database carries its files.
CREATE TABLE feedback_files (
    id INTEGER PRIMARY KEY,
    feedback_id INTEGER NOT NULL REFERENCES feedback (id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL CHECK (content_type IN ('application/pdf', 'image/png', 'image/jpeg')),
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL,
    UNIQUE (feedback_id, position)
);
