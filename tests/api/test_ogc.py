"""OGC API – Features under /ogc: documents, paging, filters, errors, cases without personal
data, and GDAL's OAPIF driver reading a real server."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyogrio
import pytest
import shapely
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests.threaded_server import threaded_server

CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GEOJSON = "application/geo+json"
PROBLEM = "application/problem+json"
COMMUNITY = "520103400"  # the worker token's community (中华社区)
OTHER_COMMUNITY = "520103401"
GUIYANG = shapely.box(106.4, 26.3, 107.0, 26.9)


def ogc_app(url: str) -> FastAPI:
    """The app as ``gridmgr serve`` builds it."""
    return create_app(Settings(database_url=url))


@dataclass
class Ogc:
    client: TestClient
    url: str
    tokens: dict[str, str]

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def get(self, path: str, **kwargs):
        return self.client.get(path, **kwargs)


@pytest.fixture(scope="module")
def ogc(api) -> Iterator[Ogc]:
    with TestClient(ogc_app(api.url)) as client:
        yield Ogc(client, api.url, api.tokens)


def all_pages(ogc: Ogc, path: str, headers=None, **params) -> list[dict]:
    """Every page of ``path``, following ``next`` links; returns the page bodies."""
    pages = []
    r = ogc.get(path, params=params, headers=headers)
    while True:
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith(GEOJSON)
        body = r.json()
        pages.append(body)
        nxt = [lk["href"] for lk in body["links"] if lk["rel"] == "next"]
        if not nxt:
            return pages
        assert len(pages) < 100
        r = ogc.get(nxt[0], headers=headers)


def features_of(pages: list[dict]) -> list[dict]:
    return [f for p in pages for f in p["features"]]


def is_problem(r, status: int) -> bool:
    return (
        r.status_code == status
        and r.headers["content-type"].startswith(PROBLEM)
        and {"type", "title", "status", "detail"} <= set(r.json())
    )


# --- documents ----------------------------------------------------------------------------


def test_landing_page_links_have_exact_types(ogc):
    r = ogc.get("/ogc")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    links = {lk["rel"]: lk for lk in r.json()["links"]}
    assert links["service-desc"]["type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert urlsplit(links["service-desc"]["href"]).path == "/ogc/api"
    assert links["service-doc"]["type"] == "text/html"
    assert urlsplit(links["service-doc"]["href"]).path == "/docs"
    assert links["data"]["type"] == "application/json"
    assert urlsplit(links["data"]["href"]).path == "/ogc/collections"
    assert urlsplit(links["conformance"]["href"]).path == "/ogc/conformance"
    assert urlsplit(links["self"]["href"]).path == "/ogc"
    assert ogc.get("/ogc", params={"f": "json"}).status_code == 200
    assert "/ogc/collections/{collection_id}/items" in ogc.get("/openapi.json").json()["paths"]


def test_the_ogc_openapi_document_gives_a_desktop_page_size(ogc):
    """QGIS and GDAL 3.8+ read the page size from components.parameters.limit and look up
    each collection's items path relative to the landing page."""
    r = ogc.get("/ogc/api")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.oai.openapi+json")
    spec = r.json()
    assert spec["openapi"].startswith("3.0")
    assert urlsplit(spec["servers"][0]["url"]).path == "/ogc"
    limit = spec["components"]["parameters"]["limit"]
    assert limit["in"] == "query" and limit["style"] == "form" and limit["explode"] is False
    assert limit["schema"] == {"type": "integer", "minimum": 1, "maximum": 10_000, "default": 1000}
    for cid in ("communities", "grids", "cases"):
        params = spec["paths"][f"/collections/{cid}/items"]["get"]["parameters"]
        refs = [p["$ref"].rsplit("/", 1)[-1] for p in params]
        assert {"limit", "bbox", "datetime", "f"} <= set(refs), cid
        for name in refs:
            assert name in spec["components"]["parameters"], name
        assert f"/collections/{cid}/items/{{featureId}}" in spec["paths"]
    cases = spec["paths"]["/collections/cases/items"]["get"]
    assert {"basic", "bearer"} == {k for s in cases["security"] for k in s}
    assert "security" not in spec["paths"]["/collections/grids/items"]["get"]
    assert spec["components"]["securitySchemes"]["basic"]["scheme"] == "basic"


def test_conformance(ogc):
    r = ogc.get("/ogc/conformance")
    assert r.status_code == 200
    assert {CORE + "core", CORE + "geojson", CORE + "oas30"} <= set(r.json()["conformsTo"])


