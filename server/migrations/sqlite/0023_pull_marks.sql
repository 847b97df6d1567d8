-- What a field device's pull would send besides new checks (its manifest, requests, cases, areas,
-- events) changes only when one of these rows does, so each such change bumps a mark, and a pull
-- that finds every mark of its user as the device last saw them sends only the checks page
-- (`Storage::pull_marks`, BENCHMARKS.md §7). The marks: `a:` a small area (a person, request,
-- case or case event on a person there, or the area itself), `u:` a user (their assignments and
-- 担当区域), `m:` a municipality (its 安否確認 events; while one is open every pull is whole).
-- Bumped by triggers, so no write path can forget one.
CREATE TABLE pull_marks (
    id TEXT PRIMARY KEY,
    mark INTEGER NOT NULL
) WITHOUT ROWID;

-- The mark last sent to each device in a whole pull, and when; a pull is answered
-- "unchanged" only when the device sends that mark back, it still holds, and that pull was
-- recent (its read audit still stands, see `Storage::audit_sync_reads`).
ALTER TABLE devices ADD COLUMN pull_mark INTEGER;
ALTER TABLE devices ADD COLUMN pull_mark_at INTEGER;

CREATE TRIGGER persons_mark_insert AFTER INSERT ON persons BEGIN
    INSERT INTO pull_marks (id, mark) SELECT 'a:' || NEW.small_area_id, 1 WHERE 1
        ON CONFLICT (id) DO UPDATE SET mark = mark + 1;
END;
CREATE TRIGGER persons_mark_update AFTER UPDATE ON persons BEGIN
    INSERT INTO pull_marks (id, mark) SELECT 'a:' || OLD.small_area_id, 1 WHERE 1
        ON CONFLICT (id) DO UPDATE SET mark = mark + 1;
    INSERT INTO pull_marks (id, mark) SELECT 'a:' || NEW.small_area_id, 1 WHERE NEW.small_area_id <> OLD.small_area_id
        ON CONFLICT (id) DO UPDATE SET mark = mark + 1;
END;
CREATE TRIGGER persons_mark_delete AFTER DELETE ON persons BEGIN
    INSERT INTO pull_marks (id, mark) SELECT 'a:' || OLD.small_area_id, 1 WHERE 1
        ON CONFLICT (id) DO UPDATE SET mark = mark + 1;
END;

CREATE TRIGGER small_areas_mark_update AFTER UPDATE ON small_areas BEGIN
    INSERT INTO pull_marks (id, mark) SELECT 'a:' || NEW.id, 1 WHERE 1
        ON CONFLICT (id) DO UPDATE SET mark = mark + 1;
END;

CREATE TRIGGER assignments_mark_insert AFTER INSERT ON assignments BEGIN
    INSERT INTO pull_marks (id, mark) SELECT 'u:' || NEW.user_id, 1 WHERE 1
        ON CONFLICT (id) DO UPDATE SET mark = mark + 1;
END;
CREATE TRIGGER assignments_mark_update AFTER UPDATE ON assignments BEGIN
    INSERT INTO pull_marks (id, mark) SELECT 'u:' || OLD.user_id, 1 WHERE 1
        ON CONFLICT (id) DO UPDATE SET mark = mark + 1;
    INSERT INTO pull_marks (id, mark) SELECT 'u:' || NEW.user_id, 1 WHERE 1
        ON CONFLICT (id) DO UPDATE SET mark = mark + 1;
END;
CREATE TRIGGER assignments_mark_delete AFTER DELETE ON assignments BEGIN
    INSERT INTO pull_marks (id, mark) SELECT 'u:' || OLD.user_id, 1 WHERE 1
        ON CONFLICT (id) DO UPDATE SET mark = mark + 1;
END;

CREATE TRIGGER commissioner_areas_mark_insert AFTER INSERT ON commissioner_areas BEGIN
    INSERT INTO pull_marks (id, mark) SELECT 'u:' || NEW.user_id, 1 WHERE 1
        ON CONFLICT (id) DO UPDATE SET mark = mark + 1;
