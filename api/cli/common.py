"""What the command modules share: opening the configured store, reporting errors."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, NoReturn, Protocol, TypeVar
from zoneinfo import ZoneInfo

import click
from pydantic import ValidationError

from api.settings import Settings
from geo.errors import GridmgrError
from geo.store import Store, open_store

if TYPE_CHECKING:  # the app's state imports FastAPI and the maps: only commands that serve
    from api.state import AppState


class _Closable(Protocol):
    """What ``_closing`` opens: anything with a ``close()``."""

    def close(self) -> None: ...


T = TypeVar("T", bound=_Closable)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``gridmgr: message`` on stderr and exit with ``code``."""
    click.echo(f"gridmgr: {message}", err=True)
    sys.exit(code)


def settings() -> Settings:
    """The settings from the environment; a bad value is a one-line message, exit 2."""
    try:
        return Settings()
    except ValidationError as exc:
        fail(exc.errors()[0]["msg"].removeprefix("Value error, "))


@contextmanager
def _closing(opener: Callable[[], T]) -> Iterator[T]:
    """Open with ``opener``, close on the way out; domain errors become a one-line message
    and exit status 2."""
    try:
        opened = opener()
    except GridmgrError as exc:
        fail(str(exc))
    try:
        yield opened
    except GridmgrError as exc:
        fail(str(exc))
    finally:
        opened.close()


def configured_store() -> AbstractContextManager[Store]:
    """The store ``GRIDMGR_DATABASE_URL`` names, migrated; closed on the way out."""
    config = settings()
    return _closing(
        lambda: open_store(config.database(), statement_timeout_s=config.db_statement_timeout)
    )


def configured_state() -> AbstractContextManager[AppState]:
    """What the server holds (store, locator, case service), for commands that draw maps."""
    from api.state import AppState

    config = settings()
    return _closing(lambda: AppState.open(config))


def local_zone() -> ZoneInfo:
    """The district's time zone (GRIDMGR_TIME_ZONE); an unknown one is a one-line message,
    exit 2."""
    return settings().zone()


def parse_time(text: str, option: str, tz: tzinfo | None = None) -> datetime:
    """An ISO 8601 date or time from ``option``; without an offset it is the wall clock of
    ``tz`` (default: the district's time zone, :func:`local_zone`)."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        fail(f"{option} {text!r} is not an ISO 8601 date or time (e.g. 2026-01-01T08:00+08:00)")
    return value if value.tzinfo else value.replace(tzinfo=tz or local_zone())
