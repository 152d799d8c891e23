"""The embedded backend: a DuckDB file with the spatial extension, loaded offline.

The extension binary comes from the ``duckdb-extension-spatial`` wheel (the same release as
``duckdb``), so no network is needed. One :class:`DuckStore` owns the database connection;
each transaction runs on its own cursor, so threads may share the store.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from geo.errors import StoreError, StoreUnavailableError
from geo.store.bulk import CASE_COLUMNS, EVENT_COLUMNS, ordered
from geo.store.casetx import case_sql
from geo.store.imports import IMPORT_COLUMNS
from geo.store.sqlstore import SqlStore

if TYPE_CHECKING:  # imported where used: opening a store (`gridmgr locate`) needs neither
    import pandas as pd
    import pyarrow as pa

log = logging.getLogger("gridmgr.store")

REOPEN_INTERVAL_S = 1.0  # seconds between attempts to reopen an invalidated database


def _first(exc: BaseException) -> str:
    """The first line of an error, for a log line."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@functools.cache
def spatial_extension_path() -> str:
    """Path of ``spatial.duckdb_extension`` inside the installed wheel for this DuckDB."""
    root = resources.files("duckdb_extension_spatial") / "extensions"
    wanted = f"v{duckdb.__version__}"
    found = [d for d in root.iterdir() if d.name == wanted]
    if not found:
        have = ", ".join(sorted(d.name for d in root.iterdir())) or "none"
        raise StoreError(
            f"duckdb {duckdb.__version__} needs duckdb-extension-spatial of the same release; "
            f"the installed one has {have}"
        )
    return str(found[0] / "spatial.duckdb_extension")


