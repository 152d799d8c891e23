"""API tokens: random secrets handed out once, kept only as a SHA-256 hash.

A token reads ``gm_<id>_<secret>``: the id names it in lists and revocations, the secret is
32 random bytes (URL-safe base64). Whoever holds it acts with its role; a worker token also
carries the worker's id and community.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from geo.codes import validate_community_code
from geo.errors import CodeError, InputError, NotFoundError
from geo.store.base import Store
from geo.store.records import TokenRecord

TOKEN_ROLES = ("admin", "dispatcher", "worker", "planner", "open311")


def new_token() -> tuple[str, str, str]:
    """A fresh ``(token, id, hash)``."""
    token_id = secrets.token_hex(4)
    token = f"gm_{token_id}_{secrets.token_urlsafe(32)}"
    return token, token_id, hash_token(token)


def hash_token(token: str) -> str:
    """The stored form of a token (hex SHA-256)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(
    store: Store, role: str, community: str | None, worker_id: str | None, name: str
) -> tuple[TokenRecord, str]:
    """Make and store a token; its record and its secret (shown once, never stored).

    A worker token needs ``worker_id`` from the roster and takes that worker's community (and
    name, when none is given). Raises InputError for a bad role, worker or community.
    """
    if role not in TOKEN_ROLES:
        raise InputError(f"role {role!r} is not one of {', '.join(TOKEN_ROLES)}", field="role")
    if role == "worker":
        if not worker_id:
            raise InputError("a worker token needs --worker ID (see the roster)", field="worker")
        worker = next((w for w in store.workers() if w.id == worker_id), None)
        if worker is None:
            raise InputError(f"there is no worker {worker_id!r} in the roster", field="worker")
        if community and community != worker.community_code:
            raise InputError(
                f"{worker_id} works in {worker.community_code}, not {community}",
                field="community",
            )
        community = worker.community_code
        name = name or worker.name
    elif community:
        try:
            community = validate_community_code(community)
        except CodeError as exc:
            raise InputError(str(exc), field="community") from exc
    secret, token_id, digest = new_token()
    record = TokenRecord(token_id, role, name, community, worker_id, datetime.now(UTC))
    store.add_token(record, digest)
    return record, secret


def revoke_token(store: Store, token_id: str) -> None:
    """Revoke ``token_id``; NotFoundError when there is no such active token."""
    if not store.revoke_token(token_id):
        raise NotFoundError(f"no active token {token_id}")
