"""Workload report on a year of synthetic cases, on PostGIS and DuckDB, against pandas.

    scripts/with-postgis .venv/bin/python bench/bench_workload.py [--cases 200000]
                                                                   [--repeats 3] [--seed 1]

Each backend gets a fresh database set up by `gridmgr init`: a DuckDB file in a temporary
directory, and a schema bench_<random> in the PostGIS server of GRIDMGR_TEST_DATABASE_URL
(skipped when unset; dropped at the end). Both get the same seeded year of cases (2025-12-01
to 2026-12-01, +08:00) and their audit events, bulk-loaded (COPY; INSERT from a DataFrame).
workload_report() (one Locator, as the API keeps) and store.workload_rows() (the SQL part) are
timed per level: "first" is the first call after loading, "best" the best of --repeats calls;
the goal is under 1 s. The competitor SELECTs the cases and return/rework events into pandas
and counts per grid with groupby; its counters must equal workload_rows' for every grid.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import pandas as pd
import psycopg2
import shapely

from geo import bundled
from geo.analytics.reports import workload_report
from geo.boundaries.read import read_boundary_set
from geo.cases.categories import read_catalogue
from geo.locate.locator import Locator
from geo.store import open_store, parse_database_url
from geo.store.duck import spatial_extension_path

ROOT = Path(__file__).resolve().parents[1]
CHINA_TIME = ZoneInfo("Asia/Shanghai")  # the district's default zone
SINCE, UNTIL = datetime(2025, 12, 1, tzinfo=CHINA_TIME), datetime(2026, 12, 1, tzinfo=CHINA_TIME)
NOW = UNTIL
STATUS_P = {
    "closed": 0.86,
    "rejected": 0.03,
    "dispatched": 0.05,
    "registered": 0.02,
    "handled": 0.015,
    "suspended": 0.01,
    "reported": 0.015,
}
B = "intake register dispatch"
PATHS = {  # audit trails ending in each status; the first is the common one
    "closed": [
        f"{B} handle verify",
        f"{B} return dispatch handle verify",
        f"{B} handle rework handle verify",
        f"{B} return dispatch handle rework handle verify",
    ],
    "rejected": ["intake reject"],
    "dispatched": [B, f"{B} return dispatch", f"{B} handle rework"],
    "registered": ["intake register", f"{B} return"],
    "handled": [f"{B} handle", f"{B} return dispatch handle", f"{B} handle rework handle"],
    "suspended": [f"{B} suspend"],
    "reported": ["intake"],
}
TO = {
    "intake": "reported",
    "register": "registered",
    "reject": "rejected",
    "return": "registered",
    "dispatch": "dispatched",
    "handle": "handled",
    "verify": "closed",
    "rework": "dispatched",
    "suspend": "suspended",
}  # the status each action leads to
COUNTERS = [
    "received",
    "open",
    "closed",
    "closed_on_time",
    "overdue",
    "returned",
    "reworked",
    "p50",
    "p90",
]
NAIVE = [
    "SELECT id, status, grid_code, reported_at, closed_at, closed_on_time, due_at, "
    "suspended_at, handling_hours FROM cases",
    "SELECT case_id, action, occurred_at FROM case_events WHERE action IN ('return', 'rework')",
]


def hours(x) -> pd.TimedeltaIndex:
    return pd.to_timedelta(np.round(np.asarray(x) * 3600), unit="s")


def synth(grids, n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """n cases of the year and their events in ``grids`` (code, population, geometry)."""
    rng = np.random.default_rng(seed)
    cats = read_catalogue()
    pop = grids["population"].fillna(1).to_numpy(dtype=float)
    g = rng.choice(len(grids), n, p=pop / pop.sum())
    geoms = grids.geometry.to_numpy()
    shapely.prepare(geoms)
    lon, lat, todo = np.empty(n), np.empty(n), np.arange(n)
    while len(todo):  # rejection sampling in each grid's bounding box
        box = shapely.bounds(geoms[g[todo]])
        x, y = rng.uniform(box[:, 0], box[:, 2]), rng.uniform(box[:, 1], box[:, 3])
        ok = shapely.contains_xy(geoms[g[todo]], x, y)
        lon[todo[ok]], lat[todo[ok]], todo = x[ok], y[ok], todo[~ok]
    status = rng.choice(list(STATUS_P), n, p=list(STATUS_P.values()))
    is_open, closed = ~np.isin(status, ["closed", "rejected"]), status == "closed"
    cat = rng.integers(len(cats), size=n)
    limit_h = np.array([c.limit_value * (3.4 if c.limit_unit == "hours" else 34) for c in cats])[
        cat
    ]  # working time as calendar hours, roughly
    year_h, now = (UNTIL - SINCE).total_seconds() / 3600, pd.Timestamp(NOW)
    age_h = np.where(is_open, 4 + rng.exponential(240, n), rng.uniform(0, year_h, n))
    reported = now - hours(np.minimum(age_h, year_h - 0.01))
    registered = reported + hours(rng.uniform(0.05, 3, n))
    handling = np.round(rng.uniform(0.5, 60, n), 2)
    end = registered + hours(np.where(closed, handling * 2.6, rng.uniform(0.1, 48, n)))
    back = hours(
        np.where(
            closed & (end > now), (end - now).total_seconds() / 3600 + rng.uniform(0.1, 24, n), 0
        )
    )  # closed cases end before now
    reported, registered, end = reported - back, registered - back, end - back
    end = end.where(end < now, now - pd.Timedelta(minutes=1))
    paths = [p.split() for s in STATUS_P for p in PATHS[s]]
    sizes = [len(PATHS[s]) for s in STATUS_P]
    count = pd.Series(status).map(dict(zip(STATUS_P, sizes, strict=True))).to_numpy()
    first = (
        pd.Series(status)
        .map(dict(zip(STATUS_P, np.cumsum([0, *sizes[:-1]]), strict=True)))
        .to_numpy()
    )  # the status's first path
    pid = first + np.where(rng.random(n) < 0.93, 0, rng.integers(1, 4, n)) % count
    no_place = (status == "reported") & (rng.random(n) < 0.3)
    code = grids["code"].astype(str).to_numpy(dtype=object)[g]
    worker = np.char.add("W", code.astype(str)).astype(object)
    assigned = np.isin(status, ["dispatched", "handled", "closed"])
    has_reg = ~np.isin(status, ["reported", "rejected"])
    size = np.array([len(p) for p in paths])[pid]
    cases = pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "status": status,
            "category": np.array([c.code for c in cats], dtype=object)[cat],
            "source": rng.choice(["patrol", "hotline", "app"], n),
            "generation": pd.array(np.where(no_place, None, 1), dtype="Int64"),
            "grid_code": np.where(no_place, None, code),
            "community_code": np.where(no_place, None, [c[:9] for c in code]),
            **{
                k: np.where(no_place, np.nan, v)
                for k, v in (("lon", lon), ("lat", lat), ("input_lon", lon), ("input_lat", lat))
            },
            "input_crs": np.where(no_place, None, "wgs84"),
            "address": np.where(no_place, "云岩区某路某号", None),
            "assignee_id": np.where(assigned, worker, None),
            "assign_reason_code": np.where(assigned, "grid_worker", None),
            "reported_at": reported,
            "registered_at": registered.where(has_reg),
            "due_at": (registered + hours(limit_h)).where(has_reg),
            "closed_at": end.where(closed),
            "closed_on_time": pd.array(
                np.where(closed, rng.random(n) < 0.88, None), dtype="boolean"
            ),
            "suspended_at": end.where(status == "suspended"),
            "unassigned": False,
            "needs_location": no_place,
            "version": size,
            "handling_hours": np.where(closed, handling, np.nan),
        }
    )
    row = np.repeat(np.arange(n), size)
    pos = np.arange(len(row)) - np.repeat(np.cumsum(size) - size, size)
    action = np.array([a for p in pid for a in paths[p]], dtype=object)
    step = (end - registered)[row] / np.maximum(size[row] - 2, 1)  # intake, register, then even
    at = (registered[row] + step * np.maximum(pos - 1, 0)).where(pos > 0, reported[row])
    by_worker = np.isin(action, ["handle", "return"])
    to = np.array([TO[a] for a in action], dtype=object)
    events = pd.DataFrame(
        {
            "case_id": row + 1,
            "seq": pos + 1,
            "action": action,
            "actor_id": np.where(by_worker, worker[row], "bench-dispatcher"),
            "actor_role": np.where(by_worker, "worker", "dispatcher"),
            "from_status": np.where(pos > 0, np.roll(to, 1), None),
            "to_status": to,
            "occurred_at": at.round("s"),
        }
    )
    return cases, events


def copy_in(cur, table: str, frame: pd.DataFrame, tmp: str) -> None:
    """COPY ``frame`` into ``table`` from a CSV file that DuckDB writes (pandas is far slower)."""
    path = Path(tmp) / f"{table}.csv"
    with duckdb.connect() as con:
        con.register("frame", frame)
        con.execute(f"COPY frame TO '{path}' (HEADER false)")
    with open(path, encoding="utf-8") as fh:
        cur.copy_expert(
            f"COPY {table} ({', '.join(frame.columns)}) FROM STDIN WITH (FORMAT csv)", fh
        )


def load_postgis(dsn: str, cases: pd.DataFrame, events: pd.DataFrame) -> None:
    cols = ", ".join(cases.columns)
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur, tempfile.TemporaryDirectory() as tmp:
        cur.execute(f"CREATE TEMP TABLE stage AS SELECT {cols} FROM cases WITH NO DATA")
        copy_in(cur, "stage", cases, tmp)
        cur.execute(f"INSERT INTO cases ({cols}) SELECT {cols} FROM stage")  # geom: generated
        cur.execute("SELECT setval(pg_get_serial_sequence('cases', 'id'), max(id)) FROM cases")
        cur.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'case_events'::regclass AND contype = 'f'"
        )
        fks = cur.fetchall()  # checked row by row, a foreign key makes COPY several times slower
        for name, _ in fks:
            cur.execute(f"ALTER TABLE case_events DROP CONSTRAINT {name}")
        copy_in(cur, "case_events", events, tmp)
        for name, definition in fks:
            cur.execute(f"ALTER TABLE case_events ADD CONSTRAINT {name} {definition}")
    conn.autocommit = True
    conn.cursor().execute("VACUUM ANALYZE cases, case_events")
    conn.close()


def load_duckdb(path: Path, cases: pd.DataFrame, events: pd.DataFrame) -> None:
    con = duckdb.connect(str(path))
    con.load_extension(spatial_extension_path())
    con.register("cases_df", cases)
    con.register("events_df", events)
    cols, ecols = ", ".join(cases.columns), ", ".join(events.columns)
    con.execute(
        f"INSERT INTO cases ({cols}, geom) SELECT {cols}, "
        "CASE WHEN lon IS NOT NULL THEN ST_Point(lon, lat) END FROM cases_df"
    )
    con.execute(f"INSERT INTO case_events ({ecols}) SELECT {ecols} FROM events_df")
    con.execute(f"SELECT max(nextval('cases_id')) FROM range({len(cases)})")  # no setval
    con.execute("CHECKPOINT")
    con.close()


def naive_counts(store, since, until, now) -> pd.DataFrame:
    """The grid counters computed in pandas from every case."""
    frames = []
    with store.transaction() as cur:
        for query in NAIVE:
            cur.execute(query)
            frames.append(
                cur.df()
                if hasattr(cur, "df")
                else pd.DataFrame(cur.fetchall(), columns=[d[0] for d in cur.description])
            )
    c, ev = frames
    times = ["reported_at", "closed_at", "due_at", "suspended_at"]
    c[times] = c[times].apply(lambda col: pd.to_datetime(col, utc=True))
    ev["occurred_at"] = pd.to_datetime(ev["occurred_at"], utc=True)
    c = c[c["grid_code"].notna()]
    ev = ev[(ev["occurred_at"] >= since) & (ev["occurred_at"] < until)]
    per_case = pd.crosstab(ev["case_id"], ev["action"]).reindex(
        columns=["return", "rework"], fill_value=0
    )
    is_open = ~c["status"].isin(["closed", "rejected"])
    closed = (c["closed_at"] >= since) & (c["closed_at"] < until)
    clock = c["suspended_at"].where(c["status"] == "suspended").fillna(pd.Timestamp(now))
    out = (
        pd.DataFrame(
            {
                "received": (c["reported_at"] >= since) & (c["reported_at"] < until),
                "open": is_open,
                "closed": closed,
                "closed_on_time": closed & c["closed_on_time"].fillna(False).astype(bool),
                "overdue": c["due_at"].notna() & is_open & (clock > c["due_at"]),
                "returned": c["id"].map(per_case["return"]).fillna(0),
                "reworked": c["id"].map(per_case["rework"]).fillna(0),
            }
        )
        .astype(int)
        .groupby(c["grid_code"])
        .sum()
    )
    hh = c["handling_hours"].astype(float).where(closed).groupby(c["grid_code"])
    out["p50"], out["p90"] = hh.quantile(0.5), hh.quantile(0.9)
    return out


def frame_of(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame([r[1:] for r in rows], index=[r[0] for r in rows], columns=COUNTERS)


def differ(a: pd.DataFrame, b: pd.DataFrame, names: tuple[str, str]) -> int:
    """Grids whose counters differ between a and b; up to five are printed."""
    index = a.index.union(b.index)
    a, b = (x.reindex(index=index, columns=COUNTERS).astype(float) for x in (a, b))
    bad = ~np.isclose(a, b, rtol=0, atol=1e-6, equal_nan=True).all(axis=1)
    for code in index[bad][:5]:
        print(f"    {code}: {names[0]} {a.loc[code].tolist()}, {names[1]} {b.loc[code].tolist()}")
    return int(bad.sum())


def timed(func, repeats: int) -> tuple[float, float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return min(times), times[0], result


def bench_init(name: str, url: str) -> None:
    """`gridmgr init` on the database at ``url``, as an operator runs it."""
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", "init"],
        cwd=ROOT,
        text=True,
        env={**os.environ, "GRIDMGR_DATABASE_URL": url},
        capture_output=True,
    )
    if done.returncode:
        raise SystemExit(f"{name}: gridmgr init failed:\n{done.stdout}{done.stderr}")


def bench(name: str, url: str, load, data, repeats: int, table: list, grid_rows: dict) -> None:
    start = time.perf_counter()
    bench_init(name, url)
    set_up, start = time.perf_counter() - start, time.perf_counter()
    load(*data)
    print(
        f"{name}: gridmgr init {set_up:.1f} s; bulk load of {len(data[1]):,} cases and "
        f"{len(data[2]):,} events {time.perf_counter() - start:.1f} s"
    )
    store = open_store(parse_database_url(url))
    try:
        locator, kw, report_s = Locator(store), {"since": SINCE, "until": UNTIL, "now": NOW}, 0.0
        for level in ("grid", "community", "worker"):
            best, first, rep = timed(
                lambda lv=level: workload_report(store, locator, level=lv, tz=CHINA_TIME, **kw),
                repeats,
            )
            table.append((name, level, "workload_report", len(rep["rows"]), best, first))
            report_s = best if level == "grid" else report_s
            best, first, rows = timed(lambda lv=level: store.workload_rows(level=lv, **kw), repeats)
            table.append((name, level, "workload_rows (SQL)", len(rows), best, first))
            grid_rows.setdefault(name, rows)
        naive_s, _, naive = timed(lambda: naive_counts(store, **kw), repeats)
        bad = differ(frame_of(grid_rows[name]), naive, ("SQL", "pandas"))
        print(
            f"  pandas groupby over all cases, grid level: {naive_s:.3f} s, "
            f"{naive_s / report_s:.1f}x workload_report's {report_s:.3f} s; "
            f"{bad} of {len(naive)} grids differ"
        )
        if bad:
            raise SystemExit(f"{name}: workload_rows and pandas disagree on {bad} grid(s)")
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3, help="calls timed; the best counts")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="The inplace keyword")  # inside duckdb's .df()
    table: list[tuple] = []
    grid_rows: dict[str, list] = {}
    start = time.perf_counter()
    cases, events = synth(read_boundary_set(bundled.BOUNDARIES_DIR).grids, args.cases, args.seed)
    print(
        f"{len(cases):,} cases, {len(events):,} events synthesised in "
        f"{time.perf_counter() - start:.1f} s (seed {args.seed}): "
        + ", ".join(f"{k} {v:,}" for k, v in cases["status"].value_counts().items())
    )
    print(f"period [{SINCE.isoformat()}, {UNTIL.isoformat()}), now {NOW.isoformat()}")
    print("load average at start: " + " ".join(f"{x:.1f}" for x in os.getloadavg()))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.duckdb"
        bench(
            "DuckDB",
            f"duckdb:///{path}",
            load_duckdb,
            (path, cases, events),
            args.repeats,
            table,
            grid_rows,
        )
    url = os.environ.get("GRIDMGR_TEST_DATABASE_URL", "").strip()
    if not url:
        print("PostGIS: skipped (set GRIDMGR_TEST_DATABASE_URL)")
    else:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = psycopg2.connect(url)
        admin.autocommit = True
        admin.cursor().execute(f"CREATE SCHEMA {schema}")
        dsn = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema},public"
        try:
            bench(
                "PostGIS", dsn, load_postgis, (dsn, cases, events), args.repeats, table, grid_rows
            )
        finally:
            admin.cursor().execute(f"DROP SCHEMA {schema} CASCADE")
            admin.close()
    header = (
        f"{'backend':<9}{'level':<11}{'call':<21}{'rows':>6}{'best s':>9}{'first s':>9}  goal < 1 s"
    )
    print(f"\n{header}\n{'-' * len(header)}")
    for name, level, call, rows, best, first in table:
        print(
            f"{name:<9}{level:<11}{call:<21}{rows:>6}{best:>9.3f}{first:>9.3f}  "
            f"{'met' if best < 1 else 'MISSED'}"
        )
    print("load average at end: " + " ".join(f"{x:.1f}" for x in os.getloadavg()))
    if len(grid_rows) == 2:
        bad = differ(
            frame_of(grid_rows["DuckDB"]), frame_of(grid_rows["PostGIS"]), ("DuckDB", "PostGIS")
        )
        print(f"DuckDB vs PostGIS workload_rows, grid level: {bad} grids differ")
        if bad:
            raise SystemExit("the backends disagree")


if __name__ == "__main__":
    main()
