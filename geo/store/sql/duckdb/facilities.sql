-- name: insert
-- DuckDB: ST_Point instead of ST_MakePoint, and no SRID (geometries carry none here).
INSERT INTO facilities (kind, name, lon, lat, capacity, radius_m, opening, generation,
                        community_code, grid_code, geom)
VALUES ($kind, $name, $lon, $lat, $capacity, $radius_m, $opening,
        $generation, $community_code, $grid_code,
        ST_Point($lon, $lat))
RETURNING id;

-- name: update
-- DuckDB: ST_Point instead of ST_MakePoint, and no SRID (geometries carry none here).
UPDATE facilities SET kind = $kind, name = $name, lon = $lon, lat = $lat,
    capacity = $capacity, radius_m = $radius_m, opening = $opening,
    generation = $generation, community_code = $community_code, grid_code = $grid_code,
    geom = ST_Point($lon, $lat)
WHERE id = $id;
