-- What a field device's pull would send besides new checks (its manifest, requests, cases, areas,
-- events) changes only when one of these rows does, so each such change bumps a mark, and a pull
-- that finds every mark of its user as the device last saw them sends only the checks page
-- (`Storage::pull_marks`, BENCHMARKS.md §7). The marks: `a:` a small area (a person, request,
-- case or case event on a person there, or the area itself), `u:` a user (their assignments and
-- 担当区域), `m:` a municipality (its 安否確認 events; while one is open every pull is whole).
-- Bumped by triggers, so no write path can forget one. A bump is part of the writing
-- transaction: a pull reads the marks before the data, so a change committed after that read
-- is seen as a different mark at the next pull, whatever the commit order.
CREATE TABLE pull_marks (
    id TEXT PRIMARY KEY,
    mark BIGINT NOT NULL
);

-- The mark last sent to each device in a whole pull, and when; a pull is answered
-- "unchanged" only when the device sends that mark back, it still holds, and that pull was
-- recent (its read audit still stands, see `Storage::audit_sync_reads`).
ALTER TABLE devices ADD COLUMN pull_mark BIGINT;
ALTER TABLE devices ADD COLUMN pull_mark_at BIGINT;

CREATE FUNCTION bump_pull_mark(k TEXT) RETURNS void LANGUAGE sql AS $$
    INSERT INTO pull_marks (id, mark) SELECT k, 1 WHERE k IS NOT NULL
        ON CONFLICT (id) DO UPDATE SET mark = pull_marks.mark + 1
$$;

CREATE FUNCTION persons_mark() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN PERFORM bump_pull_mark('a:' || OLD.small_area_id); END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.small_area_id <> OLD.small_area_id) THEN
        PERFORM bump_pull_mark('a:' || NEW.small_area_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER persons_mark AFTER INSERT OR UPDATE OR DELETE ON persons
    FOR EACH ROW EXECUTE FUNCTION persons_mark();

CREATE FUNCTION small_areas_mark() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bump_pull_mark('a:' || NEW.id);
    RETURN NULL;
END $$;
CREATE TRIGGER small_areas_mark AFTER UPDATE ON small_areas
    FOR EACH ROW EXECUTE FUNCTION small_areas_mark();

-- assignments and commissioner_areas: whose list or 担当区域 changed.
CREATE FUNCTION user_rows_mark() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN PERFORM bump_pull_mark('u:' || OLD.user_id); END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.user_id <> OLD.user_id) THEN
        PERFORM bump_pull_mark('u:' || NEW.user_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER assignments_mark AFTER INSERT OR UPDATE OR DELETE ON assignments
    FOR EACH ROW EXECUTE FUNCTION user_rows_mark();
CREATE TRIGGER commissioner_areas_mark AFTER INSERT OR UPDATE OR DELETE ON commissioner_areas
    FOR EACH ROW EXECUTE FUNCTION user_rows_mark();

-- requests and cases: the area of the person they are on.
CREATE FUNCTION person_rows_mark() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM bump_pull_mark((SELECT 'a:' || p.small_area_id FROM persons p WHERE p.id = OLD.person_id));
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.person_id <> OLD.person_id) THEN
        PERFORM bump_pull_mark((SELECT 'a:' || p.small_area_id FROM persons p WHERE p.id = NEW.person_id));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER requests_mark AFTER INSERT OR UPDATE OR DELETE ON requests
    FOR EACH ROW EXECUTE FUNCTION person_rows_mark();
CREATE TRIGGER cases_mark AFTER INSERT OR UPDATE OR DELETE ON cases
    FOR EACH ROW EXECUTE FUNCTION person_rows_mark();

CREATE FUNCTION case_events_mark() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bump_pull_mark((SELECT 'a:' || p.small_area_id FROM cases k JOIN persons p ON p.id = k.person_id
                            WHERE k.id = NEW.case_id));
    RETURN NULL;
END $$;
CREATE TRIGGER case_events_mark AFTER INSERT OR UPDATE ON case_events
    FOR EACH ROW EXECUTE FUNCTION case_events_mark();

CREATE FUNCTION disaster_events_mark() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bump_pull_mark('m:' || NEW.municipality_id);
    RETURN NULL;
END $$;
CREATE TRIGGER disaster_events_mark AFTER INSERT OR UPDATE ON disaster_events
    FOR EACH ROW EXECUTE FUNCTION disaster_events_mark();
