"""The PostGIS backend (psycopg2): the system of record.

One :class:`PostgisStore` owns one connection pool; open it once (in the app's lifespan or a
command) and close it at the end. Every method runs in its own transaction.
"""

from __future__ import annotations

import functools
import io
import re
import select
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any, cast

import numpy as np
import pandas as pd
import psycopg2
import psycopg2.errors
import psycopg2.extensions
import psycopg2.pool
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from geo.errors import StoreUnavailableError
from geo.store.bulk import CASE_COLUMNS, EVENT_COLUMNS, ordered
from geo.store.casetx import case_sql
from geo.store.imports import IMPORT_COLUMNS
from geo.store.pgerrors import connect_failure, discard, unavailable
from geo.store.pgwatch import StuckConnectionWatchdog
from geo.store.prepared import PreparingConnection, PreparingCursor
from geo.store.sqlstore import SqlStore

# Case statements run many times a second when cases come in or are acted on: prepared once
# per connection (see geo.store.prepared). Not the case lists: their optional filters
# (``x IS NULL OR column = x``) want a plan made for the values given.
PREPARED_CASE_STATEMENTS = (
    "categories",
    "insert_case",
    "insert_event",
    "events",
    "lock_community",
    "candidates",
    "assignment_candidates",
    "worker",
    "recent_open",
    "update_case",
)


# A new connection that takes longer than this fails (the server is down, frozen or cut off).
CONNECT_TIMEOUT_S = 5
# The server cancels a statement that runs longer (GRIDMGR_DB_STATEMENT_TIMEOUT).
DEFAULT_STATEMENT_TIMEOUT_S = 30.0
# work_mem of a transaction that aggregates a year of cases (a PostgreSQL size string).
AGGREGATE_WORK_MEM = "64MB"


def _connect_kwargs(dsn: str, statement_timeout_s: float, connect_timeout_s: int) -> dict[str, Any]:
    """libpq parameters added to ``dsn``: its own ``options`` (e.g. a search path) are kept
    and the statement timeout appended; a ``connect_timeout`` it names wins."""
    params = psycopg2.extensions.parse_dsn(dsn)
    timeout_ms = max(0, round(statement_timeout_s * 1000))
    options = f"{params.get('options', '')} -c statement_timeout={timeout_ms}".strip()
    kwargs: dict[str, Any] = {"options": options}
    if "connect_timeout" not in params:
        kwargs["connect_timeout"] = connect_timeout_s
    return kwargs


def _dropped(conn: Any) -> bool:
    """Whether an idle connection has input waiting: the server's goodbye or EOF."""
    poller = select.poll()
    poller.register(conn.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(0))


def _redact(dsn: str) -> str:
    """The DSN without its password (in the user part, or a ``password`` parameter), for
    messages; every host of a multi-host URL (``h1:p1,h2:p2``) is kept."""
    scheme, sep, rest = dsn.partition("//")
    if not sep:
        return dsn
    authority, slash, tail = rest.partition("/")
    userinfo, at, hosts = authority.rpartition("@")
    if at and ":" in userinfo:
        authority = f"{userinfo.split(':', 1)[0]}:***@{hosts}"
    tail = _PASSWORD_PARAM.sub(r"\1***", tail)
    return f"{scheme}//{authority}{slash}{tail}"


_PASSWORD_PARAM = re.compile(r"(?i)((?:^|[?&])password=)[^&]*")


