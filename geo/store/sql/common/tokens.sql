-- name: insert_token
INSERT INTO tokens (id, token_hash, role, name, community_code, worker_id, created_at)
VALUES (%(id)s, %(token_hash)s, %(role)s, %(name)s, %(community_code)s, %(worker_id)s,
        %(created_at)s);

-- name: by_hash
SELECT id, role, name, community_code, worker_id, created_at, revoked_at
FROM tokens WHERE token_hash = %(token_hash)s;

-- name: list
SELECT id, role, name, community_code, worker_id, created_at, revoked_at
FROM tokens ORDER BY created_at, id;

-- name: revoke
UPDATE tokens SET revoked_at = %(at)s WHERE id = %(id)s AND revoked_at IS NULL;
