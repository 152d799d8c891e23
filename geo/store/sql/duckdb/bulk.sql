-- name: insert_cases
-- Set-based: one INSERT ... SELECT from the registered data frame, points built in DuckDB.
INSERT INTO cases (id, status, category, description, source, generation, grid_code,
                   community_code, lon, lat, input_lon, input_lat, input_crs, address,
                   assignee_id, assign_reason_code, assign_reason, reported_at, registered_at,
                   due_at, closed_at, closed_on_time, suspended_at, unassigned, needs_location,
                   version, handling_hours, geom)
SELECT id, status, category, description, source, generation, grid_code, community_code, lon,
       lat, input_lon, input_lat, input_crs, address, assignee_id, assign_reason_code,
       assign_reason, reported_at, registered_at, due_at, closed_at, closed_on_time,
       suspended_at, unassigned, needs_location, version, handling_hours,
       CASE WHEN lon IS NULL THEN NULL ELSE ST_Point(lon, lat) END
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
