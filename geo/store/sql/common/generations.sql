-- name: insert_generation
INSERT INTO generations (label, source, community_count, grid_count)
VALUES (%(label)s, %(source)s, %(community_count)s, %(grid_count)s)
RETURNING id;

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

-- name: active_now
-- The generation in force now, by the database's clock (the transaction's start), and the
-- same generation's communities and grids below: with no bound parameter, because DuckDB's
-- Python client imports pandas (half a second) the first time it binds one, and a one-shot
-- `gridmgr locate` needs nothing else.
SELECT generation FROM generation_activations
WHERE activated_at <= CURRENT_TIMESTAMP
ORDER BY activated_at DESC, seq DESC
LIMIT 1;

-- name: active_communities
SELECT code, name, population, households, ST_AsBinary(geom), illustrative
FROM communities
WHERE generation = (SELECT generation FROM generation_activations
                    WHERE activated_at <= CURRENT_TIMESTAMP
                    ORDER BY activated_at DESC, seq DESC LIMIT 1)
ORDER BY code;

-- name: active_grids
SELECT code, community_code, name, population, households, ST_AsBinary(geom), illustrative
FROM grids
WHERE generation = (SELECT generation FROM generation_activations
                    WHERE activated_at <= CURRENT_TIMESTAMP
                    ORDER BY activated_at DESC, seq DESC LIMIT 1)
ORDER BY code;

-- name: communities
-- Geometries leave as WKB (ST_AsBinary: both dialects have it).
SELECT code, name, population, households, ST_AsBinary(geom), illustrative
FROM communities WHERE generation = %(generation)s ORDER BY code;

-- name: grids
-- Geometries leave as WKB (ST_AsBinary: both dialects have it).
SELECT code, community_code, name, population, households, ST_AsBinary(geom), illustrative
FROM grids WHERE generation = %(generation)s ORDER BY code;
