-- name: insert_communities
-- PostGIS: multi-argument unnest of typed arrays; ST_GeomFromWKB is given SRID 4326 (WGS84),
-- which the geometry column requires. A generation's communities in one statement: each
-- parameter is an array, one item per community.
INSERT INTO communities (generation, code, name, population, households, geom, illustrative)
SELECT %(generation)s, code, name, population, households,
       ST_Multi(ST_GeomFromWKB(wkb, 4326)), illustrative
FROM unnest(%(code)s::text[], %(name)s::text[], %(population)s::integer[],
            %(households)s::integer[], %(wkb)s::bytea[], %(illustrative)s::boolean[])
     AS t (code, name, population, households, wkb, illustrative);

-- name: insert_grids
-- PostGIS: as insert_communities.
INSERT INTO grids (generation, code, community_code, name, population, households, geom,
                   illustrative)
SELECT %(generation)s, code, community_code, name, population, households,
       ST_Multi(ST_GeomFromWKB(wkb, 4326)), illustrative
FROM unnest(%(code)s::text[], %(community_code)s::text[], %(name)s::text[],
            %(population)s::integer[], %(households)s::integer[], %(wkb)s::bytea[],
            %(illustrative)s::boolean[])
     AS t (code, community_code, name, population, households, wkb, illustrative);
