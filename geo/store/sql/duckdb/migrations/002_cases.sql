-- The category catalogue, cases and their append-only audit trail.
-- Case points are EPSG:4326 (lon, lat); DuckDB's GEOMETRY carries no SRID.
CREATE TABLE categories (
    code               text PRIMARY KEY,
    class_code         text NOT NULL,
    class_zh           text NOT NULL,
    class_en           text NOT NULL,
    name_zh            text NOT NULL,
    name_en            text NOT NULL,
    limit_value        DOUBLE NOT NULL CHECK (limit_value > 0),
    limit_unit         text NOT NULL CHECK (limit_unit IN ('hours', 'days')),
    duplicate_radius_m DOUBLE NOT NULL DEFAULT 0,
    position           integer NOT NULL
);

CREATE SEQUENCE cases_id START 1;
CREATE TABLE cases (
    id                    BIGINT PRIMARY KEY DEFAULT nextval('cases_id'),
    status                text NOT NULL,
    category              text NOT NULL,
    description           text NOT NULL DEFAULT '',
    source                text NOT NULL DEFAULT '',
    generation            integer,
    grid_code             text,
    community_code        text,
    lon                   DOUBLE,
    lat                   DOUBLE,
    input_lon             DOUBLE,
    input_lat             DOUBLE,
    input_crs             text,
    address               text,
    assignee_id           text,
    assign_reason_code    text,
    assign_reason         text,
    reporter_name         text,
    reporter_phone        text,
    reported_at           TIMESTAMPTZ NOT NULL,
    registered_at         TIMESTAMPTZ,
    due_at                TIMESTAMPTZ,
    closed_at             TIMESTAMPTZ,
    closed_on_time        boolean,
    suspended_at          TIMESTAMPTZ,
    unassigned            boolean NOT NULL DEFAULT false,
    needs_location        boolean NOT NULL DEFAULT false,
    possible_duplicate_of bigint,
    version               integer NOT NULL DEFAULT 1,
    idempotency_key       text UNIQUE,
    request_hash          text,
    handling_hours        DOUBLE,  -- working hours, registered to closed
    geom                  GEOMETRY
);
-- No secondary indexes: DuckDB scans columns fast, and its indexes turn updates of
-- indexed columns into delete + insert, which a workflow that updates rows does not need.

-- case_events.case_id is not declared a foreign key here: DuckDB refuses to update a row
-- that a foreign key references, and cases are updated at every step of the workflow.
CREATE TABLE case_events (
    case_id     bigint NOT NULL,
    seq         integer NOT NULL,
    action      text NOT NULL,
    actor_id    text NOT NULL,
    actor_role  text NOT NULL,
    from_status text,
    to_status   text,
    occurred_at TIMESTAMPTZ NOT NULL,
    note        text,
    PRIMARY KEY (case_id, seq)
);
