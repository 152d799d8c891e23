"""The console's case pages through TestClient, on both backends: filing (idempotent), the
preview, the workflow by forms, stale pages, communities, revealing, the queue's order."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from geo.cases.workflow import Actor

from .conftest import GRID, WORKER, grid_point, hidden

CHINA_TIME = ZoneInfo("Asia/Shanghai")  # the district's default zone

JSON = {"Accept": "application/json"}
ADMIN = Actor("test", "admin")


def _trail(html: str) -> list[str]:
    return re.findall(r'<li data-action="(\w+)">', html)


def test_preview_shows_what_auto_dispatch_then_does(console):
    csrf = console.sign_in("dispatcher")
    lon, lat = grid_point()
    r = console.client.get(
        "/console/preview",
        headers=JSON,
        params={"lon": lon, "lat": lat, "crs": "wgs84", "category": "streetlight_out"},
    )
    assert r.status_code == 200, r.text
    p = r.json()
    assert (p["grid_code"], p["community_code"], p["community_name"]) == (
        GRID,
        "520103400",
        "中华社区",
    )
    assert [w["id"] for w in p["grid_workers"]] == [WORKER]
    assert p["grid_geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert p["community_map"] == "/maps/communities/520103400"
    case_id = console.file(csrf, category="streetlight_out", auto_dispatch="true")
    case = console.state.cases.get(case_id, ADMIN)
    assert case.status == "dispatched"
    assert (case.assignee_id, case.assign_reason) == (p["assignee"]["id"], p["assignee"]["reason"])
    again = console.client.get(
        "/console/preview",
        headers=JSON,
        params={"lon": lon, "lat": lat, "category": "streetlight_out"},
    ).json()
    assert again["duplicate_of"] == {"id": case_id, "url": f"/console/cases/{case_id}"}
    bad = console.client.get("/console/preview", headers=JSON, params={"lon": "x", "lat": lat})
    assert bad.status_code == 400 and bad.headers["content-type"] == "application/problem+json"


def test_filing_twice_with_one_key_files_one_case(console):
    csrf = console.sign_in("dispatcher")
    page = console.client.get("/console/cases/new")
    assert "/static/maps/leaflet/leaflet.js" in page.text and "cdn" not in page.text.lower()
    key = hidden(page.text, "idempotency_key")
    lon, lat = grid_point()
    form = {
        "csrf": csrf,
        "idempotency_key": key,
        "category": "illegal_posters",
        "lon": str(lon),
        "lat": str(lat),
        "crs": "wgs84",
        "description": "小广告",
    }
    first = console.client.post("/console/cases", data=form, follow_redirects=False)
    second = console.client.post("/console/cases", data=form, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    posters = console.state.cases.find(ADMIN, category="illegal_posters", limit=10)
    # the key is stored in its token's scope (token id, then the key)
    scoped = f"{console.people['dispatcher'][1]}:{key}"
    assert len(posters) == 1 and posters[0].idempotency_key == scoped
    changed = console.client.post("/console/cases", data={**form, "description": "别的"})
    assert changed.status_code == 422 and "Idempotency" in changed.text


def test_a_bad_form_comes_back_with_its_values_and_the_reason(console):
    csrf = console.sign_in("dispatcher")
    page = console.client.get("/console/cases/new")
    r = console.client.post(
        "/console/cases",
        data={
            "csrf": csrf,
            "idempotency_key": hidden(page.text, "idempotency_key"),
            "category": "exposed_refuse",
            "lon": "106.7",
            "lat": "",
            "description": "留着我",
        },
    )
    assert r.status_code == 400
    assert "give both lon and lat" in r.text and "留着我" in r.text


def test_the_workflow_by_forms_ends_closed_with_five_events(console):
    csrf = console.sign_in("dispatcher")
    case_id = console.file(csrf)
    assert console.act(csrf, case_id, "register", 1).status_code == 303
    r = console.act(csrf, case_id, "dispatch", 2, next="/console/queue")
    assert r.status_code == 303
    assert r.headers["location"] == f"/console/queue?done=dispatch&case={case_id}"
    wcsrf = console.sign_in("worker")
    mine = console.client.get("/console/mine").text
    assert f'id="case-{case_id}"' in mine
    missing_note = console.act(wcsrf, case_id, "handle", 3)
    assert missing_note.status_code == 409 and "needs a note" in missing_note.text
    assert console.act(wcsrf, case_id, "handle", 3, note="已清理").status_code == 303
    csrf = console.sign_in("dispatcher")
    assert console.act(csrf, case_id, "verify", 4).status_code == 303
    page = console.client.get(f"/console/cases/{case_id}")
    assert page.status_code == 200
    assert _trail(page.text) == ["intake", "register", "dispatch", "handle", "verify"]
    assert "已结案" in page.text and "按期结案" in page.text
    assert [e.action for e in console.state.cases.events(case_id, ADMIN)] == [
        "intake",
        "register",
        "dispatch",
        "handle",
        "verify",
    ]


def test_a_stale_page_is_told_to_reload_and_changes_nothing(console):
    csrf = console.sign_in("dispatcher")
    case_id = console.file(csrf)
    seen = console.client.get(f"/console/cases/{case_id}").text
    version = int(hidden(seen, "version"))
    assert console.act(csrf, case_id, "register", version).status_code == 303
    r = console.act(csrf, case_id, "reject", version, note="重复")  # the page read earlier
    assert r.status_code == 412
    assert "此案件已被他人更改，请刷新" in r.text and f'href="/console/cases/{case_id}"' in r.text
    case = console.state.cases.get(case_id, ADMIN)
    assert (case.status, case.version) == ("registered", version + 1)
    now = console.client.get(f"/console/cases/{case_id}/version", headers=JSON).json()
    assert now == {"id": case_id, "version": version + 1}


def test_a_worker_sees_only_their_own_community(console):
    csrf = console.sign_in("dispatcher")
    own = console.file(csrf)
    other = console.file(csrf, point=grid_point("520103401001001"))
    wcsrf = console.sign_in("worker")
    page = console.client.get(f"/console/cases/{own}")
    assert page.status_code == 200
    assert "张*" in page.text and "138****5678" in page.text and "13812345678" not in page.text
    assert 'id="reveal"' not in page.text  # not assigned to them
    r = console.client.get(f"/console/cases/{other}")
    assert r.status_code == 404 and "未找到" in r.text and "138" not in r.text
    assert 'id="reload"' not in r.text  # nothing to reload: it does not exist for them
    assert console.client.get(f"/console/cases/{other}/version", headers=JSON).status_code == 404
    assert console.act(wcsrf, other, "handle", 1, note="x").status_code == 404
    r = console.client.post(f"/console/cases/{own}/reveal", headers={**JSON, "X-CSRF-Token": wcsrf})
    assert r.status_code == 403


def test_revealing_the_reporter_is_audited(console):
    csrf = console.sign_in("dispatcher")
    case_id = console.file(csrf)
    page = console.client.get(f"/console/cases/{case_id}").text
    assert 'id="reveal"' in page and "13812345678" not in page
    r = console.client.post(
        f"/console/cases/{case_id}/reveal", headers={**JSON, "X-CSRF-Token": csrf}
    )
    assert r.status_code == 200 and r.json() == {"name": "张三", "phone": "13812345678"}
    assert r.headers["cache-control"] == "no-store"
    actions = [e.action for e in console.state.cases.events(case_id, ADMIN)]
    assert actions == ["intake", "reveal_reporter"]


def test_the_queue_puts_overdue_cases_first(console, monkeypatch):
    monday = datetime(2026, 11, 2, 9, 0, tzinfo=CHINA_TIME)
    monkeypatch.setattr(console.state.cases, "now", lambda: monday)
    csrf = console.sign_in("dispatcher")
    slow = console.file(csrf, category="illegal_dumping")  # 1 working day
    fast = console.file(csrf, category="overflowing_bin")  # 4 working hours
    for case_id in (slow, fast):
        assert console.act(csrf, case_id, "register", 1).status_code == 303
    monkeypatch.setattr(console.state.cases, "now", lambda: monday + timedelta(hours=7))
    html = console.client.get("/console/queue?status=registered&community=520103400").text
    order = [int(i) for i in re.findall(r'<article class="case-card" id="case-(\d+)"', html)]
    assert order.index(fast) < order.index(slow)
    assert "已超期 1.0 工作小时" in html and "剩余 2.0 工作小时" in html
    only = console.client.get("/console/queue?status=registered&overdue=true").text
    assert f'id="case-{fast}"' in only and f'id="case-{slow}"' not in only
    other = console.client.get("/console/queue?community=520103401").text
    assert f'id="case-{fast}"' not in other


def test_a_second_submit_waits_for_the_first_and_gets_its_case(console):
    import threading
    import time

    csrf = console.sign_in("dispatcher")
    page = console.client.get("/console/cases/new")
    key = hidden(page.text, "idempotency_key")
    lon, lat = grid_point()
    form = {
        "csrf": csrf,
        "idempotency_key": key,
        "category": "waterlogging",
        "lon": str(lon),
        "lat": str(lat),
    }
    first = console.client.post("/console/cases", data=form, follow_redirects=False)
    running = f"{console.people['dispatcher'][1]}:{key}"  # the key in its token's scope
    with console.state.in_flight_lock:  # as if the first submit were still running
        console.state.in_flight.add(running)
    threading.Timer(0.4, lambda: console.state.in_flight.discard(running)).start()
    started = time.monotonic()
    second = console.client.post("/console/cases", data=form, follow_redirects=False)
    assert time.monotonic() - started >= 0.4
    assert second.status_code == 303
    assert second.headers["location"] == first.headers["location"]
    assert len(console.state.cases.find(ADMIN, category="waterlogging", limit=10)) == 1


def test_an_address_only_case_is_placed_from_its_page(console):
    csrf = console.sign_in("dispatcher")
    page = console.client.get("/console/cases/new")
    r = console.client.post(
        "/console/cases",
        follow_redirects=False,
        data={
            "csrf": csrf,
            "idempotency_key": hidden(page.text, "idempotency_key"),
            "category": "fire_hazard",
            "address": "无此地址 123 号",
        },
    )
    case_id = int(re.match(r"/console/cases/(\d+)", r.headers["location"]).group(1))
    html = console.client.get(f"/console/cases/{case_id}").text
    assert 'id="place-form"' in html and "待定位" in html
    lon, lat = grid_point()
    r = console.client.post(
        f"/console/cases/{case_id}/place",
        follow_redirects=False,
        data={
            "csrf": csrf,
            "version": hidden(html, "version"),
            "lon": str(lon),
            "lat": str(lat),
            "crs": "wgs84",
        },
    )
    assert r.status_code == 303
    case = console.state.cases.get(case_id, ADMIN)
    assert (case.grid_code, case.needs_location, case.status) == (GRID, False, "reported")
    stale = console.client.post(
        f"/console/cases/{case_id}/place",
        data={"csrf": csrf, "version": "1", "lon": str(lon), "lat": str(lat)},
    )
    assert stale.status_code == 412 and "此案件已被他人更改" in stale.text


def test_a_dispatcher_reassigns_a_dispatched_case(console):
    csrf = console.sign_in("dispatcher")
    case_id = console.file(csrf, category="streetlight_out", auto_dispatch="true")
    case = console.state.cases.get(case_id, ADMIN)
    assert case.assignee_id == WORKER
    page = console.client.get(f"/console/cases/{case_id}").text
    form = page[page.index('value="reassign"') - 400 : page.index('value="reassign"') + 900]
    assert '<select name="assignee_id"' in form and " required" in form
    others = [w for w in console.state.store.workers(community_code="520103400") if w.id != WORKER]
    r = console.act(csrf, case_id, "reassign", case.version, assignee_id=others[0].id)
    assert r.status_code in (200, 303), r.text
    moved = console.state.cases.get(case_id, ADMIN)
    assert (moved.status, moved.assignee_id) == ("dispatched", others[0].id)
    trail = _trail(console.client.get(f"/console/cases/{case_id}").text)
    assert trail[-1] == "reassign"
