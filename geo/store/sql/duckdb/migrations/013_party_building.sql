-- The party-building grid: organisations (with an optional EPSG:4326 point, placed in the
-- grid and community that cover it), members who report to a community (到社区报到), the
-- service posts (岗位) communities publish in their grids, members' claims of posts, and the
-- hours logged per activity. Codes of organisations are their own identifiers.
-- (DuckDB: identities from sequences; geometries carry no SRID.)
CREATE SEQUENCE party_orgs_id START 1;
CREATE TABLE party_orgs (
    id             BIGINT PRIMARY KEY DEFAULT nextval('party_orgs_id'),
    code           VARCHAR NOT NULL UNIQUE,
    name           VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL,
    parent_code    VARCHAR,
    lon            DOUBLE,
    lat            DOUBLE,
    generation     INTEGER,
    community_code VARCHAR,
    grid_code      VARCHAR,
    illustrative   BOOLEAN NOT NULL DEFAULT false,
    geom           GEOMETRY
);

CREATE SEQUENCE party_members_id START 1;
CREATE TABLE party_members (
    id             BIGINT PRIMARY KEY DEFAULT nextval('party_members_id'),
    name           VARCHAR NOT NULL,
    phone          VARCHAR,
    org_code       VARCHAR,
    community_code VARCHAR NOT NULL,
    skills         VARCHAR NOT NULL DEFAULT '',
    reported_on    DATE NOT NULL
);

CREATE SEQUENCE party_posts_id START 1;
CREATE TABLE party_posts (
    id             BIGINT PRIMARY KEY DEFAULT nextval('party_posts_id'),
    community_code VARCHAR NOT NULL,
    grid_code      VARCHAR NOT NULL,
    title          VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL,
    slots          INTEGER NOT NULL CHECK (slots > 0),
    published_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE party_claims (
    post_id    BIGINT NOT NULL REFERENCES party_posts (id),
    member_id  BIGINT NOT NULL REFERENCES party_members (id),
    claimed_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (post_id, member_id)
);

CREATE SEQUENCE party_hours_id START 1;
CREATE TABLE party_hours (
    id        BIGINT PRIMARY KEY DEFAULT nextval('party_hours_id'),
    post_id   BIGINT NOT NULL,
    member_id BIGINT NOT NULL,
    day       DATE NOT NULL,
    hours     DOUBLE NOT NULL CHECK (hours > 0 AND hours <= 24),
    activity  VARCHAR NOT NULL DEFAULT '',
    FOREIGN KEY (post_id, member_id) REFERENCES party_claims (post_id, member_id)
);
