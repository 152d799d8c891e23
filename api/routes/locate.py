"""``GET /locate`` one point, ``POST /locate`` up to 10,000: the grid covering each."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import numpy as np
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, BeforeValidator, Field, StrictInt, ValidationError

from api.deps import Caller, State
from api.inputs import Instant
from api.json_body import JSONBody
from api.state import AppState
from geo.point_input import parse_points

router = APIRouter(tags=["locate"])
CRS = Literal["wgs84", "cgcs2000", "gcj02", "bd09"]
MAX_BATCH = 10_000


@router.get("/locate", summary="定位 The grid covering a point")
async def locate_one(
    lon: float,
    lat: float,
    state: State,
    _: Caller,
    crs: CRS = "wgs84",
    generation: int | None = None,
    date: Instant | None = None,
) -> dict[str, Any]:
    """Point in ``crs`` (lon, lat); answer in WGS84. Edge points go to the smallest code.

    Async on purpose: the answer comes from the in-process index in microseconds, so a
    thread hand-off would cost more than the work (the store is asked at most once a second,
    for the active generation).
    """
    found, wlon, wlat = state.locator.locate_one(lon, lat, crs=crs, generation=generation, at=date)
    return {
        "status": found.status,
        "grid_code": found.grid_code,
        "community_code": found.community_code,
        "community_name": found.community_name,
        "lon": wlon,
        "lat": wlat,
    }


def _not_bool(value: object) -> object:
    """JSON true/false is not a coordinate (pydantic would read it as 1.0 or 0.0)."""
    if isinstance(value, bool):
        raise ValueError(f"a number is expected, not {str(value).lower()}")
    return value


# A coordinate of a batch: a number, or text that parse_points judges row by row.
Coordinate = Annotated[float | str | None, BeforeValidator(_not_bool)]


class Batch(BaseModel):
    points: list[tuple[Coordinate, Coordinate]] = Field(
        ..., max_length=MAX_BATCH, description="[[lon, lat], ...] in `crs`"
    )
    crs: CRS = "wgs84"
    generation: StrictInt | None = None


# The body is read as bytes on the event loop and parsed in the worker thread (10,000 points
# through pydantic would hold the loop); the API documents it as the Batch it is.
_BATCH_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": Batch.model_json_schema()}},
    }
}


@router.post(
    "/locate",
    summary="批量定位 Locate a batch of points",
    response_model=dict[str, Any],
    openapi_extra=_BATCH_BODY,
)
async def locate_many(request: Request, state: State, _: Caller) -> JSONBody:
    """Every point comes back, in order, as assigned, unassigned or invalid (with why)."""
    raw = await request.body()
    answer: JSONBody = await run_in_threadpool(_locate_batch, raw, state)
    return answer


def _locate_batch(raw: bytes, state: AppState) -> JSONBody:
    """Parse ``raw`` (a Batch as JSON), locate its points and serialise the answer, all in
    the calling (worker) thread."""
    try:
        batch = Batch.model_validate_json(raw)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
        raise RequestValidationError(errors) from None
    lon = [p[0] for p in batch.points]
    lat = [p[1] for p in batch.points]
    parsed = parse_points(lon, lat, batch.crs)
    positions = np.full(len(lon), -1)
    gi = state.locator.index(state.locator.generation(generation=batch.generation))
    if parsed.valid.any():
        positions[parsed.valid] = gi.index.locate(
            parsed.lon[parsed.valid], parsed.lat[parsed.valid]
        )
    results = []
    for i, pos in enumerate(positions):
        if not parsed.valid[i]:
            results.append({"status": "invalid", "error": parsed.error[i]})
            continue
        found = gi.located(int(pos))
        results.append(
            {
                "status": found.status,
                "grid_code": found.grid_code,
                "community_code": found.community_code,
                "community_name": found.community_name,
                "lon": float(parsed.lon[i]),
                "lat": float(parsed.lat[i]),
            }
        )
    # Serialised here, in the worker thread (api.json_body), not on the event loop.
    return JSONBody({"generation": gi.generation, "results": results})
