"""Which PostgreSQL driver errors mean "the database is unavailable for now", in one place.

A failover (the primary stops, a standby is promoted) reaches a request as one of several
psycopg2 errors, depending on where the request was when it happened:

- the server ended the session: ``AdminShutdown`` (57P01, a fast or immediate stop),
  ``CrashShutdown`` (57P02), ``CannotConnectNow`` (57P03, starting up or shutting down);
- the socket broke: an ``OperationalError`` ("server closed the connection unexpectedly",
  "SSL SYSCALL error: EOF detected") after which the connection is closed, or an
  ``InterfaceError`` ("connection already closed") on the next use of that connection;
- the connection reached a server that now only reads: ``ReadOnlySqlTransaction`` (25006,
  e.g. an old primary brought back as a standby, or a URL without
  ``target_session_attrs=read-write``);
- the server cancelled a statement after the statement timeout: ``QueryCanceled`` (57014).

Each becomes :class:`~geo.errors.StoreUnavailableError` (HTTP 503 with ``Retry-After``); any
other driver error is left alone (a bug or a constraint, not an outage). Whether a write cut
off at COMMIT committed is unknown: nothing is retried here, a client retries with its
Idempotency-Key.
"""

from __future__ import annotations

from typing import Any

import psycopg2
import psycopg2.errors

from geo.errors import StoreUnavailableError

# Seconds a client is told to wait after a failover-like error: a promotion takes a few.
RETRY_AFTER_S = 2

# The server ended the session or refuses new ones for now.
_SHUTDOWN = (
    psycopg2.errors.AdminShutdown,
    psycopg2.errors.CrashShutdown,
    psycopg2.errors.CannotConnectNow,
)


def first_line(exc: BaseException) -> str:
    """The first line of a driver error, for a one-line message."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def connect_failure(exc: BaseException) -> str:
    """Why a new connection failed, on one line: with a multi-host URL, each host's reason
    (libpq writes one line per host tried)."""
    lines = [ln.strip() for ln in str(exc).splitlines() if "failed:" in ln]
    return "; ".join(lines) if len(lines) > 1 else first_line(exc)


def unavailable(exc: BaseException, conn: Any) -> StoreUnavailableError | None:
    """The :class:`StoreUnavailableError` that ``exc``, raised while using ``conn``, stands
    for; None when it is not an outage. ``conn`` is then unusable when :func:`discard` says
    so."""
    if isinstance(exc, psycopg2.errors.ReadOnlySqlTransaction):
        return StoreUnavailableError(
            "the database server only reads now (a standby): the primary has changed",
            retry_after=RETRY_AFTER_S,
        )
    if isinstance(exc, psycopg2.errors.QueryCanceled) and not conn.closed:
        return StoreUnavailableError("the database did not answer within the statement timeout")
    if isinstance(exc, _SHUTDOWN) or (
        isinstance(exc, (psycopg2.OperationalError, psycopg2.InterfaceError)) and conn.closed
    ):
        return StoreUnavailableError(
            f"the database connection was lost: {first_line(exc)}", retry_after=RETRY_AFTER_S
        )
    return None


def discard(exc: BaseException, conn: Any) -> bool:
    """Whether ``conn`` must leave the pool after ``exc``: it is closed, or it is open on a
    server that no longer takes writes (a new connection finds the primary)."""
    return bool(conn.closed) or isinstance(
        exc, (psycopg2.errors.ReadOnlySqlTransaction, *_SHUTDOWN)
    )
