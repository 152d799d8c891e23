-- name: insert_workers
-- DuckDB: lists unnested side by side in a subquery. Workers in one statement, each parameter
-- a list with one item per worker; ids already stored are skipped (the caller drops repeated
-- ids within one call, keeping the first).
INSERT INTO workers (id, name, role, community_code, home_grid_code, phone, skills, on_duty,
                     open_case_cap)
SELECT * FROM (
    SELECT unnest($id::VARCHAR[]), unnest($name::VARCHAR[]), unnest($role::VARCHAR[]),
           unnest($community_code::VARCHAR[]), unnest($home_grid_code::VARCHAR[]),
           unnest($phone::VARCHAR[]), unnest($skills::VARCHAR[]),
           unnest($on_duty::BOOLEAN[]), unnest($open_case_cap::INTEGER[]))
ON CONFLICT (id) DO NOTHING;
