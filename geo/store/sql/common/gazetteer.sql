-- name: delete
DELETE FROM gazetteer;

-- name: insert
INSERT INTO gazetteer (address, normalised, lon, lat)
VALUES (%(address)s, %(normalised)s, %(lon)s, %(lat)s);

-- name: select
SELECT address, lon, lat FROM gazetteer ORDER BY normalised, address;
