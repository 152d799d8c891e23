"""Requests per second and latency of a running ``gridmgr serve`` on PostGIS.

    scripts/with-postgis .venv/bin/python bench/bench_api.py [--duration 10] [--concurrency 32]

A fresh database on GRIDMGR_TEST_DATABASE_URL's server (that database itself when none may be
made) gets ``gridmgr init`` and a dispatcher token; ``gridmgr serve --workers N`` then runs on
127.0.0.1 for each N of --workers. Load comes from another process, ``wrk`` (Debian's, installed
when missing and root), after an unreported warm-up. GET /locate: random points in the
district's bounding box. POST /cases: a random point inside a grid, a random category,
auto_dispatch and a unique Idempotency-Key. GET /health (one small query) shows what the load
generator can drive. The competitor answers the /locate question with a prepared PostGIS query
over psycopg2 (client threads in this process, no HTTP). CPU is read from /proc.
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
PG_LOCATE = ("PREPARE locate(float8, float8) AS SELECT g.code, g.community_code, c.name "
             "FROM grids g JOIN communities c ON c.generation = g.generation AND c.code = "
             "g.community_code WHERE g.generation = (SELECT max(id) FROM generations) AND "
             "ST_Covers(g.geom, ST_SetSRID(ST_MakePoint($1, $2), 4326)) ORDER BY g.code LIMIT 1")
LUA = string.Template(r"""
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
    done = subprocess.run([sys.executable, "-m", "api.cli", *args], cwd=ROOT, timeout=600,
                          env={**os.environ, "GRIDMGR_DATABASE_URL": url},
                          capture_output=True, text=True)
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
    cmd = [sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
           "--workers", str(workers)]
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(cmd, env={**os.environ, "GRIDMGR_DATABASE_URL": url}, cwd=ROOT,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
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


def wrk_load(port, kind, conc, seconds, v) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(LUA.substitute(v, request={"health": "nil"}.get(kind, kind),
                                    seed=random.randrange(1 << 20), run=os.urandom(6).hex()))
        script.flush()
        cmd = ["wrk", "-t", "1", "-c", str(conc), "-d", f"{seconds}s",
               "--timeout", "5s", "--latency", "-s", script.name,
               f"http://127.0.0.1:{port}" + ("/health" if kind == "health" else "/")]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    line = next((x for x in out.stdout.splitlines() if x.startswith("WRK ")), None)
    if line is None:
        raise SystemExit(f"wrk failed:\n{out.stdout}\n{out.stderr}")
    requests, micros, errors, p50, p99 = map(int, line.split()[1:])
    return {"requests": requests, "seconds": micros / 1e6, "errors": errors, "p50": p50 / 1e3,
            "p99": p99 / 1e3}


def postgis_load(url: str, conc: int, seconds: int) -> dict:
    """The /locate question as a prepared query: ``conc`` threads, one connection each."""
    stop_at, lat = time.monotonic() + seconds, [[] for _ in range(conc)]

    def worker(tid: int) -> None:
        rnd = random.Random(tid)
        with contextlib.closing(psycopg2.connect(url)) as conn, conn.cursor() as cur:
            cur.execute(PG_LOCATE)
            while time.monotonic() < stop_at:
                start = time.perf_counter()
                cur.execute("EXECUTE locate(%s, %s)", (WEST + rnd.random() * (EAST - WEST),
                                                       SOUTH + rnd.random() * (NORTH - SOUTH)))
                cur.fetchall()
                lat[tid].append(time.perf_counter() - start)

    start = time.monotonic()
    with ThreadPoolExecutor(conc) as pool:
        list(pool.map(worker, range(conc)))
    ms = np.concatenate([np.asarray(x) for x in lat]) * 1e3
    return {"requests": len(ms), "seconds": time.monotonic() - start, "errors": 0,
            "p50": float(np.percentile(ms, 50)), "p99": float(np.percentile(ms, 99))}


def client_cpu() -> float:
    """CPU seconds of this process (the PostGIS client) and its finished children (wrk)."""
    return sum(u.ru_utime + u.ru_stime for u in map(resource.getrusage, (
        resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)))


def measure(app: int, db: int, run, *args) -> dict:
    """``run(*args)`` and the CPU used meanwhile: load generator, server, PostgreSQL, rest."""
    before, gen0 = cpu_ticks(app, db), client_cpu()
    r = run(*args)
    after, gen_s = cpu_ticks(app, db), client_cpu() - gen0
    wall = r["seconds"]
    procs = sorted(((t - before[0].get(p, 0)) / TICK for p, t in after[0].items()), reverse=True)
    app_s, db_s, all_s = sum(procs), (after[1] - before[1]) / TICK, (after[2] - before[2]) / TICK
    split = "/".join(f"{100 * x / wall:.0f}" for x in procs if x / wall >= 0.02) or "-"
    return {**r, "rps": r["requests"] / wall, "gen": gen_s / wall, "db": db_s / wall,
            "split": split, "other": (all_s - gen_s - app_s - db_s) / wall,
            "app": app_s / wall if app > 0 else float("nan"),
            "app_ms": 1e3 * app_s / max(r["requests"], 1) if app > 0 else float("nan")}


def verdict(endpoint: str, r: dict) -> str:
    goal = GOALS.get(endpoint)
    if goal is None:
        return "-"
    misses = [f"req/s {100 * (r['rps'] / goal - 1):+.0f}%"] if r["rps"] < goal else []
    if r["p99"] > P99_GOAL_MS:
        misses.append(f"p99 +{r['p99'] - P99_GOAL_MS:.0f} ms")
    if r["errors"]:
        misses.append("errors")
    return "met" if not misses else "MISSED: " + ", ".join(misses)


def row(endpoint: str, workers, conc: int, r: dict) -> str:
    cells = [f"{100 * r[k]:.0f}%" for k in ("gen", "app", "db", "other")] + [f"{r['app_ms']:.2f}"]
    cpu = "".join(f"{'-' if 'nan' in x else x:>6}" for x in cells) + f"{r['split']:>9}"
    return (f"{endpoint:<27}{workers!s:>3}{conc:>5}{r['requests']:>9,}{r['rps']:>8,.0f}"
            f"{r['p50']:>8.2f}{r['p99']:>8.2f}{r['errors']:>7}{cpu}  {verdict(endpoint, r)}")


def main() -> None:
    ints = lambda s: [int(x) for x in s.split(",")]  # noqa: E731
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of warm-up per run")
    parser.add_argument("--concurrency", type=ints, default=[32], help="connections: 32 or 8,32")
    parser.add_argument("--workers", type=ints, default=[1, 2], help="server processes: 1,2")
    args = parser.parse_args()
    url = os.environ.get("GRIDMGR_TEST_DATABASE_URL", "").strip()
    if not url:
        raise SystemExit("set GRIDMGR_TEST_DATABASE_URL (or run under scripts/with-postgis)")
    for apt in (["update", "-q"], ["install", "-y", "-q", "wrk"]):
        if not shutil.which("wrk") and os.geteuid() == 0 and shutil.which("apt-get"):
            subprocess.run(["apt-get", *apt], capture_output=True, timeout=600,
                           env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    if not shutil.which("wrk"):
        raise SystemExit("this benchmark needs wrk: apt-get install wrk")
    name = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split(" [")[0]
    idle = cpu_ticks(-1, -1)[2]
    time.sleep(1)
    print(f"load generator: {name}; {args.duration} s per run after {args.warmup} s of warm-up; "
          f"machine busy before the start: {100 * (cpu_ticks(-1, -1)[2] - idle) / TICK:.0f}%")
    rows, best = [], {}
    with fresh_database(url) as db:
        gridmgr(db, "init")
        token = gridmgr(db, "token", "create", "--role", "dispatcher").splitlines()[-1].strip()
        pg = postmaster(db)
        for conc in args.concurrency:
            best[("pg", conc)] = r = measure(-1, pg, postgis_load, db, conc, args.duration)
            rows.append(row("PostGIS prepared, psycopg2", "-", conc, r))
        v = {"token": token, "west": WEST, "south": SOUTH, "dlon": EAST - WEST,
             "dlat": NORTH - SOUTH}
        for workers in args.workers:
            with server(db, workers) as (pid, port):
                if "points" not in v:  # random points that fall in a grid; the categories
                    rnd = random.Random(0)
                    pts = [[round(WEST + rnd.random() * (EAST - WEST), 7),
                            round(SOUTH + rnd.random() * (NORTH - SOUTH), 7)] for _ in range(6000)]
                    found = http_call(port, "POST", "/locate", json.dumps({"points": pts}), token)
                    v["point_list"] = [p for p, f in zip(pts, found[1]["results"], strict=True)
                                       if f["status"] == "assigned"]
                    v["cat_list"] = [c["code"] for c in
                                     http_call(port, "GET", "/categories", token=token)[1]]
                    v["points"] = ", ".join(f"{{{x}, {y}}}" for x, y in v["point_list"])
                    v["cats"] = ", ".join(f'"{c}"' for c in v["cat_list"])
                for kind, endpoint in (("health", "GET /health"), ("locate", "GET /locate"),
                                       ("cases", "POST /cases")):
                    for conc in args.concurrency:
                        wrk_load(port, kind, conc, args.warmup, v)
                        r = measure(pid, pg, wrk_load, port, kind, conc, args.duration, v)
                        best[(endpoint, conc)] = max(best.get((endpoint, conc), r), r,
                                                     key=lambda x: x["rps"])
                        rows.append(row(endpoint, workers, conc, r))
    header = (f"{'endpoint':<27}{'wk':>3}{'conc':>5}{'requests':>9}{'req/s':>8}{'p50 ms':>8}"
              f"{'p99 ms':>8}{'errors':>7}{'gen':>6}{'app':>6}{'db':>6}{'other':>6}{'ms/rq':>6}"
              f"{'per proc':>9}  goal")
    print(f"{len(v['point_list']):,} case points inside grids, {len(v['cat_list'])} categories. "
          "CPU in % of one core (2 cores = 200%): gen = load generator (PostGIS row: the "
          "psycopg2 client), app = gridmgr server, db = PostgreSQL, other = the rest of the "
          "machine; ms/rq = server CPU milliseconds per request; per proc = app % by server "
          "process (>= 2%)")
    print(f"\n{header}\n{'-' * len(header)}\n" + "\n".join(rows))
    for conc in args.concurrency:
        ours, pg = best[("GET /locate", conc)], best[("pg", conc)]
        print(f"\nGET /locate over HTTP (in-process index, best of --workers), concurrency "
              f"{conc}: {ours['rps']:,.0f} req/s = {ours['rps'] / pg['rps']:.2f}x the database "
              f"round trip (prepared ST_Covers over psycopg2, no HTTP: {pg['rps']:,.0f}/s)")


if __name__ == "__main__":
    main()
