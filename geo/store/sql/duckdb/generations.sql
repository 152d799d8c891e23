-- name: insert_communities
-- DuckDB: lists unnested side by side in a subquery; ST_GeomFromWKB takes no SRID
-- (geometries carry none here). A generation's communities in one statement: each parameter
-- is a list, one item per community.
INSERT INTO communities (generation, code, name, population, households, geom, illustrative)
SELECT $generation, code, name, population, households, ST_Multi(ST_GeomFromWKB(wkb)),
       illustrative
FROM (SELECT unnest($code::VARCHAR[]) AS code, unnest($name::VARCHAR[]) AS name,
             unnest($population::INTEGER[]) AS population,
             unnest($households::INTEGER[]) AS households, unnest($wkb::BLOB[]) AS wkb,
             unnest($illustrative::BOOLEAN[]) AS illustrative);

-- name: insert_grids
-- DuckDB: as insert_communities.
INSERT INTO grids (generation, code, community_code, name, population, households, geom,
                   illustrative)
SELECT $generation, code, community_code, name, population, households,
       ST_Multi(ST_GeomFromWKB(wkb)), illustrative
FROM (SELECT unnest($code::VARCHAR[]) AS code,
             unnest($community_code::VARCHAR[]) AS community_code,
             unnest($name::VARCHAR[]) AS name, unnest($population::INTEGER[]) AS population,
             unnest($households::INTEGER[]) AS households, unnest($wkb::BLOB[]) AS wkb,
             unnest($illustrative::BOOLEAN[]) AS illustrative);
