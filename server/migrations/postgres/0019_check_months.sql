-- 集計 of a whole prefecture: the report's two biggest counts (checks by month and outcome, and
-- how many checks each person had in each month, for coverage) grouped every check of the period
-- on every request (4–5 s for all 50,000 persons' year, BENCHMARKS.md §10). This table keeps
-- those counts per person and month (in Japan's time) as checks arrive, so the report reads one
-- small row per person and month instead.
--
-- A trigger keeps it, so every way a check is stored (a phone's push, the demo, the benchmark
-- generator) counts it, in the same transaction; a check is never updated or deleted, and an
-- insert the idempotency gate skips (ON CONFLICT DO NOTHING) fires no row trigger. Pushes already
-- take one advisory lock in turn, so the upsert adds no new waiting between them.
CREATE TABLE check_months (
    person_id TEXT NOT NULL REFERENCES persons(id),
    month TEXT NOT NULL,
    n BIGINT NOT NULL,
    all_well BIGINT NOT NULL,
    concern BIGINT NOT NULL,
    not_home BIGINT NOT NULL,
    emergency BIGINT NOT NULL,
    PRIMARY KEY (person_id, month)
);

INSERT INTO check_months (person_id, month, n, all_well, concern, not_home, emergency)
SELECT person_id, to_char(to_timestamp((recorded_at + 32400000) / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM') AS month,
       COUNT(*), COUNT(*) FILTER (WHERE outcome = 'all_well'), COUNT(*) FILTER (WHERE outcome = 'concern'),
       COUNT(*) FILTER (WHERE outcome = 'not_home'), COUNT(*) FILTER (WHERE outcome = 'emergency')
FROM checks GROUP BY person_id, month;

CREATE FUNCTION count_check_month() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO check_months AS cm (person_id, month, n, all_well, concern, not_home, emergency)
    VALUES (NEW.person_id, to_char(to_timestamp((NEW.recorded_at + 32400000) / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM'), 1,
            (NEW.outcome = 'all_well')::int, (NEW.outcome = 'concern')::int,
            (NEW.outcome = 'not_home')::int, (NEW.outcome = 'emergency')::int)
    ON CONFLICT (person_id, month) DO UPDATE SET
        n = cm.n + 1,
        all_well = cm.all_well + EXCLUDED.all_well,
        concern = cm.concern + EXCLUDED.concern,
        not_home = cm.not_home + EXCLUDED.not_home,
        emergency = cm.emergency + EXCLUDED.emergency;
    RETURN NULL;
END
$$;

CREATE TRIGGER checks_count_month AFTER INSERT ON checks FOR EACH ROW EXECUTE FUNCTION count_check_month();
