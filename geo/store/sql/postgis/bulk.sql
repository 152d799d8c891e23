-- name: stage_cases
CREATE TEMP TABLE stage_cases (LIKE cases INCLUDING DEFAULTS) ON COMMIT DROP;

-- name: copy_cases
COPY stage_cases (id, status, category, description, source, generation, grid_code,
                  community_code, lon, lat, input_lon, input_lat, input_crs, address,
                  assignee_id, assign_reason_code, assign_reason, reported_at, registered_at,
                  due_at, closed_at, closed_on_time, suspended_at, unassigned, needs_location,
                  version, handling_hours)
FROM STDIN WITH (FORMAT csv);

-- name: insert_cases
-- Set-based: one INSERT ... SELECT for the whole batch (geom is computed from lon, lat).
INSERT INTO cases (id, status, category, description, source, generation, grid_code,
                   community_code, lon, lat, input_lon, input_lat, input_crs, address,
                   assignee_id, assign_reason_code, assign_reason, reported_at, registered_at,
                   due_at, closed_at, closed_on_time, suspended_at, unassigned, needs_location,
                   version, handling_hours)
SELECT id, status, category, description, source, generation, grid_code, community_code, lon,
       lat, input_lon, input_lat, input_crs, address, assignee_id, assign_reason_code,
       assign_reason, reported_at, registered_at, due_at, closed_at, closed_on_time,
       suspended_at, unassigned, needs_location, version, handling_hours
FROM stage_cases;

-- name: copy_events
COPY case_events (case_id, seq, action, actor_id, actor_role, from_status, to_status,
                  occurred_at, note)
FROM STDIN WITH (FORMAT csv);

-- name: next_case_id
SELECT COALESCE(max(id), 0) + 1 FROM cases;

-- name: advance_case_ids
SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases));
