"""The API against a PostGIS server that goes away: stopped (503 + Retry-After at once),
restarted (no error on the pooled connections it closed), frozen by SIGSTOP (``/health``
within 2 s, requests 503 within the connect and statement timeouts) and thawed (answers
again). The server is a private cluster (tests/pgcluster.py): the suite's shared one is never
touched."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests.api.conftest import make_tokens
from tests.pgcluster import PrivateCluster, initialised_cluster

pytestmark = pytest.mark.postgis

POOL = 3
STATEMENT_TIMEOUT_S = 1.0
CONNECT_TIMEOUT_S = 2  # in the cluster's URL


@pytest.fixture
def cluster() -> Iterator[PrivateCluster]:
    with initialised_cluster() as made:
        yield made


def _timed(client: TestClient, path: str, token: str | None = None) -> tuple[int, float, dict]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    start = time.monotonic()
    r = client.get(path, headers=headers)
    return r.status_code, time.monotonic() - start, {"headers": r.headers, "body": r.json()}


def test_database_stopped_restarted_frozen_and_thawed(cluster: PrivateCluster) -> None:
    token = make_tokens(cluster.url)["admin"]
    settings = Settings(
        database_url=cluster.url, db_pool=POOL, db_statement_timeout=STATEMENT_TIMEOUT_S
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        status, _, answer = _timed(client, "/health")
        assert status == 200 and answer["body"]["database"] == "reachable"
        for _ in range(POOL):
            assert _timed(client, "/cases?limit=1", token)[0] == 200

        # Stopped: 503, a problem with Retry-After, quickly; /health says so within 2 s.
        cluster.stop("fast")
        for _ in range(POOL + 1):
            status, took, answer = _timed(client, "/cases?limit=1", token)
            assert status == 503, answer
            assert took < 5
            assert answer["headers"]["content-type"] == "application/problem+json"
            assert answer["body"]["type"].endswith("/database-unavailable")
            assert int(answer["headers"]["retry-after"]) > 0
        status, took, answer = _timed(client, "/health")
        assert (status, answer["body"]["database"]) == (503, "unreachable")
        assert answer["headers"]["retry-after"]
        assert took < 2

        # Restarted: every pooled connection the old server closed is replaced, no error.
        cluster.start()
        codes = [_timed(client, "/cases?limit=1", token)[0] for _ in range(2 * POOL)]
        assert codes == [200] * (2 * POOL)
        assert _timed(client, "/health")[0] == 200

        # Frozen: /health answers within 2 s; a request on a pooled connection is cut after
        # the statement timeout, once a new connection has failed within the connect timeout.
        cluster.freeze()
        try:
            status, took, answer = _timed(client, "/health")
            assert (status, answer["body"]["database"]) == (503, "unreachable")
            assert took < 2
            status, took, answer = _timed(client, "/cases?limit=1", token)
            assert status == 503, answer
            assert answer["body"]["type"].endswith("/database-unavailable")
            assert took < STATEMENT_TIMEOUT_S + CONNECT_TIMEOUT_S + 2
            status, took, _ = _timed(client, "/health")
            assert status == 503 and took < 2
        finally:
            cluster.thaw()

        # Thawed: answers again, without a 500 on the connections cut while it was frozen.
        deadline = time.monotonic() + 10
        while _timed(client, "/health")[0] != 200:
            assert time.monotonic() < deadline, "no recovery within 10 s of SIGCONT"
            time.sleep(0.2)
        codes = [_timed(client, "/cases?limit=1", token)[0] for _ in range(2 * POOL)]
        assert codes == [200] * (2 * POOL)
