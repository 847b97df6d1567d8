-- Pulls start from the user's own rows (see storage/persons.rs `scope_ids`); staff scopes go
-- from districts to their small areas.
CREATE INDEX small_areas_district ON small_areas(district_id);
