-- Issue 11: containing credentials and recording who changed what (see the SQLite twin).
ALTER TABLE users ADD COLUMN created_by TEXT REFERENCES users(id);
ALTER TABLE users ADD COLUMN disabled_at BIGINT;
ALTER TABLE users ADD COLUMN must_change_password BIGINT NOT NULL DEFAULT 0;

ALTER TABLE invites ADD COLUMN replaced_at BIGINT;

ALTER TABLE devices ADD COLUMN enrolled_by TEXT;
ALTER TABLE devices ADD COLUMN expires_at BIGINT;
ALTER TABLE devices ADD COLUMN revoked_reason TEXT;

ALTER TABLE sign_in_failures ADD COLUMN last_attempt_at BIGINT NOT NULL DEFAULT 0;
-- Attempts whose password is being checked right now (counted before the check, so concurrent
-- guesses cannot all be checked).
ALTER TABLE sign_in_failures ADD COLUMN pending BIGINT NOT NULL DEFAULT 0;

CREATE TABLE security_log (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at BIGINT NOT NULL,
    municipality_id TEXT NOT NULL REFERENCES municipalities(id),
    actor_id TEXT REFERENCES users(id),
    device_id TEXT,
    action TEXT NOT NULL,
    subject_id TEXT REFERENCES users(id),
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX security_log_municipality ON security_log(municipality_id, seq);
CREATE INDEX security_log_subject ON security_log(subject_id, seq);
