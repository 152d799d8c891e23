"""Console sign-in sessions: a random id in a cookie, kept in the store only as a SHA-256.

A session acts as the API token it was opened with (same role, community and worker id) and
ends when its holder signs out, when it expires, or when that token is revoked. Each session
carries its own random CSRF token, which every state-changing request must send back.
"""

from __future__ import annotations

import hashlib
import secrets


def new_session() -> tuple[str, str, str]:
    """A fresh ``(session id, its hash, CSRF token)``; only the hash is stored as the key."""
    session_id = secrets.token_urlsafe(32)
    return session_id, hash_session(session_id), secrets.token_urlsafe(32)


def hash_session(session_id: str) -> str:
    """The stored form of a session id (hex SHA-256)."""
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()
