-- name: insert
-- PostGIS: the point is made with ST_MakePoint and given SRID 4326 (WGS84) with ST_SetSRID.
INSERT INTO facilities (kind, name, lon, lat, capacity, radius_m, opening, generation,
                        community_code, grid_code, geom)
VALUES (%(kind)s, %(name)s, %(lon)s, %(lat)s, %(capacity)s, %(radius_m)s, %(opening)s,
        %(generation)s, %(community_code)s, %(grid_code)s,
        ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326))
RETURNING id;

-- name: update
-- PostGIS: the point is made with ST_MakePoint and given SRID 4326 (WGS84) with ST_SetSRID.
UPDATE facilities SET kind = %(kind)s, name = %(name)s, lon = %(lon)s, lat = %(lat)s,
    capacity = %(capacity)s, radius_m = %(radius_m)s, opening = %(opening)s,
    generation = %(generation)s, community_code = %(community_code)s, grid_code = %(grid_code)s,
    geom = ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)
WHERE id = %(id)s;
