-- name: delete
DELETE FROM facilities WHERE id = %(id)s;

-- name: select
-- The casts give the parameters a type even when they are NULL (both dialects accept them).
SELECT id, kind, name, lon, lat, capacity, radius_m, opening, generation, community_code,
       grid_code
FROM facilities
WHERE (%(id)s::bigint IS NULL OR id = %(id)s)
  AND (%(kind)s::text IS NULL OR kind = %(kind)s)
  AND (%(community)s::text IS NULL OR community_code = %(community)s)
ORDER BY id;
