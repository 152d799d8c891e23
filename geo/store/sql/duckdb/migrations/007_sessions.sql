-- Console sign-in sessions: only a SHA-256 of each session id is kept. A session acts as the
-- token it was opened with; it ends on sign-out, at expires_at, or when the token is revoked.
CREATE TABLE console_sessions (
    session_hash text PRIMARY KEY,
    token_id     text NOT NULL,
    csrf         text NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL
);
