"""What anonymous and signed-in readers see of Open311 and the map pages, with public reading
(GRIDMGR_PUBLIC_READ) off and on, on both backends."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

import geopandas as gpd
import pytest
import shapely
from fastapi.testclient import TestClient

from api.anonymous import PLACES, rounded
from api.app import create_app
from api.settings import Settings
from geo import bundled
from geo.cases.categories import read_catalogue
from geo.cases.workflow import Actor

from .conftest import BACKENDS, make_tokens

BASE = "/open311/v2"
GRID = "520103400001001"
COMMUNITY = "520103400"
COMMUNITY_MAP = f"/maps/communities/{COMMUNITY}"
NAME, PHONE = "欧阳小明", "13700001111"
PUBLIC_CODE, PRIVATE_CODE = "overflowing_bin", "elderly_visit"
PUBLIC_NAME, PRIVATE_NAME = "垃圾满溢", "独居老人探访"  # as map tooltips name them
PUBLIC_TEXT = "垃圾桶满了，在三楼门口"
PRIVATE_TEXT = "独居老人李奶奶需要探访"
ADDRESS = "中华北路12号3单元"
PHOTO = "https://photos.example.org/reports/ouyang-door.jpg"


@dataclass
class World:
    client: TestClient
    tokens: dict[str, str]
    lon: float
    lat: float
    public_id: str = ""
    private_id: str = ""
    workers: list[str] = field(default_factory=list)

    @property
    def state(self):  # type: ignore[no-untyped-def]
        return self.client.app.state.gridmgr  # type: ignore[attr-defined]

    def key(self, who: str) -> dict[str, str]:
        return {"api_key": self.tokens[who]}

    def bearer(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def exact(self) -> list[str]:
        """How the exact location is written: in full, and to 6 decimals on maps."""
        out = []
        for v in (self.lat, self.lon):
            out += [repr(v), repr(round(v, 6))]
        return out

    def coarse(self) -> list[str]:
        return [repr(rounded(self.lat)), repr(rounded(self.lon))]


def _point() -> tuple[float, float]:
    """A point inside GRID (lon, lat) whose figures to 6 decimals (as maps draw them) are those
    of no boundary vertex, so that finding them in a page means the case's exact place."""
    grids = gpd.read_file(bundled.BOUNDARIES_DIR / "grids.geojson")
    comms = gpd.read_file(bundled.BOUNDARIES_DIR / "communities.geojson")
    taken = set()
    for geom in [*grids.geometry, *comms.geometry]:
        for x, y in shapely.get_coordinates(geom):
            taken |= {repr(round(float(x), 6)), repr(round(float(y), 6))}
    grid = grids.loc[grids["code"] == GRID].geometry.iloc[0]
    p = grid.representative_point()
    lon, lat = p.x + 0.0000213, p.y + 0.0000171
    while {repr(round(lon, 6)), repr(round(lat, 6))} & taken or (
        round(lon * 1e6) % 10 == 0 or round(lat * 1e6) % 10 == 0  # all six decimals shown
    ):
        lon, lat = lon + 0.0000131, lat + 0.0000117
    assert grid.contains(shapely.Point(lon, lat))
    return lon, lat


@pytest.fixture(scope="module", params=BACKENDS)
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    url = request.getfixturevalue(f"initialised_{request.param}")()
    tokens = make_tokens(url)
    lon, lat = _point()
    app = create_app(Settings(database_url=url, basemap="none"))
    with TestClient(app) as client:
        w = World(client, tokens, lon, lat)
        for code, text in ((PUBLIC_CODE, PUBLIC_TEXT), (PRIVATE_CODE, PRIVATE_TEXT)):
            r = client.post(
                f"{BASE}/requests.json",
                data={
                    **w.key("open311"),
                    "service_code": code,
                    "lat": str(lat),
                    "long": str(lon),
                    "address_string": ADDRESS,
                    "description": text,
                    "first_name": "小明",
                    "last_name": "欧阳",
                    "phone": PHONE,
                    "media_url": PHOTO,
                },
            )
            assert r.status_code == 201, r.text
            rid = r.json()[0]["service_request_id"]
            if code == PUBLIC_CODE:
                w.public_id = rid
            else:
                w.private_id = rid
        w.workers = [x.name for x in w.state.store.workers(community_code=COMMUNITY) if x.name]
        assert w.workers
        yield w


