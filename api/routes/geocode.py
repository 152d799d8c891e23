"""``GET /geocode?address=``: candidate points for an address from the gazetteer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import Caller, State
from geo.gazetteer import DEFAULT_THRESHOLD

router = APIRouter(tags=["locate"])


@router.get("/geocode", summary="地址查询 Address look-up")
def geocode(
    state: State,
    _: Caller,
    address: Annotated[str, Query(min_length=1, max_length=500)],
    limit: Annotated[int, Query(ge=1, le=20)] = 5,
) -> dict[str, Any]:
    """Candidates (WGS84) with scores 0–100, best first; ``placed`` when the best reaches the
    threshold at which an address-only case is placed on its own."""
    found = state.gazetteer().lookup(address, limit=limit)
    return {
        "address": address,
        "threshold": DEFAULT_THRESHOLD,
        "placed": bool(found) and found[0].score >= DEFAULT_THRESHOLD,
        "candidates": [
            {"address": m.address, "lon": m.lon, "lat": m.lat, "score": m.score} for m in found
        ],
    }
