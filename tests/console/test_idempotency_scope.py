"""A console intake's Idempotency-Key belongs to the signed-in token (both backends)."""

from __future__ import annotations

from tests.console.conftest import grid_point, hidden


def test_console_intake_keys_are_the_signed_in_token_s(console):
    lon, lat = grid_point()
    ids = []
    for who in ("dispatcher", "dispatcher2"):
        csrf = console.sign_in(who)
        page = console.client.get("/console/cases/new")
        assert hidden(page.text, "idempotency_key")
        r = console.client.post(
            "/console/cases",
            follow_redirects=False,
            data={
                "csrf": csrf,
                "idempotency_key": "console-shared-key",  # the same key for both
                "category": "illegal_posters",
                "lon": str(lon),
                "lat": str(lat),
                "crs": "wgs84",
                "description": "小广告",
            },
        )
        assert r.status_code == 303, r.text
        ids.append(r.headers["location"])
    assert ids[0] != ids[1]  # two cases, one per signed-in token
