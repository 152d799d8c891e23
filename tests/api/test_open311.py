"""Open311 GeoReport v2 under /open311/v2, on both backends."""

from __future__ import annotations

import json
from dataclasses import dataclass
from xml.etree import ElementTree as ET

import geopandas as gpd
import httpx
import pytest
from fastapi.testclient import TestClient

from geo import bundled

GRID = "520103400001001"  # its worker, W520103400001001, holds the conftest worker token
COMMUNITY = "520103400"
SPEC = "http://wiki.open311.org/GeoReport_v2"
BASE = "/open311/v2"
PHONE = "13912345678"
EMAIL = "reporter@example.org"


@dataclass
class Open311:
    client: TestClient
    tokens: dict[str, str]

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def post(self, **fields):
        return self.client.post(f"{BASE}/requests.json", data=fields)

    def request(self, rid: str, **params) -> dict:
        r = self.client.get(f"{BASE}/requests/{rid}.json", params=params)
        assert r.status_code == 200, r.text
        body = r.json()
        assert isinstance(body, list) and len(body) == 1
        return body[0]


@pytest.fixture(scope="module")
def o311(api):
    # Reading requests needs a key while public reading (GRIDMGR_PUBLIC_READ) is off, the
    # default: every call of this module sends an open311 key unless it names another one.
    # What anonymous readers see is tested in test_anonymous.py.
    def with_key(request: httpx.Request) -> None:
        if request.method == "GET" and "api_key" not in request.url.params:
            request.url = request.url.copy_add_param("api_key", api.tokens["open311"])

    api.client.event_hooks = {"request": [with_key]}
    return Open311(api.client, api.tokens)


@pytest.fixture(scope="module")
def point():
    grids = gpd.read_file(bundled.BOUNDARIES_DIR / "grids.geojson")
    p = grids.loc[grids["code"] == GRID].geometry.iloc[0].representative_point()
    return p.x, p.y


def report(o311, point, **extra):
    fields = {
        "api_key": o311.tokens["open311"],
        "service_code": "exposed_refuse",
        "lat": point[1],
        "long": point[0],
        "description": "路边垃圾堆放",
        "first_name": "三丰",
        "last_name": "张",
        "phone": PHONE,
        "email": EMAIL,
        "device_id": "dev-1",
        **extra,
    }
    fields = {k: v for k, v in fields.items() if v is not None}
    r = o311.post(**fields)
    assert r.status_code == 201, r.text
    body = r.json()
    assert isinstance(body, list) and len(body) == 1
    return body[0]


def act(o311, case_id, action, who, **body):
    etag = o311.client.get(f"/cases/{case_id}", headers=o311.auth("dispatcher")).headers["etag"]
    r = o311.client.post(
        f"/cases/{case_id}/actions/{action}",
        json=body or None,
        headers={**o311.auth(who), "If-Match": etag},
    )
    assert r.status_code == 200, r.text
    return r.json()


def assert_spec_error(r, status: int) -> str:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert isinstance(body, list) and len(body) == 1
    assert body[0]["code"] == status and body[0]["description"]
    return body[0]["description"]


# -- discovery and services ---------------------------------------------------------------


def test_discovery(o311):
    r = o311.client.get(f"{BASE}/discovery.json")
    assert r.status_code == 200
    body = r.json()
    assert {"changeset", "contact", "key_service", "endpoints"} <= set(body)
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == SPEC
    assert endpoint["url"].endswith(BASE) and endpoint["type"] == "production"
    assert {"application/json", "text/xml"} <= set(endpoint["formats"])
    assert body["contact"] == "云岩区 网格化管理 / Yunyan District, Guiyang grid management"
    xml = ET.fromstring(o311.client.get(f"{BASE}/discovery.xml").content)
    assert xml.tag == "discovery"
    assert xml.find("endpoints/endpoint/specification").text == SPEC
    assert [f.text for f in xml.findall("endpoints/endpoint/formats/format")] == endpoint["formats"]


def test_discovery_names_the_configured_district():
    from api.open311_format import discovery

    doc = discovery("https://x/open311/v2", "c", district="武侯区", district_en="Wuhou District")
    assert doc["contact"] == "武侯区 网格化管理 / Wuhou District grid management"


