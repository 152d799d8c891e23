"""An illustrative gazetteer for the demo: a street address and a housing estate (小区)
building per grid, at a point inside the grid. Names are made up; WGS84 points."""

from __future__ import annotations

from typing import TYPE_CHECKING

import shapely

from geo.gazetteer import Entry

if TYPE_CHECKING:
    import geopandas as gpd

ROADS = ("路", "街", "巷")


def synth_gazetteer(grids: gpd.GeoDataFrame) -> list[Entry]:
    """Two entries per grid of ``grids`` (GeoDataFrame, EPSG:4326, ``code``,
    ``community_code``) named after the community: e.g. 中华路12号 and 中华小区3栋."""
    names = grids.get("community_name")
    points = shapely.point_on_surface(grids.geometry.to_numpy())
    out = []
    for i, (code, point) in enumerate(zip(grids["code"], points, strict=True)):
        base = (names.iloc[i] if names is not None else code[:9]).removesuffix("社区")
        seq = int(code[-3:])
        committee = int(code[9:12])
        road = f"{base}{'东西南北中'[committee % 5]}{ROADS[committee % 3]}"
        out.append(Entry(f"{road}{seq * 2 + 1}号", point.x, point.y))
        out.append(Entry(f"{base}{committee}号小区{seq}栋", point.x, point.y))
    return out
