-- name: insert_worker
INSERT INTO workers (id, name, role, community_code, home_grid_code, phone, skills, on_duty,
                     open_case_cap)
VALUES ($id, $name, $role, $community_code, $home_grid_code, $phone, $skills, $on_duty,
        $open_case_cap)
ON CONFLICT (id) DO NOTHING;

-- name: count_workers
SELECT count(*) FROM workers;

-- name: workers
SELECT id, name, role, community_code, home_grid_code, phone, skills, on_duty, open_case_cap
FROM workers
WHERE $community IS NULL OR community_code = $community
ORDER BY id;

-- name: insert_workers_from_frame
-- Every row of the registered relation new_workers (one statement, not one per worker);
-- ids already stored are skipped, as insert_worker does.
INSERT INTO workers (id, name, role, community_code, home_grid_code, phone, skills, on_duty,
                     open_case_cap)
SELECT id, name, role, community_code, home_grid_code, phone, skills, on_duty, open_case_cap
FROM new_workers
ON CONFLICT (id) DO NOTHING;