class DuckStore(SqlStore):
    """Store in a DuckDB file at ``path`` (``None`` or ``":memory:"`` for an in-memory one)."""

    backend = "duckdb"
    unique_violation = duckdb.ConstraintException

    def __init__(self, path: Path | str | None) -> None:
        self.path = ":memory:" if path in (None, ":memory:") else str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._con = self._open()
        # DuckDB lets one process write; inside it, writers that read-then-decide (assignment
        # under a cap, a version check) take turns here, as PostGIS's row locks make them do.
        self._write_lock = threading.RLock()
        # After a fatal error (see _failed) the connection is reopened by the next transaction;
        # at most one attempt per REOPEN_INTERVAL_S while it keeps failing (a disk still full).
        self._reopen_lock = threading.Lock()
        self._invalidated: duckdb.DuckDBPyConnection | None = None
        self._next_reopen = 0.0

    def _open(self) -> duckdb.DuckDBPyConnection:
        try:
            # The spatial extension is the file of the pinned wheel, as trusted as DuckDB's own
            # binary from the same installer. Checking its signature hashes 80 MB: 0.3 s of CPU
            # at every open, against 0.01 s for loading it unchecked. No statement of gridmgr
            # loads any other extension.
            con = duckdb.connect(self.path, config={"allow_unsigned_extensions": True})
        except duckdb.IOException as exc:
            raise StoreError(f"cannot open the DuckDB database {self.path}: {exc}") from exc
        con.load_extension(spatial_extension_path())
        return con

    def writer(self) -> AbstractContextManager[Any]:
        return self._write_lock

    def _connection(self) -> duckdb.DuckDBPyConnection:
        """The live connection, reopened first if the last one was invalidated."""
        con = self._con
        if self._invalidated is not con:
            return con
        with self._reopen_lock:
            if self._invalidated is not self._con:  # another thread reopened it meanwhile
                return self._con
            if time.monotonic() < self._next_reopen:
                raise StoreUnavailableError(f"the DuckDB database {self.path} is being reopened")
            self._next_reopen = time.monotonic() + REOPEN_INTERVAL_S
            with suppress(duckdb.Error):
                con.close()
            try:
                self._con = self._open()
            except (duckdb.Error, StoreError) as exc:
                log.error("the DuckDB database %s cannot be reopened yet: %s", self.path, exc)
                raise StoreUnavailableError(
                    f"the DuckDB database {self.path} cannot be reopened yet"
                ) from exc
            log.warning("reopened the DuckDB database %s after a fatal error", self.path)
            return self._con

    def _failed(self, con: duckdb.DuckDBPyConnection, exc: duckdb.Error) -> StoreError | None:
        """What a DuckDB error becomes when it is about the database rather than the request.

        A failed write of the write-ahead log (a full disk) fails that commit and leaves the
        database working. A failed checkpoint (the data file) is fatal: DuckDB invalidates the
        instance and answers every later statement with "database has been invalidated", so
        it is closed and reopened (its log replayed) by the next transaction. An automatic
        checkpoint fails after its COMMIT is durable: a write answered so may have committed.
        """
        if isinstance(exc, duckdb.FatalException) or "invalidated" in str(exc):
            if self.path != ":memory:":  # reopening an in-memory database would empty it
                self._invalidated = con
            log.error("DuckDB database %s invalidated: %s", self.path, _first(exc))
            return StoreUnavailableError(f"the DuckDB database {self.path} failed; reopening it")
        if con is not self._con:  # closed under this transaction by a reopen
            return StoreUnavailableError(f"the DuckDB database {self.path} was reopened")
        if isinstance(exc, duckdb.IOException) or (
            isinstance(exc, duckdb.TransactionException) and "Failed to commit" in str(exc)
        ):
            log.error("DuckDB database %s cannot write: %s", self.path, _first(exc))
            return StoreUnavailableError(f"the DuckDB database {self.path} cannot write")
        return None

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        con = self._connection()
        try:
            cur = con.cursor()
        except duckdb.Error as exc:
            raise (self._failed(con, exc) or exc) from exc
        try:
            cur.execute("BEGIN TRANSACTION")
            yield cur
            cur.execute("COMMIT")
        except BaseException as exc:
            with suppress(duckdb.Error):  # the transaction may already be aborted
                cur.execute("ROLLBACK")
            if isinstance(exc, duckdb.Error):
                failure = self._failed(con, exc)
                if failure is not None:
                    raise failure from exc
            raise
        finally:
            with suppress(duckdb.Error):
                cur.close()

    def close(self) -> None:
        self._con.close()

    def next_case_id(self) -> int:
        with self.transaction() as cur:
            cur.execute(case_sql(self.backend, "bulk", "next_case_id"))
            return int(cur.fetchone()[0])

    def bulk_load_cases(self, cases: pd.DataFrame, events: pd.DataFrame) -> int:
        """Load cases and their audit events in one transaction from data frames."""
        cases = ordered(cases, CASE_COLUMNS, "cases")
        events = ordered(events, EVENT_COLUMNS, "events")
        with self.writer(), self.transaction() as cur:
            cur.register("bulk_cases", cases)
            cur.register("bulk_events", events)
            cur.execute(case_sql(self.backend, "bulk", "insert_cases"))
            cur.execute(case_sql(self.backend, "bulk", "insert_events"))
            cur.execute(case_sql(self.backend, "bulk", "advance_case_ids"))
            cur.unregister("bulk_cases")
            cur.unregister("bulk_events")
        return len(cases)

    # -- imports (see geo.store.imports) ----------------------------------------------
    def _import_existing(self, cur: Any, external_ids: pa.Array) -> pd.DataFrame:
        import pandas as pd
        import pyarrow as pa

        cur.register("import_ids", pa.table({"external_id": external_ids}))
        cur.execute(self._import_sql("existing"))
        rows = cur.fetchall()
        cur.unregister("import_ids")
        return pd.DataFrame(
            rows, columns=["external_id", "id", "stored_hash", "version", "import_version"]
        )

    def _import_insert(self, cur: Any, table: pa.Table, import_id: int) -> None:
        cur.register("import_new", table)  # Arrow, scanned in place
        cur.execute(self._import_sql("insert_new"), {"import_id": import_id})
        cur.unregister("import_new")

    def _import_stage_changes(self, cur: Any, changes: pd.DataFrame) -> None:
        cur.register(
            "import_changes", changes[["id", "version", *IMPORT_COLUMNS, "old_status", "note"]]
        )

    def _rowcount(self, cur: Any) -> int:
        return int(cur.fetchone()[0])
