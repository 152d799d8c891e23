"""Communities and grids as GeoJSON (EPSG:4326), from the active or a named generation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import Caller, State
from api.illustrative import LABEL
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


@router.get("/communities", summary="社区 Communities")
def communities(state: State, _: Caller, generation: Generation = None) -> dict[str, Any]:
    comms, _g = state.boundaries.features(state.locator.generation(generation=generation))
    return _collection(comms)


@router.get("/communities/{code}", summary="社区 One community")
def community(code: str, state: State, _: Caller, generation: Generation = None) -> dict[str, Any]:
    comms, _g = state.boundaries.features(state.locator.generation(generation=generation))
    return _find(comms, code, "community")


@router.get("/grids", summary="网格 Grids")
def grids(
    state: State, _: Caller, community: str | None = None, generation: Generation = None
) -> dict[str, Any]:
    _c, gs = state.boundaries.features(state.locator.generation(generation=generation))
    if community is not None:
        gs = [f for f in gs if f["properties"]["community_code"] == community]
    return _collection(gs)


@router.get("/grids/{code}", summary="网格 One grid")
def grid(code: str, state: State, _: Caller, generation: Generation = None) -> dict[str, Any]:
    _c, gs = state.boundaries.features(state.locator.generation(generation=generation))
    return _find(gs, code, "grid")
