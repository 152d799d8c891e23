"""Checked rows → case rows: located in the grids, assigned, deadlines and handling times in
working time, and a fingerprint of what the row says (to tell a changed row from a repeat).

All of it vectorised over the chunk: locating and working-time arithmetic are array
operations, and only addresses without coordinates are looked up one by one (in the
gazetteer, each distinct address once). The result is an Arrow table in the column order of
``geo.store.imports.IMPORT_COLUMNS`` (plus ``line``), which the stores load as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geo import coords
from geo.gazetteer import Gazetteer
from geo.importing.fingerprint import row_hash
from geo.importing.rows import ASSIGNED_STATES, Catalogue, Checked
from geo.locate.locator import GenerationIndex
from geo.store.imports import IMPORT_COLUMNS
from geo.worktime.arrays import WorkClock
from geo.worktime.calendar import WorkCalendar

REASON = {
    "import_recorded": "导入：原系统记录的处置人 / imported: the handler the source system "
    "recorded",
    "import_grid_worker": "导入：网格责任人 / imported: the grid's responsible worker",
}
_NULL = pa.scalar(None, pa.string())


@dataclass(frozen=True)
class Places:
    """What locating needs: the generation's index, the gazetteer, the grid owners."""

    index: GenerationIndex
    gazetteer: Gazetteer
    owners: dict[str, str]  # grid code -> the worker whose home grid it is
    threshold: float

    def by_position(self) -> tuple[pa.Array, pa.Array, pa.Array]:
        """Grid code, community code and owner per index position, as Arrow arrays."""
        grids = [str(g) for g in self.index.grid_codes]
        return (
            pa.array(grids, pa.string()),
            pa.array([str(c) for c in self.index.community_codes], pa.string()),
            pa.array([self.owners.get(g) for g in grids], pa.string()),
        )


def _instants(series: pd.Series) -> pa.Array:
    """Aware instants as an Arrow UTC timestamp column (nulls for NaT)."""
    return pa.array(series.dt.tz_convert("UTC"), pa.timestamp("us", tz="UTC"))


def plan_cases(
    rows: Checked, places: Places, catalogue: Catalogue, calendar: WorkCalendar
) -> pa.Table:
    """The case columns (``IMPORT_COLUMNS`` plus ``line``) for checked ``rows``."""
    n = len(rows)
    text = rows.text
    lon, lat = np.full(n, np.nan), np.full(n, np.nan)
    has = ~np.isnan(rows.input_lon)
    crs = text["input_crs"].combine_chunks()
    for name in pc.unique(pc.drop_null(crs)).to_pylist():
        sel = has & np.asarray(pc.fill_null(pc.equal(crs, name), False), bool)
        lon[sel], lat[sel] = coords.to_wgs84(rows.input_lon[sel], rows.input_lat[sel], name)
    address = text["address"].combine_chunks()
    by_address = ~has & np.asarray(pc.is_valid(address), bool)
    if by_address.any():
        wanted = pc.filter(address, pa.array(by_address)).to_pylist()
        found = {a: places.gazetteer.place(a, threshold=places.threshold) for a in set(wanted)}
        for i, a in zip(np.flatnonzero(by_address), wanted, strict=True):
            match = found[a]
            if match is not None:
                lon[i], lat[i] = match.lon, match.lat
    placed = ~np.isnan(lon)
    pos = np.full(n, -1)
    if placed.any():
        pos[placed] = places.index.index.locate(lon[placed], lat[placed])
    inside = pos >= 0
    where = pa.array(np.where(inside, pos, 0), mask=~inside)  # null outside every grid
    grid_at, community_at, owner_at = places.by_position()
    grid = pc.take(grid_at, where)

    status = text["status"].combine_chunks()
    handled = pc.is_in(status, value_set=pa.array(ASSIGNED_STATES))
    given = text["assignee_given"].combine_chunks()
    assignee = pc.if_else(handled, pc.coalesce(given, pc.take(owner_at, where)), _NULL)
    code = pc.if_else(
        pc.is_valid(assignee),
        pc.if_else(pc.is_valid(given), "import_recorded", "import_grid_worker"),
        _NULL,
    )
    reason = pc.if_else(
        pc.equal(code, "import_recorded"),
        REASON["import_recorded"],
        pc.if_else(pc.is_valid(code), REASON["import_grid_worker"], _NULL),
    )

    t = rows.times
    start = t["registered_at"].fillna(t["reported_at"])
    due = t["due_at"].copy()
    enc = pc.dictionary_encode(text["category"].combine_chunks())
    cats = [catalogue.by_code[c] for c in enc.dictionary.to_pylist()]
    which = enc.indices.to_numpy()
    value = np.array([c.limit_value for c in cats], float)[which] if cats else np.zeros(n)
    in_days = (
        np.array([c.limit_unit == "days" for c in cats], bool)[which] if cats else np.zeros(n, bool)
    )
    todo = due.isna().to_numpy()
    clock = WorkClock.covering(
        calendar, start, t["closed_at"], days_ahead=int(value[in_days & todo].max(initial=0))
    )
    if (todo & ~in_days).any():
        sel = todo & ~in_days
        due[sel] = clock.add_hours(start[sel], value[sel])
    if (todo & in_days).any():
        sel = todo & in_days
        due[sel] = clock.add_days(start[sel], value[sel].astype(np.int64))
    closed = t["closed_at"].notna().to_numpy()
    on_time = (t["closed_at"] <= due).to_numpy()
    hours = clock.hours_between(start, t["closed_at"])

    fingerprint_of = pa.table(
        {
            **{name: text[name] for name in text.column_names},
            "input_lon": pa.array(rows.input_lon, from_pandas=True),
            "input_lat": pa.array(rows.input_lat, from_pandas=True),
            **{name: _instants(t[name]) for name in t},
        }
    )
    columns = {
        "status": status,
        "category": text["category"],
        "description": text["description"],
        "source": text["source"],
        "generation": pa.array(np.full(n, places.index.generation), mask=~placed),
        "grid_code": grid,
        "community_code": pc.take(community_at, where),
        "lon": pa.array(lon, from_pandas=True),
        "lat": pa.array(lat, from_pandas=True),
        "input_lon": pa.array(rows.input_lon, from_pandas=True),
        "input_lat": pa.array(rows.input_lat, from_pandas=True),
        "input_crs": text["input_crs"],
        "address": text["address"],
        "assignee_id": assignee,
        "assign_reason_code": code,
        "assign_reason": reason,
        "reporter_name": text["reporter_name"],
        "reporter_phone": text["reporter_phone"],
        "reported_at": _instants(t["reported_at"]),
        "registered_at": _instants(t["registered_at"]),
        "due_at": _instants(due),
        "closed_at": _instants(t["closed_at"]),
        "closed_on_time": pa.array(on_time, mask=~closed),
        "unassigned": pa.array(placed & ~inside),
        "needs_location": pa.array(~placed),
        "handling_hours": pa.array(hours, mask=~closed),
        "external_id": text["external_id"],
        # closed with no closing time: only a file with no closing-time column passes that
        "closing_time_unknown": pa.array(
            np.asarray(pc.fill_null(pc.equal(status, "closed"), False), bool) & ~closed
        ),
        "import_hash": pa.array(row_hash(fingerprint_of)),
    }
    table = pa.table({name: columns[name] for name in IMPORT_COLUMNS})
    return table.append_column("line", pa.array(rows.lines))
