-- Service facilities, placed in the grid and community that cover them (EPSG:4326 points).
CREATE SEQUENCE facilities_id START 1;
CREATE TABLE facilities (
    id             BIGINT PRIMARY KEY DEFAULT nextval('facilities_id'),
    kind           VARCHAR NOT NULL,
    name           VARCHAR NOT NULL,
    lon            DOUBLE NOT NULL,
    lat            DOUBLE NOT NULL,
    capacity       INTEGER,
    radius_m       DOUBLE NOT NULL CHECK (radius_m > 0),
    opening        VARCHAR NOT NULL DEFAULT '',
    generation     INTEGER,
    community_code VARCHAR,
    grid_code      VARCHAR,
    geom           GEOMETRY NOT NULL
);