END;
CREATE TRIGGER commissioner_areas_mark_update AFTER UPDATE ON commissioner_areas BEGIN
    INSERT INTO pull_marks (id, mark) SELECT 'u:' || OLD.user_id, 1 WHERE 1
        ON CONFLICT (id) DO UPDATE SET mark = mark + 1;
    INSERT INTO pull_marks (id, mark) SELECT 'u:' || NEW.user_id, 1 WHERE 1
        ON CONFLICT (id) DO UPDATE SET mark = mark + 1;
END;
CREATE TRIGGER commissioner_areas_mark_delete AFTER DELETE ON commissioner_areas BEGIN
    INSERT INTO pull_marks (id, mark) SELECT 'u:' || OLD.user_id, 1 WHERE 1
        ON CONFLICT (id) DO UPDATE SET mark = mark + 1;
END;

CREATE TRIGGER requests_mark_insert AFTER INSERT ON requests BEGIN
    INSERT INTO pull_marks (id, mark)
        SELECT 'a:' || p.small_area_id, 1 FROM persons p WHERE p.id = NEW.person_id
        ON CONFLICT (id) DO UPDATE SET mark = mark + 1;
END;
CREATE TRIGGER requests_mark_update AFTER UPDATE ON requests BEGIN
    INSERT INTO pull_marks (id, mark)
        SELECT 'a:' || p.small_area_id, 1 FROM persons p WHERE p.id IN (OLD.person_id, NEW.person_id)
        ON CONFLICT (id) DO UPDATE SET mark = mark + 1;
END;
CREATE TRIGGER requests_mark_delete AFTER DELETE ON requests BEGIN
    INSERT INTO pull_marks (id, mark)
        SELECT 'a:' || p.small_area_id, 1 FROM persons p WHERE p.id = OLD.person_id
        ON CONFLICT (id) DO UPDATE SET mark = mark + 1;
END;

CREATE TRIGGER cases_mark_insert AFTER INSERT ON cases BEGIN
    INSERT INTO pull_marks (id, mark)
        SELECT 'a:' || p.small_area_id, 1 FROM persons p WHERE p.id = NEW.person_id
        ON CONFLICT (id) DO UPDATE SET mark = mark + 1;
END;
CREATE TRIGGER cases_mark_update AFTER UPDATE ON cases BEGIN
    INSERT INTO pull_marks (id, mark)
        SELECT 'a:' || p.small_area_id, 1 FROM persons p WHERE p.id IN (OLD.person_id, NEW.person_id)
        ON CONFLICT (id) DO UPDATE SET mark = mark + 1;
END;
CREATE TRIGGER cases_mark_delete AFTER DELETE ON cases BEGIN
    INSERT INTO pull_marks (id, mark)
        SELECT 'a:' || p.small_area_id, 1 FROM persons p WHERE p.id = OLD.person_id
        ON CONFLICT (id) DO UPDATE SET mark = mark + 1;
END;

CREATE TRIGGER case_events_mark_insert AFTER INSERT ON case_events BEGIN
    INSERT INTO pull_marks (id, mark)
        SELECT 'a:' || p.small_area_id, 1 FROM cases k JOIN persons p ON p.id = k.person_id WHERE k.id = NEW.case_id
        ON CONFLICT (id) DO UPDATE SET mark = mark + 1;
END;
CREATE TRIGGER case_events_mark_update AFTER UPDATE ON case_events BEGIN
    INSERT INTO pull_marks (id, mark)
        SELECT 'a:' || p.small_area_id, 1 FROM cases k JOIN persons p ON p.id = k.person_id
        WHERE k.id IN (OLD.case_id, NEW.case_id)
        ON CONFLICT (id) DO UPDATE SET mark = mark + 1;
END;

CREATE TRIGGER disaster_events_mark_insert AFTER INSERT ON disaster_events BEGIN
    INSERT INTO pull_marks (id, mark) SELECT 'm:' || NEW.municipality_id, 1 WHERE 1
        ON CONFLICT (id) DO UPDATE SET mark = mark + 1;
END;
CREATE TRIGGER disaster_events_mark_update AFTER UPDATE ON disaster_events BEGIN
    INSERT INTO pull_marks (id, mark) SELECT 'm:' || NEW.municipality_id, 1 WHERE 1
        ON CONFLICT (id) DO UPDATE SET mark = mark + 1;
END;
