"""Service facilities: the catalogue of kinds and the facility record.

A facility is a point (WGS84 lon, lat degrees) with a kind, a name, a catchment radius in
metres (default: its kind's), an optional capacity and opening hours; it is placed in the
grid and community that cover it, like a case.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from geo.bundled import DATA_DIR

KINDS_FILE = DATA_DIR / "facilities" / "kinds.csv"


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
