"""A district in another time zone (GRIDMGR_TIME_ZONE=Asia/Urumqi, +06:00, no daylight saving):
case times in the API's JSON and Open311, bare dates in OGC and Open311 filters, workload
periods and deadlines all follow it, on both backends."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import geopandas as gpd
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from geo import bundled
from tests.api.conftest import BACKENDS, make_tokens

ZONE = "Asia/Urumqi"
URUMQI = ZoneInfo(ZONE)
GRID = "520103400001001"
# Monday 2 November 2026, a working day: 16:00 in Urumqi is 18:00 in Shanghai (after hours there).
MONDAY_1600 = datetime(2026, 11, 2, 16, 0, tzinfo=URUMQI)
# 23:30 on 2 November in Urumqi is already 01:30 on 3 November in Shanghai.
LATE_EVENING = datetime(2026, 11, 2, 23, 30, tzinfo=URUMQI)


@dataclass
class District:
    client: TestClient
    tokens: dict[str, str]

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    @property
    def state(self):
        return self.client.app.state.gridmgr

    def file(self, monkeypatch, at: datetime, category: str = "exposed_refuse") -> dict:
        """File a case through POST /cases with the service's clock at ``at``."""
        monkeypatch.setattr(self.state.cases, "now", lambda: at)
        body = {"category": category, "lon": POINT[0], "lat": POINT[1], "description": "垃圾"}
        r = self.client.post("/cases", json=body, headers=self.auth("dispatcher"))
        assert r.status_code == 201, r.text
        return r.json() | {"etag": r.headers["etag"]}


def _point() -> tuple[float, float]:
    grids = gpd.read_file(bundled.BOUNDARIES_DIR / "grids.geojson")
    p = grids.loc[grids["code"] == GRID].geometry.iloc[0].representative_point()
    return p.x, p.y


POINT = _point()


@pytest.fixture(scope="module", params=BACKENDS)
def district(request):
    url = request.getfixturevalue(f"initialised_{request.param}")()
    tokens = make_tokens(url)
    with TestClient(create_app(Settings(database_url=url, time_zone=ZONE))) as client:
        yield District(client, tokens)


def test_the_app_holds_the_configured_zone(district):
    assert district.state.tz == URUMQI
    assert district.state.cases.calendar.tz == URUMQI


def test_case_times_and_the_deadline_follow_the_zone(district, monkeypatch):
    case = district.file(monkeypatch, MONDAY_1600)
    assert case["reported_at"] == "2026-11-02T16:00:00+06:00"
    r = district.client.post(
        f"/cases/{case['id']}/actions/register",
        headers={**district.auth("dispatcher"), "If-Match": case["etag"]},
    )
    assert r.status_code == 200, r.text
    # 4 working hours from 16:00 on Urumqi's wall clock: 1.5 h that day, 2.5 h from 08:30 the
    # next (in Shanghai's hours it would be 12:30 +06:00, as 18:00 there is after hours).
    assert r.json()["due_at"] == "2026-11-03T11:00:00+06:00"
    got = district.client.get(f"/cases/{case['id']}", headers=district.auth("planner")).json()
    assert (got["reported_at"], got["due_at"]) == (
        "2026-11-02T16:00:00+06:00",
        "2026-11-03T11:00:00+06:00",
    )
    events = district.client.get(
        f"/cases/{case['id']}/events", headers=district.auth("planner")
    ).json()
    assert [e["at"] for e in events] == ["2026-11-02T16:00:00+06:00"] * 2


def test_open311_request_times_follow_the_zone(district, monkeypatch):
    case = district.file(monkeypatch, MONDAY_1600)
    key = {"api_key": district.tokens["open311"]}  # reading needs a key (public reading off)
    r = district.client.get(f"/open311/v2/requests/{case['id']}.json", params=key)
    assert r.status_code == 200, r.text
    (request,) = r.json()
    assert request["requested_datetime"] == "2026-11-02T16:00:00+06:00"
    assert request["updated_datetime"] == "2026-11-02T16:00:00+06:00"
    xml = district.client.get(f"/open311/v2/requests/{case['id']}.xml", params=key).text
    assert "<requested_datetime>2026-11-02T16:00:00+06:00</requested_datetime>" in xml


