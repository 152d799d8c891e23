"""Route code runs in no more threads than the process has store connections."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings


@pytest.fixture(scope="module")
def url(initialised_duckdb):
    return initialised_duckdb()


@pytest.mark.parametrize("connections", [1, 3])
def test_sync_routes_run_in_as_many_threads_as_connections(url, monkeypatch, connections):
    app = create_app(Settings(database_url=url, db_pool=connections))
    lock = threading.Lock()
    running = {"now": 0, "most": 0}

    with TestClient(app) as client:
        store = app.state.gridmgr.store
        answer = store.active_generation

        def slow_generation():
            with lock:
                running["now"] += 1
                running["most"] = max(running["most"], running["now"])
            time.sleep(0.05)
            with lock:
                running["now"] -= 1
            return answer()

        monkeypatch.setattr(store, "active_generation", slow_generation)
        with ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(lambda _: client.get("/health").status_code, range(8)))

    assert codes == [200] * 8
    assert running["most"] == connections
