"""``gridmgr token create|list|revoke``: API tokens (stored hashed; shown once)."""

from __future__ import annotations

import click

from api.auth.tokens import TOKEN_ROLES, issue_token, revoke_token
from api.cli.common import configured_store


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
        record, secret = issue_token(store, role, community, worker_id, name)
    click.echo(
        f"token {record.id}: role {record.role}"
        + (f", community {record.community_code}" if record.community_code else "")
        + (f", {record.name}" if record.name else "")
    )
    click.echo(secret)


@token.command("list")
def list_() -> None:
    """Tokens (never their secrets)."""
    with configured_store() as store:
        records = store.tokens()
    for t in records:
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
        revoke_token(store, token_id)
    click.echo(f"revoked {token_id}")
