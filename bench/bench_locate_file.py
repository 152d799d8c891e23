"""``gridmgr locate-file`` against a geopandas pipeline and a DuckDB spatial SQL pipeline.

    python bench/bench_locate_file.py [--n 1000000] [--repeats 3] [--workdir DIR]

Makes a CSV of N points (``id,lon,lat``, WGS84 degrees, seeded) once: uniform over the bundled
grids' bounding box widened by a tenth on every side (so some points fall outside every grid),
every 200th row bad in one of several ways (missing, not a number, not finite, out of range)
and every 997th padded with blanks; and the same points in GCJ-02. Initialises a DuckDB store
with ``gridmgr init`` in a temporary directory, then times, each as its own process (imports
and start-up included, as a user sees them; best of --repeats wall times, the commands taking
turns, the CPU time of every run printed too, as a check on a busy machine):

* ``gridmgr locate-file`` on the WGS84 file, and on the GCJ-02 file with ``--crs gcj02``;
* for reference, the same CSV path (``geo.locate.files.locate_csv``: open the store, read the
  index kept beside it, read, locate, write) in a process that imports only what it needs,
  which shows how much of locate-file's time is the ``gridmgr`` command's start-up;
* a geopandas pipeline: read_csv -> to_numeric -> points_from_xy -> sjoin (covered_by, the
  smallest code on a shared edge) -> to_csv, over the bundled grids.geojson;
* a DuckDB spatial SQL pipeline: read_csv -> TRY_CAST -> ST_Point -> LEFT JOIN ST_Contains on
  the store's grids -> ORDER BY id -> write_csv, with the spatial extension loaded offline
  from the duckdb-extension-spatial wheel.

The grid codes of the three WGS84 outputs are compared row by row; the GCJ-02 run's codes are
compared with the WGS84 run's (points within about 1e-7 degrees of an edge may differ: the
inverse of GCJ-02 converges to 1e-7 degrees). Prints the times, the ratios, the goal verdicts
(locate-file at least 2x the geopandas pipeline, faster than the DuckDB one, GCJ-02 within
10 % of WGS84) and the peak RSS of the locate-file process. The load average is printed too:
the figures mean little on a busy machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BAD_EVERY = 200  # every 200th row is bad in one of the BAD_VALUES ways
PAD_EVERY = 997  # every 997th row has blanks around its (valid) coordinates
BAD_VALUES = [  # (lon, lat) as CSV fields
    ("", "26.6"),
    ("106.7", ""),
    ("abc", "26.6"),
    ("106.7", '"1,5"'),  # quoted: the comma is part of the value
    ("nan", "26.6"),
    ("inf", "26.6"),
    ("106.7", "-inf"),
    ("181", "26.6"),
    ("106.7", "91"),
    ("-200.5", "-95"),
]
GENERATION = 1  # the one `gridmgr init` makes


def make_points(n: int, seed: int, wgs84: Path, gcj02: Path) -> None:
    """Write the WGS84 and GCJ-02 point files (see the module doc)."""
    import numpy as np
    import shapely

    from geo import coords
    from geo.boundaries.read import read_boundary_set

    grids = read_boundary_set(bundled_dir()).grids
    xmin, ymin, xmax, ymax = shapely.total_bounds(grids.geometry.to_numpy())
    dx, dy = (xmax - xmin) / 10, (ymax - ymin) / 10
    rng = np.random.default_rng(seed)
    lon = rng.uniform(xmin - dx, xmax + dx, n)
    lat = rng.uniform(ymin - dy, ymax + dy, n)
    glon, glat = coords.from_wgs84(lon, lat, "gcj02")
    for path, xs, ys in ((wgs84, lon, lat), (gcj02, glon, glat)):
        lons = [f"{x:.7f}" for x in xs]
        lats = [f"{y:.7f}" for y in ys]
        for k, i in enumerate(range(BAD_EVERY - 1, n, BAD_EVERY)):
            lons[i], lats[i] = BAD_VALUES[k % len(BAD_VALUES)]
        for i in range(PAD_EVERY - 1, n, PAD_EVERY):
            if (i + 1) % BAD_EVERY:
                lons[i], lats[i] = f" {lons[i]}", f"{lats[i]}\t"
        with open(path, "w", encoding="utf-8") as fh:
            fh.write("id,lon,lat\n")
            fh.writelines(
                f"{i},{x},{y}\n" for i, (x, y) in enumerate(zip(lons, lats, strict=True), 1)
            )


def bundled_dir() -> Path:
    from geo import bundled

    return bundled.BOUNDARIES_DIR


def geopandas_pipeline(src: str, dst: str) -> None:
    """read_csv -> to_numeric -> points_from_xy -> sjoin -> to_csv, grids from grids.geojson."""
    import geopandas as gpd
    import pandas as pd

    grids = gpd.read_file(bundled_dir() / "grids.geojson", columns=["code", "community_code"])
    frame = pd.read_csv(src, dtype=str, keep_default_na=False)
    lon = pd.to_numeric(frame["lon"], errors="coerce")
    lat = pd.to_numeric(frame["lat"], errors="coerce")
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    joined = gpd.sjoin(points, grids, how="left", predicate="covered_by")
    joined = joined.sort_values("code", kind="stable")  # on a shared edge the smallest code
    joined = joined[~joined.index.duplicated()].sort_index()
    frame["grid_code"] = joined["code"].fillna("")
    frame["community_code"] = joined["community_code"].fillna("")
    frame.to_csv(dst, index=False)


DUCKDB_QUERY = """
SELECT p.*, g.code AS grid_code, g.community_code
FROM read_csv($src, all_varchar = true, header = true) AS p
LEFT JOIN grids AS g
  ON g.generation = $generation
 AND ST_Contains(g.geom, ST_Point(TRY_CAST(p.lon AS DOUBLE), TRY_CAST(p.lat AS DOUBLE)))
