-- Issue 11: containing credentials and recording who changed what.
--
-- Users can be disabled (every device revoked, no sign-in, no enrolment) and made to change a
-- password an admin reset. `created_by` lets a coordinator invite a volunteer they made before
-- anyone is assigned to them, and no one else's.
ALTER TABLE users ADD COLUMN created_by TEXT REFERENCES users(id);
ALTER TABLE users ADD COLUMN disabled_at INTEGER;
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;

-- A newer invite for the same user replaces the unused older ones.
ALTER TABLE invites ADD COLUMN replaced_at INTEGER;

-- How a device was enrolled ('password' or 'invite', NULL for rows from before this migration),
-- when its session ends whatever happens (absolute expiry), and why it was revoked.
ALTER TABLE devices ADD COLUMN enrolled_by TEXT;
ALTER TABLE devices ADD COLUMN expires_at INTEGER;
ALTER TABLE devices ADD COLUMN revoked_reason TEXT;

-- When the last attempt on a login was made, so old rows can be purged.
ALTER TABLE sign_in_failures ADD COLUMN last_attempt_at INTEGER NOT NULL DEFAULT 0;
-- Attempts whose password is being checked right now (counted before the check, so concurrent
-- guesses cannot all be checked).
ALTER TABLE sign_in_failures ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;

-- Security events: sign-ins (and failed ones on real logins), enrolments, invites, revocations,
-- users created, disabled and enabled, passwords changed and reset, assignments and areas changed.
-- The audit log is about persons; this log is about who may do what.
CREATE TABLE security_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    municipality_id TEXT NOT NULL REFERENCES municipalities(id),
    actor_id TEXT REFERENCES users(id),
    device_id TEXT,
    action TEXT NOT NULL,
    subject_id TEXT REFERENCES users(id),
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX security_log_municipality ON security_log(municipality_id, seq);
CREATE INDEX security_log_subject ON security_log(subject_id, seq);
