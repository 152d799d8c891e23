"""One chunk of a file's rows, checked and typed: what each row says, or why it is rejected.

Every problem of a row is reported (line, column, value, reason); a row with any problem is
not imported. Times are instants in the calendar's zone (text without an offset is wall-clock
time there); coordinates stay as given, in their CRS, until they are located. Text stays in
Arrow arrays throughout: a million rows never become a million Python strings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import tzinfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geo.cases.categories import Category
from geo.cases.service import MAX_DESCRIPTION
from geo.importing.fingerprint import row_hash
from geo.importing.mapping import Mapping, crs_of
from geo.importing.readers import Chunk
from geo.importing.values import parse_floats, parse_times, present

MAX_EXTERNAL_ID = 100
REJECT_COLUMNS = ("line", "column", "value", "reason")
# States after registration: the case was in someone's hands.
ASSIGNED_STATES = ("dispatched", "handled", "closed", "suspended")
TEXT_FIELDS = (
    "external_id",
    "category",
    "status",
    "description",
    "address",
    "input_crs",
    "source",
    "reporter_name",
    "reporter_phone",
    "assignee_given",
)
NUL = "\x00"
TIME_FIELDS = ("reported_at", "registered_at", "due_at", "closed_at")


@dataclass
class SeenIds:
    """External ids met earlier in the file: 64-bit fingerprints (sorted) and their lines,
    16 bytes a row whatever the ids' length."""

    hashes: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    lines: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))

    def first_lines(self, hashes: np.ndarray) -> np.ndarray:
        """For each fingerprint, the line where it was first seen, or -1."""
        if not len(self.hashes):
            return np.full(len(hashes), -1)
        pos = np.minimum(np.searchsorted(self.hashes, hashes), len(self.hashes) - 1)
        return np.where(self.hashes[pos] == hashes, self.lines[pos], -1)

    def add(self, hashes: np.ndarray, lines: np.ndarray) -> None:
        h = np.concatenate([self.hashes, hashes])
        order = np.argsort(h, kind="stable")
        self.hashes, self.lines = h[order], np.concatenate([self.lines, lines])[order]


@dataclass(frozen=True)
class Catalogue:
    """Category lookups for imports: by code, by Chinese or English name, by mapping."""

    by_code: dict[str, Category]
    by_name: dict[str, str]

    @classmethod
    def of(cls, categories: list[Category]) -> Catalogue:
        names: dict[str, str] = {}
        for c in categories:
            for key in (
                c.name_zh,
                c.name_en.lower(),
                f"{c.class_zh}/{c.name_zh}",
                f"{c.class_zh}-{c.name_zh}",
            ):
                names.setdefault(key, c.code)
        return cls({c.code: c for c in categories}, names)

    def code_of(self, value: str, mapping: Mapping) -> str | None:
        if value in mapping.categories:
            return mapping.categories[value]
        if value in self.by_code:
            return value
        if value.lower() in self.by_code:
            return value.lower()
        return self.by_name.get(value) or self.by_name.get(value.lower())


@dataclass(frozen=True)
class Checked:
    """The rows of a chunk that passed, typed (all aligned, ``len`` rows)."""

    lines: np.ndarray
    text: pa.Table  # TEXT_FIELDS, nullable strings
    input_lon: np.ndarray  # degrees in input_crs, NaN when not given
    input_lat: np.ndarray
    times: dict[str, pd.Series]  # TIME_FIELDS, datetime64[ns, tz], NaT when not given

    def __len__(self) -> int:
        return len(self.lines)


class Problems:
    """Collects (row position, column, value, reason) for a chunk."""

    def __init__(self, chunk: Chunk) -> None:
        self.chunk = chunk
        self.parts: list[pd.DataFrame] = []

    def add(self, mask: np.ndarray, column: str | None, reason: str | np.ndarray) -> None:
        """Reject rows where ``mask``; ``reason`` is text or an array of texts per row."""
        mask = np.asarray(mask, bool)
        if not mask.any():
            return
        idx = np.flatnonzero(mask)
        values = (
            [
                v.replace(NUL, "\\0") if isinstance(v, str) else v  # the reject file stays text
                for v in pc.take(self.chunk.table[column], pa.array(idx)).to_pylist()
            ]
            if column in self.chunk.table.column_names
            else [""] * len(idx)
        )
        reasons = (
            np.asarray(reason, dtype=object)[idx]
            if not isinstance(reason, str)
            else [reason] * len(idx)
        )
        self.parts.append(
            pd.DataFrame(
                {
                    "pos": idx,
                    "line": self.chunk.lines[idx],
                    "column": column or "",
                    "value": values,
                    "reason": reasons,
                }
            )
        )

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame(
                {
                    "pos": pd.Series(dtype="int64"),
                    **{c: pd.Series(dtype=object) for c in REJECT_COLUMNS},
                }
            )
        return pd.concat(self.parts, ignore_index=True)


