-- name: create_version_table
CREATE TABLE IF NOT EXISTS schema_version (
    version    integer PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
);

-- name: current_version
SELECT COALESCE(max(version), 0) FROM schema_version;

-- name: record_version
INSERT INTO schema_version (version) VALUES (%(version)s);
