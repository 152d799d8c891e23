"""Two app processes on one PostGIS database behave as one for an Idempotency-Key: the same
request sent to both at once (a client retrying through a load balancer while its first try
is still running) files one case. One process refuses a second in-flight request with its
key (409); across processes the database decides: the unique key makes the later INSERT wait
for the first to commit and then answer with its case."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import psycopg2
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests.api.conftest import make_tokens
from tests.console.conftest import grid_point

pytestmark = pytest.mark.postgis


def _waiting_on_locks(url: str) -> int:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            return int(cur.fetchone()[0])
    finally:
        conn.close()


def _until(what: str, done: Callable[[], bool], timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not done():
        assert time.monotonic() < deadline, f"not within {timeout_s} s: {what}"
        time.sleep(0.05)


@pytest.mark.parametrize("same_body", [True, False], ids=["retry", "other-content"])
def test_one_key_sent_to_two_nodes_at_once_files_one_case(
    initialised_postgis: Callable[[], str], same_body: bool
) -> None:
    url = initialised_postgis()
    auth = {"Authorization": f"Bearer {make_tokens(url)['dispatcher']}"}
    lon, lat = grid_point()
    body: dict[str, Any] = {"category": "street_vending", "lon": lon, "lat": lat}
    bodies = [{**body, "description": "甲"}, {**body, "description": "甲" if same_body else "乙"}]
    headers = {**auth, "Idempotency-Key": "two-nodes-1"}
    answers: dict[int, httpx.Response] = {}

    with (
        TestClient(create_app(Settings(database_url=url, db_pool=2))) as node_a,
        TestClient(create_app(Settings(database_url=url, db_pool=2))) as node_b,
    ):
        # Both requests are held at their INSERT until both are in flight.
        locker = psycopg2.connect(url)
        with locker.cursor() as cur:
            cur.execute("LOCK TABLE cases IN EXCLUSIVE MODE")  # reads go on, inserts wait
        threads = []
        for i, node in enumerate((node_a, node_b)):

            def send(i: int = i, node: TestClient = node) -> None:
                answers[i] = node.post("/cases", json=bodies[i], headers=headers)

            threads.append(threading.Thread(target=send))
            threads[-1].start()
            _until(f"request {i + 1} waits", lambda n=i + 1: _waiting_on_locks(url) == n)
        locker.rollback()
        locker.close()
        for t in threads:
            t.join(30)

    statuses = sorted(r.status_code for r in answers.values())
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM cases WHERE idempotency_key LIKE '%:two-nodes-1'")
            assert cur.fetchone()[0] == 1
    finally:
        conn.close()
    if same_body:
        assert statuses == [201, 201]
        assert answers[0].json()["id"] == answers[1].json()["id"]
        replayed = sorted(r.headers.get("idempotent-replayed", "") for r in answers.values())
        assert replayed == ["", "true"]
    else:  # the same key with other content: one case, the other request refused
        assert statuses == [201, 422]
