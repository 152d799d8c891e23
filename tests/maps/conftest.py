"""Data for the map tests (the bundled Yunyan boundaries, small handed-in reports, cases and
facilities), page parsing helpers, and a real headless Chromium driven by Playwright.

The browser is Debian's chromium (``/usr/bin/chromium``, or ``GRIDMGR_CHROMIUM``); Playwright
never downloads one. Without it (or without Playwright) the browser tests are skipped with
the reason, except under CI (``CI=true``/``CI=1``) or with ``GRIDMGR_REQUIRE_POSTGIS=1`` (set
by ``make test``), where they fail.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import shapely

from api.views import case_view
from geo.analytics.coverage import coverage, underserved
from geo.boundaries.read import read_boundary_set
from geo.bundled import BOUNDARIES_DIR
from geo.cases.model import Case
from geo.cases.workflow import STATES
from geo.facilities.model import Facility
from maps.assets import ASSET_BASE, asset_dir
from tests.threaded_server import threaded_server

CHINA_TIME = ZoneInfo("Asia/Shanghai")  # the district's default zone

COMMUNITY = "520103400"  # 中华社区, the first community of the bundled set
NOW = datetime(2025, 6, 2, 10, 0, tzinfo=CHINA_TIME)
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Belt and braces: even a request the test did not intercept cannot resolve
    # any host but this machine.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]


# --- handed-in data -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def boundaries():
    return read_boundary_set(BOUNDARIES_DIR)


@pytest.fixture(scope="session")
def community_rows(boundaries):
    """Community workload rows (as geo.analytics.workload builds them), varied figures."""
    rows = []
    for i, (code, name) in enumerate(
        zip(boundaries.communities["code"], boundaries.communities["name"], strict=True)
    ):
        rows.append(
            {
                "code": code,
                "name": name,
                "received": 100 + 7 * i,
                "open": 10 + i,
                "closed": 80,
                "closed_on_time": 70,
                "overdue": i % 4,
                "on_time_rate": round(0.5 + i / 60, 4),
                "returned": 1,
                "reworked": 0,
                "handling_hours_p50": 6.5,
                "handling_hours_p90": 20.0,
                "per_1000_residents": round(2.5 + i / 10, 4),
                "open_per_worker": None if i == 25 else round(0.3 + i / 20, 4),
            }
        )
    return rows


def _case(i: int, status: str, grid_code: str | None, point, overdue: bool) -> Case:
    reported = NOW - timedelta(days=3)
    due = NOW - timedelta(hours=1) if overdue else NOW + timedelta(days=2)
    return Case(
        id=i,
        status=status,
        category="A0101",
        description=f"案件 {i}",
        source="worker",
        generation=1,
        grid_code=grid_code,
        community_code=COMMUNITY,
        lon=None if point is None else point.x,
        lat=None if point is None else point.y,
        input_lon=None,
        input_lat=None,
        input_crs="wgs84",
        address=None,
        assignee_id="W1",
        assignee_name="王小明",
        assign_reason_code="grid_worker",
        assign_reason="grid worker",
        reporter_name="张三",
        reporter_phone="13800005678",
        reported_at=reported,
        registered_at=reported,
        due_at=due,
        closed_at=None,
        closed_on_time=None,
        suspended_at=None,
        unassigned=False,
        needs_location=point is None,
        possible_duplicate_of=None,
        version=1,
        idempotency_key=None,
        request_hash=None,
        handling_hours=None,
    )


@dataclass
class CommunityData:
    community: object  # one-row GeoDataFrame
    grids: object  # all the district's grids (the map keeps the community's own)
    own_grids: object
    grid_rows: dict
    cases: list[dict]
    facilities: list[Facility]
    workers: dict
    located: int = 0
    overdue: int = 0
    kinds: dict = field(default_factory=dict)


@pytest.fixture(scope="session")
def community_data(boundaries) -> CommunityData:
    comm = boundaries.communities[boundaries.communities["code"] == COMMUNITY]
    own = boundaries.grids[boundaries.grids["community_code"] == COMMUNITY]
    points = shapely.point_on_surface(own.geometry.values)
    codes = list(own["code"])
    views = []
    for i in range(30):
        status = STATES[i % len(STATES)]
        overdue = i % 4 == 0 and status not in ("closed", "rejected")
        views.append(
            case_view(_case(i + 1, status, codes[i], points[i], overdue), now=NOW, tz=CHINA_TIME)
        )
    views.append(
        case_view(_case(99, "reported", None, None, False), now=NOW, tz=CHINA_TIME)
    )  # no location
    facilities = [
        Facility(
            1,
            "service_centre",
            "中华社区服务中心",
            points[0].x,
            points[0].y,
            40,
            1000.0,
            "08:30-17:30",
            1,
            COMMUNITY,
            codes[0],
        ),
        Facility(
            2,
            "volunteer_hut",
            "微笑小屋 <一号>",
            points[10].x,
            points[10].y,
            None,
            500.0,
            "",
            1,
            COMMUNITY,
            codes[10],
        ),
        Facility(
            3,
            "volunteer_hut",
            "微笑小屋 {{ 二号 }}",
            points[20].x,
            points[20].y,
            None,
            500.0,
            "",
            1,
            COMMUNITY,
            codes[20],
        ),
    ]
    rows = {
        code: {
            "code": code,
            "name": None,
            "received": 2 * i,
            "open": i % 9,
            "overdue": i % 3,
            "on_time_rate": 0.8,
            "per_1000_residents": 1.5,
            "open_per_worker": float(i % 9),
        }
        for i, code in enumerate(codes)
    }
    return CommunityData(
        community=comm,
        grids=boundaries.grids,
        own_grids=own,
        grid_rows=rows,
        cases=views,
        facilities=facilities,
        workers={code: f"网格员{i:03d}" for i, code in enumerate(codes)},
        located=30,
        overdue=sum(1 for v in views if v["overdue"]),
    )


@dataclass
class CoverageData:
    grids: object
    report: dict
    facilities: list[Facility]
    sites: dict


@pytest.fixture(scope="session")
def coverage_data(boundaries, community_data) -> CoverageData:
    """A coverage report over four communities' grids, as coverage_report() shapes it."""
    codes = list(boundaries.communities["code"][:4])
    grids = boundaries.grids[boundaries.grids["community_code"].isin(codes)]
    facilities = [f for f in community_data.facilities if f.kind == "volunteer_hut"]
    result = coverage(grids, [(f.lon, f.lat) for f in facilities], radius_m=600.0)
    names = boundaries.communities[["code", "name"]].to_dict("records")
    report = {
        "kind": "volunteer_hut",
        "radius_m": 600.0,
        "threshold": 0.5,
        "facilities": len(facilities),
        "population": result.population,
        "covered_population": result.covered_population,
        "grids": result.grids.to_dict("records"),
        "communities": [{**c, "covered_share": None} for c in names],
        "underserved": underserved(result, 0.5),
    }
    site = shapely.point_on_surface(grids.geometry.values[-1])
    sites = {
        "kind": "volunteer_hut",
        "radius_m": 600.0,
        "count": 1,
        "sites": [
            {
                "lon": site.x,
                "lat": site.y,
                "grid_code": grids["code"].iloc[-1],
                "community_code": grids["community_code"].iloc[-1],
                "gain": 812.4,
            }
        ],
    }
    return CoverageData(
        grids=grids, report=report, facilities=community_data.facilities, sites=sites
    )


