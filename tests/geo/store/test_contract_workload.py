"""Workload KPIs on a scripted case history with known answers, on every backend."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from geo.analytics.reports import workload_report
from geo.analytics.workload import coefficient_of_variation, gini
from geo.cases.service import Intake
from geo.locate.locator import Locator

CHINA_TIME = ZoneInfo("Asia/Shanghai")  # the district's default zone

GRID = "520103400001001"
OTHER = "520103401001001"


def at(day, hour, minute=0):
    return datetime(2026, 11, day, hour, minute, tzinfo=CHINA_TIME)


@pytest.fixture
def history(make_world):
    w = make_world(start=at(2, 9))
    s, d, worker = w.service, w.dispatcher, w.worker(GRID)

    def file(grid, category, when):
        w.clock.value = when
        lon, lat = w.point_in(grid)
        return s.intake(Intake(category=category, lon=lon, lat=lat), d)

    def step(case, action, actor, when, **kw):
        w.clock.value = when
        return s.act(case.id, action, actor, version=case.version, **kw)

    a = file(GRID, "exposed_refuse", at(2, 9))  # closed on time, 2 working hours
    a = step(a, "register", d, at(2, 9))
    a = step(a, "dispatch", d, at(2, 9))
    a = step(a, "handle", worker, at(2, 10), note="ok")
    step(a, "verify", d, at(2, 11))
    b = file(GRID, "exposed_refuse", at(2, 9))  # due Mon 15:00, still open: overdue
    b = step(b, "register", d, at(2, 9))
    step(b, "dispatch", d, at(2, 9))
    c = file(GRID, "street_vending", at(2, 10))  # returned, reworked, closed late
    c = step(c, "register", d, at(2, 10))
    c = step(c, "dispatch", d, at(2, 10, 10))
    c = step(c, "return", worker, at(2, 10, 30), note="不是我的")
    c = step(c, "dispatch", d, at(2, 10, 40), assignee_id=worker.id)
    c = step(c, "handle", worker, at(2, 11), note="ok")
    c = step(c, "rework", d, at(2, 11, 10), note="未完成")
    c = step(c, "handle", worker, at(2, 11, 20), note="ok")
    step(c, "verify", d, at(3, 16))  # 11 working hours after Mon 10:00
    e = file(GRID, "exposed_refuse", at(3, 9))
    step(e, "reject", d, at(3, 9, 5), note="重复")
    x = file(OTHER, "illegal_dumping", at(3, 9))  # 1 working day: due Wed 09:00
    step(x, "register", d, at(3, 9))
    w.clock.value = at(3, 17)
    return w


def report(w, level, since=None, until=None, **kw):
    return workload_report(
        w.service.store,
        Locator(w.service.store),
        level=level,
        since=since or at(2, 0),
        until=until or at(4, 0),
        now=w.clock.value,
        tz=CHINA_TIME,
        **kw,
    )


def row(rep, code):
    return next(r for r in rep["rows"] if r["code"] == code)


def test_community_kpis(history):
    rep = report(history, "community")
    assert len(rep["rows"]) == 2 and rep["from"].endswith("+08:00")
    r = row(rep, "520103400")
    assert (r["received"], r["open"], r["closed"], r["closed_on_time"], r["overdue"]) == (
        4,
        1,
        2,
        1,
        1,
    )
    assert r["on_time_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert (r["returned"], r["reworked"]) == (1, 1)
    assert r["handling_hours_p50"] == pytest.approx(6.5)
    assert r["handling_hours_p90"] == pytest.approx(10.1)
    comms = {c.code: c for c in history.service.store.communities(1)}
    assert r["per_1000_residents"] == pytest.approx(4000 / comms["520103400"].population, abs=1e-4)
    staff = [x for x in history.service.store.workers() if x.community_code == "520103400"]
    assert r["open_per_worker"] == pytest.approx(1 / len(staff), abs=1e-4)
    other = row(rep, "520103401")
    assert (other["received"], other["open"], other["overdue"]) == (1, 1, 0)
    assert other["on_time_rate"] is None
    values = [x["open_per_worker"] for x in rep["rows"]]
    assert rep["imbalance"] == {
        "cv": pytest.approx(coefficient_of_variation(values), abs=1e-4),
        "gini": pytest.approx(gini(values), abs=1e-4),
    }


def test_grid_and_worker_levels(history):
    g = row(report(history, "grid"), GRID)
    assert (g["received"], g["closed"], g["overdue"]) == (4, 2, 1)
    assert g["open_per_worker"] == 1.0  # one worker has this grid as home
    wk = row(report(history, "worker"), "W" + GRID)
    assert (wk["received"], wk["open"], wk["closed"]) == (3, 1, 2)


def test_period_and_class_filters(history):
    tue = row(report(history, "community", since=at(3, 0)), "520103400")
    assert (tue["received"], tue["closed"], tue["returned"], tue["reworked"]) == (1, 1, 0, 0)
    assert tue["handling_hours_p50"] == pytest.approx(11.0)
    street = row(report(history, "community", category_class="street_order"), "520103400")
    assert (street["received"], street["closed"], street["closed_on_time"]) == (1, 1, 0)


def test_gini_and_cv_by_hand():
    assert gini([1, 1, 1]) == 0.0
    assert gini([0, 0, 3]) == pytest.approx(2 / 3)
    assert coefficient_of_variation([2, 4]) == pytest.approx(1 / 3)
    assert coefficient_of_variation([]) is None


@pytest.mark.parametrize("level", ["community", "grid", "worker"])
def test_one_community_counts_as_the_district_does(history, level):
    store = history.service.store
    district = report(history, level)["rows"]
    for code in ("520103400", "520103401"):
        rows = report(history, level, community=code)["rows"]
        if level == "community":
            mine = {code}
        elif level == "grid":
            mine = {g.code for g in store.grids(1) if g.community_code == code}
        else:
            mine = {w.id for w in store.workers(community_code=code)}
        assert mine and {r["code"] for r in rows} == mine
        expected = {r["code"]: r for r in district if r["code"] in mine}
        for r in rows:  # every counter as the district's report has it, except the spread
            assert r == expected[r["code"]]
    busy = report(history, level, community="520103400")["rows"]
    received = 3 if level == "worker" else 4  # the rejected case was never assigned
    assert sum(r["received"] for r in busy) == received
    assert sum(r["reworked"] for r in busy) == 1
