"""Service coverage: geo.analytics.coverage against a geopandas overlay; greedy siting.

    python bench/bench_coverage.py [--facilities 500] [--radius 500] [--existing 50]
                                   [--count 10] [--repeats 3] [--seed 1]

On the bundled Yunyan grids with N facilities placed uniformly at random inside the grids
(seeded), all serving --radius metres: coverage() on grids projected once (prepare_grids),
coverage() on the EPSG:4326 frame (projection included), and the competitor: the facility
discs (same 128-gons, in METRIC_CRS) dissolved into one geometry, geopandas.overlay(grids,
union, how="intersection"), then intersected area per grid. Every figure is the best of
--repeats runs and includes making the discs from lon/lat; ratio is seconds over those of
coverage() on the projected grids. The two methods' covered area
shares are compared for every grid. Then greedy_sites() picks --count sites among all grid
centroids, starting from the first --existing facilities as the existing ones.
"""

import argparse
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import bundled, coords
from geo.analytics.coverage import QUAD_SEGS, coverage, prepare_grids
from geo.analytics.siting import greedy_sites, grid_centroid_candidates
from geo.boundaries.read import read_boundary_set


def best_time(func, repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return min(times), result


def random_facilities(grids: gpd.GeoDataFrame, n: int, seed: int) -> np.ndarray:
    """n (lon, lat) points uniform over the grids' bounding box, kept when inside a grid."""
    rng = np.random.default_rng(seed)
    district = shapely.union_all(grids.geometry.values)
    shapely.prepare(district)
    lon0, lat0, lon1, lat1 = grids.total_bounds
    found = np.empty((0, 2))
    while len(found) < n:
        lon, lat = rng.uniform(lon0, lon1, 4 * n), rng.uniform(lat0, lat1, 4 * n)
        inside = shapely.contains_xy(district, lon, lat)
        found = np.vstack([found, np.column_stack([lon[inside], lat[inside]])])
    return found[:n]


def overlay_shares(metric_frame: gpd.GeoDataFrame, lonlat: np.ndarray, radius: float):
    """Covered area share per grid by geopandas.overlay with the dissolved discs."""
    centres = coords.to_metric(shapely.points(lonlat))
    union = shapely.union_all(shapely.buffer(centres, radius, quad_segs=QUAD_SEGS))
    discs = gpd.GeoDataFrame(geometry=[union], crs=coords.METRIC_CRS)
    pieces = gpd.overlay(metric_frame, discs, how="intersection")
    area = pieces.geometry.area.groupby(pieces["code"]).sum()
    covered = area.reindex(metric_frame["code"], fill_value=0.0).to_numpy()
    return covered / metric_frame.geometry.area.to_numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facilities", type=int, default=500)
    parser.add_argument("--radius", type=float, default=500.0)
    parser.add_argument("--existing", type=int, default=50)
    parser.add_argument("--count", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    bset = read_boundary_set(bundled.BOUNDARIES_DIR)
    grids = bset.grids
    lonlat = random_facilities(grids, args.facilities, args.seed)
    facilities = np.column_stack([lonlat, np.full(len(lonlat), args.radius)])
    print(
        f"{len(grids)} grids, {int(grids['population'].sum()):,} residents; "
        f"{len(lonlat)} facilities, radius {args.radius:g} m; best of {args.repeats}; "
        f"shapely {shapely.__version__}, GEOS {shapely.geos_version_string}"
    )

    t_prepare, metric = best_time(lambda: prepare_grids(grids), args.repeats)
    metric_frame = gpd.GeoDataFrame(
        {"code": metric.code}, geometry=metric.geometry, crs=coords.METRIC_CRS
    )
    t_ours, ours = best_time(lambda: coverage(metric, facilities), args.repeats)
    t_raw, raw = best_time(lambda: coverage(grids, facilities), args.repeats)
    t_overlay, theirs = best_time(
        lambda: overlay_shares(metric_frame, lonlat, args.radius), args.repeats
    )

    rows = [
        ("coverage(), grids projected once", t_ours),
        ("coverage(), EPSG:4326 frame", t_raw),
        ("geopandas.overlay with the union", t_overlay),
        ("(prepare_grids: projection + STRtree)", t_prepare),
    ]
    print(f"\n{'method':<40} {'seconds':>9} {'ratio':>7}")
    for name, seconds in rows:
        print(f"{name:<40} {seconds:>9.4f} {seconds / t_ours:>7.2f}")
    shares = ours.grids["covered_area_share"].to_numpy()
    diff = np.abs(shares - theirs)
    print(
        f"\nshares: max |coverage() - overlay| = {diff.max():.3g} (grid "
        f"{ours.grids['code'].iloc[int(np.argmax(diff))]}); same frame both ways: "
        f"{raw.grids.equals(ours.grids)}"
    )
    print(
        f"covered: {ours.covered_population:,.0f} of {ours.population:,.0f} residents "
        f"({ours.covered_share:.2%}); grids partly covered: "
        f"{int(((shares > 0) & (shares < 1)).sum())}, fully: {int((shares == 1).sum())}"
    )

    candidates = grid_centroid_candidates(metric)
    existing = facilities[: args.existing]
    t_greedy, siting = best_time(
        lambda: greedy_sites(metric, existing, candidates, radius_m=args.radius, count=args.count),
        args.repeats,
    )
    print(
        f"\ngreedy_sites: {len(candidates)} candidates, {len(existing)} existing, "
        f"count {args.count}, radius {args.radius:g} m: {t_greedy:.4f} s "
        f"({siting.demand_point_count:,} demand points)"
    )
    print(
        f"covered before {siting.covered_before:,.0f}, after {siting.covered_after:,.0f} "
        f"(exact); estimate {siting.objective_before:,.0f} -> {siting.objective_after:,.0f}"
    )
    with pd.option_context("display.width", 120, "display.float_format", "{:,.1f}".format):
        print(
            siting.sites[
                ["candidate", "grid_code", "community_code", "gain", "objective"]
            ].to_string(index=False)
        )


if __name__ == "__main__":
    main()
