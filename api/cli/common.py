"""What the command modules share: opening the configured store, reporting errors."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import NoReturn

import click
from pydantic import ValidationError

from api.settings import Settings
from geo.errors import GridmgrError
from geo.store import Store, open_store

CHINA_TIME = timezone(timedelta(hours=8), "Asia/Shanghai")


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``gridmgr: message`` on stderr and exit with ``code``."""
    click.echo(f"gridmgr: {message}", err=True)
    sys.exit(code)


@contextmanager
def configured_store() -> Iterator[Store]:
    """The store ``GRIDMGR_DATABASE_URL`` names, migrated; closed on the way out.

    Domain errors become a one-line message and exit status 2.
    """
    try:
        settings = Settings()
    except ValidationError as exc:
        fail(exc.errors()[0]["msg"].removeprefix("Value error, "))
    try:
        store = open_store(settings.database())
    except GridmgrError as exc:
        fail(str(exc))
    try:
        yield store
    except GridmgrError as exc:
        fail(str(exc))
    finally:
        store.close()


def parse_time(text: str, option: str) -> datetime:
    """An ISO 8601 date or time from ``option``; without an offset it is China time (+08:00)."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        fail(f"{option} {text!r} is not an ISO 8601 date or time (e.g. 2026-01-01T08:00+08:00)")
    return value if value.tzinfo else value.replace(tzinfo=CHINA_TIME)
