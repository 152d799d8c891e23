"""Which driver errors are an outage (503 with Retry-After) and which connections leave the
pool: one table, checked error by error."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg2
import psycopg2.errors
import pytest

from geo.store.pgerrors import discard, unavailable


@dataclass
class Conn:
    closed: int


E = psycopg2.errors


@pytest.mark.parametrize(
    ("error", "closed", "outage", "dropped"),
    [
        (E.AdminShutdown("terminating connection due to administrator command"), 0, "lost", True),
        (E.CrashShutdown("terminating connection because of crash"), 0, "lost", True),
        (E.CannotConnectNow("the database system is shutting down"), 0, "lost", True),
        (psycopg2.OperationalError("server closed the connection unexpectedly"), 2, "lost", True),
        (psycopg2.InterfaceError("connection already closed"), 1, "lost", True),
        (E.ReadOnlySqlTransaction("cannot execute INSERT in a read-only transaction"), 0,
         "standby", True),
        (E.QueryCanceled("canceling statement due to statement timeout"), 0, "timeout", False),
        # not outages: the request's own fault or a bug, on a connection that stays good
        (E.UniqueViolation("duplicate key value"), 0, None, False),
        (E.SyntaxError("syntax error"), 0, None, False),
        (psycopg2.OperationalError("could not serialize access"), 0, None, False),
    ],
)  # fmt: skip
def test_errors_and_what_they_mean(
    error: Exception, closed: int, outage: str | None, dropped: bool
) -> None:
    conn = Conn(closed)
    found = unavailable(error, conn)
    if outage is None:
        assert found is None
    else:
        assert found is not None and outage in str(found)
        assert found.retry_after > 0
    assert discard(error, conn) is dropped
