"""``GET /health``: is the service up and its store answering (no token needed).

The answer comes within 2 s whatever the database does: the store is asked in a thread of its
own and given :data:`PROBE_BUDGET_S`. A database that is down, frozen or too slow makes it
**503** with ``"database": "unreachable"`` and ``Retry-After`` (take this process out of
rotation until it answers again); otherwise **200** with ``"database": "reachable"``.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import State
from geo.store import Store

router = APIRouter(tags=["health"])

PROBE_BUDGET_S = 1.5  # seconds the store has to answer
RETRY_AFTER_S = 5

_lock = threading.Lock()
# Per store, a probe that has outlived its budget: later checks wait on it instead of starting
# another, so a store that does not answer holds one thread, not one per health check.
_stuck: dict[int, Future[int | None]] = {}


def _probe(store: Store) -> Future[int | None]:
    with _lock:
        stuck = _stuck.get(id(store))
        if stuck is not None and not stuck.done():
            return stuck
        future: Future[int | None] = Future()

    def ask() -> None:
        try:
            future.set_result(store.active_generation())
        except BaseException as exc:  # reported as unreachable; the class is enough here
            future.set_exception(exc)

    threading.Thread(target=ask, name="gridmgr-health-probe", daemon=True).start()
    return future


@router.get("/health", response_model=None)
def health(state: State) -> dict[str, Any] | JSONResponse:
    store = state.store
    probe = _probe(store)
    try:
        active = probe.result(timeout=PROBE_BUDGET_S)
    except Exception:  # the store failed, or did not answer in time (FutureTimeout)
        if not probe.done():
            with _lock:
                _stuck[id(store)] = probe
        return JSONResponse(
            {"status": "unavailable", "store": store.backend, "database": "unreachable"},
            status_code=503,
            headers={"Retry-After": str(RETRY_AFTER_S)},
        )
    return {
        "status": "ok",
        "store": store.backend,
        "database": "reachable",
        "active_generation": active,
    }
