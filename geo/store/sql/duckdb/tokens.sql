-- name: insert_token
INSERT INTO tokens (id, token_hash, role, name, community_code, worker_id, created_at)
VALUES ($id, $token_hash, $role, $name, $community_code, $worker_id,
        $created_at);

-- name: by_hash
SELECT id, role, name, community_code, worker_id, created_at, revoked_at
FROM tokens WHERE token_hash = $token_hash;

-- name: list
SELECT id, role, name, community_code, worker_id, created_at, revoked_at
FROM tokens ORDER BY created_at, id;

-- name: revoke
UPDATE tokens SET revoked_at = $at WHERE id = $id AND revoked_at IS NULL;
