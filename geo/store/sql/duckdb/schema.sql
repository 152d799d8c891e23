-- name: create_version_table
CREATE TABLE IF NOT EXISTS schema_version (
    version    INTEGER PRIMARY KEY,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- name: lock
-- A DuckDB file has one writing process at a time; nothing more to lock.
SELECT 1;

-- name: current_version
SELECT COALESCE(max(version), 0) FROM schema_version;

-- name: record_version
INSERT INTO schema_version (version) VALUES ($version);
