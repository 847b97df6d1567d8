-- One idempotency ledger for every kind of change. Checks and requests used to be recognised as
-- retries by their own tables; from now on every applied change, whatever its kind, enters its id
-- in `mutations`, and the server's one gate looks there. Changes stored before join the ledger here.
-- (`WHERE true`: SQLite needs a WHERE before ON CONFLICT in an INSERT … SELECT.)
INSERT INTO mutations (id, user_id, device_id, received_at)
SELECT id, author_id, device_id, received_at FROM checks WHERE true
ON CONFLICT (id) DO NOTHING;

INSERT INTO mutations (id, user_id, device_id, received_at)
SELECT id, raised_by, device_id, created_at FROM requests
WHERE device_id IN (SELECT id FROM devices)
ON CONFLICT (id) DO NOTHING;