def _col(chunk: Chunk, cols: dict[str, str], name: str) -> pa.Array:
    """A field's cells (trimmed strings, "" when empty); all "" when the field is unmapped."""
    header = cols.get(name)
    if header is None:
        return pa.array(np.full(len(chunk), "", dtype=object), pa.string())
    return chunk.table[header].combine_chunks()


def _map(column: pa.Array, func: Callable[[str], str | None]) -> pa.Array:
    """``func`` applied to each distinct value once (null where it gives None)."""
    enc = pc.dictionary_encode(column)
    mapped = pa.array([func(v) for v in enc.dictionary.to_pylist()], pa.string())
    return pc.take(mapped, enc.indices)


def _null_if_empty(column: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column)


def _np(mask: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), bool)


def check_chunk(
    chunk: Chunk,
    cols: dict[str, str],
    mapping: Mapping,
    catalogue: Catalogue,
    workers: pa.Array,
    *,
    tz: tzinfo,
    now: pd.Timestamp,
    seen: SeenIds,
    default_crs: str,
) -> tuple[Checked, pd.DataFrame]:
    """(rows that passed, typed; rejects with line, column, value, reason)."""
    p = Problems(chunk)
    h = cols.get  # the file's header of a field, for messages
    n = len(chunk)

    # No store keeps NUL in text (PostgreSQL refuses it), whichever column it is in.
    for header in chunk.table.column_names:
        p.add(
            _np(pc.match_substring(chunk.table[header], NUL)),
            header,
            "the cell holds a NUL character (U+0000)",
        )

    ext = _col(chunk, cols, "external_id")
    has_ext = present(ext)
    p.add(~has_ext, h("external_id"), "the external id is empty")
    p.add(
        _np(pc.greater(pc.utf8_length(ext), MAX_EXTERNAL_ID)),
        h("external_id"),
        f"the external id is longer than {MAX_EXTERNAL_ID} characters",
    )
    enc = pc.dictionary_encode(ext)
    codes = enc.indices.to_numpy()
    _, first_pos = np.unique(codes, return_index=True)
    first_in_chunk = first_pos[codes]
    ext_hashes = row_hash(pa.table({"id": ext}))
    earlier = seen.first_lines(ext_hashes)
    again = np.where(
        earlier >= 0,
        earlier,
        np.where(first_in_chunk != np.arange(n), chunk.lines[first_in_chunk], -1),
    )
    again = np.where(has_ext, again, -1)
    p.add(
        again >= 0,
        h("external_id"),
        np.array(
            [
                f"this external id appears earlier in the file, on line {k}" if k >= 0 else ""
                for k in again
            ],
            dtype=object,
        )
        if (again >= 0).any()
        else "",
    )
    fresh = (again < 0) & has_ext
    seen.add(ext_hashes[fresh], chunk.lines[fresh])

    cat_text = _col(chunk, cols, "category")
    category = _map(cat_text, lambda v: catalogue.code_of(v, mapping) if v else None)
    has_cat = present(cat_text)
    p.add(
        _np(pc.is_null(category)) & has_cat,
        h("category"),
        "unknown category; map it in the mapping file's [categories] (codes: gridmgr "
        "categories list)",
    )
    p.add(~has_cat, h("category"), "the category is empty")

    times = {}
    for name in TIME_FIELDS:
        times[name], bad = parse_times(_col(chunk, cols, name), tz)
        p.add(bad, h(name), "not a date and time (e.g. 2024-05-01 08:30:00)")
    reported = times["reported_at"]
    p.add(~present(_col(chunk, cols, "reported_at")), h("reported_at"), "the report time is empty")
    p.add((reported > now).to_numpy(), h("reported_at"), "the report time is in the future")
    for name in ("registered_at", "closed_at"):
        p.add(
            (times[name] < reported).to_numpy(),
            h(name),
            f"{name.removesuffix('_at')} before the report time",
        )

    status_text = _col(chunk, cols, "status")
    status = _map(status_text, lambda v: mapping.status_of(v) if v else None)
    has_status = present(status_text)
    p.add(
        _np(pc.is_null(status)) & has_status,
        h("status"),
        "unknown state; map it in the mapping file's [statuses]",
    )
    # No state given: closed if it has a closing time, registered if it was registered.
    closed_given = times["closed_at"].notna().to_numpy()
    implied = np.where(
        closed_given,
        "closed",
        np.where(times["registered_at"].notna().to_numpy(), "registered", "reported"),
    )
    status = pc.if_else(pa.array(has_status), status, pa.array(implied, pa.string()))
    is_closed = _np(pc.equal(status, "closed"))
    # A file with no closing-time column at all (some hotline exports) still says which
    # cases are closed: they are imported closed, their closing time unknown. Where the
    # column is there, a closed row must fill it.
    if h("closed_at") is not None:
        p.add(is_closed & ~closed_given, h("closed_at"), "a closed case needs its closing time")
    p.add(
        closed_given & ~is_closed & _np(pc.is_valid(status)),
        h("status"),
        "a closing time is given but the state is not closed",
    )

    lon, bad_lon = parse_floats(_col(chunk, cols, "lon"))
    lat, bad_lat = parse_floats(_col(chunk, cols, "lat"))
    p.add(bad_lon, h("lon"), "not a number")
    p.add(bad_lat, h("lat"), "not a number")
    has_lon, has_lat = ~np.isnan(lon), ~np.isnan(lat)
    p.add(has_lon & ~has_lat & ~bad_lat, h("lat"), "a longitude without a latitude")
    p.add(has_lat & ~has_lon & ~bad_lon, h("lon"), "a latitude without a longitude")
    both = has_lon & has_lat
    swapped = both & (np.abs(lon) <= 90) & (np.abs(lat) > 90)
    p.add(swapped, h("lon"), "longitude and latitude look swapped")
    p.add(
        both & ~swapped & ((np.abs(lon) > 180) | (np.abs(lat) > 90)),
        h("lon"),
        "outside the range of longitudes (±180) and latitudes (±90)",
    )

    crs_text = _col(chunk, cols, "crs")
    crs = pc.if_else(
        pa.array(present(crs_text)), _map(crs_text, crs_of), pa.scalar(default_crs, pa.string())
    )
    p.add(_np(pc.is_null(crs)), h("crs"), "unknown CRS; use wgs84, cgcs2000, gcj02 or bd09")

    source = _map(_col(chunk, cols, "source"), mapping.source_of)
    p.add(
        _np(pc.is_null(source)),
        h("source"),
        "unknown source; map it in the mapping file's [sources]",
    )

    description = _col(chunk, cols, "description")
    p.add(
        _np(pc.greater(pc.utf8_length(description), MAX_DESCRIPTION)),
        h("description"),
        f"the description is longer than {MAX_DESCRIPTION} characters",
    )

    assignee = _col(chunk, cols, "assignee_id")
    p.add(
        present(assignee) & ~_np(pc.is_in(assignee, value_set=workers)),
        h("assignee_id"),
        "not a worker on the roster",
    )

    rejects = p.frame()
    ok = np.ones(n, bool)
    ok[rejects["pos"].to_numpy()] = False
    keep = pa.array(ok)
    text = pa.table(
        {
            "external_id": ext,
            "category": category,
            "status": status,
            "description": description,
            "address": _null_if_empty(_col(chunk, cols, "address")),
            "input_crs": pc.if_else(pa.array(has_lon & has_lat), crs, pa.scalar(None, pa.string())),
            "source": source,
            "reporter_name": _null_if_empty(_col(chunk, cols, "reporter_name")),
            "reporter_phone": _null_if_empty(_col(chunk, cols, "reporter_phone")),
            "assignee_given": _null_if_empty(assignee),
        }
    ).filter(keep)
    checked = Checked(
        chunk.lines[ok],
        text,
        lon[ok],
        lat[ok],
        {k: v[ok].reset_index(drop=True) for k, v in times.items()},
    )
    return checked, rejects.drop(columns="pos").sort_values("line", kind="stable")