def test_collections_have_extent_inside_guiyang(ogc):
    r = ogc.get("/ogc/collections")
    assert r.status_code == 200
    body = r.json()
    assert any(lk["rel"] == "self" for lk in body["links"])
    by_id = {c["id"]: c for c in body["collections"]}
    assert {"communities", "grids", "cases"} <= set(by_id)
    for cid, c in by_id.items():
        assert c["itemType"] == "feature" and c["crs"] == [CRS84]
        ((w, s, e, n),) = c["extent"]["spatial"]["bbox"]
        assert w < e and s < n and GUIYANG.contains(shapely.box(w, s, e, n)), cid
        links = {lk["rel"]: lk for lk in c["links"]}
        assert links["items"]["type"] == GEOJSON
        assert urlsplit(links["items"]["href"]).path == f"/ogc/collections/{cid}/items"
        assert links["self"]["type"] == "application/json"
        one = ogc.get(f"/ogc/collections/{cid}")
        assert one.status_code == 200 and one.json()["extent"] == c["extent"]


def test_unknown_collection_or_feature_is_404(ogc):
    for path in (
        "/ogc/collections/facilities",
        "/ogc/collections/nope/items",
        "/ogc/collections/nope/items/1",
        "/ogc/collections/grids/items/520103400999999",
        "/ogc/collections/communities/items/nope",
    ):
        assert is_problem(ogc.get(path), 404), path


def test_one_grid_is_a_geojson_feature(ogc):
    code = ogc.get("/ogc/collections/grids/items", params={"limit": 1}).json()["features"][0]["id"]
    r = ogc.get(f"/ogc/collections/grids/items/{code}")
    assert r.status_code == 200 and r.headers["content-type"].startswith(GEOJSON)
    body = r.json()
    assert body["type"] == "Feature" and body["id"] == code
    assert body["properties"]["code"] == code
    assert shapely.geometry.shape(body["geometry"]).is_valid
    assert {lk["rel"] for lk in body["links"]} >= {"self", "collection"}


# --- items: paging, limits, filters -------------------------------------------------------


def test_communities_page_by_ten_through_next_links(ogc):
    pages = all_pages(ogc, "/ogc/collections/communities/items", limit=10)
    assert [p["numberReturned"] for p in pages] == [10, 16]  # next links ask for 1,000
    assert all(p["numberMatched"] == 26 for p in pages)
    assert all(p["timeStamp"].endswith("Z") for p in pages)
    ids = [f["id"] for f in features_of(pages)]
    assert len(ids) == 26 and len(set(ids)) == 26
    everything = ogc.get("/ogc/collections/communities/items").json()
    assert everything["numberReturned"] == 26
    assert ids == [f["id"] for f in everything["features"]]
    assert all(f["properties"]["name"].endswith("社区") for f in everything["features"])
    # a later page can go back; the first cannot
    assert not any(lk["rel"] == "prev" for lk in pages[0]["links"])
    second = ogc.get("/ogc/collections/communities/items", params={"limit": 10, "offset": 10})
    assert [f["id"] for f in second.json()["features"]] == ids[10:20]
    prev = [lk["href"] for lk in second.json()["links"] if lk["rel"] == "prev"]
    assert [f["id"] for f in ogc.get(prev[0]).json()["features"]] == ids[:10]


def test_next_link_carries_every_parameter(ogc):
    params = {
        "limit": 7,
        "bbox": "106.60,26.55,106.72,26.62",
        "community_code": COMMUNITY,
        "datetime": "2025-01-01T00:00:00Z/..",
        "f": "json",
    }
    first = ogc.get("/ogc/collections/grids/items", params=params).json()
    assert first["numberMatched"] > 7
    nxt = next(lk["href"] for lk in first["links"] if lk["rel"] == "next")
    query = {k: v[0] for k, v in parse_qs(urlsplit(nxt).query).items()}
    # every parameter kept; the next page asks for at least the default page (1,000)
    assert query == {**{k: str(v) for k, v in params.items()}, "offset": "7", "limit": "1000"}
    pages = all_pages(ogc, "/ogc/collections/grids/items", **params)
    got = features_of(pages)
    assert len(got) == first["numberMatched"] == len({f["id"] for f in got})
    assert all(f["properties"]["community_code"] == COMMUNITY for f in got)


def test_default_page_suits_desktops_and_a_large_limit_is_clamped(ogc):
    default = ogc.get("/ogc/collections/grids/items").json()
    assert default["numberReturned"] == 1000 and default["numberMatched"] == 1254
    nxt = next(lk["href"] for lk in default["links"] if lk["rel"] == "next")
    assert parse_qs(urlsplit(nxt).query)["limit"] == ["1000"]
    rest = ogc.get(nxt).json()
    assert rest["numberReturned"] == 254
    assert not any(lk["rel"] == "next" for lk in rest["links"])
    ids = [f["id"] for f in default["features"] + rest["features"]]
    assert len(set(ids)) == 1254
    huge = ogc.get("/ogc/collections/grids/items", params={"limit": 50_000})
    assert huge.status_code == 200 and huge.json()["numberReturned"] == 1254
    big = ogc.get("/ogc/collections/grids/items", params={"limit": 1200}).json()
    nxt = next(lk["href"] for lk in big["links"] if lk["rel"] == "next")
    assert parse_qs(urlsplit(nxt).query)["limit"] == ["1200"]  # never smaller than asked


