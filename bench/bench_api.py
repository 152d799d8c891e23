"""Requests per second and latency of a running ``gridmgr serve`` on PostGIS.

    scripts/with-postgis .venv/bin/python bench/bench_api.py [--duration 10] [--concurrency 32]

Makes a fresh database on GRIDMGR_TEST_DATABASE_URL's server (that database itself when it
may not), runs ``gridmgr init``, makes a dispatcher token, then for each N of --workers runs
``gridmgr serve --workers N`` on 127.0.0.1. Load comes from another process: ``wrk`` (from
Debian, installed when missing and root) with a Lua script, else Python threads with
keep-alive http.client connections in a child process; every run follows an unreported
warm-up. ``GET /locate``: random points in the district's bounding box. ``POST /cases``: a
random point inside a grid, a random category, ``auto_dispatch`` and a unique Idempotency-Key
(locate, assign, audit, idempotency). ``GET /health`` (one small query) shows what the load
generator can drive. The competitor answers the /locate question with a prepared PostGIS
query over psycopg2 connections (client threads in a child process, no HTTP).
"""

import argparse
import contextlib
import http.client
import json
import multiprocessing as mp
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
import threading
import time
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
    try:
        headers = {"Content-Type": "application/json"} if body else {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        conn.request(method, path, body, headers)
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b"null")
    finally:
        conn.close()


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
    cmd = [sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--workers",
           str(workers)]
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
        finally:
            for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, sig)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(wait)
                    break


def cpu_ticks(groups) -> list[int]:
    """CPU ticks so far of each process group in ``groups``, then of the whole machine."""
    ticks = dict.fromkeys(groups, 0)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) in ticks:
                ticks[int(fields[2])] += int(fields[11]) + int(fields[12])
    with open("/proc/stat") as f:
        total = [int(x) for x in f.readline().split()[1:]]
    return [ticks[g] if g > 0 else 0 for g in groups] + [sum(total) - total[3] - total[4]]


def postgres_group(url: str) -> int:
    """The PostgreSQL server's process group when it runs on this machine, else -1."""
    with contextlib.closing(psycopg2.connect(url)) as conn, conn.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    with contextlib.suppress(OSError):
        if Path(f"/proc/{pid}/comm").read_text().startswith("postgres"):
            group = os.getpgid(pid)
            return group if group != os.getpgrp() else -1
    return -1


def closed_loop(conc: int, seconds: float, connect, call) -> dict:
    """``conc`` threads, each with its own connection, calling back to back for ``seconds``."""
    stop_at, lat, errors = time.monotonic() + seconds, [[] for _ in range(conc)], [0] * conc

    def worker(tid: int) -> None:
        rnd, conn, n = random.Random(tid), None, 0
        while time.monotonic() < stop_at:
            n, start = n + 1, time.perf_counter()
            try:
                conn = conn or connect()
                errors[tid] += not call(conn, rnd, tid, n)
            except (OSError, http.client.HTTPException, psycopg2.Error):
                errors[tid], conn = errors[tid] + 1, None
            lat[tid].append(time.perf_counter() - start)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(conc)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ms = np.concatenate([np.asarray(x) for x in lat]) * 1e3
    return {"requests": len(ms), "seconds": time.monotonic() - start, "errors": sum(errors),
            "p50": float(np.percentile(ms, 50)), "p99": float(np.percentile(ms, 99))}


def in_child(func, *args) -> dict:
    """``func(*args)`` in a forked child process; its result comes back through a pipe."""
    here, there = mp.get_context("fork").Pipe()
    proc = mp.get_context("fork").Process(target=lambda: there.send(func(*args)))
    proc.start()
    try:
        if not here.poll(600):
            raise SystemExit("the load generator did not finish")
        return here.recv()
    finally:
        proc.join(10)
        if proc.is_alive():
            proc.kill()


def wrk_load(port, kind, conc, seconds, v, threads) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(LUA.substitute(v, request={"health": "nil"}.get(kind, kind),
                                    seed=random.randrange(1 << 20), run=os.urandom(6).hex()))
        script.flush()
        cmd = ["wrk", "-t", str(min(threads, conc)), "-c", str(conc), "-d", f"{seconds}s",
               "--timeout", "5s", "--latency", "-s", script.name,
               f"http://127.0.0.1:{port}" + ("/health" if kind == "health" else "/")]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    line = next((x for x in out.stdout.splitlines() if x.startswith("WRK ")), None)
    if line is None:
        raise SystemExit(f"wrk failed:\n{out.stdout}\n{out.stderr}")
    requests, micros, errors, p50, p99 = map(int, line.split()[1:])
    return {"requests": requests, "seconds": micros / 1e6, "errors": errors,
            "p50": p50 / 1e3, "p99": p99 / 1e3}


def python_load(port, kind, conc, seconds, v, _threads) -> dict:
    auth, run = {"Authorization": f"Bearer {v['token']}"}, os.urandom(6).hex()

    def call(conn, rnd, tid, n) -> bool:
        if kind == "health":
            conn.request("GET", "/health")
        elif kind == "locate":
            conn.request("GET", f"/locate?lon={WEST + rnd.random() * (EAST - WEST):.6f}"
                         f"&lat={SOUTH + rnd.random() * (NORTH - SOUTH):.6f}", headers=auth)
        else:
            lon, lat = rnd.choice(v["point_list"])
            body = {"category": rnd.choice(v["cat_list"]), "lon": lon, "lat": lat,
                    "source": "app", "description": "bench", "auto_dispatch": True,
                    "reporter": {"name": "张三", "phone": "13812345678"}}
            conn.request("POST", "/cases", json.dumps(body), {
                **auth, "Content-Type": "application/json", "Idempotency-Key": f"{run}-{tid}-{n}"})
        resp = conn.getresponse()
        resp.read()
        return resp.status < 400

    return in_child(closed_loop, conc, seconds,
                    lambda: http.client.HTTPConnection("127.0.0.1", port, timeout=5), call)


