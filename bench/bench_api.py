"""Requests per second and latency of a running ``gridmgr serve`` on PostGIS.

    scripts/with-postgis .venv/bin/python bench/bench_api.py [--duration 10] [--concurrency 8,32]
                                         [--workers 1,2] [--paced-connections 64] [--repeat 3]

A fresh database on GRIDMGR_TEST_DATABASE_URL's server (that database itself when none may be
made) gets ``gridmgr init`` and a dispatcher token; ``gridmgr serve --workers N`` then runs on
127.0.0.1 for each N of --workers. Load comes from another process, ``wrk`` (Debian's, installed
when missing and root), after an unreported warm-up. GET /locate: random points in the
district's bounding box. POST /cases: a random point inside a grid, a random category,
auto_dispatch and a unique Idempotency-Key. GET /health (one small query) shows what the load
generator can drive. The competitor answers the /locate question with a prepared PostGIS query
over psycopg2 (client threads in this process, no HTTP). CPU is read from /proc.

Two kinds of run:

* closed loop ("conc" connections, each sending its next request when the last is answered):
  the most the server does; latency there is queueing at saturation (Little's law: 32
  connections at 400 requests/s wait 80 ms on average, whatever the server);
* paced ("@ rate"): requests start at the goal's rate, one every 1/rate s, over
  --paced-connections connections (enough that one is always free), and latency is measured
  at that rate. This is what a goal of "N requests/s with p99 <= 50 ms" asks for, and it
  decides the verdict on p99. A run that could not keep the pace says so.

Each run is made --repeat times with new connections (uvicorn's workers share the connections
as they happen to accept them, so runs differ); every run is printed.
"""

import argparse
import contextlib
import http.client
import json
import os
import random
import resource
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import psycopg2

ROOT = Path(__file__).resolve().parent.parent
WEST, SOUTH, EAST, NORTH = 106.59, 26.55, 106.78, 26.68  # the district's bounding box
GOALS = {"GET /locate": 2000, "POST /cases": 400}  # requests/s, each with p99 <= P99_GOAL_MS
P99_GOAL_MS = 50.0
TICK = os.sysconf("SC_CLK_TCK")
PG_LOCATE = (
    "PREPARE locate(float8, float8) AS SELECT g.code, g.community_code, c.name "
    "FROM grids g JOIN communities c ON c.generation = g.generation AND c.code = "
    "g.community_code WHERE g.generation = (SELECT max(id) FROM generations) AND "
    "ST_Covers(g.geom, ST_SetSRID(ST_MakePoint($1, $2), 4326)) ORDER BY g.code LIMIT 1"
)
LUA = string.Template(r"""
local ffi = require("ffi")  -- wrk runs LuaJIT: a monotonic clock in ms for pacing
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } gm_timespec;
int clock_gettime(int clock, gm_timespec *tp);
]]
local ts = ffi.new("gm_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts)
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end
local interval, slot = $interval, nil
-- Paced runs: the k-th request of the run may start k * interval ms after the first, on
-- whichever connection is free; nil: each connection sends as soon as it can.
local function paced()
  local t = now_ms()
  slot = math.max(slot or t, t)
  local wait = slot - t
  slot = slot + interval
  return math.floor(wait + 0.5)
end
delay = $delay
local count, points, cats = 0, {$points}, {$cats}
local auth = "Bearer $token"
function setup(thread) count = count + 1; thread:set("tid", count) end
function init(args) math.randomseed($seed + 7919 * tid); n = 0 end
function locate()
  return wrk.format("GET", string.format("/locate?lon=%.6f&lat=%.6f", $west + math.random()
    * $dlon, $south + math.random() * $dlat), {Authorization = auth})
end
function cases()
  n = n + 1
  local p = points[math.random(#points)]
  local body = string.format('{"category": "%s", "lon": %.7f, "lat": %.7f, "source": "app", '
    .. '"description": "bench", "reporter": {"name": "张三", "phone": "13812345678"}, '
    .. '"auto_dispatch": true}', cats[math.random(#cats)], p[1], p[2])
  return wrk.format("POST", "/cases", {Authorization = auth, ["Content-Type"] =
    "application/json", ["Idempotency-Key"] = string.format("$run-%d-%d", tid, n)}, body)
end
request = $request
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK %d %d %d %d %d\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout + e.status, latency:percentile(50),
    latency:percentile(99)))
end
""")


def http_call(port, method, path, body=None, token=None, timeout=30.0):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    auth = {"Authorization": f"Bearer {token}"} if token else {}
    with contextlib.closing(conn):
        conn.request(method, path, body, {"Content-Type": "application/json", **auth})
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b"null")


