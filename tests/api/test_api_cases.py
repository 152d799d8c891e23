"""Cases through the HTTP API: roles, communities, ETags, idempotency, masking, problems."""

from concurrent.futures import ThreadPoolExecutor

import geopandas as gpd
import pytest

from geo import bundled

GRID = "520103400001001"


@pytest.fixture(scope="module")
def point():
    grids = gpd.read_file(bundled.BOUNDARIES_DIR / "grids.geojson")
    p = grids.loc[grids["code"] == GRID].geometry.iloc[0].representative_point()
    return p.x, p.y


def new_case(api, point, who="dispatcher", **extra):
    body = {
        "category": "exposed_refuse",
        "lon": point[0],
        "lat": point[1],
        "description": "垃圾",
        "reporter": {"name": "张三", "phone": "13812345678"},
        **extra,
    }
    r = api.client.post("/cases", json=body, headers=api.auth(who))
    assert r.status_code == 201, r.text
    return r


def act(api, case_id, action, who, etag, **body):
    return api.client.post(
        f"/cases/{case_id}/actions/{action}",
        json=body or None,
        headers={**api.auth(who), "If-Match": etag},
    )


def test_create_read_and_walk_the_workflow(api, point):
    r = new_case(api, point)
    case, etag = r.json(), r.headers["etag"]
    assert case["status"] == "reported" and case["grid_code"] == GRID
    assert case["reporter"] == {"name": "张*", "phone": "138****5678"}
    got = api.client.get(f"/cases/{case['id']}", headers=api.auth("planner"))
    assert got.headers["etag"] == etag
    for action, who in (("register", "dispatcher"), ("dispatch", "dispatcher")):
        r = act(api, case["id"], action, who, etag)
        assert r.status_code == 200, r.text
        etag = r.headers["etag"]
    assert r.json()["assignee"]["id"] == "W" + GRID
    r = act(api, case["id"], "handle", "worker", etag, note="已清理")
    assert r.status_code == 200, r.text
    r = act(api, case["id"], "verify", "dispatcher", r.headers["etag"])
    assert r.json()["status"] == "closed"
    events = api.client.get(f"/cases/{case['id']}/events", headers=api.auth("planner")).json()
    assert [e["action"] for e in events] == ["intake", "register", "dispatch", "handle", "verify"]
    assert all(e["at"].endswith("+08:00") for e in events)


# Who may do what: every role against every write.
WRITES = ["create", "register", "reject", "reveal"]
EXPECT = {
    "admin": {"create": 201, "register": 200, "reject": 200, "reveal": 200},
    "dispatcher": {"create": 201, "register": 200, "reject": 200, "reveal": 200},
    "worker": {"create": 201, "register": 403, "reject": 403, "reveal": 403},
    "other_worker": {"create": 201, "register": 404, "reject": 404, "reveal": 404},
    "planner": {"create": 403, "register": 403, "reject": 403, "reveal": 403},
    "open311": {"create": 201, "register": 403, "reject": 403, "reveal": 403},
}


@pytest.mark.parametrize("who", list(EXPECT))
@pytest.mark.parametrize("write", WRITES)
def test_role_matrix(api, point, who, write):
    if write == "create":
        body = {"category": "exposed_refuse", "lon": point[0], "lat": point[1]}
        r = api.client.post("/cases", json=body, headers=api.auth(who))
    else:
        made = new_case(api, point)
        cid, etag = made.json()["id"], made.headers["etag"]
        if write == "reveal":
            r = api.client.post(f"/cases/{cid}/reveal", headers=api.auth(who))
        else:
            r = act(api, cid, write, who, etag, note="理由")
    assert r.status_code == EXPECT[who][write], r.text
    if r.status_code >= 400:
        assert r.headers["content-type"].startswith("application/problem+json")
        assert {"type", "title", "detail"} <= set(r.json())


def test_worker_sees_only_their_community(api, point):
    cid = new_case(api, point).json()["id"]
    assert api.client.get(f"/cases/{cid}", headers=api.auth("other_worker")).status_code == 404
    mine = api.client.get("/cases", headers=api.auth("worker"), params={"limit": 500}).json()
    assert mine["cases"] and all(c["community_code"] == "520103400" for c in mine["cases"])
    theirs = api.client.get(
        "/cases", headers=api.auth("other_worker"), params={"community": "520103400"}
    ).json()
    assert theirs["cases"] == []


def test_etags_if_match_and_twenty_concurrent_writers(api, point):
    made = new_case(api, point)
    cid, etag = made.json()["id"], made.headers["etag"]
    missing = api.client.post(f"/cases/{cid}/actions/register", headers=api.auth("dispatcher"))
    assert missing.status_code == 428

    def register(_):
        return act(api, cid, "register", "dispatcher", etag).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        codes = list(pool.map(register, range(20)))
    assert sorted(codes) == [200] + [412] * 19
    stale = act(api, cid, "reject", "dispatcher", etag, note="x")
    assert stale.status_code == 412
    wrong_state = api.client.get(f"/cases/{cid}", headers=api.auth("dispatcher"))
    r = act(api, cid, "verify", "dispatcher", wrong_state.headers["etag"])
    assert r.status_code == 409 and "handled" in r.json()["detail"]


