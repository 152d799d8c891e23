-- Bulk loads. Words in braces stand for column lists of geo.cases.model.Case, filled in when a
-- statement is read (geo.cases.columns: identifiers from that fixed definition, never values).

-- name: stage_cases
CREATE TEMP TABLE stage_cases (LIKE cases INCLUDING DEFAULTS) ON COMMIT DROP;

-- name: copy_cases
COPY stage_cases ({case_bulk_columns})
FROM STDIN WITH (FORMAT csv);

-- name: insert_cases
-- Set-based: one INSERT ... SELECT for the whole batch (geom is computed from lon, lat).
INSERT INTO cases ({case_bulk_columns})
SELECT {case_bulk_columns}
FROM stage_cases;

-- name: copy_events
COPY case_events (case_id, seq, action, actor_id, actor_role, from_status, to_status,
                  occurred_at, note)
FROM STDIN WITH (FORMAT csv);

-- name: next_case_id
SELECT COALESCE(max(id), 0) + 1 FROM cases;

-- name: advance_case_ids
SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases));
