"""Cases filed and case pages read per second by one app process's code on PostGIS, no HTTP.

    scripts/with-postgis .venv/bin/python bench/bench_intake.py [--threads 4] [--duration 10]

In a fresh schema of GRIDMGR_TEST_DATABASE_URL's server prepared by ``gridmgr init``, the
app's own state (api.state.AppState: store pool, locator, case service) runs in this process:

* intake: --threads threads file cases for --duration seconds as POST /cases does after
  parsing (AppState.file_case: locate, duplicate check, auto-dispatch to the least-loaded
  worker, one INSERT with its audit event), each with a random category, a point in a random
  grid and its own Idempotency-Key;
* reads: then as many threads read the first page (100) of one community's dispatched cases,
  the console's queue, for as long.

Prints requests per second and the p50/p99 latency of each. HTTP (uvicorn, JSON, auth) comes
on top: bench_api.py measures a served process with wrk. This is what docs/scaling.md takes as
the database side of one node. The load average is printed: a busy machine lowers the rates.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import psycopg2

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_workload import bench_init  # noqa: E402

from api.settings import Settings  # noqa: E402
from api.state import AppState  # noqa: E402
from geo.cases.service import Intake  # noqa: E402
from geo.cases.workflow import Actor  # noqa: E402


def run(threads: int, duration_s: float, work: Callable[[random.Random], None]) -> list[float]:
    """Latencies (s) of every call of ``work`` made by ``threads`` threads for ``duration_s``."""
    latencies: list[list[float]] = [[] for _ in range(threads)]
    stop = time.monotonic() + duration_s

    def loop(i: int) -> None:
        rng = random.Random(i)
        while time.monotonic() < stop:
            start = time.perf_counter()
            work(rng)
            latencies[i].append(time.perf_counter() - start)

    workers = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return [x for xs in latencies for x in xs]


def report(name: str, latencies: list[float], duration_s: float) -> None:
    ms = np.asarray(latencies) * 1000
    print(
        f"{name:<40}{len(ms) / duration_s:>9,.0f}/s   p50 {np.percentile(ms, 50):6.1f} ms   "
        f"p99 {np.percentile(ms, 99):6.1f} ms   ({len(ms):,} calls)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per kind")
    args = parser.parse_args()
    pg = os.environ.get("GRIDMGR_TEST_DATABASE_URL")
    if not pg:
        raise SystemExit("set GRIDMGR_TEST_DATABASE_URL (or run under scripts/with-postgis)")
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    sep = "&" if "?" in pg else "?"
    url = f"{pg}{sep}options=-csearch_path%3D{schema},public"
    with psycopg2.connect(pg) as conn, conn.cursor() as cur:
        cur.execute(f"CREATE SCHEMA {schema}")
    print(f"load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    try:
        bench_init("PostGIS", url)
        state = AppState.open(Settings(database_url=url, db_pool=args.threads))
        try:
            state.warm_up()
            with state.store.case_tx() as tx:
                categories = [c.code for c in tx.categories()]
            points = _grid_points()
            actor = Actor("bench", "dispatcher")

            def file(rng: random.Random) -> None:
                lon, lat = rng.choice(points)
                req = Intake(
                    category=rng.choice(categories),
                    lon=lon,
                    lat=lat,
                    auto_dispatch=True,
                    idempotency_key=uuid.uuid4().hex,
                )
                state.file_case(req, actor)

            report("intake (file_case, auto-dispatch)", run(args.threads, args.duration, file),
                   args.duration)  # fmt: skip
            community = _busiest_community(url)

            def page(_: random.Random) -> None:
                with state.store.case_tx() as tx:
                    tx.cases(
                        community=community, status="dispatched", limit=100, now=datetime.now(UTC)
                    )

            report("read: a community's dispatched page", run(args.threads, args.duration, page),
                   args.duration)  # fmt: skip
        finally:
            state.close()
    finally:
        with psycopg2.connect(pg) as conn, conn.cursor() as cur:
            cur.execute(f"DROP SCHEMA {schema} CASCADE")
    print(f"load average at end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


def _grid_points() -> list[tuple[float, float]]:
    """A point inside each bundled grid (WGS84 lon, lat)."""
    from geo import bundled
    from geo.boundaries.read import read_boundary_set

    grids = read_boundary_set(bundled.BOUNDARIES_DIR).grids.to_crs(4326)
    return [(p.x, p.y) for p in grids.geometry.representative_point()]


def _busiest_community(url: str) -> str:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT community_code FROM cases WHERE status = 'dispatched' "
            "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        )
        row = cur.fetchone()
    return str(row[0]) if row else ""


if __name__ == "__main__":
    raise SystemExit(main())
