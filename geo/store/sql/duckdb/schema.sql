-- name: lock
-- DuckDB: a database file has one writing process at a time; nothing more to lock.
SELECT 1;
