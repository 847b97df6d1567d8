-- 安否確認: a person handed to a particular checker for one event — from the board (担当を変える),
-- or the whole list of a field user who cannot act, handed to another. While the event is open the
-- checker holds the person (with their share_disaster consent, or the event widened), as if in
-- their own area; a later hand-over replaces the earlier one.
CREATE TABLE event_checkers (
    event_id TEXT NOT NULL REFERENCES disaster_events(id),
    person_id TEXT NOT NULL REFERENCES persons(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    assigned_by TEXT NOT NULL REFERENCES users(id),
    assigned_at INTEGER NOT NULL,
    PRIMARY KEY (event_id, person_id)
);
CREATE INDEX event_checkers_user ON event_checkers(user_id, event_id);
