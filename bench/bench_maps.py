"""How long the map pages take to build and to load, and how big they are.

    python bench/bench_maps.py [--repeat 5] [--cases 150000] [--no-browser]
    scripts/with-postgis .venv/bin/python bench/bench_maps.py --backend postgis

The named competitor is plain Folium: a ``folium.GeoJson`` layer of the same grids,
unsimplified, with a tooltip — what a page built the obvious way costs.

Builds: the bundled Yunyan boundary set (26 communities, 1,254 grids) with made-up figures.
"Build" is the map function plus rendering the HTML. The first district build simplifies the
grids (maps.simplify); later builds of the same boundaries reuse that. Times are the best of
``--repeat`` runs after the first.

Served pages (unless --no-browser): a new demo database (``gridmgr demo --no-serve --cases N``;
DuckDB in a temporary directory, or with --backend postgis a new database on
GRIDMGR_TEST_DATABASE_URL's server) served by ``gridmgr serve``, and the competitor's page
written to a file and served by a static file server; both load their scripts from the same
local asset copies (data/assets). Each page is loaded in Debian's headless chromium
(Playwright, ``/usr/bin/chromium``; outside hosts do not resolve, so tiles fail at once) once
to warm up, then ``--repeat`` times in new tabs of one browser (assets cached as a browser
would). Reported: the median time to the first byte of the document (server time), to the
load event, the document's size, and the load time over the competitor's.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import os
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path

import folium
import shapely

from geo.boundaries.read import read_boundary_set
from geo.bundled import BOUNDARIES_DIR
from maps import community_map, coverage_map, localize, workload_map
from maps.assets import ASSET_BASE, asset_dir
from maps.simplify import clear_cache

CHROMIUM = os.environ.get("GRIDMGR_CHROMIUM") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",  # tiles fail at once
]
# The navigation's timing (ms from its start) and the document's size in bytes.
TIMING = """(() => {
    const n = performance.getEntriesByType("navigation")[0];
    return [n.responseStart, n.loadEventStart, n.decodedBodySize];
})()"""


def _timed(build) -> tuple[float, int]:
    start = time.perf_counter()
    html = build().get_root().render()
    return time.perf_counter() - start, len(html.encode("utf-8"))


def _plain_folium(grids) -> folium.Map:
    m = folium.Map(location=[26.61, 106.69], zoom_start=12)
    folium.GeoJson(grids.to_json(), tooltip=folium.GeoJsonTooltip(["code", "name"])).add_to(m)
    return m


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@contextlib.contextmanager
def static_site(pages: dict[str, str]):
    """``pages`` (file name -> HTML) and the asset copies at ASSET_BASE, served from a
    temporary directory on 127.0.0.1 by a plain file server; yields its base URL."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        static = root / ASSET_BASE.strip("/")
        static.parent.mkdir(parents=True)
        static.symlink_to(asset_dir(), target_is_directory=True)
        for name, html in pages.items():
            (root / name).write_text(html, encoding="utf-8")
        handler = functools.partial(_Quiet, directory=str(root))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
            server.server_close()


@contextlib.contextmanager
def demo_database(backend: str, cases: int):
    """A new demo database (URL) with ``cases`` synthetic cases, and a planner's token."""
    from bench_api import fresh_database, gridmgr  # bench/ is the script's directory

    with contextlib.ExitStack() as stack:
        if backend == "postgis":
            url = os.environ.get("GRIDMGR_TEST_DATABASE_URL", "").strip()
            if not url:
                raise SystemExit("--backend postgis: set GRIDMGR_TEST_DATABASE_URL")
            url = stack.enter_context(fresh_database(url))
        else:
            tmp = stack.enter_context(tempfile.TemporaryDirectory())
            url = f"duckdb:///{tmp}/demo.duckdb"
        started = time.monotonic()
        out = gridmgr(url, "demo", "--no-serve", "--cases", str(cases))
        token = next(
            line.split()[-1]
            for line in out.splitlines()
            if line.strip().startswith("planner token")
        )
        took = time.monotonic() - started
        print(f"demo database ({backend}, {cases:,} cases) built in {took:.0f} s")
        yield url, token


@contextlib.contextmanager
def given_database(url: str):
    """An existing database (a demo's, say) and a new planner's token for it."""
    from bench_api import gridmgr  # bench/ is the script's directory

    out = gridmgr(url, "token", "create", "--role", "planner")
    yield url, out.splitlines()[-1].strip()


def _load(context, url: str, headers: dict[str, str]) -> tuple[float, float, int]:
    """(ms to the first byte, ms to the load event, document bytes) of one load in a new tab."""
    page = context.new_page()
    try:
        page.set_extra_http_headers(headers)
        page.goto(url, wait_until="load", timeout=120_000)
        first, load, size = page.evaluate(TIMING)
        return float(first), float(load), int(size)
    finally:
        page.close()


