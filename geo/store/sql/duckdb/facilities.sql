-- name: insert
INSERT INTO facilities (kind, name, lon, lat, capacity, radius_m, opening, generation,
                        community_code, grid_code, geom)
VALUES ($kind, $name, $lon, $lat, $capacity, $radius_m, $opening,
        $generation, $community_code, $grid_code,
        ST_Point($lon, $lat))
RETURNING id;

-- name: update
UPDATE facilities SET kind = $kind, name = $name, lon = $lon, lat = $lat,
    capacity = $capacity, radius_m = $radius_m, opening = $opening,
    generation = $generation, community_code = $community_code, grid_code = $grid_code,
    geom = ST_Point($lon, $lat)
WHERE id = $id;

-- name: delete
DELETE FROM facilities WHERE id = $id;

-- name: select
SELECT id, kind, name, lon, lat, capacity, radius_m, opening, generation, community_code,
       grid_code
FROM facilities
WHERE ($id IS NULL OR id = $id)
  AND ($kind IS NULL OR kind = $kind)
  AND ($community IS NULL OR community_code = $community)
ORDER BY id;