def test_services_follow_the_catalogue(o311):
    cats = o311.client.get("/categories", headers=o311.auth("planner")).json()
    r = o311.client.get(f"{BASE}/services.json")
    assert r.status_code == 200
    services = r.json()
    assert len(services) == len(cats)
    assert [s["service_code"] for s in services] == [c["code"] for c in cats]
    refuse = next(s for s in services if s["service_code"] == "exposed_refuse")
    assert refuse["service_name"] == "暴露垃圾" and refuse["group"] == "市容环境"
    assert "Exposed refuse" in refuse["description"]
    assert refuse["metadata"] is False and refuse["type"] == "realtime"
    assert isinstance(refuse["keywords"], str) and "City appearance" in refuse["keywords"]


def test_services_xml_parses(o311):
    r = o311.client.get(f"{BASE}/services.xml")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/xml")
    root = ET.fromstring(r.content)
    assert root.tag == "services"
    items = root.findall("service")
    assert len(items) == len(o311.client.get(f"{BASE}/services.json").json())
    first = items[0]
    assert first.find("service_code").text and first.find("metadata").text == "false"
    assert first.find("group").text


def test_service_definition_and_unknown_service(o311):
    r = o311.client.get(f"{BASE}/services/exposed_refuse.json")
    assert r.status_code == 200
    assert r.json() == {"service_code": "exposed_refuse", "attributes": []}
    xml = ET.fromstring(o311.client.get(f"{BASE}/services/exposed_refuse.xml").content)
    assert xml.tag == "service_definition" and xml.find("attributes") is not None
    assert_spec_error(o311.client.get(f"{BASE}/services/no_such_thing.json"), 404)
    r = o311.client.get(f"{BASE}/services/no_such_thing.xml")
    assert r.status_code == 404
    err = ET.fromstring(r.content)
    assert err.tag == "errors" and err.find("error/code").text == "404"


def test_unknown_endpoint_format_and_tokens_are_404(o311):
    assert_spec_error(o311.client.get(f"{BASE}/services.csv"), 404)
    assert_spec_error(o311.client.get(f"{BASE}/nothing-here.json"), 404)
    assert "not used" in assert_spec_error(o311.client.get(f"{BASE}/tokens/abc123.json"), 404)
    assert_spec_error(o311.client.get(f"{BASE}/requests/999999.json"), 404)
    assert_spec_error(o311.client.get(f"{BASE}/requests/abc.json"), 404)
    assert "POST" in assert_spec_error(o311.client.post(f"{BASE}/services.json"), 404)


def test_native_api_keeps_problem_json(o311):
    r = o311.client.get("/cases/999999", headers=o311.auth("dispatcher"))
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")


# -- the round trip -----------------------------------------------------------------------


def test_round_trip_from_report_to_closed(o311, point):
    created = report(o311, point)
    rid = created["service_request_id"]
    assert rid.isdigit() and created["account_id"] is None and created["service_notice"]
    community = o311.client.get(f"/communities/{COMMUNITY}", headers=o311.auth("planner"))
    name = community.json()["properties"]["name"]
    assert name == "中华社区"

    got = o311.request(rid)
    assert got["status"] == "open" and got["status_notes"] == "已上报"
    assert got["service_code"] == "exposed_refuse" and got["service_name"] == "暴露垃圾"
    assert got["agency_responsible"] == name
    assert got["expected_datetime"] is None
    assert got["requested_datetime"].endswith("+08:00")
    assert got["lat"] == pytest.approx(point[1]) and got["long"] == pytest.approx(point[0])
    assert got["description"] == "路边垃圾堆放"
    assert "4 个工作小时" in got["service_notice"]

    case = o311.client.get(f"/cases/{rid}", headers=o311.auth("dispatcher")).json()
    assert case["source"] == "open311" and case["grid_code"] == GRID
    revealed = o311.client.post(f"/cases/{rid}/reveal", headers=o311.auth("dispatcher"))
    assert revealed.json() == {"name": "张三丰", "phone": PHONE}

    registered = act(o311, rid, "register", "dispatcher")
    got = o311.request(rid)
    assert got["status"] == "open" and got["status_notes"] == "已立案"
    assert got["expected_datetime"] == registered["due_at"] is not None

    dispatched = act(o311, rid, "dispatch", "dispatcher")
    assert dispatched["assignee"]["id"] == "W" + GRID
    assert o311.request(rid)["status_notes"] == "已派遣"
    act(o311, rid, "handle", "worker", note="已清理")
    assert o311.request(rid)["status"] == "open"
    act(o311, rid, "verify", "dispatcher")
    got = o311.request(rid)
    assert got["status"] == "closed" and got["status_notes"] == "已结案"
    assert "finished" in got["service_notice"]
    events = o311.client.get(f"/cases/{rid}/events", headers=o311.auth("planner")).json()
    assert got["updated_datetime"] == events[-1]["at"]
    listed = o311.client.get(f"{BASE}/requests.json", params={"service_request_id": rid}).json()
    assert listed[0]["status"] == "closed" and listed[0]["updated_datetime"] == events[-1]["at"]


