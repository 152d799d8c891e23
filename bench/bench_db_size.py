"""How much PostGIS disk a million cases take, with their audit events and indexes.

    scripts/with-postgis .venv/bin/python bench/bench_db_size.py [--cases 300000] [--seed 1]

In a fresh schema of GRIDMGR_TEST_DATABASE_URL's server prepared by ``gridmgr init``: a seeded
year of cases with their audit events (bench_workload.synth: statuses, assignments, returns
and reworks as a district's year has them), bulk-loaded and vacuumed. Prints each table's
size (heap + TOAST, and indexes) from pg_total_relation_size / pg_indexes_size, the bytes per
case, and the same scaled to 1,000,000 cases (tables and indexes grow linearly with rows).
This is the figure docs/scaling.md works from.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from pathlib import Path

import psycopg2

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_big_tables import in_report_order  # noqa: E402
from bench_workload import bench_init, load_postgis, synth  # noqa: E402

from geo import bundled  # noqa: E402
from geo.boundaries.read import read_boundary_set  # noqa: E402

TABLES = ("cases", "case_events", "dispatched")
SIZES = """
SELECT pg_total_relation_size(%(t)s::regclass), pg_indexes_size(%(t)s::regclass),
       (SELECT count(*) FROM {table})
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    pg = os.environ.get("GRIDMGR_TEST_DATABASE_URL")
    if not pg:
        raise SystemExit("set GRIDMGR_TEST_DATABASE_URL (or run under scripts/with-postgis)")
    grids = read_boundary_set(bundled.BOUNDARIES_DIR).grids
    cases, events = in_report_order(*synth(grids, args.cases, args.seed))
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    sep = "&" if "?" in pg else "?"
    url = f"{pg}{sep}options=-csearch_path%3D{schema},public"
    with psycopg2.connect(pg) as conn, conn.cursor() as cur:
        cur.execute(f"CREATE SCHEMA {schema}")
    try:
        bench_init("PostGIS", url)
        start = time.perf_counter()
        load_postgis(url, cases, events)
        print(
            f"{len(cases):,} cases, {len(events):,} events loaded and vacuumed in "
            f"{time.perf_counter() - start:.1f} s"
        )
        total = 0
        with psycopg2.connect(url) as conn, conn.cursor() as cur:
            print(f"{'table':<14}{'rows':>12}{'total MB':>11}{'indexes MB':>12}")
            for table in TABLES:
                cur.execute(SIZES.format(table=table), {"t": table})
                size, indexes, rows = cur.fetchone()
                total += size
                print(f"{table:<14}{rows:>12,}{size / 1e6:>11.1f}{indexes / 1e6:>12.1f}")
        per_case = total / len(cases)
        print(
            f"together: {total / 1e6:.1f} MB, {per_case:,.0f} bytes per case "
            f"(events included); per 1,000,000 cases: {per_case * 1e6 / 1e9:.2f} GB"
        )
    finally:
        with psycopg2.connect(pg) as conn, conn.cursor() as cur:
            cur.execute(f"DROP SCHEMA {schema} CASCADE")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
