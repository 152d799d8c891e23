"""Coordinates as they arrive in files: parse, check and convert, row by row, dropping none.

A row's coordinates are ``valid`` (finite, in range, now in WGS84) or carry an ``error``
saying why not: missing, not a number, not finite, or out of range. Input CRS as in
:mod:`geo.coords`; output (lon, lat) WGS84 degrees, NaN where invalid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

import numpy as np
import numpy.typing as npt

from geo import coords

if TYPE_CHECKING:  # imported where used: `gridmgr locate` starts without pandas
    import pandas as pd

# One column of raw coordinates: strings, numbers or None, as a list, array or Series.
_RawColumn: TypeAlias = "Sequence[object] | npt.NDArray[np.generic] | pd.Series"


@dataclass(frozen=True)
class ParsedPoints:
    lon: npt.NDArray[np.float64]  # WGS84 degrees, NaN where invalid
    lat: npt.NDArray[np.float64]
    valid: npt.NDArray[np.bool_]
    error: npt.NDArray[np.object_]  # str: "" where valid, else the reason


def _numbers(raw: _RawColumn, axis: str, error: npt.NDArray[np.object_]) -> npt.NDArray[np.float64]:
    """Floats from ``raw`` (strings or numbers); record why a value is not one."""
    import pandas as pd

    series = pd.Series(raw, dtype=object)
    text = series.map(lambda v: v.strip() if isinstance(v, str) else v)
    missing = text.map(lambda v: v is None or v == "" or (isinstance(v, float) and v != v))
    values = pd.to_numeric(text.where(~missing, np.nan), errors="coerce").to_numpy(float)
    not_number = ~missing.to_numpy() & np.isnan(values)
    for i in np.flatnonzero(missing.to_numpy() & (error == "")):
        error[i] = f"{axis} is missing"
    texts = text.to_numpy()  # indexed row by row below: a Series' .iloc is slow
    for i in np.flatnonzero(not_number & (error == "")):
        error[i] = f"{axis} {texts[i]!r} is not a number"
    return values


def parse_points(lon_raw: _RawColumn, lat_raw: _RawColumn, crs: str = "wgs84") -> ParsedPoints:
    """Check every row's (lon, lat) in ``crs``; convert the valid ones to WGS84."""
    n = len(lon_raw)
    error = np.full(n, "", dtype=object)
    lon = _numbers(lon_raw, "lon", error)
    lat = _numbers(lat_raw, "lat", error)
    for axis, values, limit in (("lon", lon, 180.0), ("lat", lat, 90.0)):
        finite = np.isfinite(values)
        for i in np.flatnonzero(~finite & ~np.isnan(values) & (error == "")):
            error[i] = f"{axis} {float(values[i])!r} is not finite"
        for i in np.flatnonzero(finite & (np.abs(values) > limit) & (error == "")):
            error[i] = f"{axis} {float(values[i])!r} is outside [-{limit:g}, {limit:g}]"
    valid = error == ""
    out_lon = np.full(n, np.nan)
    out_lat = np.full(n, np.nan)
    if valid.any():
        out_lon[valid], out_lat[valid] = coords.to_wgs84(lon[valid], lat[valid], crs)
    return ParsedPoints(out_lon, out_lat, valid, error)