def test_post_answers_location_and_replays_idempotency_key(o311, point):
    fields = {
        "api_key": o311.tokens["open311"],
        "service_code": "unclean_road",
        "lat": point[1],
        "long": point[0],
    }
    headers = {"Idempotency-Key": "o311-retry-1"}
    first = o311.client.post(f"{BASE}/requests.json", data=fields, headers=headers)
    again = o311.client.post(f"{BASE}/requests.json", data=fields, headers=headers)
    assert first.status_code == again.status_code == 201
    rid = first.json()[0]["service_request_id"]
    assert again.json()[0]["service_request_id"] == rid
    assert again.headers["idempotent-replayed"] == "true"
    assert first.headers["location"].endswith(f"{BASE}/requests/{rid}.json")
    other = o311.client.post(
        f"{BASE}/requests.json", data={**fields, "description": "x"}, headers=headers
    )
    assert_spec_error(other, 422)


@pytest.mark.parametrize("who", ["dispatcher", "admin"])
def test_supervisor_keys_may_post(o311, point, who):
    assert report(o311, point, api_key=o311.tokens[who])["service_request_id"]


# -- refusals -----------------------------------------------------------------------------


@pytest.mark.parametrize("key", [None, "", "gm_nope_nope", "planner", "worker"])
def test_post_without_a_valid_posting_key_is_403(o311, point, key):
    fields = {"service_code": "exposed_refuse", "lat": point[1], "long": point[0]}
    if key is not None:
        fields["api_key"] = o311.tokens.get(key, key)
    assert_spec_error(o311.post(**fields), 403)


@pytest.mark.parametrize(
    "fields",
    [
        {"lat": "95"},
        {"lat": "abc"},
        {"long": "200"},
        {"lat": "nan"},
        {"long": None},
    ],
)
def test_bad_coordinates_are_400(o311, point, fields):
    base = {
        "api_key": o311.tokens["open311"],
        "service_code": "exposed_refuse",
        "lat": str(point[1]),
        "long": str(point[0]),
        **fields,
    }
    assert_spec_error(o311.post(**{k: v for k, v in base.items() if v is not None}), 400)


def test_missing_or_unknown_service_code_and_no_location_are_400(o311, point):
    key = o311.tokens["open311"]
    where = {"lat": point[1], "long": point[0]}
    assert "service_code" in assert_spec_error(o311.post(api_key=key, **where), 400)
    assert "service_code" in assert_spec_error(
        o311.post(api_key=key, service_code="no_such_thing", **where), 400
    )
    assert "location" in assert_spec_error(
        o311.post(api_key=key, service_code="exposed_refuse"), 400
    )


def test_description_limit(o311, point):
    too_long = {
        "api_key": o311.tokens["open311"],
        "service_code": "exposed_refuse",
        "lat": point[1],
        "long": point[0],
        "description": "垃" * 4001,
    }
    assert "description" in assert_spec_error(o311.post(**too_long), 400)
    assert report(o311, point, description="垃" * 4000)["service_request_id"]


def test_json_body_is_400(o311, point):
    r = o311.client.post(
        f"{BASE}/requests.json",
        json={
            "api_key": o311.tokens["open311"],
            "service_code": "exposed_refuse",
            "lat": point[1],
            "long": point[0],
        },
    )
    assert_spec_error(r, 400)


def test_errors_follow_the_xml_extension(o311):
    r = o311.client.post(f"{BASE}/requests.xml", data={"service_code": "exposed_refuse"})
    assert r.status_code == 403 and r.headers["content-type"].startswith("text/xml")
    assert ET.fromstring(r.content).find("error/code").text == "403"