# --- reading pages --------------------------------------------------------------------------


def _layer_features(html: str) -> dict[str, list[dict]]:
    """The GeoJSON features of each polygon layer in a page, by its ``gridmgrLayer`` id."""
    out = {}
    decoder = json.JSONDecoder()
    for match in re.finditer(r"var (geo_json_[0-9a-f]+) = L\.geoJson\(", html):
        name = match.group(1)
        layer_id = re.search(r'"gridmgrLayer": "([^"]+)"', html[match.end() :]).group(1)
        start = html.index(f"{name}_add([", match.end()) + len(name) + len("_add(")
        out[layer_id], _ = decoder.raw_decode(html, start)
    return out


def _row_layers(html: str) -> list[list]:
    """The rows of every RowsLayer / ClusterRows in a page (cases, facilities, sites)."""
    decoder = json.JSONDecoder()
    return [decoder.raw_decode(html, m.end())[0] for m in re.finditer(r"var rows = ", html)]


@pytest.fixture(scope="session")
def layer_features():
    return _layer_features


@pytest.fixture(scope="session")
def row_layers():
    return _row_layers


# --- a local web server and a real browser --------------------------------------------------


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@dataclass
class Site:
    """Pages served from a temporary directory on 127.0.0.1, assets at ASSET_BASE."""

    root: Path
    base_url: str

    def publish(self, name: str, html: str) -> str:
        (self.root / name).write_text(html, encoding="utf-8")
        return f"{self.base_url}/{name}"


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    static = root / ASSET_BASE.strip("/")
    static.parent.mkdir(parents=True)
    static.symlink_to(asset_dir(), target_is_directory=True)
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Site(root, f"http://127.0.0.1:{server.server_address[1]}")
    server.shutdown()
    server.server_close()


