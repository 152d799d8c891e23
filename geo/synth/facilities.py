"""Illustrative service facilities: one service centre per community, and of every other kind
a few per community, placed in populous grids. Deterministic by seed; WGS84 points."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

import numpy as np
import shapely

from geo.facilities.model import FacilityKind

if TYPE_CHECKING:
    import geopandas as gpd

# How many of each kind per community (the service centre: exactly one).
PER_COMMUNITY = {
    "service_centre": 1,
    "love_supermarket": 1,
    "volunteer_hut": 3,
    "elderly_care": 2,
    "party_home": 1,
    "party_station": 2,
    "health_station": 1,
    "urgent_reception": 1,
    "nonpublic_party_home": 1,
}


class FacilityRecord(TypedDict):
    """A facility as ``place_facility`` takes it: WGS84 lon, lat in degrees."""

    kind: str
    name: str
    lon: float
    lat: float
    capacity: int


def synth_facilities(
    grids: gpd.GeoDataFrame,
    communities: dict[str, str],
    kinds: dict[str, FacilityKind],
    *,
    seed: int = 520103,
) -> list[FacilityRecord]:
    """Facility records (kind, name, lon, lat, capacity) for ``place_facility``.

    ``grids``: GeoDataFrame (EPSG:4326) with ``code``, ``community_code``, ``population``;
    ``communities``: code -> name.
    """
    rng = np.random.default_rng(seed)
    out: list[FacilityRecord] = []
    for code, name in sorted(communities.items()):
        own = grids[grids["community_code"] == code]
        if own.empty:
            continue
        pop = own["population"].fillna(1).to_numpy(float)
        points = shapely.point_on_surface(own.geometry.to_numpy())
        for kind, n in PER_COMMUNITY.items():
            if kind not in kinds:
                continue
            picks = (
                [int(np.argmax(pop))]
                if kind == "service_centre"
                else rng.choice(len(own), size=min(n, len(own)), replace=False, p=pop / pop.sum())
            )
            for k, i in enumerate(picks, start=1):
                label = kinds[kind].name_zh + (f"{k}" if n > 1 else "")
                out.append(
                    {
                        "kind": kind,
                        "name": f"{name.removesuffix('社区')}{label}",
                        "lon": points[i].x,
                        "lat": points[i].y,
                        "capacity": int(rng.integers(10, 80)),
                    }
                )
    return out
