"""Writing imported cases, a chunk per transaction: new rows inserted set-based, changed rows
updated with an audit event, repeats left alone, all or nothing per chunk.

The import itself (reading, checking, locating) lives in ``geo.importing``; this is the part
that needs the database, shared by both backends, which supply the bulk insert and the
staging of changed rows (COPY on PostGIS, registered data frames on DuckDB).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # imported where used: opening a store (`gridmgr locate`) needs neither
    import pandas as pd
    import pyarrow as pa

from geo.cases.model import CASE_COLUMNS
from geo.errors import StoreError
from geo.store.casetx import case_sql

# Columns an import writes to a case (new or changed), in this order: the case's columns
# declared for "import" on geo.cases.model.Case, and the fingerprint of the row it came from.
IMPORT_COLUMNS = (*CASE_COLUMNS.imported, "import_hash")
# Compared to say what a changed row changed, in the audit event's note.
COMPARED = (
    "status",
    "category",
    "description",
    "address",
    "lon",
    "lat",
    "assignee_id",
    "reported_at",
    "registered_at",
    "due_at",
    "closed_at",
)


@dataclass
class ChunkResult:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: pd.DataFrame = field(default_factory=lambda: _frame())  # line, external_id, reason
    written: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # per chunk row
    # changed rows whose only change is the case's position, not applied (update_locations
    # off): a re-run with other coordinates or another CRS must be confirmed
    moved: int = 0


def _frame() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame()


class _DryRun(Exception):  # noqa: N818 - control flow: roll the chunk back, keep the result
    def __init__(self, result: ChunkResult) -> None:
        self.result = result


class ImportWrites(ABC):
    """Mixed into SqlStore; backends implement the three ``_import_*`` hooks."""

    backend: str
    unique_violation: type[Exception]  # the driver's error for a duplicate key

    # -- what SqlStore provides (see there) ----------------------------------------------
    @abstractmethod
    def transaction(self) -> AbstractContextManager[Any]:
        """A cursor inside one transaction: committed on success, rolled back on error."""

    @abstractmethod
    def writer(self) -> AbstractContextManager[Any]:
        """Held around write transactions that must not interleave."""

    def begin_import(self, *, file_name: str, file_sha256: str, actor_id: str, at: datetime) -> int:
        """Log a new import; returns its id."""
        with self.transaction() as cur:
            cur.execute(
                self._import_sql("begin_import"),
                {
                    "file_name": file_name,
                    "file_sha256": file_sha256,
                    "actor_id": actor_id,
                    "at": at,
                },
            )
            return int(cur.fetchone()[0])

    def finish_import(self, import_id: int, *, at: datetime, counts: dict[str, int]) -> None:
        with self.transaction() as cur:
            cur.execute(self._import_sql("finish_import"), {"id": import_id, "at": at, **counts})

    def case_id_by_external(self, external_id: str) -> int | None:
        """The id of the case imported with ``external_id``, if any."""
        with self.transaction() as cur:
            cur.execute(self._import_sql("case_id_by_external"), {"external_id": external_id})
            row = cur.fetchone()
            return None if row is None else int(row[0])

    def import_chunk(
        self,
        cases: pa.Table,
        *,
        import_id: int,
        actor_id: str,
        actor_role: str,
        at: datetime,
        source_name: str,
        dry_run: bool = False,
        update_locations: bool = False,
    ) -> ChunkResult:
        """Write one chunk of planned cases (Arrow: ``IMPORT_COLUMNS`` plus ``line``) in one
        transaction. A row whose external id is stored with the same fingerprint is left
        alone; with another, its case is updated (version + 1, an ``import_update`` event),
        unless the case was acted on in gridmgr since it was imported: then the row is a
        conflict and nothing of it is written. A changed row whose only change is the case's
        position (see :func:`_moved_only`) is applied only with ``update_locations``; without,
        it is left alone and counted in ``moved``. ``dry_run`` decides everything and writes
        nothing."""
        try:
            with self.writer(), self.transaction() as cur:
                result = self._import_chunk(
                    cur,
                    cases,
                    import_id=import_id,
                    actor_id=actor_id,
                    actor_role=actor_role,
                    at=at,
                    source_name=source_name,
                    update_locations=update_locations,
                )
                if dry_run:
                    raise _DryRun(result)
                return result
        except _DryRun as done:
            return done.result
        except self.unique_violation as exc:
            raise StoreError(
                "another import wrote some of the same external ids meanwhile; "
                "run this import again (rows already in are skipped)"
            ) from exc

    def _import_chunk(
        self,
        cur: Any,
        cases: pa.Table,
        *,
        import_id: int,
        actor_id: str,
        actor_role: str,
        at: datetime,
        source_name: str,
        update_locations: bool,
    ) -> ChunkResult:
        import pandas as pd
        import pyarrow as pa
        import pyarrow.compute as pc

        cur.execute(self._import_sql("lock_imports"))
        ext = cases["external_id"].combine_chunks()
        existing = self._import_existing(cur, ext)
        where = pc.index_in(ext, value_set=pa.array(existing["external_id"].tolist(), pa.string()))
        known = np.asarray(pc.is_valid(where), bool)
        at_row = pc.fill_null(where, 0).to_numpy()
        stored = existing.iloc[at_row] if len(existing) else existing.reindex(range(len(ext)))
        hashes = cases["import_hash"].to_numpy()
        same = known & (stored["stored_hash"].to_numpy() == hashes)
        changed = known & ~same
        touched = changed & (stored["version"].to_numpy() != stored["import_version"].to_numpy())
        lines = cases["line"].to_numpy()
        conflicts = pd.DataFrame(
            {
                "line": lines[touched],
                "external_id": ext.filter(pa.array(touched)).to_pylist(),
                "reason": [
                    f"case {int(i)} was acted on in gridmgr since it was imported; the "
                    "changed row was not applied"
                    for i in stored["id"].to_numpy()[touched]
                ],
            }
        )
        update = changed & ~touched
        moved = np.zeros(len(update), bool)
        if update.any() and not update_locations:
            rows = cases.filter(pa.array(update)).to_pylist()
            ids = stored["id"].to_numpy()[update].astype("int64")
            old = self._import_old_values(cur, ids.tolist())
            moved[update] = [_moved_only(r, old.loc[i]) for r, i in zip(rows, ids, strict=True)]
            update &= ~moved
        result = ChunkResult(
            imported=int((~known).sum()),
            updated=int(update.sum()),
            unchanged=int(same.sum()),
            conflicts=conflicts,
            written=~known | update,
            moved=int(moved.sum()),
        )
        if result.imported:
            self._import_insert(
                cur, cases.filter(pa.array(~known)).select(list(IMPORT_COLUMNS)), import_id
            )
        if result.updated:
            changes = cases.filter(pa.array(update)).to_pandas()
            changes["id"] = stored["id"].to_numpy()[update].astype("int64")
            changes["version"] = stored["version"].to_numpy()[update].astype("int64")
            old = self._import_old_values(cur, changes["id"].tolist())
            changes["old_status"] = changes["id"].map(old["status"]).astype(object)
            changes["note"] = [
                f"{source_name} line {line}: " + ", ".join(_changed_fields(row, old.loc[cid]))
                for line, cid, row in zip(
                    changes["line"], changes["id"], changes.to_dict("records"), strict=True
                )
            ]
            self._import_stage_changes(cur, changes)
            cur.execute(self._import_sql("apply_changes"), {"import_id": import_id})
            applied = self._rowcount(cur)
            if applied != result.updated:
                raise StoreError(
                    "cases changed while the import was updating them; run the import again"
                )
            cur.execute(
                self._import_sql("change_events"),
                {"actor_id": actor_id, "actor_role": actor_role, "at": at},
            )
        return result

    def _import_old_values(self, cur: Any, ids: list[int]) -> pd.DataFrame:
        import pandas as pd

        cur.execute(self._import_sql("old_values"), {"ids": ids})
        frame = pd.DataFrame(cur.fetchall(), columns=["id", *COMPARED])
        return frame.set_index("id")

    def _rowcount(self, cur: Any) -> int:
        return int(cur.rowcount)

    def _import_sql(self, name: str) -> str:
        """The importing statement ``name``, with the case column lists filled in."""
        return case_sql(self.backend, "importing", name)

    # -- backend hooks -----------------------------------------------------------------
    def _import_existing(self, cur: Any, external_ids: pa.Array) -> pd.DataFrame:
        """external_id, id, stored_hash, version, import_version of stored ones."""
        raise NotImplementedError

    def _import_insert(self, cur: Any, table: pa.Table, import_id: int) -> None:
        raise NotImplementedError

    def _import_stage_changes(self, cur: Any, changes: pd.DataFrame) -> None:
        """Stage ``changes`` (IMPORT_COLUMNS + id, version, old_status, note) as the table
        ``import_changes`` that ``apply_changes`` and ``change_events`` read."""
        raise NotImplementedError


def _same(a: Any, b: Any) -> bool:
    import pandas as pd

    if a is None or (isinstance(a, float) and np.isnan(a)) or a is pd.NaT:
        return b is None or (isinstance(b, float) and np.isnan(b)) or b is pd.NaT
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) < 1e-9
    if isinstance(a, datetime) and isinstance(b, datetime):
        return pd.Timestamp(a) == pd.Timestamp(b)
    equal: bool = a == b  # plain values of one row: a bool
    return equal


def _moved_only(new: dict[str, Any], old: pd.Series) -> bool:
    """Whether a changed row (``new``, planned) changes its stored case (``old``, the
    ``COMPARED`` fields) only in where it is: its position differs, and no other compared
    field does, except the assignee where the import chose it by the grid."""
    if _same(new.get("lon"), _none(old["lon"])) and _same(new.get("lat"), _none(old["lat"])):
        return False
    for name in COMPARED:
        if name not in ("lon", "lat", "assignee_id") and not _same(new.get(name), _none(old[name])):
            return False
    recorded = new.get("assign_reason_code") == "import_recorded"  # named by the file
    return not recorded or _same(new.get("assignee_id"), _none(old["assignee_id"]))


def _changed_fields(new: dict[str, Any], old: pd.Series) -> list[str]:
    fields = [f for f in COMPARED if not _same(new.get(f), _none(old[f]))]
    return [f"{f} changed" for f in fields] or ["details changed"]


def _none(value: Any) -> Any:
    """A data frame's cell (any type, as the driver gave it) with NaN, NaT and NA as None."""
    import pandas as pd

    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value
