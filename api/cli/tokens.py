"""``gridmgr token create|list|revoke``: API tokens (stored hashed; shown once)."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from api.auth.tokens import TOKEN_ROLES, new_token
from api.cli.common import configured_store, fail
from geo.codes import validate_community_code
from geo.errors import CodeError
from geo.store.records import TokenRecord


@click.group()
def token() -> None:
    """API tokens."""


@token.command("create")
@click.option("--role", required=True, type=click.Choice(TOKEN_ROLES))
@click.option("--community", default=None, help="Community code (workers: their community).")
@click.option("--worker", "worker_id", default=None, help="Roster id of the worker.")
@click.option("--name", default="", help="Who the token is for.")
def create(role: str, community: str | None, worker_id: str | None, name: str) -> None:
    """Make a token; it is printed once, alone on the last line."""
    with configured_store() as store:
        if role == "worker":
            if not worker_id:
                fail("a worker token needs --worker ID (see the roster)")
            worker = next((w for w in store.workers() if w.id == worker_id), None)
            if worker is None:
                fail(f"there is no worker {worker_id!r} in the roster")
            if community and community != worker.community_code:
                fail(f"{worker_id} works in {worker.community_code}, not {community}")
            community = worker.community_code
            name = name or worker.name
        elif community:
            try:
                community = validate_community_code(community)
            except CodeError as exc:
                fail(str(exc))
        secret, token_id, digest = new_token()
        store.add_token(
            TokenRecord(token_id, role, name, community, worker_id, datetime.now(UTC)), digest
        )
    click.echo(
        f"token {token_id}: role {role}"
        + (f", community {community}" if community else "")
        + (f", {name}" if name else "")
    )
    click.echo(secret)


@token.command("list")
def list_() -> None:
    """Tokens (never their secrets)."""
    with configured_store() as store:
        for t in store.tokens():
            state = "revoked" if t.revoked_at else "active"
            click.echo(
                f"{t.id}  {t.role:<10} {t.community_code or '-':<10} "
                f"{t.worker_id or '-':<17} {state:<8} {t.name}"
            )


@token.command("revoke")
@click.argument("token_id")
def revoke(token_id: str) -> None:
    """Revoke a token by its id."""
    with configured_store() as store:
        if not store.revoke_token(token_id):
            fail(f"no active token {token_id}")
    click.echo(f"revoked {token_id}")