def _browser_required() -> bool:
    ci = os.environ.get("CI", "").strip().lower()
    return ci in {"true", "1"} or os.environ.get("GRIDMGR_REQUIRE_POSTGIS", "").strip() == "1"


def _chromium() -> str | None:
    path = os.environ.get("GRIDMGR_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    return path if os.path.exists(path) else None


# Module scope: Playwright's sync API allows one running instance per process, and the
# console's browser tests may run later in the same worker.
@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """A Playwright persistent context on Debian's headless chromium, fresh profile."""
    problem = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        problem = "Playwright for Python is not installed (pip install -e '.[dev]')"
    executable = _chromium()
    if problem is None and executable is None:
        problem = "Debian's chromium is not installed (apt-get install chromium; make test does it)"
    if problem is not None:
        if _browser_required():
            pytest.fail(
                f"{problem}; browser tests are required here (CI or GRIDMGR_REQUIRE_POSTGIS=1)",
                pytrace=False,
            )
        pytest.skip(problem)
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=executable,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 800},
        )
        yield context
        context.close()


@dataclass
class PageRun:
    """A loaded page with what it asked for: every request, the blocked ones, errors."""

    page: object
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # local responses >= 400
    errors: list[str] = field(default_factory=list)  # console errors and uncaught exceptions

    def js(self, expression: str):
        return self.page.evaluate(expression)


def _local(url: str) -> bool:
    return url.startswith(("file://", "http://127.0.0.1:", "data:", "blob:"))


@pytest.fixture
def open_page(browser):
    """open_page(url) loads a page and waits until ``ready`` (a JS function; default: Leaflet
    loaded) is true; everything not file:// or 127.0.0.1 is blocked and recorded. Console
    errors about blocked requests are kept apart (run.blocked)."""
    pages = []

    def open_(
        url: str, settle_ms: int = 300, ready: str = "() => window.L !== undefined"
    ) -> PageRun:
        page = browser.new_page()
        pages.append(page)
        run = PageRun(page)

        def route(r):
            if _local(r.request.url):
                r.continue_()
            else:
                run.blocked.append(r.request.url)
                r.abort()

        def console(msg):
            if msg.type == "error" and msg.location.get("url", "") not in run.blocked:
                run.errors.append(msg.text)

        page.route("**/*", route)
        page.on("request", lambda req: run.requests.append(req.url))
        page.on(
            "response",
            lambda res: run.failed.append(f"{res.status} {res.url}") if res.status >= 400 else None,
        )
        page.on("console", console)
        page.on("pageerror", lambda exc: run.errors.append(str(exc)))
        page.goto(url, wait_until="load")
        page.wait_for_function(ready, timeout=20_000)
        page.wait_for_timeout(settle_ms)
        return run

    yield open_
    for page in pages:
        page.close()


@dataclass
class Served:
    base: str
    app: object


@pytest.fixture(scope="module")
def served(initialised_duckdb):
    """The app on a copy of the initialised DuckDB database, served by uvicorn on 127.0.0.1
    in a thread of this process (no basemap tiles)."""
    from api.app import create_app
    from api.settings import Settings

    app = create_app(Settings(database_url=initialised_duckdb(), basemap="none"))
    with threaded_server(app) as base:
        yield Served(base, app)