ORDER BY CAST(p.id AS BIGINT)
"""


def duckdb_pipeline(src: str, dst: str, store: str) -> None:
    """read_csv -> ST_Point -> LEFT JOIN ST_Contains -> ORDER BY id -> CSV, on the store."""
    from importlib import resources

    import duckdb

    root = resources.files("duckdb_extension_spatial") / "extensions" / f"v{duckdb.__version__}"
    con = duckdb.connect(store, read_only=True)
    con.load_extension(str(root / "spatial.duckdb_extension"))
    con.sql(DUCKDB_QUERY, params={"src": src, "generation": GENERATION}).write_csv(dst)
    con.close()


def streaming_pipeline(src: str, dst: str, store: str) -> None:
    """locate-file's CSV path (geo.locate.files.locate_csv) without the CLI's start-up."""
    from pathlib import Path

    from geo.locate.cache import FileCachedLocator
    from geo.locate.files import locate_csv
    from geo.store import open_store
    from geo.store.target import parse_database_url

    opened = open_store(parse_database_url(f"duckdb:///{store}"))
    try:
        locator = FileCachedLocator(opened, Path(store))  # as locate-file does
        gi = locator.index(locator.generation())
        locate_csv(
            Path(src),
            Path(dst),
            lon_col="lon",
            lat_col="lat",
            crs="wgs84",
            gi=gi,
            chunk_rows=200_000,
        )
    finally:
        opened.close()


def timed_process(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (MB) of one run of ``cmd``;
    exits if it fails."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    out, err = proc.communicate()
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err.decode()}{out.decode()}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def best_of(
    runs: dict[str, list[str]], env: dict[str, str], repeats: int
) -> dict[str, tuple[float, float]]:
    """The best wall time and the largest peak RSS (MB) of ``repeats`` runs of each command;
    prints every run. The commands take turns (one run of each, then the next round), so that
    a load that changes during the bench weighs on all of them alike."""
    results: dict[str, list[tuple[float, float, float]]] = {label: [] for label in runs}
    for _ in range(repeats):
        for label, cmd in runs.items():
            results[label].append(timed_process(cmd, env))
    best = {}
    for label, done in results.items():
        times = "  ".join(f"{w:6.2f} s ({c:5.2f} s CPU)" for w, c, _ in done)
        print(f"  {label:<34} {times}", flush=True)
        best[label] = (min(w for w, _, _ in done), max(r for _, _, r in done))
    return best


def grid_codes(path: Path) -> tuple[list[str], list[str]]:
    """The id and grid_code columns of an output CSV, as strings."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    table = pcsv.read_csv(
        path,
        convert_options=pcsv.ConvertOptions(
            include_columns=["id", "grid_code"],
            column_types={"id": pa.string(), "grid_code": pa.string()},
        ),
    )
    return table["id"].to_pylist(), table["grid_code"].to_pylist()


