"""Service facilities: the catalogue of kinds, and checking and placing facility records.

A facility is a point (WGS84 lon, lat degrees) with a kind, a name, a catchment radius in
metres (default: its kind's), an optional capacity and opening hours; it is placed in the
grid and community that cover it, like a case.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

from geo.bundled import PROJECT_ROOT
from geo.errors import CoordinateError, InputError
from geo.locator import Locator

KINDS_FILE = PROJECT_ROOT / "data" / "facilities" / "kinds.csv"


@dataclass(frozen=True)
class FacilityKind:
    code: str
    name_zh: str
    name_en: str
    default_radius_m: float


@dataclass(frozen=True)
class Facility:
    id: int | None
    kind: str
    name: str
    lon: float
    lat: float
    capacity: int | None
    radius_m: float
    opening: str
    generation: int | None
    community_code: str | None
    grid_code: str | None


def read_kinds(path: Path | str = KINDS_FILE) -> dict[str, FacilityKind]:
    """The kinds catalogue (``code, name_zh, name_en, default_radius_m``), by code."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return {
        r["code"]: FacilityKind(r["code"], r["name_zh"], r["name_en"], float(r["default_radius_m"]))
        for r in rows
    }


def _number(value, field: str, *, positive: bool = False) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{field} {value!r} is not a number", field=field) from None
    if not math.isfinite(f) or (positive and f <= 0):
        raise InputError(
            f"{field} {value!r} must be a positive number"
            if positive
            else f"{field} {value!r} is not finite",
            field=field,
        )
    return f


def place_facility(
    data: dict,
    locator: Locator,
    kinds: dict[str, FacilityKind],
    *,
    crs: str = "wgs84",
    facility_id: int | None = None,
) -> Facility:
    """Check one facility record and place it in the active generation's grids.

    ``data`` has ``kind``, ``name``, ``lon``, ``lat`` (in ``crs``), optional ``radius_m``,
    ``capacity``, ``opening``. Raises InputError naming the field.
    """
    kind = str(data.get("kind") or "").strip()
    if kind not in kinds:
        raise InputError(f"kind {kind!r} is not one of {', '.join(kinds)}", field="kind")
    name = str(data.get("name") or "").strip()
    if not name:
        raise InputError("name is empty", field="name")
    lon, lat = _number(data.get("lon"), "lon"), _number(data.get("lat"), "lat")
    if lon is None or lat is None:
        raise InputError("a facility needs lon and lat", field="lon" if lon is None else "lat")
    radius = _number(data.get("radius_m"), "radius_m", positive=True)
    capacity = _number(data.get("capacity"), "capacity")
    if capacity is not None and (capacity < 0 or capacity != int(capacity)):
        raise InputError(
            f"capacity {data.get('capacity')!r} is not a whole number", field="capacity"
        )
    generation = locator.generation()
    try:
        found, wlon, wlat = locator.locate_one(lon, lat, crs=crs, generation=generation)
    except CoordinateError as exc:
        raise InputError(f"location: {exc}", field="lon" if exc.axis == "lon" else "lat") from exc
    return Facility(
        id=facility_id,
        kind=kind,
        name=name,
        lon=wlon,
        lat=wlat,
        capacity=None if capacity is None else int(capacity),
        radius_m=radius if radius is not None else kinds[kind].default_radius_m,
        opening=str(data.get("opening") or "").strip(),
        generation=generation,
        community_code=found.community_code,
        grid_code=found.grid_code,
    )
