-- The maps ask, for every person in a coordinator's districts, when they were last checked and
-- how the last sighting went: one probe of this index per person instead of reading their whole
-- history (checks_person_seq is in server order, not in the order the checks were made).
CREATE INDEX checks_person_recorded ON checks(person_id, recorded_at);
