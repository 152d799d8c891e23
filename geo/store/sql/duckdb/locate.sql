-- name: locate_many
-- DuckDB: a grouped spatial join instead of LATERAL; ST_Point and no SRID.
-- Hand-written on purpose: one set-based statement answers a whole batch (DuckDB plans the
-- ST_Covers join as a spatial join); min(code) applies the shared-edge rule (the smallest
-- grid code wins).
WITH p AS (
    SELECT unnest($lon) AS lon, unnest($lat) AS lat, unnest(range(len($lon))) AS i
),
hits AS (
    SELECT p.i, min(g.code) AS code
    FROM p JOIN grids g
      ON g.generation = $generation AND ST_Covers(g.geom, ST_Point(p.lon, p.lat))
    GROUP BY p.i
)
SELECT p.i, h.code, g.community_code, c.name
FROM p
LEFT JOIN hits h ON h.i = p.i
LEFT JOIN grids g ON g.generation = $generation AND g.code = h.code
LEFT JOIN communities c ON c.generation = $generation AND c.code = g.community_code
ORDER BY p.i;
