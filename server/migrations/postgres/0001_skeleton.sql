-- Areas: municipality (市町村) → district (地区) → small area (小地域, 町内会).
CREATE TABLE municipalities (
    id TEXT PRIMARY KEY,
    prefecture TEXT NOT NULL,
    name TEXT NOT NULL
);
CREATE TABLE districts (
    id TEXT PRIMARY KEY,
    municipality_id TEXT NOT NULL REFERENCES municipalities(id),
    name TEXT NOT NULL
);
CREATE TABLE small_areas (
    id TEXT PRIMARY KEY,
    district_id TEXT NOT NULL REFERENCES districts(id),
    name TEXT NOT NULL
);

-- 見守り対象者.
CREATE TABLE persons (
    id TEXT PRIMARY KEY,
    small_area_id TEXT NOT NULL REFERENCES small_areas(id),
    name TEXT NOT NULL,
    kana TEXT NOT NULL,
    address TEXT NOT NULL,
    phone TEXT,
    lat DOUBLE PRECISION NOT NULL,
    lng DOUBLE PRECISION NOT NULL,
    check_interval_days BIGINT NOT NULL DEFAULT 7 CHECK (check_interval_days BETWEEN 1 AND 365),
    active BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX persons_small_area ON persons(small_area_id);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    login TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('volunteer', 'commissioner', 'coordinator')),
    password_hash TEXT NOT NULL,
    municipality_id TEXT REFERENCES municipalities(id)
);

-- Which volunteers watch which persons.
CREATE TABLE assignments (
    user_id TEXT NOT NULL REFERENCES users(id),
    person_id TEXT NOT NULL REFERENCES persons(id),
    PRIMARY KEY (user_id, person_id)
);
-- Which small areas each 民生委員 covers (担当区域).
CREATE TABLE commissioner_areas (
    user_id TEXT NOT NULL REFERENCES users(id),
    small_area_id TEXT NOT NULL REFERENCES small_areas(id),
    PRIMARY KEY (user_id, small_area_id)
);

-- Each signed-in device; only a hash of its token is kept, so a database leak yields no sessions.
CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    token_hash TEXT NOT NULL UNIQUE,
    user_agent TEXT,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    revoked_at BIGINT
);

-- 見守り checks, append-only. `seq` is the server's order; `recorded_at` is the device's claim.
CREATE TABLE checks (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    person_id TEXT NOT NULL REFERENCES persons(id),
    author_id TEXT NOT NULL REFERENCES users(id),
    device_id TEXT NOT NULL REFERENCES devices(id),
    outcome TEXT NOT NULL CHECK (outcome IN ('all_well', 'concern', 'not_home', 'emergency')),
    note TEXT,
    recorded_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL
);
CREATE INDEX checks_person_seq ON checks(person_id, seq);
