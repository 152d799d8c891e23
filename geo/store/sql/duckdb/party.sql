-- name: insert_org
-- DuckDB: ST_Point instead of ST_MakePoint, and no SRID (geometries carry none here).
INSERT INTO party_orgs (code, name, kind, parent_code, lon, lat, generation, community_code,
                        grid_code, illustrative, geom)
VALUES ($code, $name, $kind, $parent_code, $lon, $lat, $generation, $community_code,
        $grid_code, $illustrative, ST_Point($lon, $lat))
RETURNING id;
