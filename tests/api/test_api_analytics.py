"""Facilities and workload statistics through the HTTP API."""

import pytest

FAC = {
    "kind": "elderly_care",
    "name": "中华养老站",
    "lon": 106.7135,
    "lat": 26.5895,
    "capacity": 20,
}


def test_facility_crud_is_for_admins(api):
    for who in ("dispatcher", "planner", "worker"):
        assert api.client.post("/facilities", json=FAC, headers=api.auth(who)).status_code == 403
    r = api.client.post("/facilities", json=FAC, headers=api.auth("admin"))
    assert r.status_code == 201, r.text
    fid = r.json()["id"]
    props = r.json()["properties"]
    assert props["radius_m"] == 500 and props["kind_name"] == "互助式养老服务站"
    assert props["grid_code"].startswith("520103")
    listed = api.client.get(
        "/facilities", params={"kind": "elderly_care"}, headers=api.auth("planner")
    ).json()
    assert fid in [f["id"] for f in listed["features"]]
    moved = api.client.put(
        f"/facilities/{fid}", json={**FAC, "radius_m": 300}, headers=api.auth("admin")
    )
    assert moved.json()["properties"]["radius_m"] == 300
    assert api.client.delete(f"/facilities/{fid}", headers=api.auth("admin")).status_code == 204
    assert api.client.get(f"/facilities/{fid}", headers=api.auth("admin")).status_code == 404
    bad = api.client.post("/facilities", json={**FAC, "kind": "castle"}, headers=api.auth("admin"))
    assert bad.status_code == 400 and bad.json()["field"] == "kind"
    kinds = api.client.get("/facilities/kinds", headers=api.auth("planner")).json()
    assert len(kinds) == 9


def test_workload_endpoint(api):
    r = api.client.post(
        "/cases",
        json={"category": "exposed_refuse", "lon": 106.7135, "lat": 26.5895},
        headers=api.auth("dispatcher"),
    )
    assert r.status_code == 201
    params = {
        "level": "community",
        "from": "2000-01-01T00:00:00+08:00",
        "to": "2100-01-01T00:00:00+08:00",
    }
    rep = api.client.get("/stats/workload", params=params, headers=api.auth("planner"))
    assert rep.status_code == 200, rep.text
    body = rep.json()
    assert body["level"] == "community" and len(body["rows"]) == 26
    assert set(body["imbalance"]) == {"cv", "gini"}
    assert sum(x["received"] for x in body["rows"]) >= 1
    keys = {
        "code",
        "name",
        "received",
        "open",
        "closed",
        "closed_on_time",
        "on_time_rate",
        "overdue",
        "returned",
        "reworked",
        "handling_hours_p50",
        "handling_hours_p90",
        "per_1000_residents",
        "open_per_worker",
    }
    assert keys <= set(body["rows"][0])
    grids = api.client.get(
        "/stats/workload", params={**params, "level": "grid"}, headers=api.auth("planner")
    ).json()
    assert len(grids["rows"]) == 1254
    assert (
        api.client.get("/stats/workload", params=params, headers=api.auth("worker")).status_code
        == 403
    )


@pytest.mark.parametrize(
    "params",
    [
        {"level": "planet", "from": "2026-01-01T00:00+08:00", "to": "2026-02-01T00:00+08:00"},
        {"level": "grid", "from": "2026-02-01T00:00+08:00", "to": "2026-01-01T00:00+08:00"},
        {"level": "grid", "from": "2026-01-01T00:00", "to": "2026-02-01T00:00"},
        {"level": "grid", "from": "yesterday", "to": "2026-02-01T00:00+08:00"},
    ],
)
def test_workload_bad_parameters_are_400(api, params):
    r = api.client.get("/stats/workload", params=params, headers=api.auth("planner"))
    assert r.status_code == 400, r.text


def test_coverage_and_siting(api):
    for lon, lat in ((106.7135, 26.5895), (106.66, 26.59)):
        r = api.client.post(
            "/facilities",
            headers=api.auth("admin"),
            json={"kind": "health_station", "name": "卫生站", "lon": lon, "lat": lat},
        )
        assert r.status_code == 201
    cov = api.client.get(
        "/analysis/coverage",
        params={"kind": "health_station", "threshold": 0.5},
        headers=api.auth("planner"),
    )
    assert cov.status_code == 200, cov.text
    body = cov.json()
    assert body["radius_m"] == 1000 and len(body["grids"]) == 1254
    assert len(body["communities"]) == 26
    assert 0 < body["covered_population"] < body["population"] == 1_056_819
    shares = {g["code"]: g["covered_area_share"] for g in body["grids"]}
    assert set(body["underserved"]) == {c for c, s in shares.items() if s < 0.5}
    assert {
        "code",
        "community_code",
        "population",
        "covered_area_share",
        "covered_population",
    } <= set(body["grids"][0])
    assert {"code", "name", "population", "covered_population", "covered_share"} <= set(
        body["communities"][0]
    )
    site = api.client.get(
        "/analysis/siting",
        params={"kind": "health_station", "count": 2},
        headers=api.auth("planner"),
    ).json()
    assert len(site["sites"]) == 2 and site["sites"][0]["gain"] >= site["sites"][1]["gain"]
    assert site["after"]["covered_population"] > site["before"]["covered_population"]
    assert site["before"]["covered_population"] == pytest.approx(body["covered_population"])
    assert all(s["grid_code"] for s in site["sites"])
    bad = api.client.get(
        "/analysis/coverage", params={"kind": "castle"}, headers=api.auth("planner")
    )
    assert bad.status_code == 400 and bad.json()["field"] == "kind"


def test_gazetteer_import_geocode_and_intake(api, tmp_path):
    from click.testing import CliRunner

    from api.cli import main

    src = tmp_path / "gaz.csv"
    src.write_text(
        "address,lon,lat\n中华北路1号,106.7135,26.5895\n松山路59号,106.71,26.59\n",
        encoding="gb18030",
    )
    env = {"GRIDMGR_DATABASE_URL": api.url}
    r = CliRunner().invoke(main, ["gazetteer", "import", str(src)], env=env)
    assert r.exit_code == 0 and "2 addresses" in r.output, r.output
    bad = tmp_path / "bad.csv"
    bad.write_text("address,lon,lat\n,106.7,26.6\n某路,abc,26.6\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["gazetteer", "import", str(bad)], env=env)
    assert r.exit_code == 1 and "line 2" in r.output and "line 3" in r.output
    api.client.app.state.gridmgr.gazetteer(fresh=True)  # as a minute later
    g = api.client.get(
        "/geocode", params={"address": "云岩区 中华北路1號"}, headers=api.auth("dispatcher")
    ).json()
    assert g["placed"] and g["candidates"][0]["address"] == "中华北路1号"
    fuzzy = api.client.get(
        "/geocode", params={"address": "松山路5"}, headers=api.auth("dispatcher")
    ).json()
    assert not fuzzy["placed"] and fuzzy["candidates"][0]["score"] < 90
    made = api.client.post(
        "/cases",
        json={"category": "elderly_visit", "address": "中华北路1号"},
        headers=api.auth("dispatcher"),
    ).json()
    assert made["flags"]["needs_location"] is False and made["grid_code"]