def test_bbox_returns_exactly_the_intersecting_grids(ogc):
    everything = features_of(all_pages(ogc, "/ogc/collections/grids/items", limit=1000))
    assert len(everything) == 1254
    box = (106.66, 26.57, 106.70, 26.60)
    expected = {
        f["id"]
        for f in everything
        if shapely.geometry.shape(f["geometry"]).intersects(shapely.box(*box))
    }
    assert 0 < len(expected) < 1254
    pages = all_pages(ogc, "/ogc/collections/grids/items", limit=10, bbox=",".join(map(str, box)))
    got = [f["id"] for f in features_of(pages)]
    assert sorted(got) == sorted(expected) and pages[0]["numberMatched"] == len(expected)
    w, s, e, n = box  # the 6-number form with heights selects the same grids
    with_z = ogc.get(
        "/ogc/collections/grids/items", params={"bbox": f"{w},{s},0,{e},{n},100", "limit": 1000}
    ).json()
    assert sorted(f["id"] for f in with_z["features"]) == sorted(expected)
    far = ogc.get("/ogc/collections/grids/items", params={"bbox": "0,0,1,1"}).json()
    assert far["numberMatched"] == 0 and far["features"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"bbox": "106.6,26.5,106.7"},
        {"bbox": "a,b,c,d"},
        {"bbox": "106.7,26.6,106.6,26.5"},
        {"bbox": "106.6,26.6,106.7,26.5"},
        {"bbox": "106.6,nan,106.7,26.6"},
        {"limit": "abc"},
        {"limit": "0"},
        {"limit": "-5"},
        {"offset": "-1"},
        {"offset": "x"},
        {"datetime": "yesterday"},
        {"datetime": "2025-01-01T00:00:00"},
        {"datetime": "2025-02-01T00:00:00Z/2025-01-01T00:00:00Z"},
        {"datetime": "../.."},
        {"f": "html"},
        {"unknown": "1"},
        {"cursor": "3"},
    ],
)
def test_bad_parameters_are_400_problems(ogc, params):
    r = ogc.get("/ogc/collections/grids/items", params=params)
    assert is_problem(r, 400), (params, r.text)


def test_datetime_is_accepted_on_boundaries(ogc):
    for value in ("2025-06-01", "2025-06-01T08:00:00+08:00", "../2030-01-01T00:00:00Z"):
        r = ogc.get("/ogc/collections/communities/items", params={"datetime": value})
        assert r.status_code == 200 and r.json()["numberMatched"] == 26


# --- cases --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cases(ogc) -> dict[str, int]:
    """Three located cases (two in the worker's community, one in another) and one that has
    only an address; every one with a reporter's name and phone."""

    def point_in(community: str, n: int) -> tuple[float, float]:
        grid = ogc.get(
            "/ogc/collections/grids/items", params={"community_code": community, "limit": n + 1}
        ).json()
        p = shapely.geometry.shape(grid["features"][n]["geometry"]).representative_point()
        return p.x, p.y

    made = {}
    for name, community, n in (
        ("a", COMMUNITY, 0),
        ("b", COMMUNITY, 3),
        ("c", OTHER_COMMUNITY, 0),
        ("d", None, 0),
    ):
        body = {
            "category": "exposed_refuse",
            "description": f"case {name}",
            "reporter": {"name": "张三", "phone": "13912340000"},
        }
        if community:
            body["lon"], body["lat"] = point_in(community, n)
        else:
            body["address"] = "云岩区中华北路 1 号"
        r = ogc.client.post("/cases", json=body, headers=ogc.auth("admin"))
        assert r.status_code == 201, r.text
        made[name] = r.json()["id"]
    return made


def no_key(value, key: str) -> bool:
    if isinstance(value, dict):
        return key not in value and all(no_key(v, key) for v in value.values())
    if isinstance(value, list):
        return all(no_key(v, key) for v in value)
    return True


def test_cases_need_a_token(ogc, cases):
    assert is_problem(ogc.get("/ogc/collections/cases/items"), 401)
    assert is_problem(ogc.get(f"/ogc/collections/cases/items/{cases['a']}"), 401)
    bad = {"Authorization": "Bearer nope"}
    assert is_problem(ogc.get("/ogc/collections/cases/items", headers=bad), 401)


