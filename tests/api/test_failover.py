"""Failover without a restart: the app connected with a libpq multi-host URL
(``target_session_attrs=read-write``) to a primary and its synchronous streaming-replication
standby, two private clusters on loopback (tests/pgcluster.py). The primary stops at once
(``pg_ctl stop -m immediate``) while a POST waits on a lock: that POST, and every request
until the standby is promoted, is answered 503 with Retry-After; after ``pg_ctl promote`` the
same app writes to the new primary, the interrupted POST retried with its Idempotency-Key is
filed once, and every case answered 201 before the stop is there, not filed again. Under a
steady stream of POSTs from four clients the same holds for every key, none lost or doubled."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

import httpx
import psycopg2
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth.tokens import new_token
from api.settings import Settings
from geo.errors import StoreUnavailableError
from geo.store.postgis import PostgisStore
from geo.store.records import TokenRecord
from tests.api.conftest import make_tokens
from tests.console.conftest import grid_point
from tests.pgcluster import DB_NAME, PrivateCluster, initialised_cluster

pytestmark = pytest.mark.postgis

POOL = 3
BEFORE = 5  # cases filed before the failover


def _wait(what: str, done: Any, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not done():
        assert time.monotonic() < deadline, f"not within {timeout_s} s: {what}"
        time.sleep(0.1)


@pytest.fixture
def pair() -> Iterator[tuple[PrivateCluster, PrivateCluster]]:
    """An initialised primary and its standby, replicating synchronously (a commit returns
    once the standby has it)."""
    with initialised_cluster() as primary:
        standby = PrivateCluster(standby_of=primary)
        try:
            # Set after the base backup: the standby, once promoted, waits for no one.
            primary.sql("ALTER SYSTEM SET synchronous_standby_names = '*'")
            primary.sql("ALTER SYSTEM SET synchronous_commit = 'on'")
            primary.sql("SELECT pg_reload_conf()")
            _wait(
                "the standby replicates synchronously",
                lambda: primary.sql("SELECT sync_state FROM pg_stat_replication") == [("sync",)],
            )
            yield primary, standby
        finally:
            standby.close()


def _multi_host_url(*clusters: PrivateCluster) -> str:
    hosts = ",".join(f"127.0.0.1:{c.port}" for c in clusters)
    return (
        f"postgresql://postgres@{hosts}/{DB_NAME}?target_session_attrs=read-write&connect_timeout=2"
    )


def _assert_unavailable(r: httpx.Response) -> None:
    assert r.status_code == 503, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"].endswith("/database-unavailable")
    assert int(r.headers["retry-after"]) > 0


def _cases_with_key(cluster: PrivateCluster, key: str) -> int:
    rows = cluster.sql(f"SELECT count(*) FROM cases WHERE idempotency_key LIKE '%:{key}'")
    return int(str(rows[0][0]))


def test_failover_to_a_promoted_standby_without_restart(
    pair: tuple[PrivateCluster, PrivateCluster],
) -> None:
    primary, standby = pair
    url = _multi_host_url(primary, standby)
    token = make_tokens(url)["dispatcher"]
    auth = {"Authorization": f"Bearer {token}"}
    lon, lat = grid_point()

    def body(text: str) -> dict[str, Any]:
        return {"category": "street_vending", "lon": lon, "lat": lat, "description": text}

    def file(client: TestClient, key: str) -> httpx.Response:
        return client.post("/cases", json=body(key), headers={**auth, "Idempotency-Key": key})

    settings = Settings(database_url=url, db_pool=POOL)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        acknowledged = {}
        for i in range(BEFORE):
            r = file(client, f"before-{i}")
            assert r.status_code == 201, r.text
            acknowledged[f"before-{i}"] = r.json()["id"]

        # A POST held at its INSERT by a lock on the primary when the primary stops.
        locker = psycopg2.connect(
            host="127.0.0.1", port=primary.port, user="postgres", dbname=DB_NAME
        )
        with locker.cursor() as cur:
            cur.execute("LOCK TABLE cases IN EXCLUSIVE MODE")  # reads go on, inserts wait
        answers: dict[str, httpx.Response] = {}
        poster = threading.Thread(target=lambda: answers.update(cut=file(client, "cut")))
        poster.start()
        _wait(
            "the POST waits on the lock",
            lambda: (
                primary.sql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
                == [(1,)]
            ),
        )
        primary.stop("immediate")
        poster.join(20)
        with suppress(psycopg2.Error):
            locker.close()
        assert not poster.is_alive()
        _assert_unavailable(answers["cut"])

        # No primary: reads and writes are 503 with Retry-After, at once, never a 500.
        for _ in range(POOL + 1):
            start = time.monotonic()
            _assert_unavailable(client.get("/cases?limit=1", headers=auth))
            _assert_unavailable(file(client, "gap"))
            assert time.monotonic() - start < 5
        health = client.get("/health")
        assert health.status_code == 503 and health.headers["retry-after"]

        standby.promote()

        # The same app, not restarted, writes to the new primary.
        again = file(client, "cut")
        assert again.status_code == 201, again.text
        assert "idempotent-replayed" not in again.headers  # it had not committed
        replay = file(client, "cut")
        assert replay.status_code == 201 and replay.headers["idempotent-replayed"] == "true"
        assert replay.json()["id"] == again.json()["id"]
        assert file(client, "gap").status_code == 201
        # Every case answered 201 before the stop is on the new primary; a retry replays it.
        for key, case_id in acknowledged.items():
            r = file(client, key)
            assert r.status_code == 201 and r.headers["idempotent-replayed"] == "true", key
            assert r.json()["id"] == case_id
            assert client.get(f"/cases/{case_id}", headers=auth).status_code == 200
        assert client.get("/health").status_code == 200

    for key in [*acknowledged, "cut", "gap"]:
        assert _cases_with_key(standby, key) == 1, key


def test_a_store_on_a_standby_answers_unavailable_not_an_error() -> None:
    """A write that reaches a server that only reads (a standby; here a URL without
    ``target_session_attrs``) is StoreUnavailableError (503), and that connection is not
    kept: once the server is promoted, the same store writes."""
    with initialised_cluster() as primary:
        standby = PrivateCluster(standby_of=primary)
        try:
            store = PostgisStore(
                f"postgresql://postgres@127.0.0.1:{standby.port}/{DB_NAME}", max_connections=1
            )
            try:
                secret, token_id, digest = new_token()
                record = TokenRecord(token_id, "admin", "ro", None, None, datetime.now(UTC))
                with pytest.raises(StoreUnavailableError) as raised:
                    store.add_token(record, digest)
                assert "standby" in str(raised.value)
                assert raised.value.retry_after > 0
                standby.promote()
                store.add_token(record, digest)
                assert store.token_by_hash(digest) is not None
            finally:
                store.close()
        finally:
            standby.close()


def test_cases_filed_through_a_failover_are_never_lost_or_doubled(
    pair: tuple[PrivateCluster, PrivateCluster],
) -> None:
    """Four clients file cases without pause while the primary stops and the standby is
    promoted: every answer is 201 or 503 with Retry-After; each key refused is filed by one
    retry afterwards; every key ends up as exactly one case on the new primary."""
    primary, standby = pair
    url = _multi_host_url(primary, standby)
    auth = {"Authorization": f"Bearer {make_tokens(url)['dispatcher']}"}
    lon, lat = grid_point()
    answers: list[tuple[str, float, int, str | None]] = []  # key, when, status, Retry-After
    lock = threading.Lock()
    stop = threading.Event()

    def post(client: TestClient, key: str) -> httpx.Response:
        return client.post(
            "/cases",
            json={"category": "street_vending", "lon": lon, "lat": lat, "description": key},
            headers={**auth, "Idempotency-Key": key},
        )

    def clerk(client: TestClient, n: int) -> None:
        i = 0
        while not stop.is_set():
            key = f"load-{n}-{i}"
            r = post(client, key)
            with lock:
                answers.append((key, time.monotonic(), r.status_code, r.headers.get("retry-after")))
            if r.status_code == 503:
                time.sleep(0.1)
            i += 1

    with TestClient(create_app(Settings(database_url=url, db_pool=POOL)),
                    raise_server_exceptions=False) as client:  # fmt: skip
        clerks = [threading.Thread(target=clerk, args=(client, n)) for n in range(4)]
        for c in clerks:
            c.start()
        try:
            time.sleep(1.5)
            stopped = time.monotonic()
            primary.stop("immediate")
            time.sleep(1.0)
            standby.promote()
            promoted = time.monotonic()
            time.sleep(2.0)
        finally:
            stop.set()
            for c in clerks:
                c.join(30)
        statuses = {status for _, _, status, _ in answers}
        assert statuses <= {201, 503}, sorted(statuses)
        refused = [key for key, _, status, _ in answers if status == 503]
        assert refused, "no request fell in the failover"
        assert all(int(ra or 0) > 0 for _, _, status, ra in answers if status == 503)
        filed = [(key, at) for key, at, status, _ in answers if status == 201]
        assert any(at < stopped for _, at in filed) and any(at > promoted for _, at in filed)
        # unavailable: from the first refusal to the first case filed after it (the test
        # waits 1 s before it promotes)
        first_refusal = min(at for _, at, status, _ in answers if status == 503)
        back = min(at for _, at in filed if at > first_refusal)
        assert back - first_refusal < 15
        for key in refused:
            assert post(client, key).status_code == 201, key

    rows = standby.sql("SELECT idempotency_key, count(*) FROM cases GROUP BY 1")
    counts = {str(k).split(":", 1)[1]: int(str(n)) for k, n in rows if k}
    keys = [key for key, _, _, _ in answers]
    assert {k: counts.get(k, 0) for k in keys} == dict.fromkeys(keys, 1)
