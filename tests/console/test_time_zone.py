"""The console shows times on the district's wall clock (GRIDMGR_TIME_ZONE), here Asia/Urumqi
(+06:00), and its deadlines follow the working calendar in that zone."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.console.render import when
from api.settings import Settings
from tests.console.conftest import Console, add_people

URUMQI = ZoneInfo("Asia/Urumqi")
MONDAY_1600 = datetime(2026, 11, 2, 16, 0, tzinfo=URUMQI)  # 18:00 in Shanghai


@pytest.fixture(scope="module")
def console(initialised_duckdb):
    app = create_app(
        Settings(database_url=initialised_duckdb(), basemap="none", time_zone="Asia/Urumqi")
    )
    with TestClient(app) as client:
        yield Console(client, app, add_people(app.state.gridmgr.store))


def test_when_shows_a_time_on_the_wall_clock_of_a_zone():
    instant = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    assert when(instant, URUMQI) == "2026-11-02 16:00"
    assert when(instant, ZoneInfo("Asia/Shanghai")) == "2026-11-02 18:00"
    assert when(None, URUMQI) == "—"


def test_case_page_times_and_deadline_are_local(console, monkeypatch):
    monkeypatch.setattr(console.state.cases, "now", lambda: MONDAY_1600)
    csrf = console.sign_in("dispatcher")
    case_id = console.file(csrf)  # exposed_refuse: 4 working hours
    assert console.act(csrf, case_id, "register", 1).status_code == 303
    page = console.client.get(f"/console/cases/{case_id}").text
    assert re.search(r"上报时间 <small>Reported</small></dt><dd>2026-11-02 16:00</dd>", page)
    assert re.search(r"立案时间 <small>Registered</small></dt><dd>2026-11-02 16:00</dd>", page)
    # 1.5 working hours on Monday afternoon in Urumqi, 2.5 from 08:30 on Tuesday.
    assert '<dd id="due">2026-11-03 11:00</dd>' in page
    assert "· 2026-11-02 16:00 ·" in page  # the audit trail
    assert "2026-11-02 18:00" not in page  # nothing on Shanghai's clock
    queue = console.client.get("/console/queue?status=registered").text
    card = queue[queue.index(f'id="case-{case_id}"') :]
    assert "上报 2026-11-02 16:00" in card and "期限 2026-11-03 11:00" in card
