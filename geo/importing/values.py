"""Parsing columns of text cells (Arrow string arrays, trimmed, "" when empty) into typed
arrays, with a mask of the cells that are present but could not be parsed.

The common formats are parsed in one vectorised pass; only cells that fail it take a slower
path, so a clean file never pays for the formats it does not use.
"""

from __future__ import annotations

import re
from datetime import tzinfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_AWARE = re.compile(r"(?:[+-]\d{2}:?\d{2}|Z)$")
_CJK_DATE = str.maketrans({"年": "-", "月": "-", "日": " ", "时": ":", "分": ":", "秒": ""})
_FAST_FORMAT = "%Y-%m-%d %H:%M:%S"


def present(column: pa.Array) -> np.ndarray:
    """Cells that are not empty."""
    mask: np.ndarray = pc.not_equal(column, "").to_numpy(zero_copy_only=False)
    return mask


def parse_times(column: pa.Array, tz: tzinfo) -> tuple[pd.Series, np.ndarray]:
    """Instants (``datetime64[ns, tz]``) from text such as ``2023-05-01 08:30:00``,
    ``2023/5/1 8:30``, ``2023年5月1日 8时30分`` or ISO 8601 with an offset. Text without an
    offset is wall-clock time in ``tz``. Returns (instants, bad mask)."""
    has = present(column)
    fast = pc.strptime(column, format=_FAST_FORMAT, unit="s", error_is_null=True)
    wall = pd.Series(fast.to_numpy(zero_copy_only=False)).astype("datetime64[ns]")
    out = wall.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    rest = has & out.isna().to_numpy()
    if rest.any():
        idx = np.flatnonzero(rest)
        text = pd.Series(pc.take(column, pa.array(idx)).to_pylist(), index=idx, dtype=object)
        out[rest] = _slow_times(text, tz)
    return out, has & out.isna().to_numpy()


def _slow_times(text: pd.Series, tz: tzinfo) -> pd.Series:
    out = pd.Series(pd.NaT, index=text.index, dtype=f"datetime64[ns, {tz}]")
    cleaned = (
        text.str.translate(_CJK_DATE).str.strip().str.rstrip(":").str.replace("/", "-", regex=False)
    )
    aware = cleaned.str.contains(_AWARE).to_numpy(bool)
    if (~aware).any():
        part = cleaned[~aware]
        parsed = pd.to_datetime(part, errors="coerce", format="ISO8601")
        retry = parsed.isna()
        if retry.any():
            parsed[retry] = pd.to_datetime(part[retry], errors="coerce", format="mixed")
        out[~aware] = parsed.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    if aware.any():
        part = cleaned[aware]
        out[aware] = pd.to_datetime(
            part, errors="coerce", format="ISO8601", utc=True
        ).dt.tz_convert(tz)
    return out


def parse_floats(column: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Decimal numbers (full-width digits allowed); returns (values, bad mask). A missing
    cell is NaN and not bad; NaN, inf or text is bad."""
    has = present(column)
    nulled = pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column)
    try:
        values = pc.cast(nulled, pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        text = pd.Series(nulled.to_pylist(), dtype=object).str.normalize("NFKC")
        values = pd.to_numeric(text, errors="coerce").to_numpy(float)
    values = np.asarray(values, dtype=float)
    bad = has & ~np.isfinite(values)
    return np.where(has & ~bad, values, np.nan), bad
