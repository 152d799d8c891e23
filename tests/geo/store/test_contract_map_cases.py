"""The cases a community's map draws, on every backend: every open case first, then the
latest finished ones, up to the cap."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from geo.cases.categories import read_catalogue
from geo.cases.service import Intake
from geo.cases.workflow import FINAL_STATES, Actor
from geo.synth.cases import synth_cases

CHINA_TIME = ZoneInfo("Asia/Shanghai")
END = datetime(2026, 11, 1, tzinfo=CHINA_TIME)
COMMUNITY = "520103400"  # 中华社区


@pytest.fixture
def world(make_world):
    w = make_world()
    store = w.service.store
    cases, events = synth_cases(
        w.grids,
        read_catalogue(),
        count=400,
        end=END,
        calendar=w.service.calendar,
        first_id=store.next_case_id(),
        seed=11,
    )
    store.bulk_load_cases(cases, events)
    return w


def finished_at(case):
    return case.closed_at or case.reported_at


def test_every_open_case_then_the_latest_finished_up_to_the_cap(world):
    since, until = END - timedelta(days=365), END + timedelta(days=1)
    everything = [c for c in world.service.find(world.admin, community=COMMUNITY, limit=10_000)]
    opened = {c.id for c in everything if c.status not in FINAL_STATES}
    finished = sorted(
        (c for c in everything if c.status in FINAL_STATES),
        key=lambda c: (finished_at(c), c.id),
        reverse=True,
    )
    assert 0 < len(opened) < 60 and len(finished) > 100  # finished ones exceed the cap
    cap = len(opened) + 40
    # The old selection (the first cases by id) misses open ones: the test can tell.
    assert not opened <= {c.id for c in everything[:cap]}

    got = world.service.map_cases(
        world.planner, community=COMMUNITY, since=since, until=until, limit=cap
    )
    ids = [c.id for c in got.cases]
    assert len(ids) == cap and len(set(ids)) == cap
    assert set(ids[: len(opened)]) == opened  # every open case, first
    assert ids[len(opened) :] == [c.id for c in finished[:40]]  # then the newest finished
    assert (got.open_total, got.finished_total) == (len(opened), len(finished))
    assert (got.open_shown, got.finished_shown) == (len(opened), 40)
    assert all(c.community_code == COMMUNITY for c in got.cases)


def test_open_cases_count_whenever_reported_finished_ones_only_in_the_period(world):
    world.clock.value = END - timedelta(days=100)  # an open case from long before the period
    lon, lat = world.point_in("520103400001001")
    old = world.service.intake(Intake(category="exposed_refuse", lon=lon, lat=lat), world.admin)
    everything = world.service.find(world.admin, community=COMMUNITY, limit=10_000)
    since, until = END - timedelta(days=30), END + timedelta(days=1)
    got = world.service.map_cases(
        world.planner, community=COMMUNITY, since=since, until=until, limit=10_000
    )
    opened = {c.id for c in everything if c.status not in FINAL_STATES}
    recent = {
        c.id
        for c in everything
        if c.status in FINAL_STATES
        and (c.reported_at >= since or (c.closed_at is not None and c.closed_at >= since))
    }
    assert {c.id for c in got.cases} == opened | recent
    assert old.id in opened and old.reported_at < since
    assert got.finished_total == len(recent) < len(everything) - len(opened)


def test_public_only_and_the_viewers_community(world):
    since, until = END - timedelta(days=365), END + timedelta(days=1)
    public = {code for code, c in world.service.categories().items() if c.public}
    shown = world.service.map_cases(
        world.planner,
        community=COMMUNITY,
        since=since,
        until=until,
        limit=10_000,
        public_only=True,
    )
    every = world.service.map_cases(
        world.planner, community=COMMUNITY, since=since, until=until, limit=10_000
    )
    assert shown.cases and all(c.category in public for c in shown.cases)
    assert {c.id for c in shown.cases} == {c.id for c in every.cases if c.category in public}
    assert len(shown.cases) < len(every.cases)
    other = Actor("W520103401001001", "worker", "520103401")
    none = world.service.map_cases(
        other, community=COMMUNITY, since=since, until=until, limit=10_000
    )
    assert (none.cases, none.open_total, none.finished_total) == ([], 0, 0)
    own = Actor("W520103400001001", "worker", COMMUNITY)
    mine = world.service.map_cases(own, community=COMMUNITY, since=since, until=until, limit=10)
    assert len(mine.cases) == 10


def test_more_open_cases_than_the_cap_shows_the_latest_reported_open_ones(world):
    since, until = END - timedelta(days=365), END + timedelta(days=1)
    lon, lat = world.point_in("520103400001001")
    for days in (40, 3, 90, 12):  # more open cases, reported at other times
        world.clock.value = END - timedelta(days=days)
        world.service.intake(Intake(category="exposed_refuse", lon=lon, lat=lat), world.admin)
    everything = world.service.find(world.admin, community=COMMUNITY, limit=10_000)
    opened = sorted(
        (c for c in everything if c.status not in FINAL_STATES),
        key=lambda c: (c.reported_at, c.id),
        reverse=True,
    )
    cap = len(opened) - 2
    got = world.service.map_cases(
        world.planner, community=COMMUNITY, since=since, until=until, limit=cap
    )
    assert [c.id for c in got.cases] == [c.id for c in opened[:cap]]
    assert (got.open_shown, got.open_total, got.finished_shown) == (cap, len(opened), 0)