def basic(user: str, password: str) -> dict[str, str]:
    raw = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def test_cases_take_the_token_as_the_password_of_http_basic(ogc, cases):
    """QGIS cannot send a bearer token: Basic with any user name and the token as password."""
    bearer = ogc.get("/ogc/collections/cases/items", headers=ogc.auth("worker")).json()
    for user in ("qgis", "", "张三"):
        r = ogc.get("/ogc/collections/cases/items", headers=basic(user, ogc.tokens["worker"]))
        assert r.status_code == 200, r.text
        assert [f["id"] for f in r.json()["features"]] == [f["id"] for f in bearer["features"]]
        assert {f["id"] for f in r.json()["features"]} == {cases["a"], cases["b"]}  # a worker's
    one = ogc.get(
        f"/ogc/collections/cases/items/{cases['c']}", headers=basic("x", ogc.tokens["admin"])
    )
    assert one.status_code == 200 and one.json()["id"] == cases["c"]
    for bad in (
        basic("qgis", "nope"),
        basic(ogc.tokens["admin"], ""),  # the token as user name is not the password
        {"Authorization": "Basic %%%"},
        {"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()},
    ):
        r = ogc.get("/ogc/collections/cases/items", headers=bad)
        assert is_problem(r, 401), bad
        challenge = r.headers["www-authenticate"]
        assert challenge.startswith("Basic realm=") and "Bearer" in challenge
    # the rest of the API still takes bearer tokens only
    native = ogc.get("/cases", headers=basic("x", ogc.tokens["admin"]))
    assert is_problem(native, 401) and "Basic" not in native.headers["www-authenticate"]


def test_cases_carry_no_reporter(ogc, cases):
    r = ogc.get("/ogc/collections/cases/items", headers=ogc.auth("planner"))
    assert r.status_code == 200 and r.headers["content-type"].startswith(GEOJSON)
    body = r.json()
    assert {f["id"] for f in body["features"]} == set(cases.values())
    assert no_key(body, "reporter") and "139****" not in r.text and "13912340000" not in r.text
    by_id = {f["id"]: f for f in body["features"]}
    located = by_id[cases["a"]]
    assert located["geometry"]["type"] == "Point"
    lon, lat = located["geometry"]["coordinates"]
    assert GUIYANG.contains(shapely.Point(lon, lat))
    assert located["properties"]["community_code"] == COMMUNITY
    assert by_id[cases["d"]]["geometry"] is None
    one = ogc.get(f"/ogc/collections/cases/items/{cases['a']}", headers=ogc.auth("admin"))
    assert one.status_code == 200 and one.json()["geometry"] == located["geometry"]
    assert no_key(one.json(), "reporter") and "139****" not in one.text
    for odd in ("¹", "١٢", "x1"):  # digits to str.isdigit(), not to int(): no such case
        missing = ogc.get(f"/ogc/collections/cases/items/{odd}", headers=ogc.auth("admin"))
        assert is_problem(missing, 404), odd


def test_a_worker_sees_only_their_community(ogc, cases):
    r = ogc.get("/ogc/collections/cases/items", headers=ogc.auth("worker"))
    assert r.status_code == 200
    assert {f["id"] for f in r.json()["features"]} == {cases["a"], cases["b"]}
    assert r.json()["numberMatched"] == 2
    assert all(f["properties"]["community_code"] == COMMUNITY for f in r.json()["features"])
    other = ogc.get(f"/ogc/collections/cases/items/{cases['c']}", headers=ogc.auth("worker"))
    assert is_problem(other, 404)
    asked = ogc.get(
        "/ogc/collections/cases/items",
        params={"community_code": OTHER_COMMUNITY},
        headers=ogc.auth("worker"),
    )
    assert asked.status_code == 200 and asked.json()["features"] == []
    assert asked.json()["numberMatched"] == 0


def test_case_properties_are_flat_scalars_a_desktop_can_style(ogc, cases):
    r = ogc.get("/ogc/collections/cases/items", headers=ogc.auth("dispatcher"))
    features = {f["id"]: f for f in r.json()["features"]}
    for f in features.values():
        for key, value in f["properties"].items():
            assert value is None or isinstance(value, str | int | float | bool), (key, value)
        assert {"assignee_name", "location_lon", "location_lat", "flags"} <= set(f["properties"])
    located = features[cases["a"]]["properties"]
    assert [located["location_lon"], located["location_lat"]] == features[cases["a"]]["geometry"][
        "coordinates"
    ]
    assert located["location_crs"] == "wgs84"
    native = ogc.get(f"/cases/{cases['a']}", headers=ogc.auth("dispatcher")).json()
    assert located["status"] == native["status"] and located["due_at"] == native["due_at"]
    assignee = native["assignee"] or {}
    assert located["assignee_id"] == assignee.get("id")
    assert located["assignee_name"] == assignee.get("name")
    for case_id, f in features.items():
        flags = ogc.get(f"/cases/{case_id}", headers=ogc.auth("dispatcher")).json()["flags"]
        # every flag the native API shows, in its order; a set id becomes its name's flag
        expected = [k.removesuffix("_of") for k, v in flags.items() if v]
        assert f["properties"]["flags"] == ",".join(expected)
    unlocated = features[cases["d"]]["properties"]
    assert unlocated["location_lon"] is None and unlocated["assignee_name"] is None
    assert unlocated["flags"].split(",")[-1] == "needs_location"


def test_cases_page_by_cursor_and_filter(ogc, cases):
    who = ogc.auth("dispatcher")
    pages = all_pages(ogc, "/ogc/collections/cases/items", headers=who, limit=1)
    assert [f["id"] for f in features_of(pages)] == sorted(cases.values())
    assert [p["numberReturned"] for p in pages] == [1, 3]  # the next link asks for 1,000
    assert all(p["numberMatched"] == 4 for p in pages)
    nxt = next(lk["href"] for lk in pages[0]["links"] if lk["rel"] == "next")
    assert parse_qs(urlsplit(nxt).query)["cursor"] == [str(min(cases.values()))]
    a = ogc.get(f"/ogc/collections/cases/items/{cases['a']}", headers=who).json()
    lon, lat = a["geometry"]["coordinates"]
    box = f"{lon - 1e-6},{lat - 1e-6},{lon + 1e-6},{lat + 1e-6}"
    near = ogc.get("/ogc/collections/cases/items", params={"bbox": box}, headers=who).json()
    assert [f["id"] for f in near["features"]] == [cases["a"]]
    comm = ogc.get(
        "/ogc/collections/cases/items", params={"community_code": COMMUNITY}, headers=who
    ).json()
    assert {f["id"] for f in comm["features"]} == {cases["a"], cases["b"]}
    assert comm["numberMatched"] == 2 and near["numberMatched"] == 1


def test_cases_datetime_filters_reported_at(ogc, cases):
    who = ogc.auth("planner")
    reported = ogc.get(f"/ogc/collections/cases/items/{cases['b']}", headers=who).json()[
        "properties"
    ]["reported_at"]

    def ids(value: str) -> set[int]:
        r = ogc.get("/ogc/collections/cases/items", params={"datetime": value}, headers=who)
        assert r.status_code == 200, r.text
        return {f["id"] for f in r.json()["features"]}

    assert ids("../2000-01-01T00:00:00Z") == set()
    assert ids("2000-01-01T00:00:00Z/..") == set(cases.values())
    assert ids(reported) == {cases["b"]}  # an instant: exactly that time
    assert cases["b"] in ids(f"../{reported}") and cases["b"] in ids(f"{reported}/..")
    assert cases["b"] in ids(reported[:10])  # a date: that whole day (China time)
    bad = ogc.get("/ogc/collections/cases/items", params={"datetime": "2025-13-01"}, headers=who)
    assert is_problem(bad, 400)


# --- queryables and CQL2 filters (Part 3) --------------------------------------------------


def test_cases_have_queryables_as_json_schema(ogc):
    doc = ogc.get("/ogc/collections/cases").json()
    rels = {lk["rel"]: lk for lk in doc["links"]}
    link = rels["http://www.opengis.net/def/rel/ogc/1.0/queryables"]
    assert link["type"] == "application/schema+json" and rels["queryables"]["href"] == link["href"]
    r = ogc.get(urlsplit(link["href"]).path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/schema+json")
    schema = r.json()
    assert schema["type"] == "object" and schema["$id"].endswith("/collections/cases/queryables")
    props = schema["properties"]
    assert {"status", "category", "community_code", "grid_code", "reported_at"} <= set(props)
    assert props["reported_at"] == {**props["reported_at"], "type": "string", "format": "date-time"}
    assert props["status"]["type"] == "string"
    conformance = set(ogc.get("/ogc/conformance").json()["conformsTo"])
    assert "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter" in conformance
    assert "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text" in conformance
    # a client that accepts only JSON (GDAL) gets the same document as application/json
    plain = ogc.get(urlsplit(link["href"]).path, headers={"Accept": "application/json"})
    assert plain.headers["content-type"].startswith("application/json")
    assert plain.json() == schema
    assert {q["id"] for q in schema["queryables"]} == set(props)  # the draft's list (GDAL 3.6)
    api = ogc.get("/ogc/api").json()["components"]["parameters"]["filter-lang"]
    assert "cql-text" in api["schema"]["enum"]  # how GDAL 3.6 knows it may send CQL text
    assert is_problem(ogc.get("/ogc/collections/grids/queryables"), 404)
    assert is_problem(ogc.get("/ogc/collections/nope/queryables"), 404)


def _filtered(ogc, text: str, who: str = "dispatcher", **params) -> tuple[set[int], int]:
    r = ogc.get(
        "/ogc/collections/cases/items",
        params={"filter": text, **params},
        headers=ogc.auth(who),
    )
    assert r.status_code == 200, (text, r.text)
    body = r.json()
    assert body["numberMatched"] == len(body["features"])
    return {f["id"] for f in body["features"]}, body["numberMatched"]


def test_cql2_filters_select_exactly_the_matching_cases(ogc, cases):
    everything = ogc.get("/ogc/collections/cases/items", headers=ogc.auth("dispatcher")).json()
    props = {f["id"]: f["properties"] for f in everything["features"]}
    assert set(props) == set(cases.values())
    a, b = props[cases["a"]], props[cases["b"]]
    b_time = datetime.fromisoformat(b["reported_at"])

    def where(test) -> set[int]:
        return {i for i, p in props.items() if test(p)}

    checks = {
        f"status = '{a['status']}'": where(lambda p: p["status"] == a["status"]),
        f"status <> '{a['status']}'": where(lambda p: p["status"] != a["status"]),
        f"community_code = '{COMMUNITY}' AND category = 'exposed_refuse'": where(
            lambda p: p["community_code"] == COMMUNITY
        ),
        f"community_code IN ('{COMMUNITY}', '{OTHER_COMMUNITY}')": where(
            lambda p: p["community_code"] in (COMMUNITY, OTHER_COMMUNITY)
        ),
        f"community_code = '{OTHER_COMMUNITY}' OR grid_code IS NULL": where(
            lambda p: p["community_code"] == OTHER_COMMUNITY or p["grid_code"] is None
        ),
        "community_code LIKE '52010340_'": where(
            lambda p: (p["community_code"] or "").startswith("52010340")
        ),
        "grid_code IS NULL": {cases["d"]},
        "NOT (grid_code IS NULL)": {cases["a"], cases["b"], cases["c"]},
        f"reported_at >= TIMESTAMP('{b['reported_at']}')": where(
            lambda p: datetime.fromisoformat(p["reported_at"]) >= b_time
        ),
        f"reported_at < '{b['reported_at']}'": where(
            lambda p: datetime.fromisoformat(p["reported_at"]) < b_time
        ),
        f"TIMESTAMP('{b['reported_at']}') > reported_at": where(  # the value on the left
            lambda p: datetime.fromisoformat(p["reported_at"]) < b_time
        ),
        "reported_at < DATE('2000-01-01')": set(),
        "reported_at BETWEEN DATE('2000-01-01') AND DATE('2100-01-01')": set(cases.values()),
        "closed_at IS NULL AND category = 'exposed_refuse'": set(cases.values()),
        "status = 'x'' OR ''1''=''1'": set(),  # a quote inside a value is only a value
    }
    assert len({frozenset(v) for v in checks.values()}) >= 5  # the filters tell cases apart
    for text, expected in checks.items():
        got, matched = _filtered(ogc, text)
        assert got == expected and matched == len(expected), text
    # with the other parameters, and as a worker (their community only)
    box = f"{a['location_lon'] - 1e-6},{a['location_lat'] - 1e-6},"
    box += f"{a['location_lon'] + 1e-6},{a['location_lat'] + 1e-6}"
    assert _filtered(ogc, "grid_code IS NOT NULL", bbox=box)[0] == {cases["a"]}
    assert _filtered(ogc, "NOT (grid_code IS NULL)", "worker")[0] == {cases["a"], cases["b"]}
    # as GDAL before 3.7 writes it: the draft's language name, a date as 2025-06-01T
    day = b["reported_at"][:10]
    gdal_style = f"(community_code = '{COMMUNITY}') AND (reported_at >= '{day}T')"
    local_midnight = datetime.fromisoformat(f"{day}T00:00:00+08:00")
    assert _filtered(ogc, gdal_style, **{"filter-lang": "cql-text"})[0] == where(
        lambda p: (
            p["community_code"] == COMMUNITY
            and datetime.fromisoformat(p["reported_at"]) >= local_midnight
        )
    )
    # CQL2 JSON too
    as_json = json.dumps({"op": "=", "args": [{"property": "community_code"}, OTHER_COMMUNITY]})
    assert _filtered(ogc, as_json, **{"filter-lang": "cql2-json"})[0] == {cases["c"]}


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"filter": "nope = 'x'"}, "not a queryable"),
        ({"filter": "reporter_phone = '1'"}, "not a queryable"),
        ({"filter": "S_INTERSECTS(geometry, POINT(106.7 26.6))"}, "not supported"),
        ({"filter": "status = 1"}, "text"),
        ({"filter": "reported_at > '2025-01-01T00:00:00'"}, "offset"),
        ({"filter": "reported_at > 'yesterday'"}, "time"),
        ({"filter": "status ="}, "not valid cql2-text"),
        ({"filter": "status = 'x'", "filter-lang": "ecql"}, "filter-lang"),
        ({"filter": "{]", "filter-lang": "cql2-json"}, "not valid cql2-json"),
        # refused before parsing (the parser's time grows exponentially with such depth)
        ({"filter": "(" * 30 + "status = 'x'"}, "parentheses"),
        ({"filter": "(" * 30 + "status =" + ")" * 30}, "nest at most"),
        ({"filter": "status = 'x')"}, "no opening"),
        ({"filter": "status = 'x" + "y" * 5000 + "'"}, "at most 4000 characters"),
    ],
)
def test_unsupported_filters_are_clear_400s(ogc, cases, params, says):
    r = ogc.get("/ogc/collections/cases/items", params=params, headers=ogc.auth("admin"))
    assert is_problem(r, 400), r.text
    assert says in r.json()["detail"] and r.json()["field"] in ("filter", "filter-lang")
    grids = ogc.get("/ogc/collections/grids/items", params={"filter": "status = 'x'"})
    assert is_problem(grids, 400)


