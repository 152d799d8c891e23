"""An Idempotency-Key belongs to the token that sent it (POST /cases, both backends)."""

from __future__ import annotations

import pytest

from api.state import scoped_key
from tests.console.conftest import grid_point


def test_the_same_key_from_another_token_is_another_request(api):
    lon, lat = grid_point()
    key = {"Idempotency-Key": "shared-key-1"}
    body = {"category": "street_vending", "lon": lon, "lat": lat, "description": "甲"}
    first = api.client.post("/cases", json=body, headers={**api.auth("dispatcher"), **key})
    assert first.status_code == 201
    # another caller, same key and body: a case of its own, not the first caller's
    other = api.client.post("/cases", json=body, headers={**api.auth("admin"), **key})
    assert other.status_code == 201 and "idempotent-replayed" not in other.headers
    assert other.json()["id"] != first.json()["id"]
    # another caller, same key, other content: no conflict with the first caller's request
    third = api.client.post(
        "/cases", json={**body, "description": "乙"}, headers={**api.auth("open311"), **key}
    )
    assert third.status_code == 201 and third.json()["id"] not in (
        first.json()["id"],
        other.json()["id"],
    )
    # each caller's retry still replays its own case
    for who, case in (("dispatcher", first), ("admin", other)):
        again = api.client.post("/cases", json=body, headers={**api.auth(who), **key})
        assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
        assert again.json()["id"] == case.json()["id"]


def test_scoped_keys():
    assert scoped_key("a1b2c3d4", "k") == "a1b2c3d4:k"
    assert scoped_key(None, "k") == "*:k"
    assert scoped_key("a1b2c3d4", None) is None and scoped_key("a1b2c3d4", "") is None
    with pytest.raises(ValueError):
        scoped_key("a:b", "c")
