-- Issue 3: five roles, partner organisations, consent, requests, invites and the audit log.
-- SQLite cannot alter a CHECK constraint, so `users` is rebuilt the documented 12-step way:
-- Storage::connect runs migrations with foreign keys off and checks them afterwards.

-- Partner organisations (社会福祉法人 and others) that requests can be referred to.
CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    municipality_id TEXT NOT NULL REFERENCES municipalities(id),
    name TEXT NOT NULL,
    services TEXT NOT NULL DEFAULT '',
    phone TEXT,
    created_at INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE users_new (
    id TEXT PRIMARY KEY,
    login TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('volunteer', 'commissioner', 'coordinator', 'partner_staff', 'admin')),
    -- Volunteers enrolled by invite have no password.
    password_hash TEXT,
    municipality_id TEXT NOT NULL REFERENCES municipalities(id),
    organization_id TEXT REFERENCES organizations(id),
    created_at INTEGER NOT NULL DEFAULT 0,
    CHECK ((role = 'partner_staff') = (organization_id IS NOT NULL))
);
INSERT INTO users_new (id, login, display_name, role, password_hash, municipality_id)
    SELECT id, login, display_name, role, password_hash,
           COALESCE(municipality_id, (SELECT MIN(id) FROM municipalities))
    FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
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
ALTER TABLE persons ADD COLUMN needs_evacuation_help INTEGER NOT NULL DEFAULT 0;
ALTER TABLE persons ADD COLUMN notes TEXT NOT NULL DEFAULT '';
-- The consent in force, kept beside the person so every scope check is one join-free condition.
-- Written only together with a `consents` row, in the same transaction.
ALTER TABLE persons ADD COLUMN consent_record INTEGER NOT NULL DEFAULT 0;
ALTER TABLE persons ADD COLUMN consent_share_partners INTEGER NOT NULL DEFAULT 0;
ALTER TABLE persons ADD COLUMN consent_share_disaster INTEGER NOT NULL DEFAULT 0;
ALTER TABLE persons ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;

-- 本人同意, append-only: a new consent supersedes the last; withdrawal is recorded on the row.
CREATE TABLE consents (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    person_id TEXT NOT NULL REFERENCES persons(id),
    obtained_on TEXT NOT NULL,
    method TEXT NOT NULL CHECK (method IN ('written', 'oral', 'proxy')),
    scope_record INTEGER NOT NULL,
    scope_share_partners INTEGER NOT NULL,
    scope_share_disaster INTEGER NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users(id),
    recorded_at INTEGER NOT NULL,
    withdrawn_at INTEGER,
    withdrawn_by TEXT REFERENCES users(id)
);
CREATE INDEX consents_person ON consents(person_id, seq);

-- 相談・依頼. Created by field users (issue 5); routed to partner organisations.
CREATE TABLE requests (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES persons(id),
    raised_by TEXT NOT NULL REFERENCES users(id),
    need TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('received', 'in_progress', 'done', 'referred')),
    organization_id TEXT REFERENCES organizations(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX requests_person ON requests(person_id);
CREATE INDEX requests_organization ON requests(organization_id);

-- One-time volunteer enrolment codes; only a hash of the code is kept.
CREATE TABLE invites (
    code_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    device_id TEXT REFERENCES devices(id)
);

-- Every read and write of personal data: who, which device, what, when.
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    device_id TEXT REFERENCES devices(id),
    action TEXT NOT NULL,
    person_id TEXT REFERENCES persons(id),
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_person ON audit_log(person_id, seq);
CREATE INDEX audit_log_device_person ON audit_log(device_id, person_id, action, at);
