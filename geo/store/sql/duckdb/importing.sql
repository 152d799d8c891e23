-- Imports. Words in braces stand for column lists of geo.cases.model.Case, filled in when a
-- statement is read (geo.cases.columns: identifiers from that fixed definition, never values);
-- import_hash, import_id and import_version are the import's own bookkeeping.

-- name: begin_import
INSERT INTO case_imports (file_name, file_sha256, actor_id, started_at)
VALUES ($file_name, $file_sha256, $actor_id, $at)
RETURNING id;

-- name: finish_import
UPDATE case_imports
SET finished_at = $at, rows_read = $rows_read, imported = $imported, updated = $updated,
    unchanged = $unchanged, rejected = $rejected, located = $located,
    unassigned = $unassigned, needs_location = $needs_location
WHERE id = $id;

-- name: lock_imports
-- DuckDB: one writer per process already (the store's write lock); nothing to take here.
SELECT 1;

-- name: existing
-- import_ids: the chunk's external ids, registered as a data frame.
SELECT c.external_id, c.id, c.import_hash AS stored_hash, c.version, c.import_version
FROM cases c JOIN import_ids i ON c.external_id = i.external_id;

-- name: insert_new
-- import_new: the chunk's new rows, registered as a data frame; points built here.
INSERT INTO cases ({case_import_columns}, import_hash, import_id, import_version, geom)
SELECT {case_import_columns}, import_hash, $import_id, 1,
       CASE WHEN lon IS NULL THEN NULL ELSE ST_Point(lon, lat) END
FROM import_new;

-- name: old_values
SELECT id, status, category, description, address, lon, lat, assignee_id, reported_at,
       registered_at, due_at, closed_at
FROM cases WHERE list_contains($ids, id);

-- name: apply_changes
-- import_changes: the changed rows, registered as a data frame.
UPDATE cases
SET {case_import_set},
    import_hash = s.import_hash, import_id = $import_id,
    version = cases.version + 1, import_version = cases.version + 1,
    geom = CASE WHEN s.lon IS NULL THEN NULL ELSE ST_Point(s.lon, s.lat) END
FROM import_changes s
WHERE cases.id = s.id AND cases.version = s.version;

-- name: change_events
INSERT INTO case_events (case_id, seq, action, actor_id, actor_role, from_status, to_status,
                         occurred_at, note)
SELECT s.id, COALESCE((SELECT max(e.seq) FROM case_events e WHERE e.case_id = s.id), 0) + 1,
       'import_update', $actor_id, $actor_role, s.old_status, s.status, $at, s.note
FROM import_changes s;

-- name: case_id_by_external
SELECT id FROM cases WHERE external_id = $external_id;
