-- API tokens: only a SHA-256 of each token is kept.
CREATE TABLE tokens (
    id             text PRIMARY KEY,
    token_hash     text NOT NULL UNIQUE,
    role           text NOT NULL,
    name           text NOT NULL DEFAULT '',
    community_code text,
    worker_id      text,
    created_at     TIMESTAMPTZ NOT NULL,
    revoked_at     TIMESTAMPTZ
);
