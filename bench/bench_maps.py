"""How long the map pages take to build and how big they are: ``python bench/bench_maps.py``.

The named competitor is plain Folium: a ``folium.GeoJson`` layer of the same grids,
unsimplified, with CDN assets — what a page built the obvious way costs.

Uses the bundled Yunyan boundary set (26 communities, 1,254 grids) with made-up figures.
"Build" is the map function plus rendering the HTML. The first district build simplifies the
grids (maps.simplify); later builds of the same boundaries reuse that. Times are the best of
``--repeat`` runs after the first.
"""

from __future__ import annotations

import argparse
import time

import folium
import shapely

from geo.boundaries.read import read_boundary_set
from geo.bundled import BOUNDARIES_DIR
from maps import community_map, coverage_map, workload_map
from maps.simplify import clear_cache


def _timed(build) -> tuple[float, int]:
    start = time.perf_counter()
    html = build().get_root().render()
    return time.perf_counter() - start, len(html.encode("utf-8"))


def _plain_folium(grids) -> folium.Map:
    m = folium.Map(location=[26.61, 106.69], zoom_start=12)
    folium.GeoJson(grids.to_json(), tooltip=folium.GeoJsonTooltip(["code", "name"])).add_to(m)
    return m


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    b = read_boundary_set(BOUNDARIES_DIR)
    rows = [
        {
            "code": c,
            "name": n,
            "received": 100 + i,
            "open": 10 + i,
            "overdue": i % 3,
            "on_time_rate": 0.9,
            "per_1000_residents": 3.0,
            "open_per_worker": 0.5 + i / 10,
        }
        for i, (c, n) in enumerate(zip(b.communities["code"], b.communities["name"], strict=True))
    ]
    code = b.communities["code"].iloc[0]
    own = b.grids[b.grids["community_code"] == code]
    points = shapely.point_on_surface(own.geometry.values)
    cases = [
        {
            "id": i,
            "status": "dispatched",
            "overdue": i % 5 == 0,
            "grid_code": g,
            "location": {"lon": p.x, "lat": p.y},
        }
        for i, (g, p) in enumerate(zip(own["code"], points, strict=True))
    ]
    facilities = [
        {
            "kind": "service_centre",
            "name": "中心",
            "lon": points[0].x,
            "lat": points[0].y,
            "radius_m": 1000.0,
        }
    ]
    report = {
        "kind": "service_centre",
        "radius_m": 1000.0,
        "threshold": 0.5,
        "grids": [{"code": g, "covered_area_share": 0.5} for g in b.grids["code"]],
        "underserved": list(b.grids["code"][::7]),
    }
    builds = {
        "district workload map, osm, assets linked": lambda: workload_map(
            b.communities, b.grids, rows
        ),
        "district workload map, gaode (GCJ-02 shift)": lambda: workload_map(
            b.communities, b.grids, rows, basemap="gaode"
        ),
        "district workload map, none, assets inlined": lambda: workload_map(
            b.communities, b.grids, rows, basemap="none", inline=True
        ),
        f"community map {code} ({len(own)} grids, {len(cases)} cases)": lambda: community_map(
            b.communities.iloc[[0]], b.grids, {}, cases, facilities
        ),
        "district coverage map (1,254 grids)": lambda: coverage_map(b.grids, report, facilities),
    }
    builds["competitor: plain folium.GeoJson of the grids (CDN assets)"] = lambda: _plain_folium(
        b.grids
    )
    clear_cache()
    first, _ = _timed(builds["district workload map, osm, assets linked"])
    print(f"first district build (simplifies the coverage): {first * 1000:7.0f} ms")
    for name, build in builds.items():
        runs = [_timed(build) for _ in range(max(1, args.repeat))]
        best = min(t for t, _ in runs)
        print(f"{name:48s} {best * 1000:7.0f} ms  {runs[0][1] / 1e6:6.2f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
