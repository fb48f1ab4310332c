-- Failed sign-ins, kept in the database so that every tiendo server over it holds back the
-- same guesser. A subject is a user name with an address, or an address alone. Keep in step
-- with ../sqlite/0014_login_failures.sql.
CREATE TABLE login_failures (
    subject TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    last_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX login_failures_last_at ON login_failures (last_at);
