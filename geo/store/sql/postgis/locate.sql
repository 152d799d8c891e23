-- name: locate_many
-- PostGIS: a LATERAL subquery per point over unnest(...) WITH ORDINALITY, points with SRID.
-- Hand-written on purpose: one set-based statement answers a whole batch through the GiST
-- index; ORDER BY code LIMIT 1 applies the shared-edge rule (the smallest grid code wins).
SELECT p.i, g.code, g.community_code, c.name
FROM unnest(%(lon)s::float8[], %(lat)s::float8[]) WITH ORDINALITY AS p(lon, lat, i)
LEFT JOIN LATERAL (
    SELECT code, community_code FROM grids
    WHERE generation = %(generation)s
      AND ST_Covers(geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))
    ORDER BY code
    LIMIT 1
) g ON true
LEFT JOIN communities c ON c.generation = %(generation)s AND c.code = g.community_code
ORDER BY p.i;