def _public_read(world: World, value: bool) -> Iterator[bool]:
    """Public reading set to ``value`` for one test (the app's settings, restored after)."""
    settings = world.state.settings
    before = settings.public_read
    settings.public_read = value
    yield value
    settings.public_read = before


@pytest.fixture(params=[pytest.param(False, id="private"), pytest.param(True, id="public")])
def mode(world: World, request: pytest.FixtureRequest) -> Iterator[bool]:
    """Public reading off, then on."""
    yield from _public_read(world, request.param)


@pytest.fixture
def off(world: World) -> Iterator[bool]:
    yield from _public_read(world, False)


@pytest.fixture
def on(world: World) -> Iterator[bool]:
    yield from _public_read(world, True)


_CASE_ROW = re.compile(
    r'\[(-?[\d.]+),(-?[\d.]+),"(\w+)",[01],"\\u003cb\\u003e案件 Case #(\d+)\\u003c'
)


def case_rows(html: str) -> dict[str, tuple[float, float]]:
    """The case markers of a community map: case id -> (lat, lon) as drawn."""
    return {m.group(4): (float(m.group(1)), float(m.group(2))) for m in _CASE_ROW.finditer(html)}


def _no_personal_data(w: World, text: str) -> None:
    texts = (PUBLIC_TEXT, PRIVATE_TEXT, ADDRESS, PHOTO)
    for secret in (NAME, "小明", "欧阳", PHONE, "137****1111", *texts):
        assert secret not in text, secret
    for worker in w.workers:
        assert worker not in text, worker
    for exact in w.exact():
        assert exact not in text, exact


# -- the setting ----------------------------------------------------------------------------


def test_public_read_is_off_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRIDMGR_PUBLIC_READ", raising=False)
    assert Settings().public_read is False
    monkeypatch.setenv("GRIDMGR_PUBLIC_READ", "true")
    assert Settings().public_read is True


def test_the_catalogue_marks_people_matters_not_public() -> None:
    cats = {c.code: c for c in read_catalogue()}
    for code in ("exposed_refuse", "overflowing_bin", "streetlight_out", "broken_manhole"):
        assert cats[code].public, code
    for cls in ("dispute", "public_security", "residents_services", "assistance"):
        assert [c for c in cats.values() if c.class_code == cls]
        assert not any(c.public for c in cats.values() if c.class_code == cls), cls
    assert not cats["other"].public


def test_the_stored_catalogue_keeps_the_flag(world: World) -> None:
    stored = world.state.cases.categories()
    assert stored[PUBLIC_CODE].public is True
    assert stored[PRIVATE_CODE].public is False
    assert {c.code: c.public for c in read_catalogue()} == {
        c.code: c.public for c in stored.values()
    }


# -- Open311 --------------------------------------------------------------------------------


def _xml_requests(body: bytes) -> list[dict[str, str | None]]:
    root = ET.fromstring(body)
    assert root.tag == "service_requests"
    return [{e.tag: e.text for e in req} for req in root.findall("request")]


def test_open311_anonymous_reading_needs_a_key_when_off(world: World, off: bool) -> None:
    for path in (
        "requests.json",
        "requests.xml",
        f"requests/{world.public_id}.json",
        f"requests/{world.private_id}.xml",
    ):
        r = world.client.get(f"{BASE}/{path}")
        assert r.status_code == 403, (path, r.text)
        assert "api_key" in r.text
        _no_personal_data(world, r.text)
        assert "service_request_id" not in r.text and "<error>" in r.text or "code" in r.text
    # Services and discovery stay open; they hold no case.
    assert world.client.get(f"{BASE}/services.json").status_code == 200
    assert world.client.get(f"{BASE}/discovery.json").status_code == 200


