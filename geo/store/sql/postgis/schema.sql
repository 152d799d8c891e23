-- name: create_version_table
CREATE TABLE IF NOT EXISTS schema_version (
    version    integer PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
);

-- name: lock
-- Two processes migrating at once: the second waits for the first, then finds nothing to do.
SELECT pg_advisory_xact_lock(520103001);

-- name: current_version
SELECT COALESCE(max(version), 0) FROM schema_version;

-- name: record_version
INSERT INTO schema_version (version) VALUES (%(version)s);