def test_idempotency_key(api, point):
    key = {"Idempotency-Key": "req-42"}
    body = {"category": "street_vending", "lon": point[0], "lat": point[1]}
    first = api.client.post("/cases", json=body, headers={**api.auth("dispatcher"), **key})
    again = api.client.post("/cases", json=body, headers={**api.auth("dispatcher"), **key})
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.headers.get("idempotent-replayed") == "true"
    other = api.client.post(
        "/cases", json={**body, "description": "另一件"}, headers={**api.auth("dispatcher"), **key}
    )
    assert other.status_code == 422


def test_masking_in_every_roles_responses_and_audited_reveal(api, point):
    cid = new_case(api, point).json()["id"]
    for who in ("admin", "dispatcher", "planner", "worker"):
        text = api.client.get(f"/cases/{cid}", headers=api.auth(who)).text
        assert "13812345678" not in text and "张三" not in text
        listed = api.client.get("/cases", headers=api.auth(who), params={"limit": 500}).text
        assert "13812345678" not in listed
    shown = api.client.post(f"/cases/{cid}/reveal", headers=api.auth("dispatcher")).json()
    assert shown == {"name": "张三", "phone": "13812345678"}
    events = api.client.get(f"/cases/{cid}/events", headers=api.auth("admin")).json()
    # Neither the number nor its masked form is written to the trail ("138" alone also
    # turns up in timestamps' microseconds).
    assert events[-1]["action"] == "reveal_reporter"
    assert "12345678" not in str(events) and "138****5678" not in str(events)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"category": "nope", "lon": 106.7, "lat": 26.6}, "category"),
        ({"category": "exposed_refuse"}, "location"),
        ({"category": "exposed_refuse", "lon": 106.7, "lat": 95}, "location"),
        ({"category": "exposed_refuse", "lon": 106.7, "lat": 26.6, "crs": "mars"}, "crs"),
        (
            {"category": "exposed_refuse", "lon": 106.7, "lat": 26.6, "description": "x" * 4001},
            "description",
        ),
    ],
)
def test_validation_problems_name_the_field(api, body, field):
    r = api.client.post("/cases", json=body, headers=api.auth("dispatcher"))
    assert r.status_code == 400, r.text
    problem = r.json()
    assert problem["field"] == field and problem["type"].endswith("invalid-input")


def test_list_filters_and_cursor_paging(api, point):
    for _ in range(5):
        new_case(api, point, category="illegal_parking")
    seen, cursor = [], 0
    while True:
        page = api.client.get(
            "/cases",
            headers=api.auth("planner"),
            params={"category": "illegal_parking", "limit": 2, "cursor": cursor},
        ).json()
        seen += [c["id"] for c in page["cases"]]
        if page["next"] is None:
            break
        cursor = page["next"]
    assert len(seen) == len(set(seen)) >= 5 and seen == sorted(seen)
    box = f"{point[0] - 0.001},{point[1] - 0.001},{point[0] + 0.001},{point[1] + 0.001}"
    inside = api.client.get(
        "/cases", headers=api.auth("planner"), params={"bbox": box, "limit": 500}
    ).json()["cases"]
    assert inside and all(c["grid_code"] == GRID for c in inside)
    bad = api.client.get("/cases", headers=api.auth("planner"), params={"bbox": "1,2,3"})
    assert bad.status_code == 400 and bad.json()["field"] == "bbox"
    assert (
        api.client.get("/cases", headers=api.auth("planner"), params={"limit": 501}).status_code
        == 400
    )
    overdue = api.client.get(
        "/cases", headers=api.auth("planner"), params={"overdue": "true"}
    ).json()["cases"]
    assert all(c["overdue"] for c in overdue)


def test_media_url_is_kept_and_shown_to_signed_in_readers(api, point):
    photo = "https://photos.example.org/a/垃圾.jpg"
    made = new_case(api, point, media_url=photo).json()
    assert made["media_url"] == photo
    for who in ("dispatcher", "planner", "worker"):
        got = api.client.get(f"/cases/{made['id']}", headers=api.auth(who))
        assert got.status_code == 200 and got.json()["media_url"] == photo, who
    assert new_case(api, point).json()["media_url"] is None
    bad = api.client.post(
        "/cases",
        json={"category": "exposed_refuse", "lon": point[0], "lat": point[1], "media_url": "x"},
        headers=api.auth("dispatcher"),
    )
    assert bad.status_code == 400 and bad.json()["field"] == "media_url"
    assert "http or https" in bad.json()["detail"]
