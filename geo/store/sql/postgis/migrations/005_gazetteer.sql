-- Standard addresses (the district's gazetteer): address -> WGS84 point.
CREATE TABLE gazetteer (
    address    text NOT NULL,
    normalised text NOT NULL,
    lon        double precision NOT NULL,
    lat        double precision NOT NULL
);
CREATE INDEX gazetteer_normalised ON gazetteer (normalised);
