-- name: insert_generation
INSERT INTO generations (label, source, community_count, grid_count)
VALUES ($label, $source, $community_count, $grid_count)
RETURNING id;

-- name: insert_communities
-- A generation's communities in one statement: each parameter is a list, one item per
-- community (unnest zips lists of equal length).
INSERT INTO communities (generation, code, name, population, households, geom)
SELECT $generation, code, name, population, households, ST_Multi(ST_GeomFromWKB(wkb))
FROM (SELECT unnest($code::VARCHAR[]) AS code, unnest($name::VARCHAR[]) AS name,
             unnest($population::INTEGER[]) AS population,
             unnest($households::INTEGER[]) AS households, unnest($wkb::BLOB[]) AS wkb);

-- name: insert_grids
-- A generation's grids in one statement, as insert_communities.
INSERT INTO grids (generation, code, community_code, name, population, households, geom)
SELECT $generation, code, community_code, name, population, households,
       ST_Multi(ST_GeomFromWKB(wkb))
FROM (SELECT unnest($code::VARCHAR[]) AS code,
             unnest($community_code::VARCHAR[]) AS community_code,
             unnest($name::VARCHAR[]) AS name, unnest($population::INTEGER[]) AS population,
             unnest($households::INTEGER[]) AS households, unnest($wkb::BLOB[]) AS wkb);

-- name: generation_exists
SELECT count(*) FROM generations WHERE id = $generation;

-- name: insert_activation
INSERT INTO generation_activations (generation, activated_at) VALUES ($generation, $at);

-- name: list_generations
SELECT id, label, source, created_at, community_count, grid_count FROM generations ORDER BY id;

-- name: list_activations
SELECT generation, activated_at FROM generation_activations ORDER BY activated_at, seq;

-- name: active_at
SELECT generation FROM generation_activations
WHERE activated_at <= $at
ORDER BY activated_at DESC, seq DESC
LIMIT 1;

-- name: communities
SELECT code, name, population, households, ST_AsWKB(geom)
FROM communities WHERE generation = $generation ORDER BY code;

-- name: grids
SELECT code, community_code, name, population, households, ST_AsWKB(geom)
FROM grids WHERE generation = $generation ORDER BY code;