class PostgisStore(SqlStore):
    """Store on PostgreSQL + PostGIS; ``dsn`` is a ``postgresql://`` URL."""

    backend = "postgis"
    unique_violation = psycopg2.errors.UniqueViolation
    import_range_slack = 1000  # stored ids in a chunk's id range beyond which ids are probed

    def __init__(
        self,
        dsn: str,
        *,
        max_connections: int = 8,
        statement_timeout_s: float = DEFAULT_STATEMENT_TIMEOUT_S,
        connect_timeout_s: int = CONNECT_TIMEOUT_S,
    ) -> None:
        """``statement_timeout_s``: the server cancels a statement running longer (0: never);
        ``connect_timeout_s``: how long a new connection may take (libpq counts whole
        seconds, at least 2)."""
        self._dsn = dsn
        self._connect_kwargs = _connect_kwargs(dsn, statement_timeout_s, connect_timeout_s)
        # A request waits this long for a free connection before it is told to come back.
        self._slot_wait_s = connect_timeout_s + (statement_timeout_s or DEFAULT_STATEMENT_TIMEOUT_S)
        self._max_connections = max_connections
        try:
            # As many kept open as may be used: with fewer, psycopg2 closes connections handed
            # back while another is idle, and busy periods reconnect on every other request.
            self._pool = psycopg2.pool.ThreadedConnectionPool(
                max_connections,
                max_connections,
                dsn,
                connection_factory=PreparingConnection,
                **self._connect_kwargs,
            )
            # The pool refuses rather than waits when all connections are out: wait here.
            self._slots = threading.BoundedSemaphore(max_connections)
        except psycopg2.OperationalError as exc:
            raise StoreUnavailableError(
                f"cannot connect to PostGIS at {_redact(dsn)}: {connect_failure(exc)}"
            ) from exc
        # Set in this thread while a schema change or bulk load runs: no statement timeout.
        self._unlimited = threading.local()
        self._watchdog = StuckConnectionWatchdog(
            self._answers, after_s=statement_timeout_s or DEFAULT_STATEMENT_TIMEOUT_S
        )

    def _answers(self) -> bool:
        """Whether the server accepts a new connection and runs a statement on it."""
        try:
            conn = psycopg2.connect(self._dsn, **self._connect_kwargs)
        except psycopg2.Error:
            return False
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT 1")
            return True
        except psycopg2.Error:
            return False
        finally:
            conn.close()

    def _checkout(self) -> PreparingConnection:
        """A pooled connection that still looks alive: one the server has closed (a restart,
        an idle timeout) has something to read or EOF waiting, and is replaced here rather
        than failing the request's first statement."""
        for _ in range(self._max_connections + 1):
            try:
                conn = cast(PreparingConnection, self._pool.getconn())
            except psycopg2.OperationalError as exc:
                raise StoreUnavailableError(
                    f"the database is unreachable: {connect_failure(exc)}"
                ) from exc
            if conn.closed or _dropped(conn):
                self._pool.putconn(conn, close=True)
                continue
            return conn
        raise StoreUnavailableError("the database keeps closing new connections")

    @contextmanager
    def _connection(self) -> Iterator[PreparingConnection]:
        """A connection for one transaction. Errors that mean the database is gone, too slow
        or no longer the primary become :class:`StoreUnavailableError` (geo.store.pgerrors),
        and such a connection is dropped from the pool: the next checkout connects anew, to
        whichever host of a multi-host URL is the primary then. Nothing is retried here: a
        write cut off at COMMIT may have committed."""
        if not self._slots.acquire(timeout=self._slot_wait_s):
            raise StoreUnavailableError(
                f"no database connection came free within {self._slot_wait_s:.0f} s"
            )
        try:
            conn = self._checkout()
            drop = False
            self._watchdog.start(conn)
            try:
                yield conn
            except psycopg2.Error as exc:
                drop = discard(exc, conn)  # broken, or on a server that no longer writes
                outage = unavailable(exc, conn)
                if outage is not None:
                    raise outage from exc
                raise
            finally:
                self._watchdog.stop(conn)
                self._pool.putconn(conn, close=drop or bool(conn.closed))
        finally:
            self._slots.release()

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        with self._connection() as conn:
            try:
                with conn.cursor() as cur:
                    if getattr(self._unlimited, "on", False):
                        cur.execute("SET LOCAL statement_timeout = 0")
                    yield cur
                conn.commit()
            except BaseException:
                if not conn.closed:
                    with suppress(psycopg2.OperationalError, psycopg2.InterfaceError):
                        conn.rollback()
                raise

    def _before_aggregate(self, cur: Any) -> None:
        """Room for the report's sorts in memory: with the default work_mem (4 MB) the
        percentiles of a year of 1.5 million cases sort on disk. For this transaction only."""
        cur.execute("SELECT set_config('work_mem', %(mem)s, true)", {"mem": AGGREGATE_WORK_MEM})

    @contextmanager
    def _case_transaction(self) -> Iterator[PreparingCursor]:
        """A transaction for case work: its hot statements run prepared, and BEGIN goes with
        the first statement (on an autocommit connection) rather than on its own."""
        with self._connection() as conn:
            conn.autocommit = True
            try:
                with conn.cursor() as raw:
                    cur = PreparingCursor(raw, _hot_case_statements(), begin=True)
                    try:
                        yield cur
                    except BaseException:
                        if cur.begun and not conn.closed:
                            with suppress(psycopg2.Error):
                                raw.execute("ROLLBACK")
                        raise
                    if cur.begun:
                        raw.execute("COMMIT")
            finally:
                if not conn.closed:
                    conn.autocommit = False

    def close(self) -> None:
        self._watchdog.close()
        if not self._pool.closed:
            self._pool.closeall()

    @contextmanager
    def _without_statement_timeout(self) -> Iterator[None]:
        """Transactions of this thread run without the statement timeout: a schema change or
        a bulk load may rightly take longer than any request should."""
        self._unlimited.on = True
        try:
            yield
        finally:
            self._unlimited.on = False

    def migrate(self, scripts: Sequence[tuple[int, str, str]] | None = None) -> int:
        with self._without_statement_timeout():
            return super().migrate(scripts)

    def next_case_id(self) -> int:
        with self.transaction() as cur:
            cur.execute(case_sql(self.backend, "bulk", "next_case_id"))
            return int(cur.fetchone()[0])

    def bulk_load_cases(self, cases: pd.DataFrame, events: pd.DataFrame) -> int:
        """Load cases and their audit events in one transaction with COPY; returns the count.

        Hand-written on purpose: COPY into a staging table and one INSERT ... SELECT is what
        makes hundreds of thousands of rows a matter of seconds.
        """
        cases = ordered(cases, CASE_COLUMNS, "cases")
        events = ordered(events, EVENT_COLUMNS, "events")
        with self._without_statement_timeout(), self.transaction() as cur:
            cur.execute(case_sql(self.backend, "bulk", "stage_cases"))
            cur.copy_expert(case_sql(self.backend, "bulk", "copy_cases"), _csv(cases))
            cur.execute(case_sql(self.backend, "bulk", "insert_cases"))
            cur.copy_expert(case_sql(self.backend, "bulk", "copy_events"), _csv(events))
            cur.execute(case_sql(self.backend, "bulk", "advance_case_ids"))
        return len(cases)

    # -- imports (see geo.store.imports) ----------------------------------------------
    def _import_existing(self, cur: Any, external_ids: pa.Array) -> pd.DataFrame:
        columns = ["external_id", "id", "stored_hash", "version", "import_version"]
        if not len(external_ids):
            return pd.DataFrame(columns=columns)
        # First the ids in the chunk's range (one index scan, usually few or none); when the
        # range holds many more stored ids than the chunk, ask for each id instead.
        bounds = pc.min_max(external_ids.cast(pa.binary()))
        limit = 2 * len(external_ids) + self.import_range_slack
        cur.execute(
            self._import_sql("existing_in_range"),
            {
                "lo": bounds["min"].as_py().decode(),
                "hi": bounds["max"].as_py().decode(),
                "limit": limit,
            },
        )
        rows = cur.fetchall()
        if len(rows) < limit:
            found = pd.DataFrame(rows, columns=columns)
            wanted = pc.is_in(
                pa.array(found["external_id"].tolist(), pa.string()), value_set=external_ids
            )
            return found[np.asarray(wanted, bool)].reset_index(drop=True)
        joined = pc.binary_join(pa.array([external_ids], pa.list_(pa.string())), "\x1f")
        cur.execute(self._import_sql("existing"), {"ids": joined[0].as_py()})
        return pd.DataFrame(cur.fetchall(), columns=columns)

    def _import_insert(self, cur: Any, table: pa.Table, import_id: int) -> None:
        # COPY straight into cases: the fastest way in.
        n = table.num_rows
        table = table.append_column("import_id", _constant(import_id, n))
        table = table.append_column("import_version", _constant(1, n))
        cur.execute(self._import_sql("utc"))
        cur.copy_expert(self._import_sql("copy_new"), _arrow_csv(table))

    def _import_stage_changes(self, cur: Any, changes: pd.DataFrame) -> None:
        cur.execute(self._import_sql("stage_changes"))
        columns = ["id", "version", *IMPORT_COLUMNS, "old_status", "note"]
        cur.execute(self._import_sql("utc"))
        cur.copy_expert(self._import_sql("copy_changes"), _arrow_csv(_arrow(changes[columns])))