def test_case_feature_ids_that_cannot_exist_are_404(ogc, cases):
    for fid in ("abc", "0", "99999999", "1" * 40):
        r = ogc.get(f"/ogc/collections/cases/items/{fid}", headers=ogc.auth("admin"))
        assert is_problem(r, 404), fid


# --- a real client ------------------------------------------------------------------------


# GDAL runs in its own process, as QGIS or ogr2ogr would: the server thread needs this
# process's interpreter while GDAL reads.
READ_WITH_GDAL = """
import json, sys
import pyogrio
url = sys.argv[1]
layers = [str(name) for name, _ in pyogrio.list_layers(url)]
grids = pyogrio.read_dataframe(url, layer="grids")
print(json.dumps({"layers": layers, "codes": [str(c) for c in grids["code"]],
                  "crs": grids.crs.to_epsg(), "valid": bool(grids.geometry.is_valid.all())}))
"""


def test_gdal_oapif_driver_reads_every_grid(ogc):
    with threaded_server(ogc_app(ogc.url)) as base:
        done = subprocess.run(
            [sys.executable, "-c", READ_WITH_GDAL, f"OAPIF:{base}/ogc"],
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert done.returncode == 0, done.stderr[-3000:]
    got = json.loads(done.stdout)
    assert {"communities", "grids", "cases"} <= set(got["layers"])
    assert len(got["codes"]) == 1254 and len(set(got["codes"])) == 1254
    assert got["crs"] == 4326 and got["valid"]
    expected = features_of(all_pages(ogc, "/ogc/collections/grids/items", limit=1000))
    assert set(got["codes"]) == {f["id"] for f in expected}


# --- GDAL's command-line tools (Debian's gdal-bin: scripts/ensure-gdal) ----------------------


def gdal_tool(name: str) -> str:
    found = shutil.which(name)
    assert found, f"{name} is missing: run scripts/ensure-gdal (Debian's gdal-bin)"
    return found


def run_gdal(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [gdal_tool(args[0]), *args[1:]],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "CPL_DEBUG": "OFF"},
    )


