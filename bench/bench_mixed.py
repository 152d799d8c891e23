"""Intake latency while planners ask for large answers: ``python bench/bench_mixed.py``.

    scripts/with-postgis .venv/bin/python bench/bench_mixed.py [--rate 400] [--duration 10]
                                                               [--planners 2]
    python bench/bench_mixed.py --backend duckdb --rate 40

A new database (``gridmgr init``: by default a new database on GRIDMGR_TEST_DATABASE_URL's
server; with --backend duckdb a DuckDB file in a temporary directory, whose single writer
files far fewer cases a second) served by ``gridmgr serve``. POST /cases
(a point inside a random grid, a random category, auto_dispatch, a unique Idempotency-Key)
is sent at --rate requests/s, paced: the k-th request is due k/rate s after the start, on
whichever of --connections client threads is free, and its latency counts from when it was
due (time spent waiting for a free connection included). First intake alone for --duration
seconds, then the same while --planners threads each ask in turn, --pause seconds after each
answer (0: without pause), for the heavy answers: /grids (1,254 grids),
/grids?community=..., 1,000 OGC grid items and a 10,000-point POST /locate. The load comes
from this process (Python threads, http.client). Goal: intake p99 <= 50 ms in both phases.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_api import fresh_database, gridmgr, server  # noqa: E402

from geo.boundaries.read import read_boundary_set  # noqa: E402
from geo.bundled import BOUNDARIES_DIR  # noqa: E402

P99_GOAL_MS = 50.0


@contextlib.contextmanager
def new_database(backend: str):
    if backend == "postgis":
        url = os.environ.get("GRIDMGR_TEST_DATABASE_URL", "").strip()
        if not url:
            raise SystemExit("--backend postgis: set GRIDMGR_TEST_DATABASE_URL")
        with fresh_database(url) as db:
            yield db
    else:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"duckdb:///{tmp}/mixed.duckdb"


def call(conn: http.client.HTTPConnection, method: str, path: str, body=None, headers=None):
    conn.request(method, path, body, headers or {})
    resp = conn.getresponse()
    data = resp.read()
    return resp.status, data


def intake(port, token, points, cats, rate, seconds, connections) -> dict:
    """Paced POST /cases: latency (ms, from when each was due) and errors."""
    start = time.monotonic() + 0.2
    total = int(rate * seconds)
    lock, counter = threading.Lock(), [0]
    latencies: list[float] = []
    errors = [0]

    def worker(seed: int) -> None:
        rnd = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                k = counter[0]
                counter[0] += 1
            if k >= total:
                break
            due = start + k / rate
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            lon, lat = points[rnd.randrange(len(points))]
            body = json.dumps(
                {
                    "category": cats[rnd.randrange(len(cats))],
                    "lon": lon,
                    "lat": lat,
                    "source": "app",
                    "description": "bench",
                    "reporter": {"name": "张三", "phone": "13812345678"},
                    "auto_dispatch": True,
                }
            )
            headers = {
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "Idempotency-Key": uuid.uuid4().hex,
            }
            try:
                status, _ = call(conn, "POST", "/cases", body, headers)
            except (OSError, http.client.HTTPException):
                status = 0
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            done = time.monotonic()
            with lock:
                latencies.append((done - due) * 1e3)
                errors[0] += status not in (200, 201)
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ms = np.asarray(latencies)
    wall = time.monotonic() - start
    return {
        "sent": len(ms),
        "rate": len(ms) / wall,
        "p50": float(np.percentile(ms, 50)),
        "p99": float(np.percentile(ms, 99)),
        "max": float(ms.max()),
        "errors": errors[0],
    }


def planners(port, token, heavy, stop: threading.Event, count: int, pause: float) -> dict:
    """``count`` threads asking for the heavy answers in turn, ``pause`` s after each answer,
    until ``stop``."""
    done: dict[str, list[float]] = {name: [] for name, *_ in heavy}
    failures = [0]
    lock = threading.Lock()

    def worker(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        i = offset
        while not stop.is_set():
            name, method, path, body = heavy[i % len(heavy)]
            i += 1
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            started = time.monotonic()
            status, data = call(conn, method, path, body, headers)
            with lock:
                done[name].append((time.monotonic() - started) * 1e3)
                failures[0] += status != 200 or len(data) < 1000
            stop.wait(pause)
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    return {"threads": threads, "done": done, "failures": failures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("duckdb", "postgis"), default="postgis")
    parser.add_argument("--rate", type=float, default=400.0, help="POST /cases per second")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per phase")
    parser.add_argument("--planners", type=int, default=2, help="threads asking heavy answers")
    parser.add_argument(
        "--pause", type=float, default=0.5, help="seconds a planner waits after each answer"
    )
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    parser.add_argument("--connections", type=int, default=32, help="intake connections")
    args = parser.parse_args()
    b = read_boundary_set(BOUNDARIES_DIR)
    inside = shapely.point_on_surface(b.grids.geometry.values)
    points = [(round(p.x, 7), round(p.y, 7)) for p in inside]
    community = str(b.grids["community_code"].iloc[0])
    batch = json.dumps({"points": [list(points[i % len(points)]) for i in range(10_000)]})
    heavy = [
        ("GET /grids", "GET", "/grids", None),
        ("GET /grids?community", "GET", f"/grids?community={community}", None),
        ("OGC 1,000 grid items", "GET", "/ogc/collections/grids/items?limit=1000", None),
        ("POST /locate 10,000 points", "POST", "/locate", batch),
    ]
    print(f"load average before the start: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
    with new_database(args.backend) as url:
        gridmgr(url, "init")
        token = gridmgr(url, "token", "create", "--role", "dispatcher").splitlines()[-1].strip()
        if args.workers > 1 and args.backend != "postgis":
            raise SystemExit("--workers > 1 needs --backend postgis")
        with server(url, args.workers) as (_, port):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            _, data = call(conn, "GET", "/categories", None, {"Authorization": f"Bearer {token}"})
            cats = [c["code"] for c in json.loads(data)]
            for _name, method, path, body in heavy:  # warm: indexes, kept answers
                call(conn, method, path, body, {"Authorization": f"Bearer {token}"})
            conn.close()
            intake(port, token, points, cats, args.rate, 2, args.connections)  # warm-up
            alone = intake(port, token, points, cats, args.rate, args.duration, args.connections)
            stop = threading.Event()
            load = planners(port, token, heavy, stop, args.planners, args.pause)
            mixed = intake(port, token, points, cats, args.rate, args.duration, args.connections)
            stop.set()
            for t in load["threads"]:
                t.join()
    print(
        f"\nPOST /cases paced at {args.rate:,.0f}/s over {args.connections} connections "
        f"({args.backend}, {args.workers} server process(es), {args.duration:.0f} s per phase; "
        "latency from when each was due)"
    )
    print(f"{'phase':34s} {'sent':>6s} {'req/s':>7s} {'p50 ms':>7s} {'p99 ms':>7s} {'max ms':>7s}")
    mixed_name = f"intake + {args.planners} planners, {args.pause:g} s pause"
    for name, r in (("intake alone", alone), (mixed_name, mixed)):
        verdict = "met" if r["p99"] <= P99_GOAL_MS and not r["errors"] else "MISSED"
        print(
            f"{name:34s} {r['sent']:6d} {r['rate']:7.0f} {r['p50']:7.1f} {r['p99']:7.1f} "
            f"{r['max']:7.0f}  errors {r['errors']}  goal p99 <= {P99_GOAL_MS:.0f} ms: {verdict}"
        )
    print("\nplanners' requests during the mixed phase (answered, median ms):")
    for name, times in load["done"].items():
        median = f"{np.median(times):.0f}" if times else "-"
        print(f"  {name:30s} {len(times):5d}  {median:>6s}")
    print(f"  failures: {load['failures'][0]}")


if __name__ == "__main__":
    main()
