"""API tokens: random secrets handed out once, kept only as a SHA-256 hash.

A token reads ``gm_<id>_<secret>``: the id names it in lists and revocations, the secret is
32 random bytes (URL-safe base64). Whoever holds it acts with its role; a worker token also
carries the worker's id and community.
"""

from __future__ import annotations

import hashlib
import secrets

TOKEN_ROLES = ("admin", "dispatcher", "worker", "planner", "open311")


def new_token() -> tuple[str, str, str]:
    """A fresh ``(token, id, hash)``."""
    token_id = secrets.token_hex(4)
    token = f"gm_{token_id}_{secrets.token_urlsafe(32)}"
    return token, token_id, hash_token(token)


def hash_token(token: str) -> str:
    """The stored form of a token (hex SHA-256)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