@pytest.fixture(scope="module")
def live(ogc, cases) -> Iterator[str]:
    """The OAPIF connection string of the app served on a real socket."""
    with threaded_server(ogc_app(ogc.url)) as base:
        yield f"OAPIF:{base}/ogc"


def ogrinfo_layers(text: str) -> dict[str, dict]:
    """``ogrinfo -so -al`` output as {layer: {"count": n, "fields": {name: type}}}."""
    layers: dict[str, dict] = {}
    current: dict = {}
    for line in text.splitlines():
        if line.startswith("Layer name: "):
            current = layers.setdefault(line.removeprefix("Layer name: "), {"fields": {}})
        elif line.startswith("Feature Count: "):
            current["count"] = int(line.removeprefix("Feature Count: "))
        elif current and re.match(r"^\w+: \w", line) and not line.startswith("Geometry"):
            name, _, kind = line.partition(": ")
            current["fields"][name] = kind.split(" ")[0]
    return layers


def test_ogrinfo_counts_and_types_every_collection(ogc, cases, live):
    """ogrinfo counts each collection from numberMatched and types each field, with the
    token as the password of HTTP Basic (``-oo USERPWD``), as QGIS sends it."""
    done = run_gdal(
        "ogrinfo", "-ro", "-so", "-al", live, "-oo", f"USERPWD=gis:{ogc.tokens['planner']}"
    )
    assert done.returncode == 0, done.stderr[-3000:]
    layers = ogrinfo_layers(done.stdout)
    assert {name: layer["count"] for name, layer in layers.items()} == {
        "communities": 26,
        "grids": 1254,
        "cases": len(cases),
    }
    grids, case_fields = layers["grids"]["fields"], layers["cases"]["fields"]
    assert grids["code"] == "String" and grids["community_code"] == "String"
    assert grids["population"] == "Integer"
    assert layers["communities"]["fields"]["name"] == "String"
    assert case_fields["status"] == "String" and case_fields["assignee_name"] == "String"
    assert case_fields["location_lon"] == "Real" and case_fields["flags"] == "String"
    assert case_fields["reported_at"] == "DateTime"
    assert not any("reporter" in name for name in case_fields)


