-- 安否確認: an open event lists the 要援護 persons of its small areas for each field user's scope,
-- on every pull. Without this index SQLite builds a temporary one over all persons for each such
-- query (its plan reads "AUTOMATIC PARTIAL COVERING INDEX"); covering the whole condition lets it,
-- and PostgreSQL, read only the persons of the area.
CREATE INDEX persons_area_evacuation ON persons(small_area_id, needs_evacuation_help, active, consent_share_disaster, id);