def gridmgr(url: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        cwd=ROOT,
        timeout=600,
        env={**os.environ, "GRIDMGR_DATABASE_URL": url},
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"gridmgr {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


@contextlib.contextmanager
def fresh_database(url: str):
    """A new database with PostGIS on the server of ``url``, dropped at the end."""
    name = f"gridmgr_bench_{os.getpid()}"
    with contextlib.closing(psycopg2.connect(url)) as admin:
        admin.autocommit = True
        try:
            admin.cursor().execute(f"CREATE DATABASE {name}")
        except psycopg2.Error as exc:
            print(f"note: cannot create a database ({str(exc).strip()}); using the given one")
            yield url
            return
        try:
            fresh = urlsplit(url)._replace(path=f"/{name}").geturl()
            with contextlib.closing(psycopg2.connect(fresh)) as conn:
                conn.cursor().execute("CREATE EXTENSION IF NOT EXISTS postgis")
                conn.commit()
            yield fresh
        finally:
            admin.cursor().execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextlib.contextmanager
def server(url: str, workers: int):
    """``gridmgr serve`` in its own process group, up once /health answers; killed at exit."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cmd = [
        sys.executable,
        "-m",
        "api.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            cmd,
            env={**os.environ, "GRIDMGR_DATABASE_URL": url},
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                with contextlib.suppress(OSError, ValueError):
                    if http_call(port, "GET", "/health", timeout=2)[0] == 200:
                        break
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise SystemExit(f"no server:\n{log.read().decode()[-3000:]}")
                time.sleep(0.2)
            yield proc.pid, port
        finally:  # the whole group: uvicorn's worker processes too
            for sig in (signal.SIGTERM, signal.SIGKILL):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, sig)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(15)


def cpu_ticks(app: int, db: int) -> tuple[dict, int, int]:
    """CPU ticks so far: each process of group ``app``; postmaster ``db`` with its children,
    live or reaped; the whole machine."""
    procs, db_ticks = {}, 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            f = [int(x) for x in stat.read_text().rsplit(")", 1)[1].split()[1:15]]
            if f[1] == app:
                procs[stat.parent.name] = f[10] + f[11]
            db_ticks += (f[0] == db) * (f[10] + f[11]) + (stat.parent.name == str(db)) * sum(f[10:])
    with open("/proc/stat") as f:
        total = [int(x) for x in f.readline().split()[1:]]
    return procs, db_ticks, sum(total) - total[3] - total[4]  # busy: less idle and iowait


def postmaster(url: str) -> int:
    """The PostgreSQL server's main process when it runs on this machine, else -1."""
    with contextlib.closing(psycopg2.connect(url)) as conn, conn.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    with contextlib.suppress(OSError, ValueError):
        if Path(f"/proc/{pid}/comm").read_text().startswith("postgres"):
            return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    return -1


def wrk_load(port, kind, conc, seconds, v, rate=None) -> dict:
    """``wrk`` for ``seconds`` over ``conc`` connections: closed loop, or paced at ``rate``
    requests/s."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(
            LUA.substitute(
                v,
                request={"health": "nil"}.get(kind, kind),
                seed=random.randrange(1 << 20),
                run=os.urandom(6).hex(),
                interval=1000.0 / rate if rate else "nil",
                delay="paced" if rate else "nil",
            )
        )
        script.flush()
        cmd = [
            "wrk",
            "-t",
            "1",
            "-c",
            str(conc),
            "-d",
            f"{seconds}s",
            "--timeout",
            "5s",
            "--latency",
            "-s",
            script.name,
            f"http://127.0.0.1:{port}" + ("/health" if kind == "health" else "/"),
        ]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    line = next((x for x in out.stdout.splitlines() if x.startswith("WRK ")), None)
    if line is None:
        raise SystemExit(f"wrk failed:\n{out.stdout}\n{out.stderr}")
    requests, micros, errors, p50, p99 = map(int, line.split()[1:])
    return {
        "requests": requests,
        "seconds": micros / 1e6,
        "errors": errors,
        "p50": p50 / 1e3,
        "p99": p99 / 1e3,
        "rate": rate,
    }


def postgis_load(url: str, conc: int, seconds: int) -> dict:
    """The /locate question as a prepared query: ``conc`` threads, one connection each."""
    stop_at, lat = time.monotonic() + seconds, [[] for _ in range(conc)]

    def worker(tid: int) -> None:
        rnd = random.Random(tid)
        with contextlib.closing(psycopg2.connect(url)) as conn, conn.cursor() as cur:
            cur.execute(PG_LOCATE)
            while time.monotonic() < stop_at:
                start = time.perf_counter()
                cur.execute(
                    "EXECUTE locate(%s, %s)",
                    (WEST + rnd.random() * (EAST - WEST), SOUTH + rnd.random() * (NORTH - SOUTH)),
                )
                cur.fetchall()
                lat[tid].append(time.perf_counter() - start)

    start = time.monotonic()
    with ThreadPoolExecutor(conc) as pool:
        list(pool.map(worker, range(conc)))
    ms = np.concatenate([np.asarray(x) for x in lat]) * 1e3
    return {
        "requests": len(ms),
        "seconds": time.monotonic() - start,
        "errors": 0,
        "p50": float(np.percentile(ms, 50)),
        "p99": float(np.percentile(ms, 99)),
    }


def client_cpu() -> float:
    """CPU seconds of this process (the PostGIS client) and its finished children (wrk)."""
    return sum(
        u.ru_utime + u.ru_stime
        for u in map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    )


def measure(app: int, db: int, run, *args) -> dict:
    """``run(*args)`` and the CPU used meanwhile: load generator, server, PostgreSQL, rest."""
    before, gen0 = cpu_ticks(app, db), client_cpu()
    r = run(*args)
    after, gen_s = cpu_ticks(app, db), client_cpu() - gen0
    wall = r["seconds"]
    procs = sorted(((t - before[0].get(p, 0)) / TICK for p, t in after[0].items()), reverse=True)
    app_s, db_s, all_s = sum(procs), (after[1] - before[1]) / TICK, (after[2] - before[2]) / TICK
    split = "/".join(f"{100 * x / wall:.0f}" for x in procs if x / wall >= 0.02) or "-"
    return {
        **r,
        "rps": r["requests"] / wall,
        "gen": gen_s / wall,
        "db": db_s / wall,
        "split": split,
        "other": (all_s - gen_s - app_s - db_s) / wall,
        "app": app_s / wall if app > 0 else float("nan"),
        "app_ms": 1e3 * app_s / max(r["requests"], 1) if app > 0 else float("nan"),
    }


def verdict(endpoint: str, r: dict) -> str:
    """Closed loop: is the capacity at least the goal? Paced at the goal's rate: was the pace
    kept, without errors, with p99 <= P99_GOAL_MS?"""
    goal = GOALS.get(endpoint)
    if goal is None:
        return "-"
    if r["rate"] is None:
        return f"capacity {'>=' if r['rps'] >= goal else '<'} goal" + (
            ", errors" if r["errors"] else ""
        )
    misses = [f"pace not kept ({r['rps']:,.0f}/s)"] if r["rps"] < 0.98 * r["rate"] else []
    if r["p99"] > P99_GOAL_MS:
        misses.append(f"p99 +{r['p99'] - P99_GOAL_MS:.0f} ms")
    if r["errors"]:
        misses.append("errors")
    return "met" if not misses else "MISSED: " + ", ".join(misses)


def row(endpoint: str, workers, conc: int, r: dict) -> str:
    cells = [f"{100 * r[k]:.0f}%" for k in ("gen", "app", "db", "other")] + [f"{r['app_ms']:.2f}"]
    cpu = "".join(f"{'-' if 'nan' in x else x:>6}" for x in cells) + f"{r['split']:>9}"
    name = endpoint if r.get("rate") is None else f"{endpoint} @ {r['rate']:,}/s"
    return (
        f"{name:<27}{workers!s:>3}{conc:>5}{r['requests']:>9,}{r['rps']:>8,.0f}"
        f"{r['p50']:>8.2f}{r['p99']:>8.2f}{r['errors']:>7}{cpu}  {verdict(endpoint, r)}"
    )


def main() -> None:
    ints = lambda s: [int(x) for x in s.split(",")]  # noqa: E731
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of warm-up per run")
    parser.add_argument(
        "--concurrency", type=ints, default=[8, 32], help="closed-loop connections: 8,32"
    )
    parser.add_argument("--workers", type=ints, default=[2], help="server processes: 1,2")
    parser.add_argument(
        "--paced-connections",
        type=int,
        default=64,
        help="connections of the runs paced at a goal's rate",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of each kind")
    args = parser.parse_args()
    url = os.environ.get("GRIDMGR_TEST_DATABASE_URL", "").strip()
    if not url:
        raise SystemExit("set GRIDMGR_TEST_DATABASE_URL (or run under scripts/with-postgis)")
    for apt in (["update", "-q"], ["install", "-y", "-q", "wrk"]):
        if not shutil.which("wrk") and os.geteuid() == 0 and shutil.which("apt-get"):
            subprocess.run(
                ["apt-get", *apt],
                capture_output=True,
                timeout=600,
                env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            )
    if not shutil.which("wrk"):
        raise SystemExit("this benchmark needs wrk: apt-get install wrk")
    name = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split(" [")[0]
    idle = cpu_ticks(-1, -1)[2]
    time.sleep(1)
    print(
        f"load generator: {name}; {args.duration} s per run after {args.warmup} s of warm-up; "
        f"machine busy before the start: {100 * (cpu_ticks(-1, -1)[2] - idle) / TICK:.0f}%"
    )
    rows, runs = [], {}
    with fresh_database(url) as db:
        gridmgr(db, "init")
        token = gridmgr(db, "token", "create", "--role", "dispatcher").splitlines()[-1].strip()
        pg = postmaster(db)
        for conc in args.concurrency:
            r = measure(-1, pg, postgis_load, db, conc, args.duration)
            runs[("pg", None, conc)] = [r]
            rows.append(row("PostGIS prepared, psycopg2", "-", conc, r))
        v = {
            "token": token,
            "west": WEST,
            "south": SOUTH,
            "dlon": EAST - WEST,
            "dlat": NORTH - SOUTH,
        }
        for workers in args.workers:
            with server(db, workers) as (pid, port):
                if "points" not in v:  # random points that fall in a grid; the categories
                    rnd = random.Random(0)
                    pts = [
                        [
                            round(WEST + rnd.random() * (EAST - WEST), 7),
                            round(SOUTH + rnd.random() * (NORTH - SOUTH), 7),
                        ]
                        for _ in range(6000)
                    ]
                    found = http_call(port, "POST", "/locate", json.dumps({"points": pts}), token)
                    v["point_list"] = [
                        p
                        for p, f in zip(pts, found[1]["results"], strict=True)
                        if f["status"] == "assigned"
                    ]
                    v["cat_list"] = [
                        c["code"] for c in http_call(port, "GET", "/categories", token=token)[1]
                    ]
                    v["points"] = ", ".join(f"{{{x}, {y}}}" for x, y in v["point_list"])
                    v["cats"] = ", ".join(f'"{c}"' for c in v["cat_list"])
                for kind, endpoint in (
                    ("health", "GET /health"),
                    ("locate", "GET /locate"),
                    ("cases", "POST /cases"),
                ):
                    goal = GOALS.get(endpoint)
                    plan = [(conc, None) for conc in args.concurrency]
                    plan += [(args.paced_connections, goal)] if goal else []
                    for conc, rate in plan:
                        wrk_load(port, kind, conc, args.warmup, v, rate)
                        for _ in range(args.repeat):
                            r = measure(pid, pg, wrk_load, port, kind, conc, args.duration, v, rate)
                            rows.append(row(endpoint, workers, conc, r))
                            runs.setdefault((endpoint, rate, conc), []).append(r)
    header = (
        f"{'endpoint':<27}{'wk':>3}{'conc':>5}{'requests':>9}{'req/s':>8}{'p50 ms':>8}"
        f"{'p99 ms':>8}{'errors':>7}{'gen':>6}{'app':>6}{'db':>6}{'other':>6}{'ms/rq':>6}"
        f"{'per proc':>9}  goal"
    )
    print(
        f"{len(v['point_list']):,} case points inside grids, {len(v['cat_list'])} categories. "
        "CPU in % of one core (2 cores = 200%): gen = load generator (PostGIS row: the "
        "psycopg2 client), app = gridmgr server, db = PostgreSQL, other = the rest of the "
        "machine; ms/rq = server CPU milliseconds per request; per proc = app % by server "
        "process (>= 2%)"
    )
    print(f"\n{header}\n{'-' * len(header)}\n" + "\n".join(rows))
    median = lambda xs, k: float(np.median([x[k] for x in xs]))  # noqa: E731
    print()
    for endpoint, goal in GOALS.items():
        paced = [r for (e, rate, _), rs in runs.items() if e == endpoint and rate for r in rs]
        closed = {c: rs for (e, rate, c), rs in runs.items() if e == endpoint and not rate}
        met = sum(verdict(endpoint, r) == "met" for r in paced)
        print(
            f"{endpoint}: paced at {goal:,}/s, p99 {median(paced, 'p99'):.1f} ms (median of "
            f"{len(paced)} runs; goal <= {P99_GOAL_MS:.0f} ms), met in {met} of {len(paced)}; "
            "closed-loop capacity "
            + ", ".join(f"{median(rs, 'rps'):,.0f}/s at {c}" for c, rs in closed.items())
            + " (medians)"
        )
    for conc in args.concurrency:
        ours = max(runs[("GET /locate", None, conc)], key=lambda x: x["rps"])
        pg = runs[("pg", None, conc)][0]
        print(
            f"\nGET /locate over HTTP (in-process index, best run), concurrency "
            f"{conc}: {ours['rps']:,.0f} req/s = {ours['rps'] / pg['rps']:.2f}x the database "
            f"round trip (prepared ST_Covers over psycopg2, no HTTP: {pg['rps']:,.0f}/s)"
        )


if __name__ == "__main__":
    main()
