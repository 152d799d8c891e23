"""Lists: the dispatchers' queue (by state, overdue first, filtered) and a worker's cases."""

from __future__ import annotations

from typing import Annotated, TypedDict

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from api.console import mapdata
from api.console.deps import ConsoleUser, signed_in_as
from api.console.errors import ConsoleRoute
from api.console.render import page
from api.console.roster import workers_by_community
from api.console.views import CaseRow, case_row, queue_order
from api.deps import State
from geo.cases.model import Case
from geo.cases.workflow import FINAL_STATES, STATE_ZH, STATES
from geo.errors import InputError

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)
OPEN_STATES = tuple(s for s in STATES if s not in FINAL_STATES)
PER_STATE = 200  # rows per state on one page (the oldest first: they are the most urgent)
Filter = Annotated[str | None, Query(max_length=64)]
Supervisor = Annotated[ConsoleUser, Depends(signed_in_as("admin", "dispatcher"))]
Assignee = Annotated[ConsoleUser, Depends(signed_in_as("worker", "admin"))]


class _Filters(TypedDict):
    """The queue's filters, as CaseService.find takes them (None: any)."""

    community: str | None
    category: str | None
    assignee: str | None
    overdue: bool | None


def _rows(state: State, user: ConsoleUser, cases: list[Case]) -> list[CaseRow]:
    categories = state.cases.categories()
    now = state.cases.now()
    return [case_row(c, user.actor, categories, state.cases.calendar, now) for c in cases]


@router.get("/queue")
def queue(
    request: Request,
    state: State,
    user: Supervisor,
    status: Filter = "open",
    community: Filter = None,
    category: Filter = None,
    assignee: Filter = None,
    overdue: bool = False,
) -> Response:
    status = status or "open"
    if status != "open" and status not in STATES:
        raise InputError(f"status {status!r} is not one of {', '.join(STATES)}", field="status")
    filters: _Filters = {
        "community": community or None,
        "category": category or None,
        "assignee": assignee or None,
        "overdue": True if overdue else None,
    }
    cases, truncated = [], False
    for s in OPEN_STATES if status == "open" else (status,):
        found = state.cases.find(user.actor, status=s, limit=PER_STATE + 1, **filters)
        truncated |= len(found) > PER_STATE
        cases += found[:PER_STATE]
    rows = queue_order(_rows(state, user, cases))
    comms = mapdata.community_outlines(state)["features"]
    return page(
        request,
        "queue.html",
        {
            "rows": rows,
            "truncated": truncated,
            "per_state": PER_STATE,
            "status": status,
            "filters": {**filters, "overdue": overdue},
            "states": [("open", "全部在办 Open"), *((s, f"{STATE_ZH[s]} {s}") for s in STATES)],
            "communities": [(f["id"], f["properties"]["name"]) for f in comms],
            "categories": sorted(state.cases.categories().values(), key=lambda c: c.code),
            "workers": workers_by_community(state, rows),
            "here": str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
        },
    )


@router.get("/mine")
def mine(request: Request, state: State, user: Assignee) -> Response:
    """The signed-in worker's open cases (dispatched to them, or handled awaiting checks)."""
    cases = []
    for s in ("dispatched", "handled"):
        cases += state.cases.find(user.actor, status=s, assignee=user.actor.id, limit=500)
    rows = queue_order(_rows(state, user, cases))
    markers = [
        {
            "id": r.case.id,
            "status": r.case.status,
            "overdue": r.deadline.overdue,
            "label": f"#{r.case.id} {r.category_label}",
            "at": mapdata.display_point(state, r.case.lon, r.case.lat),
        }
        for r in rows
        if r.case.lon is not None
    ]
    return page(
        request,
        "mine.html",
        {
            "rows": rows,
            "markers": markers,
            "map_config": mapdata.basemap_config(state.settings),
            "here": "/console/mine",
        },
    )
