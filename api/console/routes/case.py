"""One case: its page (map, details, masked reporter, audit trail, deadline), workflow
actions by form, placing it on the map, revealing the reporter, and its current version.

Every action sends back the version the page showed; a case that moved on meanwhile is
refused by the case service and the page says so ("此案件已被他人更改，请刷新").
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from api.console import mapdata, nav
from api.console.deps import User, Writer
from api.console.errors import ConsoleRoute
from api.console.render import page
from api.console.roster import workers_by_community
from api.console.views import case_row
from api.deps import State
from api.inputs import MAX_ID, Id

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)
Note = Annotated[str, Form(max_length=2000)]


@router.get("/cases/{case_id}")
def case_page(case_id: Id, request: Request, state: State, user: User) -> Response:
    case = state.cases.get(case_id, user.actor)  # another community's case: 404
    events = state.cases.events(case_id, user.actor)
    row = case_row(
        case, user.actor, state.cases.categories(), state.cases.calendar, state.cases.now()
    )
    return page(
        request,
        "case.html",
        {
            "row": row,
            "case": case,
            "events": events,
            "workers": workers_by_community(state, [row]),
            "map_config": mapdata.basemap_config(state.settings),
            "map": {
                "at": mapdata.display_point(state, case.lon, case.lat),
                "grid": mapdata.grid_geometry(state, case.grid_code, case.generation),
                "status": case.status,
                "overdue": row.deadline.overdue,
                "id": case.id,
                "version": case.version,
            },
            "may_place": user.actor.role in ("admin", "dispatcher") and case.status == "reported",
            "here": f"/console/cases/{case.id}",
        },
    )


@router.post("/cases/{case_id}/act")
def act(
    case_id: Id,
    state: State,
    user: Writer,
    action: Annotated[str, Form(max_length=32)],
    version: Annotated[int, Form(ge=1, le=MAX_ID)],
    note: Note = "",
    assignee_id: Annotated[str, Form(max_length=64)] = "",
    next_: Annotated[str, Form(alias="next", max_length=2000)] = "",
) -> Response:
    """Take a workflow action on the case as read at ``version``."""
    state.cases.act(
        case_id,
        action,
        user.actor,
        version=version,
        note=note.strip() or None,
        assignee_id=assignee_id.strip() or None,
    )
    back = nav.safe_next(next_, f"/console/cases/{case_id}")
    return RedirectResponse(nav.with_done(back, case_id, action), status_code=303)


@router.post("/cases/{case_id}/place")
def place(
    case_id: Id,
    state: State,
    user: Writer,
    version: Annotated[int, Form(ge=1, le=MAX_ID)],
    lon: Annotated[float, Form()],
    lat: Annotated[float, Form()],
    crs: Annotated[Literal["wgs84", "cgcs2000", "gcj02", "bd09"], Form()] = "wgs84",
) -> Response:
    """Put a case that came with only an address on the map."""
    state.cases.place(case_id, user.actor, version=version, lon=lon, lat=lat, crs=crs)
    return RedirectResponse(
        nav.with_done(f"/console/cases/{case_id}", case_id, "place"), status_code=303
    )


@router.post("/cases/{case_id}/reveal")
def reveal(case_id: Id, state: State, user: Writer) -> Response:
    """The reporter's name and phone, unmasked, for roles that may (an audited action)."""
    name, phone = state.cases.reveal_reporter(case_id, user.actor)
    return JSONResponse({"name": name, "phone": phone}, headers={"Cache-Control": "no-store"})


@router.get("/cases/{case_id}/version")
def version(case_id: Id, state: State, user: User) -> dict[str, Any]:
    """The case's current version: an open page compares it with the one it shows."""
    return {"id": case_id, "version": state.cases.get(case_id, user.actor).version}
