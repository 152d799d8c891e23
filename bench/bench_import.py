"""Importing a hotline export of 1,000,000 cases into PostGIS, against a row-at-a-time insert.

    scripts/with-postgis .venv/bin/python bench/bench_import.py [--rows 1000000]
                                          [--sample 5000] [--seed 1] [--keep FILE]

Writes a CSV (UTF-8) shaped like a hotline export: 事件编号, 事件类型 (Chinese subclass
names), 问题描述, 地址, GCJ-02 经度/纬度 inside the district's grids (a few outside), 上报时间,
立案时间, 结案时间, 状态 (mostly 已结案), over 2023-2025. Then, in a fresh schema of the PostGIS
server of GRIDMGR_TEST_DATABASE_URL prepared by `gridmgr init`:

* ``import_cases`` on the whole file (read, check, locate, assign, deadlines, COPY), timed
  end to end; the goal is under 15 s for 1,000,000 rows;
* the same file again: every row is unchanged, nothing is written;
* the competitor: the first --sample planned rows inserted one INSERT per row (bound
  parameters, one transaction), the way a simple importer writes; its rate is extrapolated
  to the whole file and given as a ratio.

Also times the import into a fresh DuckDB file, for information.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import psycopg2
import pyarrow as pa
import pyarrow.csv as pacsv
import shapely
from click.testing import CliRunner

from api.cli import main as cli
from geo import bundled, coords
from geo.boundaries.read import read_boundary_set
from geo.cases.categories import read_catalogue
from geo.gazetteer import Gazetteer
from geo.importing import import_cases
from geo.importing.mapping import Mapping
from geo.importing.plan import Places, plan_cases
from geo.importing.readers import open_source
from geo.importing.rows import Catalogue, SeenIds, check_chunk
from geo.importing.run import grid_owners
from geo.locate.locator import Locator
from geo.store import open_store, parse_database_url
from geo.store.imports import IMPORT_COLUMNS
from geo.worktime.calendar import WorkCalendar

STATES = {"已结案": 0.85, "处置中": 0.05, "已立案": 0.03, "待受理": 0.03, "不予立案": 0.04}


def write_file(path: Path, n: int, seed: int) -> None:
    """A hotline export of ``n`` rows (see the module docstring)."""
    rng = np.random.default_rng(seed)
    grids = read_boundary_set(bundled.BOUNDARIES_DIR).grids
    pop = grids["population"].fillna(1).to_numpy(float)
    g = rng.choice(len(grids), n, p=pop / pop.sum())
    geoms = grids.geometry.to_numpy()
    shapely.prepare(geoms)
    lon, lat, todo = np.empty(n), np.empty(n), np.arange(n)
    while len(todo):
        box = shapely.bounds(geoms[g[todo]])
        x, y = rng.uniform(box[:, 0], box[:, 2]), rng.uniform(box[:, 1], box[:, 3])
        ok = shapely.contains_xy(geoms[g[todo]], x, y)
        lon[todo[ok]], lat[todo[ok]], todo = x[ok], y[ok], todo[~ok]
    outside = rng.random(n) < 0.01
    lon[outside] += 0.3
    glon, glat = coords.from_wgs84(lon, lat, "gcj02")
    cats = read_catalogue()
    names = np.array([c.name_zh for c in cats], dtype=object)[rng.integers(len(cats), size=n)]
    start = pd.Timestamp("2023-01-01 00:00:00")
    reported = start + pd.to_timedelta(np.sort(rng.integers(0, 3 * 365 * 86400, n)), unit="s")
    registered = reported + pd.to_timedelta(rng.integers(300, 7200, n), unit="s")
    closed_at = registered + pd.to_timedelta(rng.integers(3600, 10 * 86400, n), unit="s")
    state = rng.choice(list(STATES), n, p=list(STATES.values()))
    fmt = "%Y-%m-%d %H:%M:%S"
    frame = pd.DataFrame(
        {
            "事件编号": [f"YY{i:010d}" for i in range(n)],
            "事件类型": names,
            "问题描述": rng.choice(
                ["路面有垃圾堆放", "井盖缺失", "占道经营", "噪音扰民", "邻里纠纷需调解"], n
            ),
            "地址": rng.choice(["中华中路12号", "延安中路3号", "宝山北路88号", "北京路6号"], n),
            "经度": np.round(glon, 6),
            "纬度": np.round(glat, 6),
            "上报时间": reported.strftime(fmt),
            "立案时间": np.where(
                np.isin(state, ["待受理", "不予立案"]), "", registered.strftime(fmt)
            ),
            "结案时间": np.where(state == "已结案", closed_at.strftime(fmt), ""),
            "状态": state,
        }
    )
    pacsv.write_csv(pa.Table.from_pandas(frame, preserve_index=False), path)


def row_at_a_time(url: str, path: Path, sample: int) -> float:
    """Seconds per row for single-row INSERTs of the file's first ``sample`` planned rows."""
    store = open_store(parse_database_url(url))
    try:
        source = open_source(path, chunk_rows=sample)
        cols = Mapping().resolve(source.headers)
        locator = Locator(store)
        places = Places(
            locator.index(locator.generation()), Gazetteer([]), grid_owners(store), 90.0
        )
        cal = WorkCalendar.default()
        catalogue = Catalogue.of(read_catalogue())
        chunk = next(source.chunks)
        rows, _ = check_chunk(
            chunk,
            cols,
            Mapping(),
            catalogue,
            pa.array([], pa.string()),
            tz=cal.tz,
            now=pd.Timestamp.now(tz=cal.tz),
            seen=SeenIds(),
            default_crs="gcj02",
        )
        planned = plan_cases(rows, places, catalogue, cal).to_pandas()
    finally:
        store.close()
    columns = list(IMPORT_COLUMNS)
    sql = f"INSERT INTO cases ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    records = planned[columns].astype(object).where(planned[columns].notna(), None)
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            t = time.perf_counter()
            for rec in records.itertuples(index=False):
                cur.execute(sql, [_py(v) for v in rec])
            conn.commit()
            return (time.perf_counter() - t) / len(records)
    finally:
        conn.close()


