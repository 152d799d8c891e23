"""Revoking a token refuses its very next request in every app sharing the database."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests.api.conftest import BACKENDS, make_tokens


@pytest.mark.parametrize("backend", BACKENDS)
def test_revoked_through_one_app_refused_by_the_other_at_once(request, backend):
    url = request.getfixturevalue(f"initialised_{backend}")()
    tokens = make_tokens(url)
    auth = {"Authorization": f"Bearer {tokens['dispatcher']}"}
    with (
        TestClient(create_app(Settings(database_url=url))) as one,
        TestClient(create_app(Settings(database_url=url))) as other,
    ):
        for client in (one, other):  # both have seen (and could remember) the token
            assert client.get("/cases", headers=auth).status_code == 200
        token_id = tokens["dispatcher"].split("_")[1]
        assert one.app.state.gridmgr.store.revoke_token(token_id)
        for client in (other, one):
            refused = client.get("/cases", headers=auth)
            assert refused.status_code == 401, refused.text
        # other tokens are unaffected
        admin = {"Authorization": f"Bearer {tokens['admin']}"}
        assert other.get("/cases", headers=admin).status_code == 200
