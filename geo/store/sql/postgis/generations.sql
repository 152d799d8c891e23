-- name: insert_community
-- PostGIS: ST_GeomFromWKB is given SRID 4326 (WGS84), which the geometry column requires.
INSERT INTO communities (generation, code, name, population, households, geom)
VALUES (%(generation)s, %(code)s, %(name)s, %(population)s, %(households)s,
        ST_Multi(ST_GeomFromWKB(%(wkb)s, 4326)));

-- name: insert_grid
-- PostGIS: ST_GeomFromWKB is given SRID 4326 (WGS84), which the geometry column requires.
INSERT INTO grids (generation, code, community_code, name, population, households, geom)
VALUES (%(generation)s, %(code)s, %(community_code)s, %(name)s, %(population)s, %(households)s,
        ST_Multi(ST_GeomFromWKB(%(wkb)s, 4326)));
