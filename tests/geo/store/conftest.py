"""The ``store`` fixtures: every contract test runs once on DuckDB and once on PostGIS.

PostGIS stores live in a schema of their own (dropped afterwards), so tests never see each
other's rows; DuckDB stores get a fresh file.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from geo import bundled
from geo.boundaries.read import BoundarySet, read_boundary_set
from geo.cases.categories import read_catalogue
from geo.cases.service import CaseService
from geo.cases.workflow import Actor
from geo.locate.locator import Locator
from geo.store import open_store
from geo.store.duck import DuckStore
from geo.store.postgis import PostgisStore
from geo.store.target import DatabaseTarget
from geo.synth.roster import synth_roster
from geo.worktime.calendar import WorkCalendar

CHINA_TIME = ZoneInfo("Asia/Shanghai")  # the district's default zone

BACKENDS = [
    pytest.param("duckdb", id="duckdb"),
    pytest.param("postgis", id="postgis", marks=pytest.mark.postgis),
]


class Backend:
    """Makes empty databases of one kind."""

    def __init__(self, kind: str, request: pytest.FixtureRequest, tmp_path_factory):
        self.kind = kind
        self.tmp = tmp_path_factory
        self.schemas = request.getfixturevalue("postgis_schemas") if kind == "postgis" else None

    def target(self) -> DatabaseTarget:
        if self.kind == "duckdb":
            return DatabaseTarget("duckdb", path=self.tmp.mktemp("duck") / "gridmgr.duckdb")
        return DatabaseTarget("postgis", dsn=self.schemas())

    def raw(self, target: DatabaseTarget) -> DuckStore | PostgisStore:
        """A store opened without migrating it."""
        if target.backend == "duckdb":
            return DuckStore(target.path)
        return PostgisStore(target.dsn)


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path_factory):
    return Backend(request.param, request, tmp_path_factory)


@pytest.fixture
def store(backend):
    """A fresh, migrated, empty store."""
    s = open_store(backend.target())
    yield s
    s.close()


@pytest.fixture(scope="module")
def bundled_set():
    return read_boundary_set(bundled.BOUNDARIES_DIR)


@pytest.fixture(scope="module", params=BACKENDS)
def loaded_store(request, tmp_path_factory, bundled_set):
    """A store holding the bundled set as active generation 1 (shared: do not write)."""
    s = open_store(Backend(request.param, request, tmp_path_factory).target())
    s.activate_generation(s.stage_generation(bundled_set, label="bundled"))
    yield s
    s.close()


COMMUNITIES = ("520103400", "520103401")  # 中华, 中环


class Clock:
    def __init__(self, start: datetime) -> None:
        self.value = start

    def __call__(self) -> datetime:
        return self.value


@dataclass
class World:
    service: CaseService
    clock: Clock
    grids: object  # GeoDataFrame of the two communities' grids
    admin: Actor
    dispatcher: Actor
    planner: Actor

    def worker(self, grid_code: str) -> Actor:
        return Actor(f"W{grid_code}", "worker", grid_code[:9])

    def point_in(self, grid_code: str) -> tuple[float, float]:
        geom = self.grids.loc[self.grids["code"] == grid_code].geometry.iloc[0]
        p = geom.representative_point()
        return p.x, p.y


def build_world(
    store,
    bundled_set,
    *,
    cap: int | None = None,
    start: datetime = datetime(2026, 11, 2, 9, 0, tzinfo=CHINA_TIME),
    edit_roster=None,
) -> World:
    """Two communities' grids, their synthetic roster (every cap ``cap``; then passed through
    ``edit_roster`` if given), the bundled catalogue and a clock at ``start``."""
    comms = bundled_set.communities[bundled_set.communities["code"].isin(COMMUNITIES)]
    grids = bundled_set.grids[bundled_set.grids["community_code"].isin(COMMUNITIES)]
    subset = BoundarySet(
        comms.reset_index(drop=True),
        grids.reset_index(drop=True),
        None,
        "two communities",
        "EPSG:4326",
    )
    store.activate_generation(
        store.stage_generation(subset), at=datetime(2020, 1, 1, tzinfo=CHINA_TIME)
    )
    roster = synth_roster(
        list(zip(grids["code"], grids["community_code"], strict=True)), list(COMMUNITIES)
    )
    if cap is not None:
        roster = [replace(w, open_case_cap=cap) for w in roster]
    if edit_roster is not None:
        roster = edit_roster(roster)
    store.add_workers(roster)
    clock = Clock(start)
    service = CaseService(store, Locator(store), WorkCalendar.default(), now=clock)
    service.load_categories(read_catalogue())
    return World(
        service,
        clock,
        grids.reset_index(drop=True),
        Actor("admin1", "admin"),
        Actor("disp1", "dispatcher"),
        Actor("plan1", "planner"),
    )


@pytest.fixture
def make_world(store, bundled_set):
    """Build the case-test world in the test's fresh store (on each backend)."""
    return lambda **kw: build_world(store, bundled_set, **kw)
