-- name: count_workers
SELECT count(*) FROM workers;

-- name: workers
-- The cast gives the parameter a type even when it is NULL (both dialects accept it).
SELECT id, name, role, community_code, home_grid_code, phone, skills, on_duty, open_case_cap
FROM workers
WHERE %(community)s::text IS NULL OR community_code = %(community)s
ORDER BY id;
