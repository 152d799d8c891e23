-- name: insert_generation
INSERT INTO generations (label, source, community_count, grid_count)
VALUES (%(label)s, %(source)s, %(community_count)s, %(grid_count)s)
RETURNING id;

-- name: insert_communities
-- A generation's communities in one statement: each parameter is an array, one item per
-- community.
INSERT INTO communities (generation, code, name, population, households, geom)
SELECT %(generation)s, code, name, population, households,
       ST_Multi(ST_GeomFromWKB(wkb, 4326))
FROM unnest(%(code)s::text[], %(name)s::text[], %(population)s::integer[],
            %(households)s::integer[], %(wkb)s::bytea[])
     AS t (code, name, population, households, wkb);

-- name: insert_grids
-- A generation's grids in one statement, as insert_communities.
INSERT INTO grids (generation, code, community_code, name, population, households, geom)
SELECT %(generation)s, code, community_code, name, population, households,
       ST_Multi(ST_GeomFromWKB(wkb, 4326))
FROM unnest(%(code)s::text[], %(community_code)s::text[], %(name)s::text[],
            %(population)s::integer[], %(households)s::integer[], %(wkb)s::bytea[])
     AS t (code, community_code, name, population, households, wkb);

-- name: generation_exists
SELECT count(*) FROM generations WHERE id = %(generation)s;

-- name: insert_activation
INSERT INTO generation_activations (generation, activated_at) VALUES (%(generation)s, %(at)s);

-- name: list_generations
SELECT id, label, source, created_at, community_count, grid_count FROM generations ORDER BY id;

-- name: list_activations
SELECT generation, activated_at FROM generation_activations ORDER BY activated_at, seq;

-- name: active_at
SELECT generation FROM generation_activations
WHERE activated_at <= %(at)s
ORDER BY activated_at DESC, seq DESC
LIMIT 1;

-- name: communities
SELECT code, name, population, households, ST_AsBinary(geom)
FROM communities WHERE generation = %(generation)s ORDER BY code;

-- name: grids
SELECT code, community_code, name, population, households, ST_AsBinary(geom)
FROM grids WHERE generation = %(generation)s ORDER BY code;
