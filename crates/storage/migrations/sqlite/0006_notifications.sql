-- Notifications: who wants them and how, the webhooks that receive every event, and the outbox.
-- Keep in step with ../postgres/0006_notifications.sql.

CREATE TABLE notification_settings (
    username TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    mode TEXT NOT NULL CHECK (mode IN ('immediate', 'digest', 'off'))
);

CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    secret TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TEXT NOT NULL
);

-- The outbox. `dedupe_key` names the event, its object, the recipient and the day: producing
-- the same warning twice stores it once, so it is never sent twice. A row is sent at most once:
-- `sent_at` is set in the same statement that checks it is still unset.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    dedupe_key TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
    recipient TEXT NOT NULL,
    event TEXT NOT NULL,
    object TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    digest BOOLEAN NOT NULL,
    created_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    claimed_until TEXT,
    sent_at TEXT,
    failed_at TEXT,
    last_error TEXT
);
CREATE INDEX notifications_pending ON notifications (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;
