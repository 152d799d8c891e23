"""``import_cases``: a file of cases into the store, a chunk per transaction.

Each chunk is read, checked, located, assigned and written in one transaction (the next
chunk is prepared while the database writes two), so an import stopped at any point leaves
whole chunks behind, and running it again skips the rows already
in (same external id, same content) and finishes the rest. Rejected rows go to a CSV file
(line, column, value, reason), written when the import ends.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from geo.csv_safety import neutralise_cell
from geo.errors import InputError
from geo.gazetteer import DEFAULT_THRESHOLD, Gazetteer
from geo.importing.mapping import Mapping, crs_of
from geo.importing.plan import Places, plan_cases
from geo.importing.readers import CHUNK_ROWS, open_source
from geo.importing.rows import REJECT_COLUMNS, Catalogue, SeenIds, check_chunk
from geo.locate.locator import Locator
from geo.store import Store
from geo.store.imports import ChunkResult
from geo.worktime.calendar import WorkCalendar

WRITERS = 2  # chunks written at once (PostGIS: two connections; DuckDB: one after another)
COUNTS = (
    "rows_read",
    "imported",
    "updated",
    "unchanged",
    "rejected",
    "located",
    "unassigned",
    "needs_location",
)
# Counted for the summary, not kept in the import log.
NOTED = ("closing_time_unknown", "moved")


@dataclass
class ImportSummary:
    """What an import did; ``located``, ``unassigned`` and ``needs_location`` count the rows
    written (imported or updated)."""

    file: str
    dry_run: bool
    import_id: int | None = None
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS + NOTED, 0))
    rejects_path: Path | None = None
    encoding: str | None = None

    def lines(self) -> list[str]:
        c = self.counts
        head = (
            "试运行（未写入）dry run, nothing written"
            if self.dry_run
            else f"导入批次 import #{self.import_id}"
        )
        out = [
            f"{head}: {self.file}",
            f"  读取 rows read       {c['rows_read']:>9,}",
            f"  新增 imported        {c['imported']:>9,}",
            f"  更新 updated         {c['updated']:>9,}",
            f"  未变 unchanged       {c['unchanged']:>9,}",
            f"  拒绝 rejected        {c['rejected']:>9,}",
            f"  已定位 located       {c['located']:>9,}",
            f"  网格外 unassigned    {c['unassigned']:>9,}",
            f"  待定位 needs location{c['needs_location']:>9,}",
        ]
        if c["closing_time_unknown"]:
            out.append(f"  结案时间未知 closing time unknown{c['closing_time_unknown']:>9,}")
        if c["moved"]:
            out.append(f"  仅位置变化 held back      {c['moved']:>9,}")
        if (
            c["rows_read"]
            and not c["imported"]
            and not c["updated"]
            and not c["rejected"]
            and not c["moved"]
        ):
            out.append("nothing new: every row is already imported, unchanged")
        if c["closing_time_unknown"]:
            out.append(
                f"{c['closing_time_unknown']:,} case(s) imported closed without a closing time "
                "(the file has no closing-time column): flagged closing_time_unknown and left "
                "out of on-time figures and of the cases closed in a period"
            )
        if self.rejects_path is not None:
            out.append(f"rejected rows: {self.rejects_path}")
        return out

    def moved_warning(self) -> list[str]:
        """What to do about rows held back because only their position changed (or [])."""
        n = self.counts["moved"]
        if not n:
            return []
        return [
            f"warning: {n:,} row(s) changed nothing but the case's position (were the "
            "coordinates read in another CRS, e.g. another --crs?); those cases were NOT "
            "moved. If the new positions are right, run the same command again with "
            "--update-locations"
        ]


def grid_owners(store: Store) -> dict[str, str]:
    """Grid code → the grid worker whose home grid it is (the smallest id if several)."""
    owners: dict[str, str] = {}
    for w in sorted(store.workers(), key=lambda w: w.id):
        if w.home_grid_code and w.role == "grid_worker":
            owners.setdefault(w.home_grid_code, w.id)
    return owners


def import_cases(
    store: Store,
    path: str | Path,
    *,
    mapping: Mapping | None = None,
    crs: str | None = None,
    calendar: WorkCalendar | None = None,
    address_prefixes: Sequence[str] = (),
    actor_id: str = "import",
    dry_run: bool = False,
    update_locations: bool = False,
    rejects_path: str | Path | None = None,
    chunk_rows: int = CHUNK_ROWS,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportSummary:
    """Import the cases in ``path`` (CSV, .xlsx or GeoJSON) into ``store``.

    ``crs`` (wgs84, cgcs2000, gcj02, bd09) is the coordinates' CRS where no column says;
    it overrides the mapping's. ``address_prefixes`` are stripped from addresses before they
    are looked up in the gazetteer (see geo.address.normalise). ``progress(rows_done,
    rows_estimate)`` is called after each chunk. Rejected rows go to ``rejects_path``
    (default: ``<file>.rejects.csv`` beside the file). A row already imported whose only
    change is its position moves its case only with ``update_locations``; without, it is
    counted in ``counts["moved"]`` and left alone. Raises InputError when the file as a
    whole cannot be imported (unreadable, a required column missing), before anything is
    written.
    """
    path = Path(path)
    mapping = mapping or Mapping()
    calendar = calendar or WorkCalendar.default()
    default_crs = mapping.crs if crs is None else crs_of(crs)
    if default_crs is None:
        raise InputError(f"unknown CRS {crs!r}; use wgs84, cgcs2000, gcj02 or bd09", field="crs")
    source = open_source(path, chunk_rows=chunk_rows)
    cols = mapping.resolve(source.headers)
    locator = Locator(store)
    places = Places(
        locator.index(locator.generation()),
        Gazetteer(store.gazetteer(), prefixes=address_prefixes),
        grid_owners(store),
        DEFAULT_THRESHOLD,
    )
    with store.case_tx() as tx:
        catalogue = Catalogue.of(tx.categories())
    if not catalogue.by_code:
        raise InputError("no categories are loaded; run `gridmgr init` first", field="file")
    workers = pa.array(sorted(w.id for w in store.workers()), pa.string())
    now = now or datetime.now(UTC)
    stamp = pd.Timestamp(now).tz_convert(calendar.tz)
    summary = ImportSummary(str(path), dry_run, encoding=source.encoding)
    if not dry_run:
        summary.import_id = store.begin_import(
            file_name=path.name, file_sha256=source.sha256, actor_id=actor_id, at=now
        )
    rejects_path = (
        Path(rejects_path) if rejects_path else path.with_name(path.name + ".rejects.csv")
    )
    seen = SeenIds()
    counts = summary.counts

    def write(planned: pa.Table) -> ChunkResult:
        return store.import_chunk(
            planned,
            import_id=summary.import_id or 0,
            actor_id=actor_id,
            actor_role="admin",
            at=now,
            source_name=path.name,
            dry_run=dry_run,
            update_locations=update_locations,
        )

    def account(
        rows_read: int, rejected: pd.DataFrame, planned: pa.Table, result: ChunkResult
    ) -> None:
        if len(result.conflicts):
            conflicts = result.conflicts.assign(column=cols["external_id"]).rename(
                columns={"external_id": "value"}
            )
            rejected = pd.concat([rejected, conflicts[list(REJECT_COLUMNS)]])
        rejects.write(rejected)
        written = planned.filter(pa.array(result.written))
        need = np.asarray(written["needs_location"].to_numpy(), bool)
        outside = np.asarray(written["unassigned"].to_numpy(), bool)
        counts["rows_read"] += rows_read
        counts["imported"] += result.imported
        counts["updated"] += result.updated
        counts["unchanged"] += result.unchanged
        counts["rejected"] += int(rejected["line"].nunique())
        counts["needs_location"] += int(need.sum())
        counts["unassigned"] += int(outside.sum())
        counts["located"] += int((~need & ~outside).sum())
        counts["closing_time_unknown"] += int(
            np.asarray(written["closing_time_unknown"].to_numpy(zero_copy_only=False), bool).sum()
        )
        counts["moved"] += result.moved
        if progress is not None:
            progress(counts["rows_read"], source.rows_estimate)

    # Stages: while the database writes chunks (two at a time, each in its own transaction
    # and connection), the next is read, checked and planned here. Results are taken in
    # file order.
    with _RejectFile(rejects_path) as rejects, ThreadPoolExecutor(max_workers=WRITERS) as writer:
        # (rows read, rejected rows, planned table, its write) for each chunk being written
        pending: deque[tuple[int, pd.DataFrame, pa.Table, Future[ChunkResult]]] = deque()
        for chunk in source.chunks:
            rows, rejected = check_chunk(
                chunk,
                cols,
                mapping,
                catalogue,
                workers,
                tz=calendar.tz,
                now=stamp,
                seen=seen,
                default_crs=default_crs,
            )
            planned = plan_cases(rows, places, catalogue, calendar)
            while len(pending) >= WRITERS:
                done = pending.popleft()
                account(*done[:3], done[3].result())
            pending.append((len(chunk), rejected, planned, writer.submit(write, planned)))
        while pending:
            done = pending.popleft()
            account(*done[:3], done[3].result())
        if source.malformed:  # rows the reader could not split: reported, never written
            width = len(source.headers)
            rejects.write(
                pd.DataFrame(
                    {
                        "line": "",
                        "column": "",
                        "value": [text[:200] for text, _ in source.malformed],
                        "reason": [
                            f"{n} cells where the header has {width}; this row was skipped and "
                            "the line numbers of the rows after it are one lower"
                            for _, n in source.malformed
                        ],
                    }
                )
            )
            counts["rows_read"] += len(source.malformed)
            counts["rejected"] += len(source.malformed)
        summary.rejects_path = rejects.finish()
    if summary.import_id is not None:  # not a dry run
        logged = {name: counts[name] for name in COUNTS}
        store.finish_import(summary.import_id, at=datetime.now(UTC), counts=logged)
    return summary


class _RejectFile:
    """Rejected rows, streamed to a temporary file and moved into place at the end (UTF-8
    with a BOM, so that spreadsheet programs read the Chinese); no file when none.

    The ``column``, ``value`` and ``reason`` cells are text and are neutralised where a
    spreadsheet would run them as formulas (see :mod:`geo.csv_safety`); ``line`` is a number.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0

    def __enter__(self) -> _RejectFile:
        fd, self.tmp = tempfile.mkstemp(prefix=".rejects-", suffix=".csv", dir=self.path.parent)
        self.f = os.fdopen(fd, "w", encoding="utf-8-sig", newline="")
        self.out = csv.writer(self.f)
        self.out.writerow(["行号 line", "列 column", "值 value", "原因 reason"])
        return self

    def write(self, rejected: pd.DataFrame) -> None:
        if len(rejected):
            ordered = rejected.sort_values("line", kind="stable")
            self.out.writerows(
                [neutralise_cell(cell) for cell in row]
                for row in ordered[list(REJECT_COLUMNS)].itertuples(index=False)
            )
            self.count += len(rejected)

    def finish(self) -> Path | None:
        self.f.close()
        if not self.count:
            os.unlink(self.tmp)
            return None
        os.replace(self.tmp, self.path)
        return self.path

    def __exit__(self, *exc: object) -> None:
        if not self.f.closed:
            self.f.close()
        if os.path.exists(self.tmp):
            os.unlink(self.tmp)
