-- An account whose password someone else chose (a one-time password from `tiendo users`, an
-- administrator's form) changes it at its first login. Keep in step with
-- ../sqlite/0013_password_change.sql.
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
