-- Cases imported from other systems (the hotline, patrol records): each import is logged, and
-- each imported case keeps its external id (事件编号) and a fingerprint of the row it came
-- from, so a re-run imports nothing twice and a changed row updates its case. No index on
-- external_id (see 002): an import finds existing ids with one join per chunk.
CREATE SEQUENCE case_imports_id START 1;
CREATE TABLE case_imports (
    id             BIGINT PRIMARY KEY DEFAULT nextval('case_imports_id'),
    file_name      text NOT NULL,
    file_sha256    text NOT NULL,
    actor_id       text NOT NULL,
    started_at     TIMESTAMPTZ NOT NULL,
    finished_at    TIMESTAMPTZ,
    rows_read      integer NOT NULL DEFAULT 0,
    imported       integer NOT NULL DEFAULT 0,
    updated        integer NOT NULL DEFAULT 0,
    unchanged      integer NOT NULL DEFAULT 0,
    rejected       integer NOT NULL DEFAULT 0,
    located        integer NOT NULL DEFAULT 0,
    unassigned     integer NOT NULL DEFAULT 0,
    needs_location integer NOT NULL DEFAULT 0
);
ALTER TABLE cases ADD COLUMN external_id text;
ALTER TABLE cases ADD COLUMN import_id bigint;
ALTER TABLE cases ADD COLUMN import_hash bigint;
ALTER TABLE cases ADD COLUMN import_version integer;
