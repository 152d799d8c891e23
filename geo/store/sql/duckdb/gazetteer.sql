-- name: delete
DELETE FROM gazetteer;

-- name: insert
INSERT INTO gazetteer (address, normalised, lon, lat)
VALUES ($address, $normalised, $lon, $lat);

-- name: select
SELECT address, lon, lat FROM gazetteer ORDER BY normalised, address;
