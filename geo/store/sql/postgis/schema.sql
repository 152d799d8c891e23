-- name: lock
-- PostGIS: several processes can migrate one database at once, so a transaction-scoped
-- advisory lock makes the second wait for the first, then find nothing to do.
SELECT pg_advisory_xact_lock(520103001);
