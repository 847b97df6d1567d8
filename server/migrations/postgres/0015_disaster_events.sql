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
    drill BIGINT NOT NULL DEFAULT 0,
    -- Persons without share_disaster consent are on the list too (災害対策基本法, life at risk).
    widened BIGINT NOT NULL DEFAULT 0,
    widen_reason TEXT,
    alert_hours BIGINT NOT NULL,
    started_by TEXT NOT NULL REFERENCES users(id),
    started_at BIGINT NOT NULL,
    closed_by TEXT REFERENCES users(id),
    closed_at BIGINT
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
    recorded_at BIGINT NOT NULL,
    device_recorded_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    lat DOUBLE PRECISION,
    lng DOUBLE PRECISION,
    location_accuracy_m DOUBLE PRECISION,
    author_id TEXT NOT NULL REFERENCES users(id),
    device_id TEXT NOT NULL REFERENCES devices(id),
    -- It arrived after the event closed: stored (it happened), and shown as late.
    late BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX safety_confirmations_event_person ON safety_confirmations(event_id, person_id, recorded_at);

-- Each field user's own state in an event (自分の安全が第一); the latest replaces the earlier.
CREATE TABLE responder_states (
    event_id TEXT NOT NULL REFERENCES disaster_events(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    state TEXT NOT NULL CHECK (state IN ('safe', 'needs_help', 'cannot_act')),
    at BIGINT NOT NULL,
    PRIMARY KEY (event_id, user_id)
);

-- A 要支援 or 要救助 confirmation opens or joins the person's 要対応 case: a new kind of signal.
ALTER TABLE case_events DROP CONSTRAINT case_events_kind_check;
ALTER TABLE case_events ADD CONSTRAINT case_events_kind_check
    CHECK (kind IN ('check', 'request', 'safety', 'ack', 'update'));
