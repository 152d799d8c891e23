-- name: insert_org
-- PostGIS: the point (NULL without lon/lat) is made with ST_MakePoint, SRID 4326 (WGS84).
INSERT INTO party_orgs (code, name, kind, parent_code, lon, lat, generation, community_code,
                        grid_code, illustrative, geom)
VALUES (%(code)s, %(name)s, %(kind)s, %(parent_code)s, %(lon)s, %(lat)s, %(generation)s,
        %(community_code)s, %(grid_code)s, %(illustrative)s,
        ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326))
RETURNING id;

-- name: lock_post
-- PostGIS: the row is locked so that two claims of the last slot cannot both pass.
SELECT slots, community_code FROM party_posts WHERE id = %(id)s FOR UPDATE;
