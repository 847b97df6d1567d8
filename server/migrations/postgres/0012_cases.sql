-- 要対応: follow-up cases. Every 気になる or 緊急 check and every request opens a case for the
-- person or joins the one open (at most one open case per person: cases_one_open). A case's
-- timeline is case_events: the signals it gathered and every office action, who and when.
CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES persons(id),
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_progress', 'done', 'watching')),
    -- A 緊急 is among its signals.
    urgent BIGINT NOT NULL DEFAULT 0,
    opened_at BIGINT NOT NULL,
    -- When the earliest signal not yet acknowledged reached the server (NULL: all acknowledged).
    awaiting_since BIGINT,
    acknowledged_by TEXT REFERENCES users(id),
    acknowledged_at BIGINT,
    owner_id TEXT REFERENCES users(id),
    next_action_on TEXT,
    -- The office's short word for those who raised the signals.
    shared_note TEXT,
    closed_at BIGINT,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX cases_one_open ON cases(person_id) WHERE status IN ('open', 'in_progress');
CREATE INDEX cases_person ON cases(person_id);

CREATE TABLE case_events (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    at BIGINT NOT NULL,
    by_user TEXT NOT NULL REFERENCES users(id),
    -- check / request: a signal (ref_id is its id); ack: 確認しました; update: an office change.
    kind TEXT NOT NULL CHECK (kind IN ('check', 'request', 'ack', 'update')),
    ref_id TEXT,
    status TEXT,
    owner_id TEXT,
    next_action_on TEXT,
    note TEXT NOT NULL DEFAULT '',
    shared_note TEXT
);
CREATE INDEX case_events_case ON case_events(case_id, seq);
CREATE INDEX case_events_ref ON case_events(ref_id);

-- Signals from before cases existed, of the last 30 days: one open case per person, waiting for
-- the office to acknowledge it (nobody had).
CREATE TEMPORARY TABLE case_backfill ON COMMIT DROP AS
    SELECT c.person_id, c.received_at AS at, c.author_id AS by_user, 'check' AS kind, c.id AS ref_id,
           CASE WHEN c.outcome = 'emergency' THEN 1 ELSE 0 END AS urgent
    FROM checks c
    WHERE c.outcome IN ('concern', 'emergency')
      AND c.received_at > CAST(EXTRACT(EPOCH FROM now()) AS BIGINT) * 1000 - 2592000000
    UNION ALL
    SELECT r.person_id, r.created_at, r.raised_by, 'request', r.id, 0
    FROM requests r WHERE r.status IN ('received', 'in_progress');
INSERT INTO cases (id, person_id, status, urgent, opened_at, awaiting_since, updated_at)
    SELECT 'case-' || person_id, person_id, 'open', MAX(urgent), MIN(at), MIN(at), MAX(at)
    FROM case_backfill GROUP BY person_id;
INSERT INTO case_events (case_id, at, by_user, kind, ref_id)
    SELECT 'case-' || person_id, at, by_user, kind, ref_id FROM case_backfill ORDER BY at;
DROP TABLE IF EXISTS case_backfill;