@functools.cache
def _hot_case_statements() -> frozenset[str]:
    """The texts of the case statements run prepared, with the case reads by id or key."""

    def q(name: str) -> str:
        return case_sql("postgis", "cases", name)

    reads = [q("case_columns") + "\n" + q(where) for where in ("where_id", "where_key")]
    reads.append("\n".join((q("case_columns"), q("where_id"), q("for_update"))))
    return frozenset([*(q(n) for n in PREPARED_CASE_STATEMENTS), *reads])


def _arrow(frame: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(frame, preserve_index=False)


def _constant(value: int, n: int) -> pa.Array:
    return pa.array(np.full(n, value, dtype=np.int64))


def _arrow_csv(table: pa.Table) -> io.BytesIO:
    """CSV for COPY, written by Arrow's C++ writer (pandas' to_csv takes ~10x longer on
    timestamps): nulls as empty unquoted fields, text quoted. Instants are written as UTC
    wall-clock times without a zone (20x faster to format than with one): the transaction
    must read them in UTC (``importing.utc``)."""
    for i, field in enumerate(table.schema):
        if pa.types.is_timestamp(field.type) and field.type.tz is not None:
            utc = table.column(i).cast(pa.timestamp(field.type.unit, tz="UTC"))
            table = table.set_column(i, field.name, utc.cast(pa.timestamp(field.type.unit)))
    buf = io.BytesIO()
    pacsv.write_csv(table, buf, pacsv.WriteOptions(include_header=False))
    buf.seek(0)
    return buf


def _csv(frame: pd.DataFrame) -> io.StringIO:
    buf = io.StringIO()
    frame.to_csv(buf, header=False, index=False, date_format="%Y-%m-%dT%H:%M:%S.%f%z")
    buf.seek(0)
    return buf
