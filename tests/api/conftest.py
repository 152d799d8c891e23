"""An initialised database and a running app per backend, with a token per role."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth.tokens import new_token
from api.settings import Settings
from geo.store import open_store, parse_database_url
from geo.store.records import TokenRecord

BACKENDS = [
    pytest.param("duckdb", id="duckdb"),
    pytest.param("postgis", id="postgis", marks=pytest.mark.postgis),
]
WORKER = "W520103400001001"  # the worker of the first grid of 中华社区
OTHER_WORKER = "W520103401001001"  # a worker of 中环社区


@dataclass
class Api:
    client: TestClient
    url: str
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


def make_tokens(url: str) -> dict[str, str]:
    from datetime import UTC, datetime

    store = open_store(parse_database_url(url))
    out = {}
    try:
        specs = {
            "admin": ("admin", None, None),
            "dispatcher": ("dispatcher", None, None),
            "planner": ("planner", None, None),
            "open311": ("open311", None, None),
            "worker": ("worker", "520103400", WORKER),
            "other_worker": ("worker", "520103401", OTHER_WORKER),
        }
        for who, (role, community, worker) in specs.items():
            secret, tid, digest = new_token()
            store.add_token(
                TokenRecord(tid, role, who, community, worker, datetime.now(UTC)), digest
            )
            out[who] = secret
    finally:
        store.close()
    return out


@pytest.fixture(scope="module", params=BACKENDS)
def api(request):
    """The app on a private copy of the session's initialised database of each backend."""
    url = request.getfixturevalue(f"initialised_{request.param}")()
    tokens = make_tokens(url)
    with TestClient(create_app(Settings(database_url=url))) as client:
        yield Api(client, url, tokens)