def test_address_only_waits_for_a_location(o311):
    made = report(o311, (None, None), lat=None, long=None, address_string="云岩区中华北路1号")
    assert "待调度员" in made["service_notice"]
    got = o311.request(made["service_request_id"])
    assert got["address"] == "云岩区中华北路1号" and got["lat"] is None and got["long"] is None
    assert got["agency_responsible"] == "云岩区" and got["status"] == "open"
    case = o311.client.get(
        f"/cases/{made['service_request_id']}", headers=o311.auth("dispatcher")
    ).json()
    assert case["flags"]["needs_location"] is True

    by_id = report(o311, (None, None), lat=None, long=None, address_id="A-42")
    assert "A-42" in o311.request(by_id["service_request_id"])["address"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_point_outside_every_grid_is_refused_and_not_stored(o311, point, fmt):
    newest = o311.client.get(f"{BASE}/requests.json", params={"page_size": 1}).json()
    r = o311.client.post(
        f"{BASE}/requests.{fmt}",
        data={
            "api_key": o311.tokens["open311"],
            "service_code": "exposed_refuse",
            "lat": "26.0",
            "long": "106.0",
            "description": "far away",
        },
    )
    assert r.status_code == 400, r.text
    if fmt == "json":
        assert "outside the service area" in assert_spec_error(r, 400)
    else:
        assert r.headers["content-type"].startswith("text/xml")
        error = ET.fromstring(r.content).find("error")
        assert error.find("code").text == "400"
        assert "outside the service area" in error.find("description").text
    after = o311.client.get(f"{BASE}/requests.json", params={"page_size": 1}).json()
    assert after == newest  # nothing was filed
    # a point inside a grid is still filed as before
    assert report(o311, point)["service_request_id"]


# -- reading lists ------------------------------------------------------------------------


def test_list_filters(o311, point):
    a = report(o311, point)["service_request_id"]
    b = report(o311, point, service_code="overflowing_bin")["service_request_id"]
    c = report(o311, point)["service_request_id"]
    act(o311, c, "reject", "dispatcher", note="重复上报")

    def ids(**params) -> list[str]:
        r = o311.client.get(f"{BASE}/requests.json", params=params)
        assert r.status_code == 200, r.text
        return [x["service_request_id"] for x in r.json()]

    everything = ids()
    assert {a, b, c} <= set(everything)
    assert everything[:3] == [c, b, a]  # newest first
    assert everything == sorted(everything, key=int, reverse=True)
    closed = ids(status="closed")
    assert c in closed and a not in closed and b not in closed
    opened = ids(status="open")
    assert {a, b} <= set(opened) and c not in opened
    assert set(ids(status="open,closed")) == set(everything)
    bins = ids(service_code="overflowing_bin")
    assert b in bins and a not in bins
    assert set(ids(service_code="overflowing_bin,exposed_refuse", status="open")) >= {a, b}
    assert ids(service_code="no_such_thing") == []
    assert ids(service_request_id=f"{a},{c},999999,x") == [a, c]
    assert ids(service_request_id=a, status="closed") == [a]  # the id list overrides

    r = o311.client.get(f"{BASE}/requests.json", params={"status": "pending"})
    assert_spec_error(r, 400)


def test_list_dates_window_and_paging(o311, point):
    rid = report(o311, point)["service_request_id"]
    today = o311.request(rid)["requested_datetime"][:10]

    def ids(**params) -> list[str]:
        r = o311.client.get(f"{BASE}/requests.json", params=params)
        assert r.status_code == 200, r.text
        return [x["service_request_id"] for x in r.json()]

    assert rid in ids(start_date=today)
    assert rid in ids(end_date=today)
    assert rid in ids(start_date=f"{today}T00:00:00+08:00", end_date=f"{today}T23:59:59+08:00")
    assert rid not in ids(start_date="2020-01-01", end_date="2020-01-31")
    for params in (
        {"start_date": "2020-01-01", "end_date": "2020-06-01"},
        {"start_date": "yesterday"},
        {"end_date": "2020-01-01", "start_date": "2020-02-01"},
        {"page_size": "many"},
    ):
        assert_spec_error(o311.client.get(f"{BASE}/requests.json", params=params), 400)

    everything = ids()
    assert everything[0] == rid  # the newest first
    first = o311.client.get(f"{BASE}/requests.json", params={"page_size": 2})
    assert [x["service_request_id"] for x in first.json()] == everything[:2]
    link = first.headers["link"]
    assert link.endswith('rel="next"') and f"before={everything[1]}" in link
    nxt = link[link.index("<") + 1 : link.index(">")]
    assert [x["service_request_id"] for x in o311.client.get(nxt).json()] == everything[2:4]
    assert "link" not in o311.client.get(f"{BASE}/requests.json").headers
    assert ids(before=everything[-1]) == []

    # after= keeps id order from the request after that id, and pages with after=
    oldest = sorted(everything, key=int)
    assert ids(after=0) == oldest
    assert ids(after=oldest[1]) == oldest[2:]
    page = o311.client.get(f"{BASE}/requests.json", params={"after": 0, "page_size": 2})
    assert [x["service_request_id"] for x in page.json()] == oldest[:2]
    assert f"after={oldest[1]}" in page.headers["link"]

    both = {"before": everything[0], "after": 0}
    assert "not both" in assert_spec_error(
        o311.client.get(f"{BASE}/requests.json", params=both), 400
    )
    r = o311.client.get(f"{BASE}/requests.xml", params=both)
    assert r.status_code == 400 and ET.fromstring(r.content).find("error/code").text == "400"
    assert_spec_error(o311.client.get(f"{BASE}/requests.json", params={"before": "x"}), 400)


def test_get_keys_are_checked(o311, point):
    rid = report(o311, point)["service_request_id"]
    assert o311.request(rid, api_key=o311.tokens["planner"])["service_request_id"] == rid
    assert_spec_error(
        o311.client.get(f"{BASE}/requests/{rid}.json", params={"api_key": "gm_nope_nope"}), 403
    )
    # A worker's key reads only the worker's own community.
    assert o311.request(rid, api_key=o311.tokens["worker"])["service_request_id"] == rid
    assert_spec_error(
        o311.client.get(
            f"{BASE}/requests/{rid}.json", params={"api_key": o311.tokens["other_worker"]}
        ),
        404,
    )
    listed = o311.client.get(
        f"{BASE}/requests.json", params={"api_key": o311.tokens["other_worker"]}
    ).json()
    assert rid not in [x["service_request_id"] for x in listed]


def test_requests_xml(o311, point):
    rid = report(o311, point, description="a < b & c \x01")["service_request_id"]
    r = o311.client.get(f"{BASE}/requests/{rid}.xml")
    assert r.status_code == 200
    root = ET.fromstring(r.content)
    assert root.tag == "service_requests"
    req = root.find("request")
    assert req.find("service_request_id").text == rid
    assert req.find("description").text == "a < b & c "
    assert req.find("status").text == "open" and req.find("zipcode").text is None
    listed = ET.fromstring(o311.client.get(f"{BASE}/requests.xml").content)
    assert rid in [x.find("service_request_id").text for x in listed.findall("request")]


def test_no_personal_data_in_any_get(o311, point):
    rid = report(o311, point, first_name="小明", last_name="欧阳", phone="13700001111")[
        "service_request_id"
    ]
    texts = [
        o311.client.get(f"{BASE}/requests.json").text,
        o311.client.get(f"{BASE}/requests.xml").text,
        o311.client.get(f"{BASE}/requests/{rid}.json").text,
        o311.client.get(
            f"{BASE}/requests/{rid}.json", params={"api_key": o311.tokens["dispatcher"]}
        ).text,
        o311.client.get(f"{BASE}/requests.json", params={"service_request_id": rid}).text,
    ]
    for text in texts:
        assert rid in text
        for secret in (
            "13700001111",
            PHONE,
            "小明",
            "欧阳",
            "三丰",
            "张三丰",
            EMAIL,
            "first_name",
            "last_name",
            "phone",
            "email",
        ):
            assert secret not in text
    view = json.loads(texts[2])[0]
    assert set(view) == {
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
    }


def test_an_idempotency_key_belongs_to_the_key_that_sent_it(o311, point):
    fields = {"service_code": "unclean_road", "lat": point[1], "long": point[0]}
    headers = {"Idempotency-Key": "o311-shared-key"}
    mine = o311.client.post(
        f"{BASE}/requests.json", data={**fields, "api_key": o311.tokens["open311"]}, headers=headers
    )
    theirs = o311.client.post(
        f"{BASE}/requests.json",
        data={**fields, "api_key": o311.tokens["dispatcher"]},
        headers=headers,
    )
    assert mine.status_code == theirs.status_code == 201
    assert "idempotent-replayed" not in theirs.headers
    assert theirs.json()[0]["service_request_id"] != mine.json()[0]["service_request_id"]


def test_media_url_is_kept_and_returned(o311, point):
    photo = "https://photos.example.org/2026/垃圾.jpg?w=800"
    rid = report(o311, point, media_url=f"  {photo} ")["service_request_id"]
    assert o311.request(rid)["media_url"] == photo
    listed = o311.client.get(f"{BASE}/requests.json", params={"service_request_id": rid})
    assert listed.json()[0]["media_url"] == photo
    xml = o311.client.get(f"{BASE}/requests/{rid}.xml")
    assert ET.fromstring(xml.content).find("request/media_url").text == photo
    case = o311.client.get(f"/cases/{rid}", headers=o311.auth("dispatcher")).json()
    assert case["media_url"] == photo
    plain = report(o311, point)["service_request_id"]
    assert o311.request(plain)["media_url"] is None


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("ftp://example.org/a.jpg", "http or https"),
        ("not a url", "space"),
        ("https://example.org/" + "x" * 2001, "at most 2000"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_media_url_is_400_and_nothing_filed(o311, point, url, says, fmt):
    newest = o311.client.get(f"{BASE}/requests.json", params={"page_size": 1}).json()
    fields = {
        "api_key": o311.tokens["open311"],
        "service_code": "exposed_refuse",
        "lat": point[1],
        "long": point[0],
        "media_url": url,
    }
    r = o311.client.post(f"{BASE}/requests.{fmt}", data=fields)
    assert r.status_code == 400, r.text
    if fmt == "json":
        description = assert_spec_error(r, 400)
    else:
        description = ET.fromstring(r.content).find("error/description").text
    assert "media_url" in description and says in description
    assert o311.client.get(f"{BASE}/requests.json", params={"page_size": 1}).json() == newest


def _spec_error(r, status: int, fmt: str) -> str:
    """The description of an error list answer in ``fmt``, checking its shape."""
    assert r.status_code == status, r.text
    if fmt == "json":
        return assert_spec_error(r, status)
    assert r.headers["content-type"].startswith("text/xml"), r.headers
    errors = ET.fromstring(r.content)
    assert errors.tag == "errors" and len(errors) == 1
    assert errors.find("error/code").text == str(status)
    return errors.find("error/description").text


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_every_error_under_open311_is_the_spec_list(o311, point, fmt):
    c, key = o311.client, o311.tokens["open311"]
    r = c.put(f"{BASE}/requests.{fmt}")  # no route takes PUT
    assert "not allowed" in _spec_error(r, 405, fmt).lower()
    assert "GET" in r.headers["allow"]
    _spec_error(c.delete(f"{BASE}/requests/1.{fmt}"), 405, fmt)
    # a NUL character, refused before any route runs
    _spec_error(c.get(f"{BASE}/requests.{fmt}", params={"status": "open\x00"}), 400, fmt)
    nul = c.post(f"{BASE}/requests.{fmt}", data={"api_key": key, "service_code": "a\x00"})
    assert "NUL" in _spec_error(nul, 400, fmt)
    # a body over the limit
    big = c.post(
        f"{BASE}/requests.{fmt}",
        content=b"description=" + b"x" * (2 * 1024 * 1024),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    _spec_error(big, 413, fmt)
    # validation of query parameters, keys, unknown requests
    _spec_error(c.get(f"{BASE}/requests.{fmt}", params={"page_size": "many"}), 400, fmt)
    _spec_error(c.get(f"{BASE}/requests.{fmt}", params={"api_key": "gm_nope_nope"}), 403, fmt)
    _spec_error(c.get(f"{BASE}/requests/999999999.{fmt}"), 404, fmt)
    _spec_error(c.get(f"{BASE}/requests/x.{fmt}"), 404, fmt)
    _spec_error(c.post(f"{BASE}/requests.{fmt}", data={"service_code": "x"}), 403, fmt)
    # outside the v2 tree too
    assert _spec_error(c.get("/open311/"), 404, "json")
    # the native API keeps problem+json for the same faults
    native = c.put("/cases", headers=o311.auth("dispatcher"))
    assert native.status_code == 405
    assert native.headers["content-type"].startswith("application/problem+json")
