"""Map pages (text/html) and the index at ``/``; assets are served from /static/maps.

Pages are for people in a browser: they load nothing from outside but the basemap tiles and
never show a reporter. The community page shows cases and staff names to signed-in users
(console session cookie, or ``Authorization: Bearer``) as their role allows; anonymous
readers get aggregates only, or with GRIDMGR_PUBLIC_READ on, public cases rounded to about
100 m (see api.map_data.community_page). The other pages show aggregates only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import folium
from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse

from api import map_data
from api.anonymous import page_viewer
from api.deps import State
from api.inputs import Instant
from api.state import AppState
from geo.cases.workflow import Actor

router = APIRouter(tags=["maps"])
KPI = Literal[
    "open_per_worker", "per_1000_residents", "on_time_rate", "open", "received", "overdue"
]


def _period(
    state: AppState, since: datetime | None, until: datetime | None
) -> tuple[datetime, datetime]:
    dsince, duntil = map_data.default_period(state.cases.now())
    return since or dsince, until or duntil


def _html(m: folium.Map) -> HTMLResponse:
    return HTMLResponse(m.get_root().render())


@router.get("/", response_class=HTMLResponse, summary="首页 Index of maps")
def index(state: State) -> HTMLResponse:
    return HTMLResponse(map_data.index(state))


@router.get("/maps/workload", response_class=HTMLResponse, summary="工作量地图 Workload map")
def workload(
    state: State,
    kpi: KPI = "open_per_worker",
    from_: Annotated[Instant | None, Query(alias="from")] = None,
    to: Instant | None = None,
) -> HTMLResponse:
    since, until = _period(state, from_, to)
    return _html(map_data.workload_page(state, kpi=kpi, since=since, until=until))


@router.get(
    "/maps/communities/{code}", response_class=HTMLResponse, summary="社区地图 Community map"
)
def community(
    code: str,
    state: State,
    viewer: Annotated[Actor | None, Depends(page_viewer)],
    from_: Annotated[Instant | None, Query(alias="from")] = None,
    to: Instant | None = None,
) -> HTMLResponse:
    since, until = _period(state, from_, to)
    return _html(map_data.community_page(state, code, since=since, until=until, viewer=viewer))


@router.get("/maps/coverage", response_class=HTMLResponse, summary="覆盖地图 Coverage map")
def coverage(
    state: State,
    kind: str = "elderly_care",
    radius_m: Annotated[float | None, Query(gt=0, le=50_000)] = None,
    threshold: Annotated[float, Query(ge=0, le=1)] = 0.5,
    sites: Annotated[int, Query(ge=0, le=20)] = 0,
) -> HTMLResponse:
    return _html(
        map_data.coverage_page(
            state, kind=kind, radius_m=radius_m, threshold=threshold, sites=sites
        )
    )