def test_ogr2ogr_copies_every_collection_to_geopackage(ogc, cases, live, tmp_path):
    for layer in ("communities", "grids", "cases"):
        out = tmp_path / f"{layer}.gpkg"
        auth = ["--config", "GDAL_HTTP_USERPWD", f"gis:{ogc.tokens['dispatcher']}"]
        done = run_gdal("ogr2ogr", "-f", "GPKG", str(out), live, layer, *auth)
        assert done.returncode == 0, (layer, done.stderr[-3000:])
        copied = pyogrio.read_dataframe(out, fid_as_index=True)
        assert copied.crs.to_epsg() == 4326
        api = features_of(
            all_pages(ogc, f"/ogc/collections/{layer}/items", headers=ogc.auth("dispatcher"))
        )
        if layer == "cases":
            assert sorted(copied.index) == sorted(cases.values())  # feature id = case id
            assert sorted(copied["flags"]) == sorted(f["properties"]["flags"] for f in api)
            assert "reporter" not in " ".join(copied.columns)
        else:
            assert len(copied) == len(api) and set(copied["code"]) == {f["id"] for f in api}
            assert copied.geometry.is_valid.all()


def test_gdal_sees_a_workers_cases_and_filters_on_the_server(ogc, cases, live):
    as_worker = ["-oo", f"USERPWD=qgis:{ogc.tokens['worker']}"]
    mine = run_gdal("ogrinfo", "-ro", "-so", live, "cases", *as_worker)
    assert mine.returncode == 0 and ogrinfo_layers(mine.stdout)["cases"]["count"] == 2
    where = f"community_code = '{OTHER_COMMUNITY}' AND status <> 'closed'"
    auth = ["-oo", f"USERPWD=gis:{ogc.tokens['admin']}"]
    filtered = run_gdal("ogrinfo", "-ro", "-al", live, "cases", "-where", where, *auth)
    assert filtered.returncode == 0, filtered.stderr[-3000:]
    assert ogrinfo_layers(filtered.stdout)["cases"]["count"] == 1
    assert f"OGRFeature(cases):{cases['c']}" in filtered.stdout
    for bad in ([], ["-oo", "USERPWD=gis:nope"]):
        refused = run_gdal("ogrinfo", "-ro", "-al", live, "cases", *bad)
        assert "401" in refused.stderr, refused.stderr[-2000:]
        assert "OGRFeature(cases)" not in refused.stdout


