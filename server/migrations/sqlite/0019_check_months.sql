-- 集計 of a whole prefecture: the report's two biggest counts (checks by month and outcome, and
-- how many checks each person had in each month, for coverage) grouped every check of the period
-- on every request: about 1 s per 900,000 checks, nearly all of it SQLite sorting the rows
-- (BENCHMARKS.md §10). This table keeps those counts per person and month (in Japan's time) as
-- checks arrive, so the report reads one small row per person and month instead.
--
-- A trigger keeps it, so every way a check is stored (a phone's push, the demo, the benchmark
-- generator) counts it, in the same transaction; a check is never updated or deleted, and an
-- insert the idempotency gate skips (ON CONFLICT DO NOTHING) fires no trigger. The report still
-- reads the persons from `persons`, so a person who moved area or left the field is counted as
-- the report's scope says, as before.
CREATE TABLE check_months (
    person_id TEXT NOT NULL REFERENCES persons(id),
    month TEXT NOT NULL,
    n INTEGER NOT NULL,
    all_well INTEGER NOT NULL,
    concern INTEGER NOT NULL,
    not_home INTEGER NOT NULL,
    emergency INTEGER NOT NULL,
    PRIMARY KEY (person_id, month)
) WITHOUT ROWID;

INSERT INTO check_months (person_id, month, n, all_well, concern, not_home, emergency)
SELECT person_id, strftime('%Y-%m', (recorded_at + 32400000) / 1000, 'unixepoch') AS month, COUNT(*),
       SUM(outcome = 'all_well'), SUM(outcome = 'concern'), SUM(outcome = 'not_home'), SUM(outcome = 'emergency')
FROM checks GROUP BY person_id, month;

CREATE TRIGGER checks_count_month AFTER INSERT ON checks
BEGIN
    INSERT INTO check_months (person_id, month, n, all_well, concern, not_home, emergency)
    VALUES (NEW.person_id, strftime('%Y-%m', (NEW.recorded_at + 32400000) / 1000, 'unixepoch'), 1,
            NEW.outcome = 'all_well', NEW.outcome = 'concern', NEW.outcome = 'not_home', NEW.outcome = 'emergency')
    ON CONFLICT (person_id, month) DO UPDATE SET
        n = n + 1,
        all_well = all_well + excluded.all_well,
        concern = concern + excluded.concern,
        not_home = not_home + excluded.not_home,
        emergency = emergency + excluded.emergency;
END;