def served_pages(args, grids) -> None:
    """Load the served pages and the competitor's static page in headless chromium."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("\nserved pages: not measured (Playwright for Python is not installed)")
        return
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        print("\nserved pages: not measured (Debian's chromium is not installed)")
        return
    from bench_api import server  # bench/ is the script's directory

    peer = _plain_folium(grids)
    localize(peer)  # the same local asset copies as gridmgr's pages, no CDN
    with (
        (
            given_database(args.database_url)
            if args.database_url
            else demo_database(args.backend, args.cases)
        ) as (url, token),
        server(url, 1) as (_, port),
        static_site({"peer.html": peer.get_root().render()}) as static,
        sync_playwright() as pw,
    ):
        base = f"http://127.0.0.1:{port}"
        planner = {"Authorization": f"Bearer {token}"}
        community = args.community or str(grids["community_code"].iloc[0])
        pages = [
            ("competitor: plain folium.GeoJson, static file", f"{static}/peer.html", {}),
            ("/ (index)", f"{base}/", {}),
            ("/maps/workload", f"{base}/maps/workload", {}),
            (
                f"/maps/communities/{community} (planner)",
                f"{base}/maps/communities/{community}",
                planner,
            ),
            (
                f"/maps/communities/{community} (anonymous)",
                f"{base}/maps/communities/{community}",
                {},
            ),
            ("/maps/coverage", f"{base}/maps/coverage", {}),
        ]
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        results = {}
        for name, url_, headers in pages:
            _load(context, url_, headers)  # warm-up: server caches, browser cache
            results[name] = [_load(context, url_, headers) for _ in range(max(1, args.repeat))]
        browser.close()
    peer_load = statistics.median(r[1] for r in results[pages[0][0]])
    print(
        f"\nserved pages in headless chromium ({args.backend}, medians of {args.repeat} loads "
        "after a warm-up)"
    )
    print(f"{'page':48s} {'first byte':>10s} {'load':>8s} {'size':>8s} {'load/peer':>9s}")
    for name, runs in results.items():
        first = statistics.median(r[0] for r in runs)
        load = statistics.median(r[1] for r in runs)
        print(
            f"{name:48s} {first:7.0f} ms {load:5.0f} ms {runs[0][2] / 1e6:5.2f} MB "
            f"{load / peer_load:8.2f}x"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-browser", action="store_true", help="builds only")
    parser.add_argument("--no-builds", action="store_true", help="served pages only")
    parser.add_argument("--backend", choices=("duckdb", "postgis"), default="duckdb")
    parser.add_argument("--cases", type=int, default=150_000, help="cases of the demo database")
    parser.add_argument(
        "--database-url", help="serve this database (e.g. a demo's) instead of a new demo"
    )
    parser.add_argument("--community", help="community code of the page (default: the first)")
    args = parser.parse_args(argv)
    b = read_boundary_set(BOUNDARIES_DIR)
    if not args.no_builds:
        builds(args, b)
    if not args.no_browser:
        served_pages(args, b.grids)
    return 0


def builds(args, b) -> None:
    """Build each page from handed-in data and report the best time and the size."""
    rows = [
        {
            "code": c,
            "name": n,
            "received": 100 + i,
            "open": 10 + i,
            "overdue": i % 3,
            "on_time_rate": 0.9,
            "per_1000_residents": 3.0,
            "open_per_worker": 0.5 + i / 10,
        }
        for i, (c, n) in enumerate(zip(b.communities["code"], b.communities["name"], strict=True))
    ]
    code = b.communities["code"].iloc[0]
    own = b.grids[b.grids["community_code"] == code]
    points = shapely.point_on_surface(own.geometry.values)
    cases = [
        {
            "id": i,
            "status": "dispatched",
            "overdue": i % 5 == 0,
            "grid_code": g,
            "location": {"lon": p.x, "lat": p.y},
        }
        for i, (g, p) in enumerate(zip(own["code"], points, strict=True))
    ]
    facilities = [
        {
            "kind": "service_centre",
            "name": "中心",
            "lon": points[0].x,
            "lat": points[0].y,
            "radius_m": 1000.0,
        }
    ]
    report = {
        "kind": "service_centre",
        "radius_m": 1000.0,
        "threshold": 0.5,
        "grids": [{"code": g, "covered_area_share": 0.5} for g in b.grids["code"]],
        "underserved": list(b.grids["code"][::7]),
    }
    builds = {
        "district workload map, osm, assets linked": lambda: workload_map(
            b.communities, b.grids, rows
        ),
        "district workload map, gaode (GCJ-02 shift)": lambda: workload_map(
            b.communities, b.grids, rows, basemap="gaode"
        ),
        "district workload map, none, assets inlined": lambda: workload_map(
            b.communities, b.grids, rows, basemap="none", inline=True
        ),
        f"community map {code} ({len(own)} grids, {len(cases)} cases)": lambda: community_map(
            b.communities.iloc[[0]], b.grids, {}, cases, facilities
        ),
        "district coverage map (1,254 grids)": lambda: coverage_map(b.grids, report, facilities),
    }
    builds["competitor: plain folium.GeoJson of the grids (CDN assets)"] = lambda: _plain_folium(
        b.grids
    )
    clear_cache()
    first, _ = _timed(builds["district workload map, osm, assets linked"])
    print(f"first district build (simplifies the coverage): {first * 1000:7.0f} ms")
    for name, build in builds.items():
        runs = [_timed(build) for _ in range(max(1, args.repeat))]
        best = min(t for t, _ in runs)
        print(f"{name:48s} {best * 1000:7.0f} ms  {runs[0][1] / 1e6:6.2f} MB")


if __name__ == "__main__":
    raise SystemExit(main())
