-- name: insert_community
-- DuckDB: ST_GeomFromWKB takes no SRID (geometries carry none here).
INSERT INTO communities (generation, code, name, population, households, geom)
VALUES ($generation, $code, $name, $population, $households, ST_Multi(ST_GeomFromWKB($wkb)));

-- name: insert_grid
-- DuckDB: ST_GeomFromWKB takes no SRID (geometries carry none here).
INSERT INTO grids (generation, code, community_code, name, population, households, geom)
VALUES ($generation, $code, $community_code, $name, $population, $households,
        ST_Multi(ST_GeomFromWKB($wkb)));
