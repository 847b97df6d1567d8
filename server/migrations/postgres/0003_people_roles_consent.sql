-- Issue 3: five roles, partner organisations, consent, requests, invites and the audit log.

CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    municipality_id TEXT NOT NULL REFERENCES municipalities(id),
    name TEXT NOT NULL,
    services TEXT NOT NULL DEFAULT '',
    phone TEXT,
    created_at BIGINT NOT NULL DEFAULT 0
);

ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('volunteer', 'commissioner', 'coordinator', 'partner_staff', 'admin'));
-- Volunteers enrolled by invite have no password.
ALTER TABLE users ALTER COLUMN password_hash DROP NOT NULL;
UPDATE users SET municipality_id = (SELECT MIN(id) FROM municipalities) WHERE municipality_id IS NULL;
ALTER TABLE users ALTER COLUMN municipality_id SET NOT NULL;
ALTER TABLE users ADD COLUMN organization_id TEXT REFERENCES organizations(id);
ALTER TABLE users ADD COLUMN created_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD CONSTRAINT users_partner_organization
    CHECK ((role = 'partner_staff') = (organization_id IS NOT NULL));
CREATE INDEX users_municipality ON users(municipality_id);
CREATE INDEX devices_user ON devices(user_id);

-- The districts a coordinator or admin works in (their scope for personal data).
CREATE TABLE staff_districts (
    user_id TEXT NOT NULL REFERENCES users(id),
    district_id TEXT NOT NULL REFERENCES districts(id),
    PRIMARY KEY (user_id, district_id)
);
INSERT INTO staff_districts (user_id, district_id)
    SELECT u.id, d.id FROM users u JOIN districts d ON d.municipality_id = u.municipality_id
    WHERE u.role = 'coordinator';

ALTER TABLE persons ADD COLUMN household_type TEXT NOT NULL DEFAULT 'other'
    CHECK (household_type IN ('single_elderly', 'elderly_only', 'disability', 'child_rearing', 'other'));
-- JSON array of {name, relation, phone}.
ALTER TABLE persons ADD COLUMN emergency_contacts TEXT NOT NULL DEFAULT '[]';
ALTER TABLE persons ADD COLUMN needs_evacuation_help BIGINT NOT NULL DEFAULT 0;
ALTER TABLE persons ADD COLUMN notes TEXT NOT NULL DEFAULT '';
-- The consent in force, kept beside the person so every scope check is one join-free condition.
ALTER TABLE persons ADD COLUMN consent_record BIGINT NOT NULL DEFAULT 0;
ALTER TABLE persons ADD COLUMN consent_share_partners BIGINT NOT NULL DEFAULT 0;
ALTER TABLE persons ADD COLUMN consent_share_disaster BIGINT NOT NULL DEFAULT 0;
ALTER TABLE persons ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;

CREATE TABLE consents (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    person_id TEXT NOT NULL REFERENCES persons(id),
    obtained_on TEXT NOT NULL,
    method TEXT NOT NULL CHECK (method IN ('written', 'oral', 'proxy')),
    scope_record BIGINT NOT NULL,
    scope_share_partners BIGINT NOT NULL,
    scope_share_disaster BIGINT NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users(id),
    recorded_at BIGINT NOT NULL,
    withdrawn_at BIGINT,
    withdrawn_by TEXT REFERENCES users(id)
);
CREATE INDEX consents_person ON consents(person_id, seq);

CREATE TABLE requests (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES persons(id),
    raised_by TEXT NOT NULL REFERENCES users(id),
    need TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('received', 'in_progress', 'done', 'referred')),
    organization_id TEXT REFERENCES organizations(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX requests_person ON requests(person_id);
CREATE INDEX requests_organization ON requests(organization_id);

CREATE TABLE invites (
    code_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    device_id TEXT REFERENCES devices(id)
);

CREATE TABLE audit_log (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at BIGINT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    device_id TEXT REFERENCES devices(id),
    action TEXT NOT NULL,
    person_id TEXT REFERENCES persons(id),
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_person ON audit_log(person_id, seq);
CREATE INDEX audit_log_device_person ON audit_log(device_id, person_id, action, at);
