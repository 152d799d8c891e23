"""Signing in and out of the console, CSRF, revoked tokens and roles, on both backends."""

from __future__ import annotations

from api.auth.sessions import hash_session

from .conftest import hidden

JSON = {"Accept": "application/json"}


def _login_form(console):
    console.client.cookies.clear()
    return console.client.get("/console/login")


def test_sign_in_sets_a_safe_cookie_and_keeps_only_its_hash(console):
    form = _login_form(console)
    assert form.status_code == 200 and "访问令牌" in form.text
    r = console.client.post(
        "/console/login",
        follow_redirects=False,
        data={
            "token": console.people["dispatcher"][0],
            "csrf": hidden(form.text, "csrf"),
            "next": "/console/cases/new",
        },
    )
    assert r.status_code == 303 and r.headers["location"] == "/console/cases/new"
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("gm_console="))
    attrs = {a.strip().split("=")[0].lower() for a in cookie.split(";")}
    assert {"httponly", "path", "samesite"} <= attrs and "samesite=lax" in cookie.lower()
    session_id = console.session_id()
    assert session_id and console.people["dispatcher"][0] not in cookie
    record = console.state.store.session_by_hash(hash_session(session_id))
    assert record.token.id == console.people["dispatcher"][1]
    page = console.client.get("/console/queue")
    assert page.status_code == 200 and "案件队列" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-frame-options"] == "DENY"
    assert hidden(page.text, "csrf-token") == record.csrf


def test_sign_in_is_refused_without_the_form_token_or_with_a_bad_token(console):
    form = _login_form(console)
    good = console.people["dispatcher"][0]
    r = console.client.post(
        "/console/login", follow_redirects=False, data={"token": good, "csrf": "forged"}
    )
    assert r.status_code == 403 and console.session_id() is None
    r = console.client.post(
        "/console/login",
        follow_redirects=False,
        data={"token": good + "x", "csrf": hidden(form.text, "csrf")},
    )
    assert r.status_code == 401 and "令牌无效" in r.text and console.session_id() is None
    for who in ("planner",):  # tokens of roles without console pages
        r = console.client.post(
            "/console/login",
            follow_redirects=False,
            data={"token": console.people[who][0], "csrf": hidden(form.text, "csrf")},
        )
        assert r.status_code == 403 and console.session_id() is None


def test_a_return_address_must_be_a_console_page(console):
    for target in ("https://evil.example/", "//evil.example/console", "/maps/workload"):
        form = _login_form(console)
        r = console.client.post(
            "/console/login",
            follow_redirects=False,
            data={
                "token": console.people["worker"][0],
                "csrf": hidden(form.text, "csrf"),
                "next": target,
            },
        )
        assert r.headers["location"] == "/console/mine", target


def test_pages_need_a_session(console):
    console.client.cookies.clear()
    r = console.client.get("/console/queue?status=open", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/console/login?next=%2Fconsole%2Fqueue%3Fstatus%3Dopen"
    r = console.client.get("/console/preview?lon=106.7&lat=26.6", headers=JSON)
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    console.client.cookies.set("gm_console", "made-up")
    assert console.client.get("/console/queue", follow_redirects=False).status_code == 303


def test_signing_in_again_ends_the_earlier_session(console):
    console.sign_in("dispatcher")
    first = console.session_id()
    form = console.client.get("/console/login")  # the earlier cookie is still held
    r = console.client.post(
        "/console/login",
        follow_redirects=False,
        data={"token": console.people["worker"][0], "csrf": hidden(form.text, "csrf")},
    )
    assert r.status_code == 303 and console.session_id() != first
    assert console.state.store.session_by_hash(hash_session(first)) is None
    assert console.client.get("/console/mine").status_code == 200


def test_sign_out_ends_the_session_for_good(console):
    csrf = console.sign_in("dispatcher")
    session_id = console.session_id()
    r = console.client.post("/console/logout", follow_redirects=False)  # no CSRF token
    assert r.status_code == 403 and "页面已过期" in r.text
    assert console.state.store.session_by_hash(hash_session(session_id)) is not None
    r = console.client.post("/console/logout", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/console/login?bye=1"
    assert console.state.store.session_by_hash(hash_session(session_id)) is None
    console.client.cookies.set("gm_console", session_id)  # the old cookie, replayed
    assert console.client.get("/console/queue", follow_redirects=False).status_code == 303


def test_revoking_the_token_ends_its_sessions(console):
    console.sign_in("dispatcher2")
    assert console.client.get("/console/queue").status_code == 200
    assert console.state.store.revoke_token(console.people["dispatcher2"][1])
    r = console.client.get("/console/queue", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/console/login")


def test_state_changing_requests_need_the_session_csrf_token(console):
    csrf = console.sign_in("dispatcher")
    case_id = console.file(csrf)
    before = console.state.cases.get(case_id, _actor(console)).version
    for token in (None, "", "wrong", csrf + "x"):
        data = {"action": "register", "version": str(before)}
        if token is not None:
            data["csrf"] = token
        r = console.client.post(f"/console/cases/{case_id}/act", data=data, follow_redirects=False)
        assert r.status_code == 403, token
    r = console.client.post(f"/console/cases/{case_id}/reveal", headers=JSON)
    assert r.status_code == 403
    page = console.client.get("/console/cases/new")
    r = console.client.post(
        "/console/cases",
        follow_redirects=False,
        data={
            "csrf": "wrong",
            "idempotency_key": hidden(page.text, "idempotency_key"),
            "category": "exposed_refuse",
            "lon": "106.7",
            "lat": "26.6",
        },
    )
    assert r.status_code == 403
    after = console.state.cases.get(case_id, _actor(console))
    assert after.version == before and after.status == "reported"
    assert console.act(csrf, case_id, "register", before).status_code == 303


def test_roles_see_their_own_pages(console):
    console.sign_in("worker")
    for path in ("/console/queue", "/console/cases/new"):
        r = console.client.get(path)
        assert r.status_code == 403 and "无权" in r.text, path
    r = console.client.get("/console/preview?lon=106.7&lat=26.6", headers=JSON)
    assert r.status_code == 403
    assert console.client.get("/console/mine").status_code == 200
    assert (
        console.client.get("/console", follow_redirects=False).headers["location"]
        == "/console/mine"
    )
    console.sign_in("dispatcher")
    assert console.client.get("/console/mine").status_code == 403
    assert (
        console.client.get("/console", follow_redirects=False).headers["location"]
        == "/console/queue"
    )


def _actor(console):
    from geo.cases.workflow import Actor

    return Actor("test", "admin")
