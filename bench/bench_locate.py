"""Point -> grid location: geo.locate.index.LocateIndex against geopandas.sjoin, STRtree, SQL.

    python bench/bench_locate.py [--n 1000000] [--single 100000] [--sql 2000] [--repeats 3]
    scripts/with-postgis python bench/bench_locate.py    # adds the PostGIS comparison

On the bundled Yunyan grids (EPSG:4326) with N points uniform in the grids' bounding box
(seeded), about two thirds of them outside the district. Bulk: LocateIndex.locate,
geopandas.sjoin (predicate "covered_by", then the smallest code per point: the same answer),
and a plain shapely STRtree.query (predicate "covered_by", no tie rule); both competitors
include making the points from lon/lat, and each figure is the best of --repeats runs. The
bulk answers of LocateIndex and sjoin are compared for every point. Single points:
locate_one timed call by call (time.perf_counter_ns), then the same points through a
prepared PostGIS query with a GiST index (when GRIDMGR_TEST_DATABASE_URL is set) and through
DuckDB's spatial extension (loaded offline from the duckdb-extension-spatial wheel) with an
R-tree index. Both databases are also checked against locate_one on those points and on
points exactly on or next to grid boundaries.
"""

import argparse
import os
import time
import tracemalloc
from importlib import resources

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import bundled
from geo.boundaries.read import read_boundary_set
from geo.locate.index import LocateIndex

PG_QUERY = (
    "SELECT code FROM bench_grids WHERE ST_Covers(geom, ST_SetSRID(ST_MakePoint($1, $2), "
    "4326)) ORDER BY code LIMIT 1"
)
DUCK_QUERY = "SELECT code FROM grids WHERE ST_Covers(geom, ST_Point(?, ?)) ORDER BY code LIMIT 1"