def test_open311_bare_dates_and_times_are_local(district, monkeypatch):
    rid = str(district.file(monkeypatch, LATE_EVENING)["id"])

    def ids(**params) -> list[str]:
        params["api_key"] = district.tokens["open311"]  # reading needs a key
        r = district.client.get("/open311/v2/requests.json", params=params)
        assert r.status_code == 200, r.text
        return [x["service_request_id"] for x in r.json()]

    # 2 November in Urumqi runs from 2026-11-01T18:00Z to 2026-11-02T18:00Z.
    assert rid in ids(start_date="2026-11-02", end_date="2026-11-02")
    assert rid not in ids(start_date="2026-11-03", end_date="2026-11-03")
    assert rid not in ids(start_date="2026-10-20", end_date="2026-11-01")
    # A time without an offset is Urumqi's wall clock too.
    assert rid in ids(start_date="2026-11-02T23:00:00", end_date="2026-11-02T23:45:00")
    assert rid not in ids(start_date="2026-11-02T23:45:00", end_date="2026-11-03")
    # An explicit offset still wins.
    assert rid in ids(start_date="2026-11-03T00:00:00+08:00", end_date="2026-11-03T02:00:00+08:00")


def test_ogc_bare_dates_are_local_days(district, monkeypatch):
    case_id = district.file(monkeypatch, LATE_EVENING)["id"]

    def ids(when: str) -> list[int]:
        r = district.client.get(
            "/ogc/collections/cases/items",
            params={"datetime": when, "limit": 1000},
            headers=district.auth("dispatcher"),
        )
        assert r.status_code == 200, r.text
        return [f["id"] for f in r.json()["features"]]

    assert case_id in ids("2026-11-02")
    assert case_id not in ids("2026-11-03")
    assert case_id in ids("2026-11-01/2026-11-02")
    assert case_id not in ids("2026-11-03/..")
    assert case_id in ids("2026-11-02T17:00:00Z/2026-11-02T18:00:00Z")  # 23:30 +06:00
    r = district.client.get(
        f"/ogc/collections/cases/items/{case_id}", headers=district.auth("dispatcher")
    )
    assert r.json()["properties"]["reported_at"] == "2026-11-02T23:30:00+06:00"


def test_workload_periods_are_shown_in_the_zone(district):
    since = datetime(2026, 11, 1, tzinfo=UTC)
    r = district.client.get(
        "/stats/workload",
        params={"from": since.isoformat(), "to": (since + timedelta(days=7)).isoformat()},
        headers=district.auth("planner"),
    )
    assert r.status_code == 200, r.text
    assert (r.json()["from"], r.json()["to"]) == (
        "2026-11-01T06:00:00+06:00",
        "2026-11-08T06:00:00+06:00",
    )


def test_the_command_line_reads_and_shows_local_times(initialised_duckdb):
    from click.testing import CliRunner

    from api.cli import main

    env = {"GRIDMGR_DATABASE_URL": initialised_duckdb(), "GRIDMGR_TIME_ZONE": "Europe/Berlin"}

    def run(*args: str):
        result = CliRunner().invoke(main, list(args), env=env)
        assert result.exit_code == 0, result.output
        return result.output

    # A time without an offset is Berlin's wall clock (CET, +01:00 in January).
    run("boundaries", "activate", "1", "--at", "2026-01-05T10:00")
    (generation,) = json.loads(run("boundaries", "list", "--json"))
    activations = [datetime.fromisoformat(a) for a in generation["activations"]]
    assert datetime(2026, 1, 5, 9, 0, tzinfo=UTC) in activations
    # The table shows times on Berlin's wall clock, and says so.
    created = datetime.fromisoformat(generation["created_at"])
    shown = created.astimezone(ZoneInfo("Europe/Berlin")).strftime("%Y-%m-%d %H:%M")
    assert shown != created.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    header, row = run("boundaries", "list").splitlines()
    assert "created (Europe/Berlin)" in header and shown in row


def test_an_unknown_zone_stops_the_command_line_with_a_clear_message(initialised_duckdb):
    from click.testing import CliRunner

    from api.cli import main

    env = {"GRIDMGR_DATABASE_URL": initialised_duckdb(), "GRIDMGR_TIME_ZONE": "Mars/Olympus"}
    result = CliRunner().invoke(main, ["boundaries", "list"], env=env)
    assert result.exit_code == 2
    assert "GRIDMGR_TIME_ZONE 'Mars/Olympus' is not a known IANA time zone" in result.output
