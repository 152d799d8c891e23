"""JSON true/false where a number is expected is a 400 naming the field, on both backends."""

import pytest

CASE = {"category": "exposed_refuse", "lon": 106.7125, "lat": 26.5842}
FACILITY = {"kind": "elderly_care", "name": "养老站", "lon": 106.7135, "lat": 26.5895}


def _refused(r, field):
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["field"] == field and problem["detail"].startswith(f"{field}: "), problem


@pytest.mark.parametrize(("field", "value"), [("lon", True), ("lat", False), ("lon", "106.7")])
def test_new_case(api, field, value):
    r = api.client.post("/cases", json={**CASE, field: value}, headers=api.auth("dispatcher"))
    _refused(r, field)


def test_place_action(api):
    body = {"category": "exposed_refuse", "address": "某处", "description": "x"}
    created = api.client.post("/cases", json=body, headers=api.auth("dispatcher"))
    assert created.status_code == 201, created.text
    r = api.client.post(
        f"/cases/{created.json()['id']}/actions/place",
        json={"lon": True, "lat": 26.5842},
        headers={**api.auth("dispatcher"), "If-Match": created.headers["etag"]},
    )
    _refused(r, "lon")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"points": [[True, 26.6]]}, "points.0.0"),
        ({"points": [[106.7, 26.6], [106.7, False]]}, "points.1.1"),
        ({"points": [[106.7, 26.6]], "generation": True}, "generation"),
    ],
)
def test_locate_batch(api, body, field):
    _refused(api.client.post("/locate", json=body, headers=api.auth("planner")), field)


def test_locate_batch_still_takes_numbers_and_text(api):
    body = {"points": [[106.7125, 26.5842], ["106.7125", "26.5842"], [107, 27], ["abc", 1]]}
    r = api.client.post("/locate", json=body, headers=api.auth("planner"))
    assert r.status_code == 200, r.text
    assert [x["status"] for x in r.json()["results"]][3] == "invalid"


@pytest.mark.parametrize(
    ("field", "value"), [("lon", True), ("lat", False), ("radius_m", True), ("capacity", True)]
)
def test_facilities(api, field, value):
    body = {**FACILITY, field: value}
    _refused(api.client.post("/facilities", json=body, headers=api.auth("admin")), field)
    _refused(api.client.put("/facilities/1", json=body, headers=api.auth("admin")), field)


def test_facility_with_numbers_is_still_created(api):
    body = {**FACILITY, "radius_m": 500, "capacity": 30}
    r = api.client.post("/facilities", json=body, headers=api.auth("admin"))
    assert r.status_code == 201, r.text
