"""Server-side prepared statements for PostGIS hot paths (psycopg2 has none of its own).

psycopg2 sends each statement as text, and PostgreSQL parses and plans it every time. On the
intake path, planning took about a third of the database's time per case
(``pg_stat_statements.track_planning``). So a hot statement is PREPAREd once per connection
and then run with EXECUTE. psycopg2 still binds its parameters: no value is formatted into SQL
here. Several statements can go to the server in one round trip. On this machine a round trip
costs about 0.07 ms of client CPU and more on the server, however little the statement does.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg2.extensions

_PARAM = re.compile(r"%\((\w+)\)s")


@dataclass(frozen=True)
class Prepared:
    """One statement as ``PREPARE`` text and the ``EXECUTE`` that runs it (psycopg2's named
    placeholders, bound from the same parameters as the original statement)."""

    name: str
    prepare: str
    execute: str


@functools.cache
def prepared(text: str) -> Prepared:
    """``text`` (one statement, psycopg2 ``%(name)s`` placeholders) made preparable: each
    distinct name becomes ``$n`` in order of first use; the statement's name is a hash of
    ``text``, so the same text always has the same name."""
    order: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match[1] not in order:
            order.append(match[1])
        return f"${order.index(match[1]) + 1}"

    body = _PARAM.sub(number, text).replace("%%", "%")
    name = "gridmgr_" + hashlib.sha256(text.encode()).hexdigest()[:16]
    args = ", ".join(f"%({p})s" for p in order)
    return Prepared(
        name,
        f"PREPARE {name} AS {body}",
        f"EXECUTE {name} ({args})" if order else f"EXECUTE {name}",
    )


class PreparingConnection(psycopg2.extensions.connection):
    """A psycopg2 connection that remembers the statements it has prepared (prepared
    statements belong to the session and outlive the transaction that made them)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.prepared: set[str] = set()


class PreparingCursor:
    """A psycopg2 cursor of a :class:`PreparingConnection` that runs the statements in ``hot``
    (their texts) prepared, and any other as given; everything else is the cursor's own.

    ``begin``: the connection is in autocommit mode and the transaction is opened by sending
    BEGIN with the first statement (psycopg2 would send it on its own: one round trip more);
    ``begun`` then says whether the caller must end it with COMMIT or ROLLBACK."""

    def __init__(self, cur: Any, hot: Collection[str], *, begin: bool = False) -> None:
        self._cur = cur
        self._hot = hot
        self._done: set[str] = cur.connection.prepared
        self._begin = begin
        self.begun = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cur, name)

    def _opening(self, text: str) -> str:
        """``text``, preceded by BEGIN if this is the transaction's first statement."""
        if not self._begin or self.begun:
            return text
        self.begun = True  # from here on the caller ends the transaction, whatever happens
        return "BEGIN; " + text

    def execute(self, text: str, params: Any = None) -> None:
        if text in self._hot:
            self.run((text,), params)
        else:
            self._cur.execute(self._opening(text), params)

    def executemany(self, text: str, params: Any) -> None:
        if self._begin and not self.begun:
            self._cur.execute(self._opening("SELECT 1"))
        self._cur.executemany(text, params)

    def run(self, texts: Sequence[str], params: dict[str, Any]) -> None:
        """Run ``texts`` in order in one round trip, each prepared (on first use on this
        connection, in a round trip of its own); the last one's rows are left to fetch."""
        statements = [prepared(t) for t in texts]
        for p in statements:
            if p.name not in self._done:
                self._cur.execute(p.prepare)
                self._done.add(p.name)
        self._cur.execute(self._opening("; ".join(p.execute for p in statements)), params)