def postgis_load(url: str, conc: int, seconds: int) -> dict:
    def connect():
        conn = psycopg2.connect(url)
        conn.cursor().execute(PG_LOCATE)
        return conn.cursor()

    def call(cur, rnd, _tid, _n) -> bool:
        cur.execute("EXECUTE locate(%s, %s)", (WEST + rnd.random() * (EAST - WEST),
                                               SOUTH + rnd.random() * (NORTH - SOUTH)))
        cur.fetchall()
        return True

    return in_child(closed_loop, conc, seconds, connect, call)


def measure(groups, run, *args) -> dict:
    """``run(*args)`` with the CPU spent meanwhile: load generator, each group, the rest."""
    before, gen0 = cpu_ticks(groups), resource.getrusage(resource.RUSAGE_CHILDREN)
    r = run(*args)
    after, gen1 = cpu_ticks(groups), resource.getrusage(resource.RUSAGE_CHILDREN)
    wall, used = r["seconds"], [(b - a) / TICK for a, b in zip(before, after, strict=True)]
    gen = gen1.ru_utime + gen1.ru_stime - gen0.ru_utime - gen0.ru_stime
    cpu = {"gen": gen / wall, "app": used[0] / wall if groups[0] > 0 else float("nan"),
           "db": used[1] / wall, "other": (used[2] - gen - used[0] - used[1]) / wall}
    return {**r, "rps": r["requests"] / wall, **cpu}


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
    cpu = "".join(f"{'-' if x != x else f'{100 * x:.0f}%':>6}"
                  for x in (r["gen"], r["app"], r["db"], r["other"]))
    return (f"{endpoint:<27}{workers!s:>3}{conc:>5}{r['requests']:>9,}{r['rps']:>8,.0f}"
            f"{r['p50']:>8.2f}{r['p99']:>8.2f}{r['errors']:>7}{cpu}  {verdict(endpoint, r)}")


def main() -> None:
    ints = lambda s: [int(x) for x in s.split(",")]  # noqa: E731
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per run")
    parser.add_argument("--concurrency", type=ints, default=[32], help="connections: 32 or 8,32")
    parser.add_argument("--workers", type=ints, default=[1, 2], help="server processes: 1,2")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--python-load", action="store_true", help="do not use wrk")
    args = parser.parse_args()
    url = os.environ.get("GRIDMGR_TEST_DATABASE_URL", "").strip()
    if not url:
        raise SystemExit("set GRIDMGR_TEST_DATABASE_URL (or run under scripts/with-postgis)")
    if not (shutil.which("wrk") or args.python_load) and os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], capture_output=True,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}, timeout=600)
    load, name = python_load, f"Python {sys.version.split()[0]} threads + http.client"
    if shutil.which("wrk") and not args.python_load:
        load, name = wrk_load, subprocess.run(["wrk", "-v"], capture_output=True, text=True,
                                              timeout=10).stdout.split(" [")[0]
    idle = cpu_ticks([])[0]
    time.sleep(1)
    print(f"load generator: {name}; {args.duration} s per run after {args.warmup} s of warm-up; "
          f"machine busy before the start: {100 * (cpu_ticks([])[0] - idle) / TICK:.0f}%")
    rows, best = [], {}
    with fresh_database(url) as db:
        gridmgr(db, "init")
        token = gridmgr(db, "token", "create", "--role", "dispatcher").splitlines()[-1].strip()
        pg = postgres_group(db)
        for conc in args.concurrency:
            best[("pg", conc)] = r = measure([-1, pg], postgis_load, db, conc, args.duration)
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
                        load(port, kind, conc, args.warmup, v, args.threads)
                        r = measure([pid, pg], load, port, kind, conc, args.duration, v,
                                    args.threads)
                        best[(endpoint, conc)] = max(best.get((endpoint, conc), r), r,
                                                     key=lambda x: x["rps"])
                        rows.append(row(endpoint, workers, conc, r))
    header = (f"{'endpoint':<27}{'wk':>3}{'conc':>5}{'requests':>9}{'req/s':>8}{'p50 ms':>8}"
              f"{'p99 ms':>8}{'errors':>7}{'gen':>6}{'app':>6}{'db':>6}{'other':>6}  goal")
    print(f"{len(v['point_list']):,} case points inside grids, {len(v['cat_list'])} categories. "
          "CPU in % of one core (2 cores = 200%): gen = load generator (PostGIS row: the "
          "psycopg2 client), app = gridmgr server, db = PostgreSQL, other = the rest of the "
          f"machine\n\n{header}\n{'-' * len(header)}\n" + "\n".join(rows))
    for conc in args.concurrency:
        ours, pg = best[("GET /locate", conc)], best[("pg", conc)]
        print(f"\nGET /locate over HTTP (in-process index, best of --workers), concurrency "
              f"{conc}: {ours['rps']:,.0f} req/s = {ours['rps'] / pg['rps']:.2f}x the database "
              f"round trip (prepared ST_Covers over psycopg2, no HTTP: {pg['rps']:,.0f}/s)")


if __name__ == "__main__":
    main()
