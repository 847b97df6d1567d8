-- 災害時の安否確認 (issue 15). An event covers some small areas; while it is open, the 要援護
-- persons there (needs_evacuation_help) are on the list of their usual watchers and, with their
-- `share_disaster` consent (or for every one of them when an admin widened the event, with the
-- reason kept), of every volunteer who watches someone in the same small area. Confirmations are
-- append-only like checks: both of two checkers' are kept; the newest is the person's status.
CREATE TABLE disaster_events (
    id TEXT PRIMARY KEY,
    municipality_id TEXT NOT NULL REFERENCES municipalities(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('earthquake', 'flood', 'snow', 'other')),
    -- 訓練: kept apart from real events in every report.
    drill INTEGER NOT NULL DEFAULT 0,
    -- Persons without share_disaster consent are on the list too (災害対策基本法, life at risk).
    widened INTEGER NOT NULL DEFAULT 0,
    widen_reason TEXT,
    alert_hours INTEGER NOT NULL,
    started_by TEXT NOT NULL REFERENCES users(id),
    started_at INTEGER NOT NULL,
    closed_by TEXT REFERENCES users(id),
    closed_at INTEGER
);
CREATE INDEX disaster_events_open ON disaster_events(closed_at);

CREATE TABLE disaster_event_areas (
    event_id TEXT NOT NULL REFERENCES disaster_events(id),
    small_area_id TEXT NOT NULL REFERENCES small_areas(id),
    PRIMARY KEY (event_id, small_area_id)
);
CREATE INDEX disaster_event_areas_area ON disaster_event_areas(small_area_id, event_id);

CREATE TABLE safety_confirmations (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL REFERENCES disaster_events(id),
    person_id TEXT NOT NULL REFERENCES persons(id),
    status TEXT NOT NULL CHECK (status IN
        ('safe_home', 'safe_evacuated', 'needs_support', 'needs_rescue', 'unreachable', 'hospital')),
    shelter TEXT CHECK (shelter IN ('designated', 'welfare', 'relatives', 'other')),
    shelter_name TEXT NOT NULL DEFAULT '',
    -- Support needs, comma-separated in chip order.
    needs TEXT NOT NULL DEFAULT '',
    note TEXT,
    -- Server-corrected time it was made, the device's own, and when it arrived.
    recorded_at INTEGER NOT NULL,
    device_recorded_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    lat REAL,
    lng REAL,
    location_accuracy_m REAL,
    author_id TEXT NOT NULL REFERENCES users(id),
    device_id TEXT NOT NULL REFERENCES devices(id),
    -- It arrived after the event closed: stored (it happened), and shown as late.
    late INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX safety_confirmations_event_person ON safety_confirmations(event_id, person_id, recorded_at);

-- Each field user's own state in an event (自分の安全が第一); the latest replaces the earlier.
CREATE TABLE responder_states (
    event_id TEXT NOT NULL REFERENCES disaster_events(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    state TEXT NOT NULL CHECK (state IN ('safe', 'needs_help', 'cannot_act')),
    at INTEGER NOT NULL,
    PRIMARY KEY (event_id, user_id)
);

-- A 要支援 or 要救助 confirmation opens or joins the person's 要対応 case: a new kind of signal.
-- SQLite changes a CHECK constraint only by rebuilding the table.
CREATE TABLE case_events_new (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id TEXT NOT NULL REFERENCES cases(id),
    at INTEGER NOT NULL,
    by_user TEXT NOT NULL REFERENCES users(id),
    -- check / request / safety: a signal (ref_id is its id); ack: 確認しました; update: an office change.
    kind TEXT NOT NULL CHECK (kind IN ('check', 'request', 'safety', 'ack', 'update')),
    ref_id TEXT,
    status TEXT,
    owner_id TEXT,
    next_action_on TEXT,
    note TEXT NOT NULL DEFAULT '',
    shared_note TEXT
);
INSERT INTO case_events_new (seq, case_id, at, by_user, kind, ref_id, status, owner_id, next_action_on, note, shared_note)
    SELECT seq, case_id, at, by_user, kind, ref_id, status, owner_id, next_action_on, note, shared_note FROM case_events;
DROP TABLE case_events;
ALTER TABLE case_events_new RENAME TO case_events;
CREATE INDEX case_events_case ON case_events(case_id, seq);
CREATE INDEX case_events_ref ON case_events(ref_id);
