-- Standard addresses (the district's gazetteer): address -> WGS84 point.
CREATE TABLE gazetteer (
    address    VARCHAR NOT NULL,
    normalised VARCHAR NOT NULL,
    lon        DOUBLE NOT NULL,
    lat        DOUBLE NOT NULL
);
