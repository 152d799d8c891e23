"""Failed sign-ins per client address: 429 with Retry-After, valid requests untouched."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth.throttle import Throttle
from api.settings import Settings
from tests.api.conftest import BACKENDS, make_tokens
from tests.console.conftest import hidden


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_sliding_window():
    clock = Clock()
    throttle = Throttle(3, 10.0, clock=clock)
    for _ in range(2):
        throttle.failed("a")
    assert throttle.retry_after("a") is None
    clock.now += 4
    throttle.failed("a")
    assert throttle.retry_after("a") == 6  # now 1004; the oldest of the three leaves at 1010
    assert throttle.retry_after("b") is None  # another address is not touched
    clock.now += 6.5
    assert throttle.retry_after("a") is None  # the first two left the window
    throttle.failed("a")
    throttle.failed("a")
    assert throttle.retry_after("a") == 4  # 1004 + 10 - 1010.5, rounded up


def test_addresses_kept_are_bounded():
    throttle = Throttle(1, 60.0, max_addresses=3)
    for i in range(5):
        throttle.failed(f"10.0.0.{i}")
    assert throttle.retry_after("10.0.0.0") is None  # forgotten first
    assert throttle.retry_after("10.0.0.4") is not None


@pytest.mark.parametrize("backend", BACKENDS)
def test_api_401s_are_throttled_per_address(request, backend):
    url = request.getfixturevalue(f"initialised_{backend}")()
    tokens = make_tokens(url)
    good = {"Authorization": f"Bearer {tokens['dispatcher']}"}
    bad = {"Authorization": "Bearer gm_00000000_not-a-token"}
    app = create_app(Settings(database_url=url))
    with (
        TestClient(app, client=("192.0.2.1", 5000)) as attacker,
        TestClient(app, client=("192.0.2.2", 5000)) as someone,
    ):
        app.state.gridmgr.throttle = Throttle(3, 60.0)
        for _ in range(10):  # valid requests count for nothing
            assert attacker.get("/cases?limit=1", headers=good).status_code == 200
        for headers in (bad, {}, bad):  # a wrong token and no token both count
            assert attacker.get("/cases?limit=1", headers=headers).status_code == 401
        refused = attacker.get("/cases?limit=1", headers=bad)
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert tokens["dispatcher"] not in refused.text
        # another address is served as before, failures and all
        assert someone.get("/cases?limit=1", headers=good).status_code == 200
        assert someone.get("/cases?limit=1", headers=bad).status_code == 401
        # requests that need no token are not throttled
        assert attacker.get("/health").status_code == 200


@pytest.mark.parametrize("backend", BACKENDS)
def test_console_sign_ins_are_throttled_per_address(request, backend):
    url = request.getfixturevalue(f"initialised_{backend}")()
    tokens = make_tokens(url)
    app = create_app(Settings(database_url=url, basemap="none"))

    def sign_in(client: TestClient, token: str):
        form = client.get("/console/login")
        return client.post(
            "/console/login",
            follow_redirects=False,
            data={"token": token, "csrf": hidden(form.text, "csrf")},
        )

    with (
        TestClient(app, client=("192.0.2.1", 5000)) as attacker,
        TestClient(app, client=("192.0.2.2", 5000)) as someone,
    ):
        app.state.gridmgr.throttle = Throttle(3, 60.0)
        for i in range(3):
            assert sign_in(attacker, f"gm_guess_{i}").status_code == 401
        refused = sign_in(attacker, tokens["dispatcher"])  # even a good token waits now
        assert refused.status_code == 429 and "Retry-After" in refused.headers
        assert "session" not in " ".join(refused.cookies.keys())
        assert sign_in(someone, tokens["dispatcher"]).status_code == 303
