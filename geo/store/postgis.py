"""The PostGIS backend (psycopg2): the system of record.

One :class:`PostgisStore` owns one connection pool; open it once (in the app's lifespan or a
command) and close it at the end. Every method runs in its own transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg2
import psycopg2.errors
import psycopg2.pool

from geo.errors import StoreError
from geo.store.sqlstore import SqlStore


def _redact(dsn: str) -> str:
    """The DSN without its password, for messages."""
    head, sep, tail = dsn.rpartition("@")
    if not sep or ":" not in head.split("//", 1)[-1]:
        return dsn
    scheme, _, userinfo = head.partition("//")
    return f"{scheme}//{userinfo.split(':', 1)[0]}:***@{tail}"


class PostgisStore(SqlStore):
    """Store on PostgreSQL + PostGIS; ``dsn`` is a ``postgresql://`` URL."""

    backend = "postgis"
    unique_violation = psycopg2.errors.UniqueViolation

    def __init__(self, dsn: str, *, max_connections: int = 8) -> None:
        try:
            self._pool = psycopg2.pool.ThreadedConnectionPool(1, max_connections, dsn)
            # The pool refuses rather than waits when all connections are out: wait here.
            self._slots = threading.BoundedSemaphore(max_connections)
        except psycopg2.OperationalError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise StoreError(f"cannot connect to PostGIS at {_redact(dsn)}: {first}") from exc

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        with self._slots:
            conn = self._pool.getconn()
            try:
                with conn.cursor() as cur:
                    yield cur
                conn.commit()
            except BaseException:
                conn.rollback()
                raise
            finally:
                self._pool.putconn(conn)

    def close(self) -> None:
        if not self._pool.closed:
            self._pool.closeall()
