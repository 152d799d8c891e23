"""``GET /stats/workload``: workload KPIs per community, grid or worker (planners' view)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from api.deps import State, roles
from api.inputs import Instant
from geo.analytics.reports import workload_report

router = APIRouter(tags=["analytics"])
READERS = roles("admin", "dispatcher", "planner")


@router.get("/stats/workload", dependencies=[READERS], summary="工作量 Workload KPIs")
def workload(
    state: State,
    from_: Annotated[Instant, Query(alias="from", description="start, ISO 8601 with offset")],
    to: Annotated[Instant, Query(description="end (exclusive), ISO 8601 with offset")],
    level: Literal["community", "grid", "worker"] = "community",
    category: Annotated[str | None, Query(description="major class code")] = None,
) -> dict[str, Any]:
    return workload_report(
        state.store,
        state.locator,
        level=level,
        since=from_,
        until=to,
        now=state.cases.now(),
        tz=state.tz,
        category_class=category,
    )
