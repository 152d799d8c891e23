"""How planners' and dispatchers' reads grow with the case table, on PostGIS and DuckDB.

    scripts/with-postgis .venv/bin/python bench/bench_big_tables.py [--sizes 150000,1500000]
                                                                     [--repeats 3] [--seed 1]

For each backend and size: a fresh database set up by `gridmgr init` and a seeded year of
cases with their audit events (bench_workload.synth), numbered in the order they were
reported, as a live system numbers them, and bulk-loaded. Each read is timed warm, best of
--repeats, at the store (no HTTP):

* ``page: status``    — the first 100 dispatched cases by id (GET /cases?status=dispatched);
* ``page: grid``      — the first 100 cases of one grid (GET /cases?grid=...);
* ``page: community`` — the first 100 open cases of one community (the console's queue);
* ``workload: grid``  — the grid-level counters of the year (GET /stats/workload?level=grid);
* ``workload: one community`` — the same counters for one community's grids, what
  /maps/communities/{code} draws.

The peer of each read is the same read on the smallest size in the same run: the table
prints milliseconds per size and the growth factor. Goals: paged reads within 1.5x over 10x
the data; aggregates at most linear (<= 10x); a community's page costs a community's work
(its workload well under the district's).
"""

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

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_workload import NOW, SINCE, UNTIL, bench_init, load_duckdb, load_postgis, synth

from geo import bundled
from geo.boundaries.read import read_boundary_set
from geo.store import open_store, parse_database_url


def in_report_order(cases: pd.DataFrame, events: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cases renumbered 1..n by report time, and their events following them."""
    order = np.argsort(cases["reported_at"].to_numpy(), kind="stable")
    new_id = np.empty(len(cases), dtype=np.int64)
    new_id[order] = np.arange(1, len(cases) + 1)
    cases = cases.assign(id=new_id).sort_values("id", ignore_index=True)
    events = events.assign(case_id=new_id[events["case_id"].to_numpy() - 1])
    return cases, events


def best_ms(func, repeats: int) -> tuple[float, object]:
    func()  # warm
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = func()
        times.append(time.perf_counter() - start)
    return min(times) * 1000, out


def reads(store, community: str, grid: str, repeats: int) -> dict[str, tuple[float, int]]:
    """Each read's best time in ms and the rows it returned."""

    def page(**filters):
        with store.case_tx() as tx:
            return tx.cases(now=NOW, limit=100, **filters)

    kw = {"since": SINCE, "until": UNTIL, "now": NOW}
    runs = {
        "page: status": lambda: page(status="dispatched"),
        "page: grid": lambda: page(grid=grid),
        "page: community": lambda: page(community=community, status="dispatched"),
        "workload: grid": lambda: store.workload_rows(level="grid", **kw),
        "workload: one community": lambda: store.workload_rows(
            level="grid", community=community, **kw
        ),
    }
    out = {}
    for name, func in runs.items():
        ms, rows = best_ms(func, repeats)
        out[name] = (ms, len(rows))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="150000,1500000")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    grids = read_boundary_set(bundled.BOUNDARIES_DIR).grids
    community = str(grids["community_code"].min())  # the first community and its first grid
    grid = str(grids[grids["community_code"] == community]["code"].min())
    pg = os.environ.get("GRIDMGR_TEST_DATABASE_URL")
    table: dict[tuple[str, str], dict[int, tuple[float, int]]] = {}
    print(f"load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for n in sizes:
        cases, events = in_report_order(*synth(grids, n, args.seed))
        print(f"{n:,} cases, {len(events):,} events")
        with tempfile.TemporaryDirectory() as tmp:
            backends = [("DuckDB", f"duckdb:///{Path(tmp) / 'bench.duckdb'}", None)]
            if pg:
                schema = f"bench_{uuid.uuid4().hex[:10]}"
                sep = "&" if "?" in pg else "?"
                dsn = f"{pg}{sep}options=-csearch_path%3D{schema},public"
                backends.append(("PostGIS", dsn, schema))
            for name, url, schema in backends:
                if schema:
                    with psycopg2.connect(pg) as conn, conn.cursor() as cur:
                        cur.execute(f"CREATE SCHEMA {schema}")
                try:
                    bench_init(name, url)
                    start = time.perf_counter()
                    if schema:
                        load_postgis(url, cases, events)
                    else:
                        load_duckdb(Path(tmp) / "bench.duckdb", cases, events)
                    print(f"  {name}: loaded in {time.perf_counter() - start:.1f} s")
                    store = open_store(parse_database_url(url))
                    try:
                        for read, result in reads(store, community, grid, args.repeats).items():
                            table.setdefault((name, read), {})[n] = result
                    finally:
                        store.close()
                finally:
                    if schema:
                        with psycopg2.connect(pg) as conn, conn.cursor() as cur:
                            cur.execute(f"DROP SCHEMA {schema} CASCADE")
    head = "".join(f"{n:>14,}" for n in sizes)
    print(f"\n{'backend':<9}{'read':<26}{head}   growth (rows)")
    for (name, read), by_size in table.items():
        cells = "".join(f"{by_size[n][0]:>11.1f} ms" for n in sizes)
        growth = by_size[sizes[-1]][0] / by_size[sizes[0]][0]
        rows = "/".join(str(by_size[n][1]) for n in sizes)
        print(f"{name:<9}{read:<26}{cells}   {growth:5.2f}x ({rows})")


if __name__ == "__main__":
    main()
