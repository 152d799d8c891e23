"""Checking a facility record and placing it in the grid and community that cover it.

Coordinates arrive in a stated CRS and are stored as WGS84 (lon, lat degrees); the radius is
in metres.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import SupportsFloat, SupportsIndex

from geo.errors import CoordinateError, InputError
from geo.facilities.model import Facility, FacilityKind
from geo.locate.locator import Locator


def _number(value: object, field: str, *, positive: bool = False) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        if not isinstance(value, str | bytes | bytearray | SupportsFloat | SupportsIndex):
            raise TypeError  # as float() would
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
    data: Mapping[str, object],
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
