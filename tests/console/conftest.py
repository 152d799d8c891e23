"""An initialised database and a running app per backend, people to sign in as, and helpers
to sign in, read pages and act through the console's forms (FastAPI's TestClient)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

import geopandas as gpd
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth.console import COOKIE
from api.auth.tokens import new_token
from api.settings import Settings
from geo import bundled
from geo.store.records import TokenRecord
from tests.threaded_server import threaded_server

BACKENDS = [
    pytest.param("duckdb", id="duckdb"),
    pytest.param("postgis", id="postgis", marks=pytest.mark.postgis),
]
GRID = "520103400001001"  # the first grid of 中华社区
WORKER = "W520103400001001"  # its grid worker
OTHER_WORKER = "W520103401001001"  # a worker of 中环社区
# who -> (role, community, worker id)
PEOPLE = {
    "admin": ("admin", None, None),
    "dispatcher": ("dispatcher", None, None),
    "dispatcher2": ("dispatcher", None, None),
    "planner": ("planner", None, None),
    "worker": ("worker", "520103400", WORKER),
    "other_worker": ("worker", "520103401", OTHER_WORKER),
}


def grid_point(code: str = GRID) -> tuple[float, float]:
    """A point inside grid ``code`` (WGS84 lon, lat)."""
    grids = gpd.read_file(bundled.BOUNDARIES_DIR / "grids.geojson")
    p = grids.loc[grids["code"] == code].geometry.iloc[0].representative_point()
    return p.x, p.y


def add_people(store) -> dict[str, tuple[str, str]]:
    """A token for each of PEOPLE: who -> (secret, token id)."""
    out = {}
    for who, (role, community, worker) in PEOPLE.items():
        secret, token_id, digest = new_token()
        store.add_token(
            TokenRecord(token_id, role, who, community, worker, datetime.now(UTC)), digest
        )
        out[who] = (secret, token_id)
    return out


def hidden(html: str, name: str) -> str:
    """The value of the first hidden field or meta tag called ``name`` in a page."""
    m = re.search(rf'name="{name}" (?:value|content)="([^"]*)"', html)
    assert m, f"no {name} in the page"
    return m.group(1)


@dataclass
class Console:
    client: TestClient
    app: object
    people: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def state(self):
        return self.app.state.gridmgr

    def sign_in(self, who: str) -> str:
        """Sign in as ``who`` (the client now holds only their cookie); the session's CSRF."""
        self.client.cookies.clear()
        form = self.client.get("/console/login")
        r = self.client.post(
            "/console/login",
            follow_redirects=False,
            data={"token": self.people[who][0], "csrf": hidden(form.text, "csrf")},
        )
        assert r.status_code == 303, r.text
        return hidden(self.client.get(r.headers["location"]).text, "csrf-token")

    def session_id(self) -> str:
        return self.client.cookies.get(COOKIE)

    def file(self, csrf: str, point=None, **extra) -> int:
        """File a case through the new-case form; its id."""
        lon, lat = point or grid_point()
        page = self.client.get("/console/cases/new")
        r = self.client.post(
            "/console/cases",
            follow_redirects=False,
            data={
                "csrf": csrf,
                "idempotency_key": hidden(page.text, "idempotency_key"),
                "category": "exposed_refuse",
                "lon": str(lon),
                "lat": str(lat),
                "crs": "wgs84",
                "description": "垃圾堆放",
                "reporter_name": "张三",
                "reporter_phone": "13812345678",
                **extra,
            },
        )
        assert r.status_code == 303, r.text
        return int(re.match(r"/console/cases/(\d+)", r.headers["location"]).group(1))

    def act(self, csrf: str, case_id: int, action: str, version: int, **extra):
        return self.client.post(
            f"/console/cases/{case_id}/act",
            follow_redirects=False,
            data={"csrf": csrf, "action": action, "version": str(version), **extra},
        )


@pytest.fixture(scope="module", params=BACKENDS)
def console(request):
    """The app on a private copy of the session's initialised database of each backend."""
    url = request.getfixturevalue(f"initialised_{request.param}")()
    app = create_app(Settings(database_url=url, basemap="none"))
    with TestClient(app) as client:
        yield Console(client, app, add_people(app.state.gridmgr.store))


# --- a real server and a real browser -------------------------------------------------------
# As in tests/maps: Debian's chromium driven by Playwright (never `playwright install`); no
# request may leave the machine.

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]


@dataclass
class Live:
    base: str
    app: object
    people: dict[str, tuple[str, str]]

    @property
    def state(self):
        return self.app.state.gridmgr


@pytest.fixture(scope="module")
def live(initialised_duckdb):
    """``gridmgr`` on DuckDB served by uvicorn on 127.0.0.1 in a thread of this process."""
    app = create_app(Settings(database_url=initialised_duckdb(), basemap="none"))
    with threaded_server(app) as base:
        yield Live(base, app, add_people(app.state.gridmgr.store))


def _chromium() -> str | None:
    import os
    import shutil

    path = os.environ.get("GRIDMGR_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    return path if os.path.exists(path) else None


@pytest.fixture(scope="module")
def chromium():
    """Headless Debian chromium; fails (never skips) when it or Playwright is missing."""
    from playwright.sync_api import sync_playwright

    executable = _chromium()
    assert executable, "Debian's chromium is not installed (apt-get install chromium)"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@dataclass
class Person:
    """One person's browser context (their own cookies) and what it saw go wrong."""

    context: object
    errors: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)

    def page(self):
        page = self.context.new_page()
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        return page


@pytest.fixture
def person(chromium, live):
    """person(who) -> a Person signed in as ``who`` in a fresh context."""
    made = []

    def make(who: str, *, viewport=(1280, 800)) -> Person:
        context = chromium.new_context(
            viewport={"width": viewport[0], "height": viewport[1]}, locale="zh-CN"
        )
        p = Person(context)

        def route(r):
            if r.request.url.startswith(live.base) or r.request.url.startswith("data:"):
                r.continue_()
            else:
                p.outside.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        made.append(p)
        page = p.page()
        page.goto(f"{live.base}/console/login")
        page.fill("#token", live.people[who][0])
        page.click("#login button[type=submit]")
        page.wait_for_url("**/console/**")
        assert "/console/login" not in page.url, page.content()
        page.close()
        return p

    yield make
    for p in made:
        p.context.close()
