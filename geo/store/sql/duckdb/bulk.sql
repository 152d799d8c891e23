-- Bulk loads. Words in braces stand for column lists of geo.cases.model.Case, filled in when a
-- statement is read (geo.cases.columns: identifiers from that fixed definition, never values).

-- name: insert_cases
-- Set-based: one INSERT ... SELECT from the registered data frame, points built in DuckDB.
INSERT INTO cases ({case_bulk_columns}, geom)
SELECT {case_bulk_columns}, CASE WHEN lon IS NULL THEN NULL ELSE ST_Point(lon, lat) END
FROM bulk_cases;

-- name: insert_events
INSERT INTO case_events (case_id, seq, action, actor_id, actor_role, from_status, to_status,
                         occurred_at, note)
SELECT case_id, seq, action, actor_id, actor_role, from_status, to_status, occurred_at, note
FROM bulk_events;

-- name: next_case_id
SELECT COALESCE(max(id), 0) + 1 FROM cases;

-- name: advance_case_ids
-- DuckDB has no setval: draw the sequence past the largest id.
SELECT max(nextval('cases_id')) FROM range((SELECT COALESCE(max(id), 0) FROM cases));