# --- QGIS's OAPIF provider, headless (Debian's python3-qgis: scripts/ensure-qgis) ------------

QGIS_PYTHON = "/usr/bin/python3"  # Debian's, which has python3-qgis
QGIS_READ = Path(__file__).parent / "clients" / "qgis_read.py"


def test_qgis_loads_every_collection_with_a_basic_authentication_config(ogc, cases, live, tmp_path):
    probe = subprocess.run([QGIS_PYTHON, "-c", "import qgis.core"], capture_output=True)
    assert probe.returncode == 0, "PyQGIS is missing: run scripts/ensure-qgis (python3-qgis)"
    a = ogc.get(f"/ogc/collections/cases/items/{cases['a']}", headers=ogc.auth("admin")).json()
    lon, lat = a["geometry"]["coordinates"]
    box = f"{lon - 1e-5},{lat - 1e-5},{lon + 1e-5},{lat + 1e-5}"
    done = subprocess.run(
        [
            QGIS_PYTHON,
            str(QGIS_READ),
            live.removeprefix("OAPIF:").removesuffix("/ogc"),
            ogc.tokens["worker"],
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "GRIDMGR_QGIS_BOX": box},
        stdin=subprocess.DEVNULL,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["auth_stored"]
    assert got["communities"]["valid"] and got["communities"]["read"] == 26
    assert got["grids"]["valid"] and got["grids"]["read"] == 1254  # over several pages
    assert len(set(got["grids"]["ids"])) == 1254
    worker_cases = got["cases"]
    assert worker_cases["valid"] and worker_cases["count"] == 2  # the worker's community
    assert worker_cases["ids"] == sorted(str(cases[k]) for k in ("a", "b"))
    assert {"status", "assignee_name", "location_lon", "flags"} <= set(worker_cases["fields"])
    assert not any("reporter" in name for name in worker_cases["fields"])
    assert got["in_box"] == [cases["a"]]  # a bbox request
    assert got["first_case"]["status"] and got["first_case"]["location_lon"]


def test_ogc_flags_name_every_flag_of_the_native_view() -> None:
    from dataclasses import fields, replace

    from api.ogc_features import case_flags
    from api.views import case_view
    from geo.cases.model import Case

    blank = Case(**{f.name: None for f in fields(Case)})
    view = case_view(
        blank, now=datetime(2026, 1, 1).astimezone(), tz=datetime.now().astimezone().tzinfo
    )
    names = [k.removesuffix("_of") for k in view["flags"]]
    assert [name for name, _ in case_flags(blank)] == names
    every = replace(
        blank,
        unassigned=True,
        needs_location=True,
        possible_duplicate_of=7,
        closing_time_unknown=True,
    )
    assert all(on for _, on in case_flags(every))