def test_open311_anonymous_reading_when_on(world: World, on: bool) -> None:
    listed = world.client.get(f"{BASE}/requests.json")
    assert listed.status_code == 200, listed.text
    _no_personal_data(world, listed.text)
    rows = {x["service_request_id"]: x for x in listed.json()}
    assert world.public_id in rows and world.private_id not in rows
    cats = world.state.cases.categories()
    assert all(cats[x["service_code"]].public for x in rows.values())
    mine = rows[world.public_id]
    assert (mine["lat"], mine["long"]) == (rounded(world.lat), rounded(world.lon))
    assert mine["description"] is None and mine["address"] is None
    assert "media_url" in mine and mine["media_url"] is None
    assert mine["service_code"] == PUBLIC_CODE and mine["agency_responsible"]

    xml = world.client.get(f"{BASE}/requests.xml")
    assert xml.status_code == 200
    _no_personal_data(world, xml.text)
    xrows = {x["service_request_id"]: x for x in _xml_requests(xml.content)}
    assert world.public_id in xrows and world.private_id not in xrows
    assert xrows[world.public_id]["lat"] == str(rounded(world.lat))
    assert PRIVATE_CODE not in xml.text

    for fmt in ("json", "xml"):
        one = world.client.get(f"{BASE}/requests/{world.public_id}.{fmt}")
        assert one.status_code == 200 and world.public_id in one.text
        _no_personal_data(world, one.text)
        hidden = world.client.get(f"{BASE}/requests/{world.private_id}.{fmt}")
        assert hidden.status_code == 404
        assert PRIVATE_CODE not in hidden.text
    both = world.client.get(
        f"{BASE}/requests.json",
        params={"service_request_id": f"{world.private_id},{world.public_id}"},
    ).json()
    assert [x["service_request_id"] for x in both] == [world.public_id]
    only_private = world.client.get(
        f"{BASE}/requests.json", params={"service_code": PRIVATE_CODE}
    ).json()
    assert only_private == []


def test_open311_public_pages_hold_only_public_cases(world: World, on: bool) -> None:
    seen: list[str] = []
    r = world.client.get(f"{BASE}/requests.json", params={"page_size": 1})
    for _ in range(50):
        assert r.status_code == 200
        page = r.json()
        assert len(page) <= 1
        seen += [x["service_request_id"] for x in page]
        link = r.headers.get("link")
        if not link:
            break
        r = world.client.get(re.match(r"<([^>]+)>", link).group(1))  # type: ignore[union-attr]
    assert world.public_id in seen and world.private_id not in seen
    assert len(seen) == len(set(seen))


def test_open311_keyed_reading_in_both_modes(world: World, mode: bool) -> None:
    for who in ("dispatcher", "planner", "open311"):
        listed = world.client.get(f"{BASE}/requests.json", params=world.key(who))
        assert listed.status_code == 200, listed.text
        rows = {x["service_request_id"]: x for x in listed.json()}
        assert {world.public_id, world.private_id} <= set(rows), who
        private = rows[world.private_id]
        assert (private["lat"], private["long"]) == (world.lat, world.lon)
        assert private["description"] == PRIVATE_TEXT
        assert private["media_url"] == PHOTO
        xml = world.client.get(f"{BASE}/requests/{world.private_id}.xml", params=world.key(who))
        assert xml.status_code == 200 and PRIVATE_TEXT in xml.text
        assert ET.fromstring(xml.content).find("request/media_url").text == PHOTO
        for text in (listed.text, xml.text):
            for secret in (NAME, "小明", PHONE, "137****1111"):
                assert secret not in text
    # A worker's key reads its own community only; an unknown key is refused.
    other = world.client.get(f"{BASE}/requests.json", params=world.key("other_worker")).json()
    assert world.private_id not in [x["service_request_id"] for x in other]
    bad = world.client.get(f"{BASE}/requests.json", params={"api_key": "gm_nope_nope"})
    assert bad.status_code == 403


