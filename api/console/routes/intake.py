"""The new-case page: category, description, reporter, location three ways, a live preview
of where the case falls and who would take it, and filing (safe to double-click)."""

from __future__ import annotations

import time
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from api.console import mapdata
from api.console.deps import ConsoleUser, signed_in_as
from api.console.errors import ConsoleRoute
from api.console.render import page
from api.deps import State
from api.errors import InFlight, classify
from geo.cases.model import Case
from geo.cases.service import MAX_DESCRIPTION, SOURCES, Intake
from geo.cases.workflow import Actor
from geo.errors import GridmgrError, InputError
from geo.gazetteer import DEFAULT_THRESHOLD

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)
CRS = Literal["wgs84", "cgcs2000", "gcj02", "bd09"]
FILERS = ("admin", "dispatcher")
Filer = Annotated[ConsoleUser, Depends(signed_in_as(*FILERS))]
FilerWriting = Annotated[ConsoleUser, Depends(signed_in_as(*FILERS, write=True))]
IN_FLIGHT_WAIT_S = 10.0  # a double-click's second request waits for the first, then replays
SOURCE_ZH = {
    "hotline": "热线 Hotline",
    "patrol": "巡查 Patrol",
    "app": "手机 App",
    "web": "网站 Web",
    "video": "视频 Video",
    "referral": "转办 Referral",
    "open311": "Open311",
    "import": "导入 Import",
}


def _form_page(
    request: Request,
    state: State,
    form: dict[str, Any],
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    cats = sorted(state.cases.categories().values(), key=lambda c: (c.class_code, c.code))
    return page(
        request,
        "new_case.html",
        {
            "categories": cats,
            "form": form,
            "error": error,
            "max_description": MAX_DESCRIPTION,
            "sources": [
                (s, SOURCE_ZH.get(s, s)) for s in SOURCES if s not in ("open311", "import")
            ],
            "map_config": mapdata.basemap_config(state.settings),
        },
        status_code=status_code,
    )


@router.get("/cases/new")
def new_case(request: Request, state: State, _: Filer) -> Response:
    form = {
        "source": "hotline",
        "crs": mapdata.basemap_config(state.settings)["displayCrs"],
        "idempotency_key": uuid.uuid4().hex,
    }
    return _form_page(request, state, form)


def _number(text: str, field: str) -> float | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise InputError(f"{field} {text!r} is not a number", field=field) from None


@router.post("/cases")
def file_case(
    request: Request,
    state: State,
    user: FilerWriting,
    category: Annotated[str, Form(max_length=64)],
    idempotency_key: Annotated[str, Form(min_length=8, max_length=200)],
    description: Annotated[str, Form(max_length=MAX_DESCRIPTION)] = "",
    source: Annotated[str, Form(max_length=20)] = "hotline",
    reporter_name: Annotated[str, Form(max_length=100)] = "",
    reporter_phone: Annotated[str, Form(max_length=40)] = "",
    lon: Annotated[str, Form(max_length=40)] = "",
    lat: Annotated[str, Form(max_length=40)] = "",
    crs: Annotated[CRS, Form()] = "wgs84",
    address: Annotated[str, Form(max_length=500)] = "",
    auto_dispatch: Annotated[bool, Form()] = False,
) -> Response:
    form = {
        "category": category,
        "description": description,
        "source": source,
        "reporter_name": reporter_name,
        "reporter_phone": reporter_phone,
        "lon": lon,
        "lat": lat,
        "crs": crs,
        "address": address,
        "auto_dispatch": auto_dispatch,
        "idempotency_key": idempotency_key,
    }
    try:
        req = Intake(
            category=category,
            description=description.strip(),
            source=source,
            lon=_number(lon, "lon"),
            lat=_number(lat, "lat"),
            crs=crs,
            address=address.strip() or None,
            reporter_name=reporter_name.strip() or None,
            reporter_phone=reporter_phone.strip() or None,
            auto_dispatch=auto_dispatch,
            idempotency_key=idempotency_key,
        )
        case = _file(state, req, user.actor, user.token.id)  # keys are the token's
    except GridmgrError as exc:
        status, _, _ = classify(exc)
        if status not in (400, 422):
            raise
        return _form_page(request, state, form, error=str(exc), status_code=status)
    return RedirectResponse(f"/console/cases/{case.id}?done=intake&case={case.id}", status_code=303)


def _file(state: State, req: Intake, actor: Actor, owner: str) -> Case:
    """File once per key: a second submit waits while the first is in flight, then replays."""
    deadline = time.monotonic() + IN_FLIGHT_WAIT_S
    while True:
        try:
            return state.file_case(req, actor, owner=owner)[0]
        except InFlight:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@router.get("/preview")
def preview(
    state: State,
    user: Filer,
    lon: float,
    lat: float,
    crs: CRS = "wgs84",
    category: Annotated[str | None, Query(max_length=64)] = None,
) -> dict[str, Any]:
    """Where the point falls and what filing now would decide (geo CaseService.preview)."""
    p = state.cases.preview(user.actor, lon=lon, lat=lat, crs=crs, category=category or None)
    loc, a = p.located, p.assignment
    return {
        "status": loc.status,
        "grid_code": loc.grid_code,
        "community_code": loc.community_code,
        "community_name": loc.community_name,
        "lon": p.lon,
        "lat": p.lat,
        "display": mapdata.display_point(state, p.lon, p.lat),
        "grid_geometry": mapdata.grid_geometry(state, loc.grid_code, p.generation),
        "community_map": f"/maps/communities/{loc.community_code}" if loc.community_code else None,
        "grid_workers": [
            {
                "id": c.id,
                "name": c.name,
                "on_duty": c.on_duty,
                "open_cases": c.open_cases,
                "cap": c.open_case_cap,
            }
            for c in p.grid_workers
        ],
        "assignee": None
        if a is None
        else {
            "id": a.worker_id,
            "name": a.worker_name,
            "reason_code": a.reason_code,
            "reason": a.reason,
        },
        "duplicate_of": None
        if p.duplicate_of is None
        else {"id": p.duplicate_of, "url": f"/console/cases/{p.duplicate_of}"},
    }


@router.get("/geocode")
def geocode(
    state: State, _: Filer, address: Annotated[str, Query(min_length=1, max_length=500)]
) -> dict[str, Any]:
    """Gazetteer candidates (WGS84, drawn at ``display``), best first."""
    found = state.gazetteer().lookup(address, limit=8)
    return {
        "threshold": DEFAULT_THRESHOLD,
        "candidates": [
            {
                "address": m.address,
                "lon": m.lon,
                "lat": m.lat,
                "score": m.score,
                "display": mapdata.display_point(state, m.lon, m.lat),
            }
            for m in found
        ],
    }
