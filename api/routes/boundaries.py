"""Communities and grids as GeoJSON (EPSG:4326), from the active or a named generation.

Answers are serialised in the route's thread (api.json_body); a whole layer's answer is
kept as bytes per generation.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api import json_body
from api.deps import Caller, State
from api.illustrative import LABEL
from api.json_body import JSONBody
from geo.errors import NotFoundError

router = APIRouter(tags=["boundaries"])
Generation = Annotated[int | None, Query(description="Boundary generation (default: active)")]


def _find(features: list[dict[str, Any]], code: str, what: str) -> dict[str, Any]:
    for f in features:
        if f["id"] == code:
            return f
    raise NotFoundError(f"there is no {what} {code}")


def _collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    """A FeatureCollection; with a ``notice`` (api.illustrative.LABEL) when any of its
    features is illustrative (each says so in its ``illustrative`` property)."""
    out: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if any(f["properties"].get("illustrative") for f in features):
        out["notice"] = LABEL
    return out


def _encoded_collection(features: list[dict[str, Any]]) -> bytes:
    return json_body.dumps(_collection(features))


@router.get("/communities", summary="社区 Communities", response_model=dict[str, Any])
def communities(state: State, _: Caller, generation: Generation = None) -> JSONBody:
    gen = state.locator.generation(generation=generation)
    return JSONBody(state.boundaries.encoded(gen, "communities", _encoded_collection))


@router.get("/communities/{code}", summary="社区 One community", response_model=dict[str, Any])
def community(code: str, state: State, _: Caller, generation: Generation = None) -> JSONBody:
    comms, _g = state.boundaries.features(state.locator.generation(generation=generation))
    return JSONBody(_find(comms, code, "community"))


@router.get("/grids", summary="网格 Grids", response_model=dict[str, Any])
def grids(
    state: State, _: Caller, community: str | None = None, generation: Generation = None
) -> JSONBody:
    gen = state.locator.generation(generation=generation)
    if community is None:
        return JSONBody(state.boundaries.encoded(gen, "grids", _encoded_collection))
    _c, gs = state.boundaries.features(gen)
    return JSONBody(_collection([f for f in gs if f["properties"]["community_code"] == community]))


@router.get("/grids/{code}", summary="网格 One grid", response_model=dict[str, Any])
def grid(code: str, state: State, _: Caller, generation: Generation = None) -> JSONBody:
    _c, gs = state.boundaries.features(state.locator.generation(generation=generation))
    return JSONBody(_find(gs, code, "grid"))
