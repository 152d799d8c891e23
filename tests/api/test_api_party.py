"""/party routes on both backends: a community publishes a post, a member reports in and
claims it, hours are logged, figures count them; roles scoped to a community; data masked."""

import pytest

C400 = "520103400"
GRID = "520103400001001"  # a grid of 中华社区 (the worker token's community)
OTHER_GRID = "520103401001001"  # a grid of 中环社区


def test_publish_claim_log_and_count(api):
    c, worker = api.client, api.auth("worker")
    before = c.get(f"/party/figures?community={C400}", headers=worker).json()["rows"][0]
    r = c.post(
        "/party/posts",
        json={"community_code": C400, "grid_code": GRID, "title": "政策宣传", "kind": "政策宣传",
              "slots": 1},
        headers=worker,
    )  # fmt: skip
    assert r.status_code == 201, r.text
    post = r.json()
    assert post["kind"] == "policy_outreach" and post["kind_name"] == "政策宣传"
    assert r.headers["location"] == f"/party/posts/{post['id']}"
    r = c.post(
        "/party/members",
        json={"name": "张三丰", "phone": "13812345678", "org_code": "GOV-7",
              "community_code": C400, "skills": ["法律"]},
        headers=worker,
    )  # fmt: skip
    assert r.status_code == 201, r.text
    member = r.json()
    assert (member["name"], member["phone"]) == ("张**", "138****5678")
    listed = c.get("/party/members", headers=api.auth("admin")).json()["members"]
    assert "13812345678" not in str(listed) and "张三丰" not in str(listed)

    r = c.post(f"/party/posts/{post['id']}/claims", json={"member_id": member["id"]},
               headers=worker)  # fmt: skip
    assert r.status_code == 201 and r.json()["filled"] is True
    other = c.post(
        "/party/members", json={"name": "李四", "community_code": C400}, headers=worker
    ).json()
    r = c.post(f"/party/posts/{post['id']}/claims", json={"member_id": other["id"]},
               headers=worker)  # fmt: skip
    assert r.status_code == 409  # the one slot is taken
    r = c.post(
        f"/party/posts/{post['id']}/hours",
        json={"member_id": member["id"], "day": "2026-11-03", "hours": 2.5, "activity": "入户"},
        headers=worker,
    )
    assert r.status_code == 201, r.text
    r = c.post(
        f"/party/posts/{post['id']}/hours",
        json={"member_id": other["id"], "day": "2026-11-03", "hours": 1},
        headers=worker,
    )
    assert r.status_code == 409  # does not hold the post
    got = c.get(f"/party/posts/{post['id']}/hours", headers=worker).json()
    assert got["total"] == 2.5
    assert (
        c.get(f"/party/posts/{post['id']}", headers=worker).json()["claims"][0]["member_id"]
        == member["id"]
    )

    after = c.get(f"/party/figures?community={C400}", headers=api.auth("planner")).json()
    row = after["rows"][0]
    assert row["members"] == before["members"] + 2
    assert row["posts"] == before["posts"] + 1
    assert row["posts_filled"] == before["posts_filled"] + 1
    assert row["hours"] == pytest.approx(before["hours"] + 2.5)
    assert row["members_per_1000"] == pytest.approx(
        round(row["members"] * 1000 / row["population"], 3)
    )
    nov = f"/party/figures?community={C400}&from=2026-11-03&to=2026-11-04"
    assert c.get(nov, headers=worker).json()["rows"][0]["hours"] == pytest.approx(2.5)
    r = c.get(f"/party/figures?community={C400}&from=2026-11-04&to=2026-11-03", headers=worker)
    assert r.status_code == 400 and "to" in r.text
    grids = c.get(f"/party/figures?level=grid&community={C400}", headers=worker).json()
    assert {g["code"] for g in grids["rows"]} >= {GRID}


def test_roles_are_scoped_to_a_community(api):
    c = api.client
    body = {"community_code": C400, "grid_code": GRID, "title": "帮困", "kind": "assistance"}
    assert c.post("/party/posts", json=body, headers=api.auth("other_worker")).status_code == 403
    assert c.post("/party/posts", json=body, headers=api.auth("planner")).status_code == 403
    assert c.get("/party/posts", headers=api.auth("open311")).status_code == 403
    assert c.get("/party/posts").status_code == 401
    assert (
        c.get(f"/party/members?community={C400}", headers=api.auth("other_worker")).status_code
        == 403
    )
    wrong = {**body, "grid_code": OTHER_GRID}
    r = c.post("/party/posts", json=wrong, headers=api.auth("admin"))
    assert r.status_code == 400 and "grid_code" in r.text
    nowhere = {"name": "王五", "community_code": "520103499"}
    r = c.post("/party/members", json=nowhere, headers=api.auth("admin"))
    assert r.status_code == 400 and "community_code" in r.text
    member = {"name": "王五", "community_code": C400}
    assert (
        c.post("/party/members", json=member, headers=api.auth("other_worker")).status_code == 403
    )


def test_organisations_by_admin(api):
    c, admin = api.client, api.auth("admin")
    org = {"code": "API-1", "name": "中华社区党委", "kind": "党委", "lon": 106.7135, "lat": 26.5895}
    r = c.post("/party/organisations", json=org, headers=api.auth("worker"))
    assert r.status_code == 403
    r = c.post("/party/organisations", json=org, headers=admin)
    assert r.status_code == 201, r.text
    feature = r.json()
    assert feature["properties"]["community_code"] == C400
    assert feature["properties"]["kind_name"] == "党委"
    assert c.post("/party/organisations", json=org, headers=admin).status_code == 400  # code
    child = {"code": "API-2", "name": "支部", "kind": "branch", "parent_code": "API-NONE"}
    r = c.post("/party/organisations", json=child, headers=admin)
    assert r.status_code == 400 and "parent_code" in r.text
    child["parent_code"] = "API-1"
    r = c.post("/party/organisations", json=child, headers=admin)
    assert r.status_code == 201 and r.json()["geometry"] is None
    listed = c.get(f"/party/organisations?community={C400}", headers=api.auth("planner")).json()
    assert "API-1" in [f["properties"]["code"] for f in listed["features"]]
    kinds = c.get("/party/kinds", headers=admin).json()
    assert {
        "code": "building_group",
        "name_zh": "楼栋党小组",
        "name_en": "building party group",
    } in kinds["organisations"]


def test_documented_in_openapi(api):
    paths = api.client.get("/openapi.json").json()["paths"]
    for path in ("/party/organisations", "/party/posts/{post_id}/claims", "/party/figures"):
        assert path in paths