def compare(name: str, got: tuple[list[str], list[str]], ref: tuple[list[str], list[str]]) -> int:
    if got[0] != ref[0]:
        print(f"  {name}: the rows differ in number or order")
        return max(len(got[0]), len(ref[0]))
    bad = [i for i, (a, b) in enumerate(zip(got[1], ref[1], strict=True)) if a != b]
    print(f"  {name}: {len(bad):,} grid code(s) differ of {len(ref[1]):,}")
    for i in bad[:5]:
        print(f"    id {ref[0][i]}: {got[1][i]!r} vs {ref[1][i]!r}")
    return len(bad)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="points in the file")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each; the best counts")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, help="keep the files here (default: temporary)")
    parser.add_argument(
        "--pipeline", choices=["geopandas", "duckdb", "streaming"], help=argparse.SUPPRESS
    )
    parser.add_argument("paths", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.pipeline == "geopandas":  # one timed run, in its own process
        return geopandas_pipeline(*args.paths)
    if args.pipeline == "duckdb":
        return duckdb_pipeline(*args.paths)
    if args.pipeline == "streaming":
        return streaming_pipeline(*args.paths)

    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-locate-file-"))
    work.mkdir(parents=True, exist_ok=True)
    wgs84, gcj02 = (
        work / f"points-{args.n}-{args.seed}.csv",
        work / f"gcj02-{args.n}-{args.seed}.csv",
    )
    try:
        if not (wgs84.exists() and gcj02.exists()):
            start = time.perf_counter()
            make_points(args.n, args.seed, wgs84, gcj02)
            print(f"made {wgs84.name} and {gcj02.name} in {time.perf_counter() - start:.1f} s")
        store = work / "store.duckdb"
        store.unlink(missing_ok=True)
        env = dict(os.environ, GRIDMGR_DATABASE_URL=f"duckdb:///{store}")
        gridmgr = str(Path(sys.executable).with_name("gridmgr"))
        timed_process([gridmgr, "init"], env)

        bad = args.n // BAD_EVERY
        print(
            f"{args.n:,} points ({bad:,} bad rows, about {args.n // PAD_EVERY:,} padded), "
            f"best of {args.repeats} wall times, each run a new process; "
            f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
        )
        kinds = ("locate", "gcj02", "streaming", "geopandas", "duckdb")
        out = {k: work / f"out-{k}.csv" for k in kinds}
        me = [sys.executable, __file__]
        best = best_of(
            {
                "gridmgr locate-file (WGS84)": [
                    gridmgr,
                    "locate-file",
                    str(wgs84),
                    "-o",
                    str(out["locate"]),
                ],
                "gridmgr locate-file --crs gcj02": [
                    gridmgr,
                    "locate-file",
                    str(gcj02),
                    "-o",
                    str(out["gcj02"]),
                    "--crs",
                    "gcj02",
                ],
                "the same without the CLI start-up": [
                    *me,
                    "--pipeline",
                    "streaming",
                    str(wgs84),
                    str(out["streaming"]),
                    str(store),
                ],
                "geopandas pipeline": [
                    *me,
                    "--pipeline",
                    "geopandas",
                    str(wgs84),
                    str(out["geopandas"]),
                ],
                "DuckDB spatial SQL pipeline": [
                    *me,
                    "--pipeline",
                    "duckdb",
                    str(wgs84),
                    str(out["duckdb"]),
                    str(store),
                ],
            },
            env,
            args.repeats,
        )
        (locate, rss), (gcj, rss_gcj), (bare, _), (gpd_time, _), (duck_time, _) = best.values()
        print(f"  load average now {' '.join(f'{x:.1f}' for x in os.getloadavg())}")

        print("agreement (grid_code, row by row):")
        ref = grid_codes(out["locate"])
        differ = compare("geopandas vs locate-file", grid_codes(out["geopandas"]), ref)
        differ += compare("DuckDB vs locate-file", grid_codes(out["duckdb"]), ref)
        compare("GCJ-02 input vs WGS84 input", grid_codes(out["gcj02"]), ref)

        print("results:")
        print(f"  locate-file WGS84   {locate:6.2f} s   peak RSS {max(rss, rss_gcj):6.0f} MB")
        print(f"  locate-file GCJ-02  {gcj:6.2f} s   ({gcj / locate:.2f}x the WGS84 time)")
        print(f"  without CLI start-up{bare:6.2f} s   (store, index and file; not a goal)")
        print(f"  geopandas pipeline  {gpd_time:6.2f} s   (locate-file {gpd_time / locate:.2f}x)")
        print(f"  DuckDB pipeline     {duck_time:6.2f} s   (locate-file {duck_time / locate:.2f}x)")
        verdicts = [
            ("locate-file >= 2x the geopandas pipeline", gpd_time / locate >= 2),
            ("locate-file faster than the DuckDB pipeline", duck_time / locate > 1),
            ("GCJ-02 within 10 % of WGS84", gcj / locate <= 1.10),
            ("the three WGS84 outputs agree on every row", differ == 0),
        ]
        for text, ok in verdicts:
            print(f"  {'MET    ' if ok else 'NOT MET'}  {text}")
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
