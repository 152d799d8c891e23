-- Boundary generations (as MapIt keeps them), their communities and grids, and the roster.
-- DuckDB's spatial GEOMETRY carries no SRID: everything stored is EPSG:4326 (lon, lat).
CREATE SEQUENCE generations_id START 1;
CREATE TABLE generations (
    id              INTEGER PRIMARY KEY DEFAULT nextval('generations_id'),
    label           VARCHAR NOT NULL DEFAULT '',
    source          VARCHAR NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    community_count INTEGER NOT NULL,
    grid_count      INTEGER NOT NULL
);

CREATE SEQUENCE generation_activations_seq START 1;
CREATE TABLE generation_activations (
    seq          INTEGER PRIMARY KEY DEFAULT nextval('generation_activations_seq'),
    generation   INTEGER NOT NULL REFERENCES generations (id),
    activated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE communities (
    generation INTEGER NOT NULL REFERENCES generations (id),
    code       VARCHAR NOT NULL,
    name       VARCHAR NOT NULL,
    population INTEGER,
    households INTEGER,
    geom       GEOMETRY NOT NULL,
    PRIMARY KEY (generation, code)
);

CREATE TABLE grids (
    generation     INTEGER NOT NULL REFERENCES generations (id),
    code           VARCHAR NOT NULL,
    community_code VARCHAR NOT NULL,
    name           VARCHAR,
    population     INTEGER,
    households     INTEGER,
    geom           GEOMETRY NOT NULL,
    PRIMARY KEY (generation, code),
    FOREIGN KEY (generation, community_code) REFERENCES communities (generation, code)
);
CREATE INDEX grids_geom ON grids USING RTREE (geom);

CREATE TABLE workers (
    id             VARCHAR PRIMARY KEY,
    name           VARCHAR NOT NULL,
    role           VARCHAR NOT NULL CHECK (role IN ('grid_worker', 'community_staff')),
    community_code VARCHAR NOT NULL,
    home_grid_code VARCHAR,
    phone          VARCHAR,
    skills         VARCHAR NOT NULL DEFAULT '',
    on_duty        BOOLEAN NOT NULL DEFAULT true,
    open_case_cap  INTEGER NOT NULL DEFAULT 20 CHECK (open_case_cap >= 0)
);
