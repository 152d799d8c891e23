"""What the command modules share: opening the configured store, reporting errors.

A command that a running server runs for the command line (see api.cli.door) finds the
server's settings, store and state *lent* here (:func:`lending`) and uses them instead of
opening its own; it never closes them.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
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

# The running server's state, while it runs a command for the command line (api.admin).
_LENT: ContextVar[AppState | None] = ContextVar("gridmgr_lent_state", default=None)


def lent() -> AppState | None:
    """The server's state lent to the command running in this thread, or None."""
    return _LENT.get()


@contextmanager
def lending(state: AppState) -> Iterator[None]:
    """Let the commands run inside use ``state`` (settings, store) instead of opening one."""
    token = _LENT.set(state)
    try:
        yield
    finally:
        _LENT.reset(token)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``gridmgr: message`` on stderr and exit with ``code``."""
    click.echo(f"gridmgr: {message}", err=True)
    sys.exit(code)


def settings() -> Settings:
    """The settings from the environment (the server's, when it lends them); a bad value is
    a one-line message, exit 2."""
    state = lent()
    if state is not None:
        return state.settings
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
        fail(_in_use(str(exc)))
    try:
        yield opened
    except GridmgrError as exc:
        fail(str(exc))
    finally:
        opened.close()


@contextmanager
def _borrowed(value: T) -> Iterator[T]:
    """``value`` (lent by the server: left open); domain errors as in :func:`_closing`."""
    try:
        yield value
    except GridmgrError as exc:
        fail(str(exc))


def _in_use(message: str) -> str:
    """DuckDB's lock error as a sentence saying what to do; other messages as they are."""
    if "Could not set lock" not in message:
        return message
    pid = re.search(r"\(PID (\d+)\)", message)
    who = f"process {pid.group(1)}" if pid else "another process"
    return (
        f"the database {settings().database().path} is in use by {who} (DuckDB lets one "
        "process open a file): stop it, or wait for it to end"
    )


def configured_store() -> AbstractContextManager[Store]:
    """The store ``GRIDMGR_DATABASE_URL`` names, migrated; closed on the way out (or the
    running server's, see :func:`lending`)."""
    state = lent()
    if state is not None:
        return _borrowed(state.store)
    config = settings()
    return _closing(
        lambda: open_store(config.database(), statement_timeout_s=config.db_statement_timeout)
    )


def configured_state() -> AbstractContextManager[AppState]:
    """What the server holds (store, locator, case service), for commands that draw maps."""
    from api.state import AppState

    state = lent()
    if state is not None:
        return _borrowed(state)
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