def _py(v):
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    return v


def timed_import(url: str, path: Path, label: str) -> float:
    store = open_store(parse_database_url(url))
    try:
        t = time.perf_counter()
        summary = import_cases(store, path, crs="gcj02")
        took = time.perf_counter() - t
    finally:
        store.close()
    c = summary.counts
    print(
        f"{label}: {took:.2f} s; imported {c['imported']:,}, unchanged {c['unchanged']:,}, "
        f"rejected {c['rejected']:,}, located {c['located']:,}, unassigned "
        f"{c['unassigned']:,}"
    )
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="write the generated file here")
    args = parser.parse_args()
    base = os.environ.get("GRIDMGR_TEST_DATABASE_URL")
    if not base:
        sys.exit("set GRIDMGR_TEST_DATABASE_URL (run under scripts/with-postgis)")
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "hotline.csv"
        t = time.perf_counter()
        write_file(path, args.rows, args.seed)
        print(
            f"file: {args.rows:,} rows, {path.stat().st_size / 1e6:.0f} MB "
            f"(written in {time.perf_counter() - t:.1f} s)"
        )
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = psycopg2.connect(base)
        admin.autocommit = True
        admin.cursor().execute(f"CREATE SCHEMA {schema}")  # a fixed, generated identifier
        url = base + ("&" if "?" in base else "?") + f"options=-csearch_path%3D{schema},public"
        try:
            result = CliRunner().invoke(cli, ["init"], env={"GRIDMGR_DATABASE_URL": url})
            assert result.exit_code == 0, result.output
            ours = timed_import(url, path, "PostGIS import")
            timed_import(url, path, "PostGIS re-run ")
            other = f"options=-csearch_path%3D{schema}_rows,public"
            admin.cursor().execute(f"CREATE SCHEMA {schema}_rows")
            url_rows = base + ("&" if "?" in base else "?") + other
            result = CliRunner().invoke(cli, ["init"], env={"GRIDMGR_DATABASE_URL": url_rows})
            assert result.exit_code == 0, result.output
            per_row = row_at_a_time(url_rows, path, args.sample)
            theirs = per_row * args.rows
            print(
                f"row-at-a-time INSERT: {1 / per_row:,.0f} rows/s over {args.sample:,} rows "
                f"-> {theirs:.0f} s for {args.rows:,} rows; import is "
                f"{theirs / ours:.1f}x faster (and the row-at-a-time figure leaves out "
                "reading, checking and locating)"
            )
            print(
                f"goal: {args.rows:,} rows in < 15 s: "
                f"{'met' if ours < 15 else 'missed'} ({ours:.2f} s)"
            )
        finally:
            for s in (schema, f"{schema}_rows"):
                admin.cursor().execute(f"DROP SCHEMA IF EXISTS {s} CASCADE")
            admin.close()
        duck = Path(tmp) / "g.duckdb"
        result = CliRunner().invoke(
            cli, ["init"], env={"GRIDMGR_DATABASE_URL": f"duckdb:///{duck}"}
        )
        assert result.exit_code == 0, result.output
        timed_import(f"duckdb:///{duck}", path, "DuckDB import ")


if __name__ == "__main__":
    main()
