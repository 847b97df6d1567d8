-- Sync v2: versions for per-field merge, mutation ids for idempotent edits, conflicts kept for
-- coordinators, and the server's correction of device clocks. Design: README, "How sync works".

-- One counter for person versions. On PostgreSQL its row lock also makes writers take turns.
CREATE TABLE sync_counter (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
);
INSERT INTO sync_counter (id, value) VALUES (1, 0);

ALTER TABLE persons ADD COLUMN version INTEGER NOT NULL DEFAULT 0;

-- The last write of each editable field: its version and the device that made it.
CREATE TABLE person_field_versions (
    person_id TEXT NOT NULL REFERENCES persons(id),
    field TEXT NOT NULL,
    version INTEGER NOT NULL,
    device_id TEXT REFERENCES devices(id),
    user_id TEXT REFERENCES users(id),
    PRIMARY KEY (person_id, field)
);

-- Every applied non-check mutation, so a retried push is recognised (checks use their own id).
CREATE TABLE mutations (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    device_id TEXT NOT NULL REFERENCES devices(id),
    received_at INTEGER NOT NULL
);

-- Two values for one field, both kept until a coordinator chooses.
CREATE TABLE conflicts (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES persons(id),
    field TEXT NOT NULL,
    other_value TEXT NOT NULL,
    other_by TEXT NOT NULL REFERENCES users(id),
    other_device TEXT REFERENCES devices(id),
    other_base INTEGER NOT NULL,
    mutation_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    resolved_at INTEGER,
    resolved_by TEXT REFERENCES users(id),
    resolution TEXT CHECK (resolution IN ('current', 'other'))
);
CREATE INDEX conflicts_open ON conflicts(person_id, resolved_at);

-- What the device clock said, beside `recorded_at` as corrected by the server.
ALTER TABLE checks ADD COLUMN device_recorded_at INTEGER;
