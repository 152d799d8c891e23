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
