"""Cases: intake, lists, one case, its audit trail, workflow actions, revealing the reporter.

Reads return an ``ETag`` (the case's id and version); actions need it back in ``If-Match``
(428 without it, 412 when the case has moved on or the tag is weak, ``W/"..."``: If-Match
compares strongly, RFC 9110 §13.1.1).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, StrictFloat

from api.deps import Caller, State, Token
from api.errors import PreconditionFailed, PreconditionRequired
from api.inputs import Id, IdQuery, Instant
from api.logging_redact import remember
from api.views import case_view, event_view
from geo.cases.model import Case
from geo.cases.service import MAX_DESCRIPTION, SOURCES, Intake
from geo.errors import InputError

router = APIRouter(tags=["cases"])
MAX_PAGE = 500


def etag(case: Case) -> str:
    return f'"{case.id}-{case.version}"'


def _version_from(if_match: str | None, case_id: int) -> int:
    if if_match is None or not if_match.strip():
        raise PreconditionRequired("send If-Match with the ETag of the case you read")
    tag = if_match.strip()
    if tag.startswith("W/"):
        # RFC 9110 §13.1.1: If-Match uses the strong comparison, so a weak tag never matches.
        raise PreconditionFailed(
            f"If-Match {if_match} is a weak ETag, which never guards a write (RFC 9110 "
            "§13.1.1): send the strong ETag of the case, without W/"
        )
    tag = tag.strip('"')
    cid, _, version = tag.partition("-")
    if cid != str(case_id) or not (version.isascii() and version.isdigit()):
        raise PreconditionFailed(f"If-Match {if_match} is not an ETag of case {case_id}")
    return int(version)


class Reporter(BaseModel):
    name: str | None = Field(None, max_length=100)
    phone: str | None = Field(None, max_length=40)


class NewCase(BaseModel):
    category: str = Field(..., max_length=64)
    description: str = Field("", max_length=MAX_DESCRIPTION)
    # Strict: true/false or "106.7" is a 400 naming the field, not a coordinate of 1.0.
    lon: StrictFloat | None = None
    lat: StrictFloat | None = None
    crs: Literal["wgs84", "cgcs2000", "gcj02", "bd09"] = "wgs84"
    address: str | None = Field(None, max_length=500)
    reporter: Reporter | None = None
    source: Literal[SOURCES] = "app"  # type: ignore[valid-type]
    auto_dispatch: bool = False
    media_url: str | None = None  # a photo link: http(s), at most 2000 characters


# The answer is a JSONResponse (for its headers); response_model documents its body.
@router.post("/cases", status_code=201, response_model=dict[str, Any], summary="上报 File a case")
def create_case(
    body: NewCase,
    state: State,
    actor: Caller,
    token: Token,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JSONResponse:
    if body.reporter:  # kept out of any log record of this request
        remember(body.reporter.name, body.reporter.phone)
    req = Intake(
        category=body.category,
        description=body.description,
        source=body.source,
        lon=body.lon,
        lat=body.lat,
        crs=body.crs,
        address=body.address,
        reporter_name=body.reporter.name if body.reporter else None,
        reporter_phone=body.reporter.phone if body.reporter else None,
        auto_dispatch=body.auto_dispatch,
        idempotency_key=idempotency_key,
        media_url=body.media_url,
    )
    case, replayed = state.file_case(req, actor, owner=token.id)  # the key is the caller's
    headers = {"ETag": etag(case), "Location": f"/cases/{case.id}"}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(
        case_view(case, now=state.cases.now(), tz=state.tz), status_code=201, headers=headers
    )


@router.get("/cases", summary="事件列表 List cases")
def list_cases(
    state: State,
    actor: Caller,
    community: str | None = None,
    grid: str | None = None,
    status: str | None = None,
    category: str | None = None,
    assignee: str | None = None,
    overdue: bool | None = None,
    from_: Annotated[Instant | None, Query(alias="from")] = None,
    to: Instant | None = None,
    bbox: Annotated[str | None, Query(description="west,south,east,north (WGS84)")] = None,
    cursor: Annotated[IdQuery, Query(description="`next` of the previous page")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
) -> dict[str, Any]:
    box: tuple[float, float, float, float] | None = None
    if bbox:
        try:
            nums = [float(v) for v in bbox.split(",")]
        except ValueError:
            nums = []
        if len(nums) != 4 or not (nums[0] <= nums[2] and nums[1] <= nums[3]):
            raise InputError(f"bbox {bbox!r} is not west,south,east,north", field="bbox")
        box = (nums[0], nums[1], nums[2], nums[3])
    for name, value in (("from", from_), ("to", to)):
        if value is not None and value.tzinfo is None:
            raise InputError(f"{name} needs a UTC offset, e.g. +08:00", field=name)
    cases = state.cases.find(
        actor,
        community=community,
        grid=grid,
        status=status,
        category=category,
        assignee=assignee,
        overdue=overdue,
        since=from_,
        until=to,
        bbox=box,
        after=cursor,
        limit=limit + 1,
    )
    now = state.cases.now()
    page = cases[:limit]
    return {
        "cases": [case_view(c, now=now, tz=state.tz) for c in page],
        "next": page[-1].id if len(cases) > limit else None,
    }


@router.get("/cases/{case_id}", summary="事件详情 One case")
def get_case(case_id: Id, state: State, actor: Caller, response: Response) -> dict[str, Any]:
    case = state.cases.get(case_id, actor)
    response.headers["ETag"] = etag(case)
    return case_view(case, now=state.cases.now(), tz=state.tz)


@router.get("/cases/{case_id}/events", summary="处理记录 Audit trail")
def case_events(case_id: Id, state: State, actor: Caller) -> list[dict[str, Any]]:
    return [event_view(e, tz=state.tz) for e in state.cases.events(case_id, actor)]


class ActionBody(BaseModel):
    note: str | None = Field(default=None, max_length=2000)
    assignee_id: str | None = Field(default=None, max_length=64)
    lon: StrictFloat | None = None  # strict, as in NewCase
    lat: StrictFloat | None = None
    crs: Literal["wgs84", "cgcs2000", "gcj02", "bd09"] = "wgs84"


@router.post("/cases/{case_id}/actions/{action}", summary="办理 Take a workflow action")
def act(
    case_id: Id,
    action: str,
    state: State,
    actor: Caller,
    response: Response,
    body: ActionBody | None = None,
    if_match: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    """Actions: register, reject, dispatch (``assignee_id`` optional), reassign (``assignee_id``
    required), return, handle, verify, rework, suspend, resume, and place (put a case that
    has only an address on the map: ``lon``, ``lat``, ``crs``)."""
    version = _version_from(if_match, case_id)
    body = body or ActionBody()
    if action == "place":
        if body.lon is None or body.lat is None:
            raise InputError("place needs lon and lat", field="lon")
        case = state.cases.place(
            case_id, actor, version=version, lon=body.lon, lat=body.lat, crs=body.crs
        )
    else:
        case = state.cases.act(
            case_id, action, actor, version=version, note=body.note, assignee_id=body.assignee_id
        )
    response.headers["ETag"] = etag(case)
    return case_view(case, now=state.cases.now(), tz=state.tz)


@router.post("/cases/{case_id}/reveal", summary="查看联系方式 Reveal the reporter (audited)")
def reveal(case_id: Id, state: State, actor: Caller) -> dict[str, Any]:
    name, phone = state.cases.reveal_reporter(case_id, actor)
    return {"name": name, "phone": phone}