# -- map pages ------------------------------------------------------------------------------


def _aggregates(w: World, html: str) -> None:
    assert GRID in html  # the grid layer with its workload figures
    assert "在办 Open" in html or "Open" in html


def test_anonymous_community_map(world: World, mode: bool) -> None:
    r = world.client.get(COMMUNITY_MAP)
    assert r.status_code == 200, r.text[:300]
    html = r.text
    _aggregates(world, html)
    _no_personal_data(world, html)
    assert PRIVATE_CODE not in html and PRIVATE_NAME not in html
    assert "/console/cases/" not in html
    rows = case_rows(html)
    assert world.private_id not in rows
    if mode:  # public cases, rounded
        assert rows[world.public_id] == (rounded(world.lat), rounded(world.lon))
        assert PUBLIC_NAME in html
        cats = world.state.cases.categories()
        for rid in rows:
            case = world.state.cases.get(int(rid), Actor("test", "admin"))
            assert cats[case.category].public
        assert all(round(y, PLACES) == y and round(x, PLACES) == x for y, x in rows.values())
    else:  # aggregates only: no case at all
        assert rows == {} and PUBLIC_CODE not in html and PUBLIC_NAME not in html
        assert "案件 Cases (" not in html


@pytest.mark.parametrize("path", ["/", "/maps/workload", "/maps/coverage?kind=elderly_care"])
def test_anonymous_overview_pages_are_aggregates(world: World, mode: bool, path: str) -> None:
    r = world.client.get(path)
    assert r.status_code == 200
    _no_personal_data(world, r.text)
    assert PRIVATE_CODE not in r.text and PUBLIC_CODE not in r.text
    assert PRIVATE_NAME not in r.text and PUBLIC_NAME not in r.text
    if path == "/":
        assert f'href="maps/communities/{COMMUNITY}"' in r.text and "中华社区" in r.text


def test_signed_in_community_map_with_a_bearer_token(world: World, mode: bool) -> None:
    r = world.client.get(COMMUNITY_MAP, headers=world.bearer("dispatcher"))
    assert r.status_code == 200
    html = r.text
    _aggregates(world, html)
    rows = case_rows(html)
    assert rows[world.private_id] == (round(world.lat, 6), round(world.lon, 6))
    assert world.public_id in rows and PRIVATE_NAME in html
    assert any(name in html for name in world.workers)
    assert f"/console/cases/{world.private_id}" in html
    for secret in (NAME, "小明", PHONE, "137****1111"):  # never the reporter
        assert secret not in html
    # A worker of another community sees no case of this one; a bad token is refused.
    other = world.client.get(COMMUNITY_MAP, headers=world.bearer("other_worker")).text
    assert case_rows(other) == {}
    bad = world.client.get(COMMUNITY_MAP, headers={"Authorization": "Bearer gm_nope_nope"})
    assert bad.status_code == 401


def test_signed_in_community_map_with_the_console_cookie(world: World, mode: bool) -> None:
    client = world.client
    client.cookies.clear()
    form = client.get("/console/login")
    csrf = re.search(r'name="csrf" value="([^"]*)"', form.text)
    assert csrf
    r = client.post(
        "/console/login",
        follow_redirects=False,
        data={"token": world.tokens["dispatcher"], "csrf": csrf.group(1)},
    )
    assert r.status_code == 303, r.text
    try:
        html = client.get(COMMUNITY_MAP).text
        assert world.private_id in case_rows(html) and PRIVATE_NAME in html
        assert any(name in html for name in world.workers)
    finally:
        client.cookies.clear()
    signed_out = client.get(COMMUNITY_MAP).text
    _no_personal_data(world, signed_out)
    assert world.private_id not in case_rows(signed_out)


def test_rounding_is_about_100_m() -> None:
    assert PLACES == 3
    assert rounded(26.5871234) == 26.587 and rounded(None) is None
    # 0.0005 degree (the largest shift rounding makes) of latitude is about 56 m.
    assert json.loads(json.dumps(rounded(106.7123456))) == 106.712
