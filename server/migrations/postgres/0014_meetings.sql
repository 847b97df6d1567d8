-- 個別ケース検討会: a meeting takes up open cases on a date; each case's decision, entered after
-- the meeting, is an ordinary case update (case_events), and meeting_cases notes when it was entered.
CREATE TABLE meetings (
    id TEXT PRIMARY KEY,
    municipality_id TEXT NOT NULL REFERENCES municipalities(id),
    held_on TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX meetings_municipality ON meetings(municipality_id, held_on);

CREATE TABLE meeting_cases (
    meeting_id TEXT NOT NULL REFERENCES meetings(id),
    case_id TEXT NOT NULL REFERENCES cases(id),
    position BIGINT NOT NULL,
    decided_at BIGINT,
    PRIMARY KEY (meeting_id, case_id)
);
CREATE INDEX meeting_cases_case ON meeting_cases(case_id);
