-- One index by device is enough: `audit_log_device_action_at` (0021) answers both of the log's
-- reads by device (what a list or the map showed today, and what a pull sent today), since a
-- pull's audit now reads that range too instead of probing person by person. The older index
-- cost a fourth index entry for every row written: a coordinator's first map of the day writes
-- 5,000 rows, the largest write of an ordinary day (BENCHMARKS.md §8).
DROP INDEX audit_log_device_person;
