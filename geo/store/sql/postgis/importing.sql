-- Imports. Words in braces stand for column lists of geo.cases.model.Case, filled in when a
-- statement is read (geo.cases.columns: identifiers from that fixed definition, never values);
-- import_hash, import_id and import_version are the import's own bookkeeping.

-- name: begin_import
INSERT INTO case_imports (file_name, file_sha256, actor_id, started_at)
VALUES (%(file_name)s, %(file_sha256)s, %(actor_id)s, %(at)s)
RETURNING id;

-- name: finish_import
UPDATE case_imports
SET finished_at = %(at)s, rows_read = %(rows_read)s, imported = %(imported)s,
    updated = %(updated)s, unchanged = %(unchanged)s, rejected = %(rejected)s,
    located = %(located)s, unassigned = %(unassigned)s, needs_location = %(needs_location)s
WHERE id = %(id)s;

-- name: lock_imports
-- Chunks are written by two connections at once; two imports inserting the same external id
-- are kept apart by the unique index (the second fails, and is run again). JIT off: the id
-- lookup below may be estimated dear and JIT-compiled (~0.3 s) for a millisecond's work.
SET LOCAL jit = off;

-- name: existing_in_range
-- The stored ids between a chunk's smallest and largest (in byte order, as the index keeps
-- them): for files numbered in sequence, exactly the rows an earlier run imported, found in
-- one index range scan. Bounded: past the limit the caller asks id by id instead.
SELECT external_id, id, import_hash AS stored_hash, version, import_version
FROM cases
WHERE external_id COLLATE "C" BETWEEN %(lo)s AND %(hi)s
LIMIT %(limit)s;

-- name: existing
-- One index probe per id (the LIMIT keeps the planner from a join that scans every case,
-- which it prefers while a bulk load has left its statistics behind).
SELECT i.external_id, c.id, c.import_hash AS stored_hash, c.version, c.import_version
FROM unnest(string_to_array(%(ids)s, chr(31))) AS i (external_id)
CROSS JOIN LATERAL (SELECT id, import_hash, version, import_version FROM cases
                    WHERE cases.external_id COLLATE "C" = i.external_id LIMIT 1) AS c;

-- name: utc
-- COPY input below carries instants as UTC without a zone (see postgis._arrow_csv).
SET LOCAL TIME ZONE 'UTC';

-- name: copy_new
-- Straight into cases: no staging pass for the rows that are new (geom follows lon, lat).
COPY cases ({case_import_columns}, import_hash, import_id, import_version)
FROM STDIN WITH (FORMAT csv);

-- name: old_values
SELECT id, status, category, description, address, lon, lat, assignee_id, reported_at,
       registered_at, due_at, closed_at
FROM cases WHERE id = ANY(%(ids)s);

-- name: stage_changes
CREATE TEMP TABLE import_changes (LIKE cases) ON COMMIT DROP;
ALTER TABLE import_changes ADD COLUMN old_status text, ADD COLUMN note text;

-- name: copy_changes
COPY import_changes (id, version, {case_import_columns}, import_hash, old_status, note)
FROM STDIN WITH (FORMAT csv);

-- name: apply_changes
UPDATE cases c
SET {case_import_set},
    import_hash = s.import_hash, import_id = %(import_id)s,
    version = c.version + 1, import_version = c.version + 1
FROM import_changes s
WHERE c.id = s.id AND c.version = s.version;

-- name: change_events
INSERT INTO case_events (case_id, seq, action, actor_id, actor_role, from_status, to_status,
                         occurred_at, note)
SELECT s.id, (SELECT COALESCE(max(e.seq), 0) + 1 FROM case_events e WHERE e.case_id = s.id),
       'import_update', %(actor_id)s, %(actor_role)s, s.old_status, s.status, %(at)s, s.note
FROM import_changes s;

-- name: case_id_by_external
SELECT id FROM cases WHERE external_id COLLATE "C" = %(external_id)s;
