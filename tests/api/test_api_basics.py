"""Health, identity, boundaries, locate, categories through the HTTP API."""

import geopandas as gpd
import pytest

from geo import bundled


@pytest.fixture(scope="module")
def sample():
    grids = gpd.read_file(bundled.BOUNDARIES_DIR / "grids.geojson")
    p = grids.geometry.iloc[200].representative_point()
    return grids["code"].iloc[200], grids["community_code"].iloc[200], p.x, p.y


def test_health_needs_no_token(api):
    r = api.client.get("/health")
    assert r.status_code == 200 and r.json()["active_generation"] == 1


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}]
)
def test_no_or_bad_token_is_401_problem(api, headers):
    r = api.client.get("/communities", headers=headers)
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert {"type", "title", "detail", "status"} <= set(body)


def test_communities_and_grids(api):
    r = api.client.get("/communities", headers=api.auth("planner"))
    assert r.status_code == 200
    feats = r.json()["features"]
    assert len(feats) == 26 and feats[0]["geometry"]["type"] == "MultiPolygon"
    props = feats[0]["properties"]
    assert props["name"].endswith("社区") and props["area_km2"] > 0 and props["grids"] > 0
    one = api.client.get("/communities/520103417", headers=api.auth("planner")).json()
    assert one["properties"]["name"] == "金龙社区"
    grids = api.client.get(
        "/grids", params={"community": "520103417"}, headers=api.auth("planner")
    ).json()["features"]
    assert len(grids) == one["properties"]["grids"]
    assert all(g["properties"]["community_code"] == "520103417" for g in grids)
    missing = api.client.get("/grids/520103417999999", headers=api.auth("planner"))
    assert missing.status_code == 404


def test_locate_get_and_batch(api, sample):
    code, community, lon, lat = sample
    r = api.client.get("/locate", params={"lon": lon, "lat": lat}, headers=api.auth("planner"))
    assert r.status_code == 200
    assert (r.json()["grid_code"], r.json()["community_code"]) == (code, community)
    batch = {"points": [[lon, lat], [106.5, 26.3], ["abc", 26.6], [106.7, 95]]}
    r = api.client.post("/locate", json=batch, headers=api.auth("planner"))
    assert r.status_code == 200
    res = r.json()["results"]
    assert [x["status"] for x in res] == ["assigned", "unassigned", "invalid", "invalid"]
    assert res[0]["grid_code"] == code and "not a number" in res[2]["error"]
    too_many = {"points": [[lon, lat]] * 10_001}
    assert api.client.post("/locate", json=too_many, headers=api.auth("planner")).status_code == 400


@pytest.mark.parametrize(
    "params",
    [
        {"lon": "nan", "lat": 26.6},
        {"lon": 106.7, "lat": 91},
        {"lon": 106.7},
        {"lon": "x", "lat": 1},
    ],
)
def test_bad_coordinates_are_400_never_500(api, params):
    r = api.client.get("/locate", params=params, headers=api.auth("planner"))
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


def test_categories(api):
    cats = api.client.get("/categories", headers=api.auth("worker")).json()
    assert {"code", "class_code", "name_zh", "name_en", "time_limit"} <= set(cats[0])
    assert any(c["time_limit"] == "20d" for c in cats)


def test_body_limit_is_413(api):
    big = b'{"points": [' + b"[106.7, 26.6]," * 80_000 + b"[106.7, 26.6]]}"
    r = api.client.post(
        "/locate", content=big, headers={**api.auth("planner"), "content-type": "application/json"}
    )
    assert r.status_code == 413


def test_openapi_and_docs(api):
    spec = api.client.get("/openapi.json").json()
    assert "/cases/{case_id}/actions/{action}" in spec["paths"]
    assert api.client.get("/docs").status_code == 200
