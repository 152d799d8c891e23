-- name: insert
INSERT INTO console_sessions (session_hash, token_id, csrf, created_at, expires_at)
VALUES (%(session_hash)s, %(token_id)s, %(csrf)s, %(created_at)s, %(expires_at)s);

-- name: by_hash
-- A session counts only while it has not expired and its token is not revoked.
SELECT t.id, t.role, t.name, t.community_code, t.worker_id, t.created_at, t.revoked_at,
       s.csrf, s.created_at, s.expires_at
FROM console_sessions s JOIN tokens t ON t.id = s.token_id
WHERE s.session_hash = %(session_hash)s AND s.expires_at > %(now)s AND t.revoked_at IS NULL;

-- name: delete
DELETE FROM console_sessions WHERE session_hash = %(session_hash)s;

-- name: delete_ended
DELETE FROM console_sessions
WHERE expires_at <= %(now)s
   OR token_id IN (SELECT id FROM tokens WHERE revoked_at IS NOT NULL);