def best_time(func, repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return min(times), result


def rss_mb() -> float:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    except OSError:
        return float("nan")


def smallest_code(point: np.ndarray, grid: np.ndarray, n: int, rank: np.ndarray) -> np.ndarray:
    """Per point, the grid of smallest code rank among (point, grid) pairs; -1 for none."""
    best = np.full(n, len(rank))
    np.minimum.at(best, point, rank[grid])
    return np.append(np.argsort(rank), -1)[best]


def percentiles(ns: list[int]) -> str:
    p50, p99 = np.percentile(np.asarray(ns) / 1e3, [50, 99])
    return f"p50 {p50:8.2f} us   p99 {p99:8.2f} us"


def boundary_points(geoms: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Points on or just off grid boundaries, 500 of a kind (lon, lat columns)."""
    sample = geoms[rng.choice(len(geoms), 60, replace=False)]
    xy, ring = shapely.get_coordinates(shapely.boundary(sample), return_index=True)
    same = np.flatnonzero(ring[1:] == ring[:-1])
    a, b = xy[same], xy[same + 1]
    total = a + b
    back = total - a
    exact = (((a - (total - back)) + (b - back)) == 0).all(axis=1)  # a + b exact: on the edge
    rings = shapely.boundary(sample[rng.integers(0, len(sample), 500)])
    on = shapely.line_interpolate_point(rings, rng.uniform(0, 1, 500), normalized=True)
    outline = shapely.coverage_union_all(geoms).buffer(1e-8, quad_segs=2).exterior
    outside = shapely.get_coordinates(outline)
    return {
        "vertices": xy[rng.choice(len(xy), 500, replace=False)],
        "exact edge midpoints": (total[exact] / 2)[:500],
        "interpolated on edges": shapely.get_coordinates(on),
        "1e-8 deg outside": outside[rng.choice(len(outside), 500, replace=False)],
    }


def report_agreement(name: str, answers, expected, sets, codes) -> None:
    start = 0
    for label, xy in sets.items():
        got, want = answers[start : start + len(xy)], expected[start : start + len(xy)]
        bad = [i for i, (g, w) in enumerate(zip(got, want, strict=True)) if g != w]
        print(f"  {name} vs locate_one, {label:<22} {len(bad):>5} mismatches of {len(xy):,}")
        for i in bad[:5]:
            print(f"    lon {xy[i, 0]!r} lat {xy[i, 1]!r}: {name} {got[i]}, locate_one {want[i]}")
        start += len(xy)


def bench_postgis(url, codes, geoms, timed, sets, expected) -> None:
    import psycopg2

    conn = psycopg2.connect(url)
    cur = conn.cursor()
    cur.execute(
        "CREATE TEMP TABLE bench_grids (code text PRIMARY KEY, geom geometry(Geometry, 4326))"
    )
    cur.executemany(
        "INSERT INTO bench_grids VALUES (%s, ST_GeomFromWKB(%s, 4326))",
        [(c, g.wkb) for c, g in zip(codes, geoms, strict=True)],
    )
    cur.execute("CREATE INDEX ON bench_grids USING gist (geom)")
    cur.execute("ANALYZE bench_grids")
    cur.execute("SELECT postgis_lib_version(), postgis_geos_version()")
    versions = cur.fetchone()
    cur.execute(f"PREPARE locate_grid(float8, float8) AS {PG_QUERY}")

    def run(x: float, y: float):
        cur.execute("EXECUTE locate_grid(%s, %s)", (x, y))
        row = cur.fetchone()
        return row[0] if row else None

    answers, ns = sql_run(run, timed, sets)
    print(
        f"PostGIS {versions[0]} (GEOS {versions[1]}), prepared, GiST: {percentiles(ns)}  "
        f"({len(ns):,} executes, round trip included)"
    )
    report_agreement("PostGIS", answers, expected, sets, codes)
    conn.rollback()
    conn.close()


def bench_duckdb(codes, geoms, timed, sets, expected) -> None:
    root = resources.files("duckdb_extension_spatial") / "extensions" / f"v{duckdb.__version__}"
    con = duckdb.connect()
    con.load_extension(str(root / "spatial.duckdb_extension"))  # LOAD, offline
    source = pd.DataFrame({"code": list(codes), "wkb": [g.wkb for g in geoms]})
    con.register("source", source)
    con.execute("CREATE TABLE grids AS SELECT code, ST_GeomFromWKB(wkb) AS geom FROM source")
    con.execute("CREATE INDEX grids_rtree ON grids USING RTREE (geom)")
    statement = con.extract_statements(DUCK_QUERY)[0]  # parsed once, parameters bound per call

    def run(x: float, y: float):
        row = con.execute(statement, [x, y]).fetchone()
        return row[0] if row else None

    answers, ns = sql_run(run, timed, sets)
    print(
        f"DuckDB {duckdb.__version__} spatial, prepared, R-tree: {percentiles(ns)}  "
        f"({len(ns):,} executes)"
    )
    report_agreement("DuckDB", answers, expected, sets, codes)
    con.close()


def sql_run(run, timed: np.ndarray, sets: dict) -> tuple[list, list[int]]:
    for x, y in timed[:50].tolist():  # warm up caches and plans
        run(x, y)
    ns, answers = [], []
    for x, y in timed.tolist():
        start = time.perf_counter_ns()
        answers.append(run(x, y))
        ns.append(time.perf_counter_ns() - start)
    for xy in list(sets.values())[1:]:  # the first set is the timed one
        answers.extend(run(x, y) for x, y in xy.tolist())
    return answers, ns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="points for the bulk methods")
    parser.add_argument("--single", type=int, default=100_000, help="locate_one calls timed")
    parser.add_argument("--sql", type=int, default=2_000, help="SQL executes timed")
    parser.add_argument("--repeats", type=int, default=3, help="bulk runs; the best counts")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    frame = read_boundary_set(bundled.BOUNDARIES_DIR).grids[["code", "geometry"]]
    frame = frame.reset_index(drop=True)  # sjoin's index_right is then a position
    codes, geoms = frame["code"].to_numpy(), frame.geometry.to_numpy()
    rank = np.empty(len(codes), dtype=np.int64)
    rank[np.argsort(codes)] = np.arange(len(codes))
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    rng = np.random.default_rng(args.seed)
    lon, lat = rng.uniform(xmin, xmax, args.n), rng.uniform(ymin, ymax, args.n)
    print(
        f"{len(codes):,} grids; {args.n:,} points uniform in lon {xmin:.4f}..{xmax:.4f}, "
        f"lat {ymin:.4f}..{ymax:.4f}; bulk figures best of {args.repeats}"
    )

    rss_before = rss_mb()
    tracemalloc.start()
    index = LocateIndex.build(codes, geoms)
    index.locate(lon, lat)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rss_after = rss_mb()
    build_s, index = best_time(lambda: LocateIndex.build(codes, geoms), args.repeats)
    print(
        f"index build: {build_s:.3f} s; tables {index.nbytes / 1e6:.1f} MB; peak memory of "
        f"build + one bulk run: tracemalloc {peak / 1e6:.1f} MB, RSS growth "
        f"{rss_after - rss_before:.1f} MB"
    )

    tree = shapely.STRtree(geoms)

    def sjoin():
        points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
        joined = gpd.sjoin(points, frame, how="inner", predicate="covered_by")
        return smallest_code(
            joined.index.to_numpy(), joined["index_right"].to_numpy(), args.n, rank
        )

    def strtree():
        return tree.query(shapely.points(lon, lat), predicate="covered_by")

    t_locate, ours = best_time(lambda: index.locate(lon, lat), args.repeats)
    t_sjoin, theirs = best_time(sjoin, args.repeats)
    t_tree, _ = best_time(strtree, args.repeats)
    header = f"{'method':<44}{'points/s':>14}{'ratio to geopandas.sjoin':>27}"
    print(f"\n{header}\n{'-' * len(header)}")
    for name, seconds in [
        ("LocateIndex.locate (bulk)", t_locate),
        ("geopandas.sjoin covered_by + smallest code", t_sjoin),
        ("shapely STRtree.query covered_by (plain)", t_tree),
    ]:
        print(f"{name:<44}{args.n / seconds:>14,.0f}{t_sjoin / seconds:>26.1f}x")
    mismatches = int((ours != theirs).sum())
    print(
        f"\nLocateIndex.locate vs geopandas.sjoin: {mismatches} mismatches of {args.n:,} "
        f"({(ours >= 0).sum():,} points in a grid)"
    )

    single = np.column_stack([lon[: args.single], lat[: args.single]])
    locate_one = index.locate_one
    for x, y in single[:1000].tolist():
        locate_one(x, y)
    ns, clock = [], time.perf_counter_ns
    for x, y in single.tolist():
        start = clock()
        locate_one(x, y)
        ns.append(clock() - start)
    inside = ours[: args.single] >= 0
    print(f"\nsingle point, {args.single:,} calls timed one by one (timer overhead included):")
    print(f"LocateIndex.locate_one, all points:          {percentiles(ns)}")
    print(
        f"LocateIndex.locate_one, points in a grid:    "
        f"{percentiles([t for t, i in zip(ns, inside, strict=True) if i])}"
    )

    sets = {"random (timed)": single[: args.sql]} | boundary_points(geoms, rng)
    expected = [
        None if (k := index.locate_one(x, y)) < 0 else str(codes[k])
        for xy in sets.values()
        for x, y in xy.tolist()
    ]
    url = os.environ.get("GRIDMGR_TEST_DATABASE_URL", "").strip()
    if url:
        bench_postgis(url, codes, geoms, sets["random (timed)"], sets, expected)
    else:
        print("PostGIS: skipped (set GRIDMGR_TEST_DATABASE_URL)")
    bench_duckdb(codes, geoms, sets["random (timed)"], sets, expected)
    if mismatches:
        raise SystemExit("LocateIndex.locate disagrees with geopandas.sjoin")


if __name__ == "__main__":
    main()
