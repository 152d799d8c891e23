"""Large JSON answers are serialised in the route's worker thread, never on the event loop:
while one is being serialised, other requests are answered."""

from __future__ import annotations

import asyncio
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import shapely

from api import json_body
from api.boundary_cache import BoundaryCache

REAL_DUMPS = json_body.dumps


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


@pytest.fixture
def serialised(api, monkeypatch):
    """Each call of api.json_body.dumps: (bytes made, whether an event loop runs in its
    thread); the app's boundary answers are built afresh."""
    calls: list[tuple[bytes, bool]] = []

    def recording(content):
        out = REAL_DUMPS(content)
        calls.append((out, _loop_running()))
        return out

    monkeypatch.setattr(json_body, "dumps", recording)
    state = api.client.app.state.gridmgr
    monkeypatch.setattr(state, "boundaries", BoundaryCache(state.store))
    return calls


def _points(api, n: int) -> list[list[float]]:
    grids = api.client.get("/grids", headers=api.auth("planner")).json()["features"]
    inside = [shapely.geometry.shape(g["geometry"]).representative_point() for g in grids]
    return [[p.x, p.y] for p in (inside * (n // len(inside) + 1))[:n]]


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/grids"),
        ("GET", "/grids?community=520103400"),
        ("GET", "/communities"),
        ("GET", "/ogc/collections/grids/items?limit=1000"),
        ("POST", "/locate"),
    ],
)
def test_large_answers_are_serialised_off_the_event_loop(api, serialised, method, path):
    body = {"points": _points(api, 10_000)} if method == "POST" else None
    serialised.clear()
    got = api.client.request(method, path, json=body, headers=api.auth("planner"))
    assert got.status_code == 200, got.text
    made = [out for out, _ in serialised]
    assert got.content in made  # this serialiser wrote the answer...
    assert not any(on_loop for _, on_loop in serialised)  # ...never on the event loop
    if method == "POST":
        assert len(got.json()["results"]) == 10_000
    assert len(got.content) > 50_000


def test_grids_answer_once_serialised_is_kept(api, serialised):
    first = api.client.get("/grids", headers=api.auth("planner"))
    calls = len(serialised)
    again = api.client.get("/grids", headers=api.auth("planner"))
    assert again.content == first.content
    assert len(serialised) == calls  # the kept bytes, not serialised again
    assert json.loads(again.content)["type"] == "FeatureCollection"


def test_health_answers_while_a_large_answer_is_being_serialised(api, serialised, monkeypatch):
    """The serialiser of /grids?community=... waits until /health has been answered; were it
    on the event loop, /health could not be answered and the wait would run out."""
    entered, answered = threading.Event(), threading.Event()
    waited: list[bool] = []
    recording = json_body.dumps

    def blocking(content):
        if isinstance(content, dict) and content.get("type") == "FeatureCollection":
            entered.set()
            waited.append(answered.wait(timeout=20))
        return recording(content)

    monkeypatch.setattr(json_body, "dumps", blocking)
    with ThreadPoolExecutor(1) as pool:
        heavy = pool.submit(
            api.client.get, "/grids?community=520103400", headers=api.auth("planner")
        )
        assert entered.wait(timeout=20)
        health = api.client.get("/health")
        answered.set()
        assert heavy.result(timeout=30).status_code == 200
    assert health.status_code == 200
    assert waited == [True]  # /health was answered while the serialiser waited


def test_a_locate_batch_is_parsed_off_the_event_loop(api, monkeypatch):
    from api.routes import locate

    seen: list[bool] = []
    real = locate.Batch.model_validate_json

    def parse(raw):
        seen.append(_loop_running())
        return real(raw)

    monkeypatch.setattr(locate.Batch, "model_validate_json", parse)
    got = api.client.post(
        "/locate", json={"points": _points(api, 2_000)}, headers=api.auth("planner")
    )
    assert got.status_code == 200 and len(got.json()["results"]) == 2_000
    assert seen == [False]
