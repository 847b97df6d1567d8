-- What a device was shown since a cut-off, read as one index range: `Storage::audit_reads` asks
-- which persons this device was already logged as shown today with one action (a list, the map),
-- to log each person once a day. The older index (device_id, person_id, action, at) answers that
-- only by reading every row the device ever logged, which grows by thousands a day for an office
-- browser that opens the map (5,000 persons for a coordinator of ten districts): after a year the
-- map's read of the log alone would read over a million rows at every opening.
CREATE INDEX audit_log_device_action_at ON audit_log(device_id, action, at, person_id);
