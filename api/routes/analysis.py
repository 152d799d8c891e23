"""``GET /analysis/coverage`` and ``GET /analysis/siting``: who the services reach, and where
to build next. Distances and areas are computed in the metric CRS (EPSG:32648, metres)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import State, roles
from geo.analytics.reports import coverage_report, siting_report

router = APIRouter(tags=["analytics"])
READERS = roles("admin", "dispatcher", "planner")


@router.get("/analysis/coverage", dependencies=[READERS], summary="服务覆盖 Coverage")
def coverage(
    state: State,
    kind: str,
    radius_m: Annotated[float | None, Query(gt=0, le=50_000)] = None,
    threshold: Annotated[float, Query(ge=0, le=1)] = 0.5,
) -> dict[str, Any]:
    """Share of each grid's area (so population) within ``radius_m`` of a facility of
    ``kind``; per community, covered residents; grids below ``threshold`` are underserved."""
    return coverage_report(
        state.store, state.locator, kind=kind, radius_m=radius_m, threshold=threshold
    )


@router.get("/analysis/siting", dependencies=[READERS], summary="选址建议 Where to build")
def siting(
    state: State,
    kind: str,
    count: Annotated[int, Query(ge=1, le=100)] = 3,
    radius_m: Annotated[float | None, Query(gt=0, le=50_000)] = None,
) -> dict[str, Any]:
    """``count`` new sites among grid centre points, chosen greedily to cover the most
    residents not yet covered (within (1 - 1/e) ≈ 63 % of the optimum)."""
    return siting_report(state.store, state.locator, kind=kind, count=count, radius_m=radius_m)
