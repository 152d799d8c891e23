"""The party-building grid over HTTP: organisations, members who report to a community,
service posts (岗位), claims and hours, and figures per community and grid.

Readers: admin, dispatcher, planner and worker tokens (open311 clients and anonymous callers
see none of it). Writes are scoped to a community as cases are: an admin anywhere, a worker
(community staff) in the community of their token. A worker reads members and hours of their
own community only. Members' names and phone numbers are always shown masked (张*,
138****5678). Points are WGS84 (lon, lat degrees).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field, StrictFloat, StrictInt

from api.deps import Caller, State, roles
from api.inputs import Id
from api.logging_redact import remember
from api.views import mask_name, mask_phone
from geo.cases.workflow import Actor
from geo.errors import InputError, NotFoundError, PermissionDeniedError
from geo.party.figures import PartyFigures
from geo.party.model import ORG_KINDS, POST_KINDS, HoursEntry, Member, Organisation, Post
from geo.party.placing import check_member, check_parents, check_post, place_organisation

READERS = roles("admin", "dispatcher", "planner", "worker")
ADMIN = roles("admin")
router = APIRouter(prefix="/party", tags=["party"], dependencies=[READERS])


def _require_community(actor: Actor, community: str, what: str) -> None:
    """Admins act anywhere; a worker only in their own community; other roles not at all."""
    if actor.role == "admin":
        return
    if actor.role == "worker" and actor.community_code == community:
        return
    raise PermissionDeniedError(f"only an admin or a worker of community {community} may {what}")


def _read_scope(actor: Actor, community: str | None) -> str | None:
    """The community a read is limited to: a worker's own (403 if they ask for another)."""
    if actor.role != "worker":
        return community
    if community is not None and community != actor.community_code:
        raise PermissionDeniedError("a worker reads members and hours of their own community")
    return actor.community_code


def org_feature(o: Organisation) -> dict[str, Any]:
    props = {k: v for k, v in asdict(o).items() if k not in ("lon", "lat")}
    props["kind_name"] = ORG_KINDS.get(o.kind, (None,))[0]
    return {
        "type": "Feature",
        "id": o.id,
        "properties": props,
        "geometry": None if o.lon is None else {"type": "Point", "coordinates": [o.lon, o.lat]},
    }


def member_view(m: Member) -> dict[str, Any]:
    return {
        "id": m.id,
        "name": mask_name(m.name),
        "phone": mask_phone(m.phone),
        "org_code": m.org_code,
        "community_code": m.community_code,
        "skills": list(m.skills),
        "reported_on": m.reported_on.isoformat(),
    }


def post_view(p: Post) -> dict[str, Any]:
    return {
        "id": p.id,
        "community_code": p.community_code,
        "grid_code": p.grid_code,
        "title": p.title,
        "kind": p.kind,
        "kind_name": POST_KINDS.get(p.kind, (None,))[0],
        "slots": p.slots,
        "claimed": p.claimed,
        "filled": p.filled,
        "published_at": p.published_at.isoformat(),
    }


def figures_view(f: PartyFigures) -> dict[str, Any]:
    return {**asdict(f), "members_per_1000": f.members_per_1000}


def _post(state: State, post_id: int) -> Post:
    found = state.store.posts(post_id=post_id)
    if not found:
        raise NotFoundError(f"there is no post {post_id}")
    return found[0]


# -- kinds and organisations -------------------------------------------------------------
@router.get("/kinds", summary="组织与岗位类型 Organisation and post kinds")
def kinds() -> dict[str, Any]:
    def listed(table: dict[str, tuple[str, str]]) -> list[dict[str, str]]:
        return [{"code": c, "name_zh": zh, "name_en": en} for c, (zh, en) in table.items()]

    return {"organisations": listed(ORG_KINDS), "posts": listed(POST_KINDS)}


class OrgIn(BaseModel):
    code: str = Field(..., max_length=64)
    name: str = Field(..., max_length=200)
    kind: str = Field(..., max_length=64, description="a kind code or its Chinese name")
    parent_code: str | None = Field(None, max_length=64)
    lon: StrictFloat | None = None
    lat: StrictFloat | None = None
    crs: Literal["wgs84", "cgcs2000", "gcj02", "bd09"] = "wgs84"


@router.get("/organisations", summary="党组织与社会组织 Organisations")
def list_organisations(
    state: State,
    kind: str | None = None,
    community: str | None = None,
    grid: str | None = None,
) -> dict[str, Any]:
    found = state.store.organisations(kind=kind, community=community, grid=grid)
    return {"type": "FeatureCollection", "features": [org_feature(o) for o in found]}


@router.get("/organisations/{org_id}", summary="组织详情 One organisation")
def get_organisation(org_id: Id, state: State) -> dict[str, Any]:
    found = state.store.organisations(org_id=org_id)
    if not found:
        raise NotFoundError(f"there is no organisation {org_id}")
    return org_feature(found[0])


@router.post(
    "/organisations",
    status_code=201,
    dependencies=[ADMIN],
    summary="新增组织 Add an organisation",
)
def create_organisation(body: OrgIn, state: State, response: Response) -> dict[str, Any]:
    org = place_organisation(body.model_dump(), state.locator, crs=body.crs)
    problems = check_parents([org], state.store.org_codes())
    if problems:
        raise problems[0][1]
    (new_id,) = state.store.add_organisations([org])
    response.headers["Location"] = f"/party/organisations/{new_id}"
    return org_feature(state.store.organisations(org_id=new_id)[0])


# -- members ------------------------------------------------------------------------------
class MemberIn(BaseModel):
    name: str = Field(..., max_length=100)
    phone: str | None = Field(None, max_length=30)
    org_code: str | None = Field(None, max_length=64, description="the home organisation")
    community_code: str = Field(..., max_length=9, description="the community reported to")
    skills: list[Annotated[str, Field(max_length=50)]] = Field(default_factory=list)
    reported_on: date | None = None


@router.get("/members", summary="报到党员 Members reported in (masked)")
def list_members(state: State, actor: Caller, community: str | None = None) -> dict[str, Any]:
    scope = _read_scope(actor, community)
    return {"members": [member_view(m) for m in state.store.members(community=scope)]}


@router.post("/members", status_code=201, summary="到社区报到 A member reports in")
def create_member(
    body: MemberIn, state: State, actor: Caller, response: Response
) -> dict[str, Any]:
    remember(body.name, body.phone)  # kept out of any log record of this request
    today = state.cases.now().astimezone(state.tz).date()
    member = check_member(body.model_dump(), today=today)
    _require_community(actor, member.community_code, "record members reporting to it")
    known = {c.code for c in state.store.communities(state.locator.generation())}
    if member.community_code not in known:
        raise InputError(
            f"community {member.community_code} is not in the active boundaries",
            field="community_code",
        )
    new_id = state.store.add_member(member)
    response.headers["Location"] = f"/party/members/{new_id}"
    return member_view(state.store.members(member_id=new_id)[0])


@router.get("/members/{member_id}", summary="党员详情 One member (masked)")
def get_member(member_id: Id, state: State, actor: Caller) -> dict[str, Any]:
    found = state.store.members(member_id=member_id)
    if not found or (actor.role == "worker" and found[0].community_code != actor.community_code):
        raise NotFoundError(f"there is no member {member_id}")
    return member_view(found[0])


# -- posts, claims, hours ------------------------------------------------------------------
class PostIn(BaseModel):
    community_code: str = Field(..., max_length=9)
    grid_code: str = Field(..., max_length=15)
    title: str = Field(..., max_length=200)
    kind: str = Field(..., max_length=64, description="a kind code or its Chinese name")
    slots: StrictInt = Field(1, ge=1, le=10_000)


class ClaimIn(BaseModel):
    member_id: StrictInt = Field(..., ge=1)


class HoursIn(BaseModel):
    member_id: StrictInt = Field(..., ge=1)
    day: date
    hours: StrictFloat | StrictInt = Field(..., gt=0, le=24, description="decimal hours")
    activity: str = Field("", max_length=500)


@router.get("/posts", summary="服务岗位 Service posts")
def list_posts(
    state: State, community: str | None = None, grid: str | None = None
) -> dict[str, Any]:
    return {"posts": [post_view(p) for p in state.store.posts(community=community, grid=grid)]}


@router.get("/posts/{post_id}", summary="岗位详情 One post and who holds it")
def get_post(post_id: Id, state: State, actor: Caller) -> dict[str, Any]:
    post = _post(state, post_id)
    view = post_view(post)
    if actor.role != "worker" or actor.community_code == post.community_code:
        view["claims"] = [
            {"member_id": m, "claimed_at": at.isoformat()}
            for m, at in state.store.post_claims(post_id)
        ]
    return view


@router.post("/posts", status_code=201, summary="发布岗位 Publish a post in a grid")
def create_post(body: PostIn, state: State, actor: Caller, response: Response) -> dict[str, Any]:
    _require_community(actor, body.community_code, "publish posts in it")
    generation = state.locator.generation()
    grids = {g.code: g.community_code for g in state.store.grids(generation)}
    post = check_post(body.model_dump(), grids, now=state.cases.now())
    new_id = state.store.add_post(post)
    response.headers["Location"] = f"/party/posts/{new_id}"
    return post_view(_post(state, new_id))


@router.post("/posts/{post_id}/claims", status_code=201, summary="认领岗位 A member claims")
def claim_post(post_id: Id, body: ClaimIn, state: State, actor: Caller) -> dict[str, Any]:
    post = _post(state, post_id)
    _require_community(actor, post.community_code, "record claims of its posts")
    state.store.claim_post(post_id, body.member_id, at=state.cases.now())
    return post_view(_post(state, post_id))


@router.get("/posts/{post_id}/hours", summary="服务时长 Hours logged on a post")
def post_hours(post_id: Id, state: State, actor: Caller) -> dict[str, Any]:
    post = _post(state, post_id)
    _read_scope(actor, post.community_code)
    entries = state.store.hours(post_id=post_id)
    return {
        "hours": [{**asdict(h), "day": h.day.isoformat()} for h in entries],
        "total": sum(h.hours for h in entries),
    }


@router.post("/posts/{post_id}/hours", status_code=201, summary="记录服务时长 Log hours")
def log_hours(post_id: Id, body: HoursIn, state: State, actor: Caller) -> dict[str, Any]:
    post = _post(state, post_id)
    _require_community(actor, post.community_code, "log hours on its posts")
    entry = HoursEntry(None, post_id, body.member_id, body.day, float(body.hours), body.activity)
    new_id = state.store.log_hours(entry)
    return {**asdict(entry), "id": new_id, "day": entry.day.isoformat()}


# -- figures ------------------------------------------------------------------------------
@router.get("/figures", summary="党建统计 Figures per community or grid")
def figures(
    state: State,
    level: Annotated[Literal["community", "grid"], Query()] = "community",
    community: str | None = None,
    from_: Annotated[date | None, Query(alias="from", description="first day of hours")] = None,
    to: Annotated[date | None, Query(description="day after the last day of hours")] = None,
) -> dict[str, Any]:
    """Per community (or grid): organisations, members reported in and per 1,000 residents,
    posts and posts filled, volunteer hours (only those logged on days in [from, to) when
    given). For a grid, its members are the distinct members holding a post in it."""
    if from_ is not None and to is not None and to <= from_:
        raise InputError(f"to {to} must be after from {from_}", field="to")
    generation = state.locator.generation()
    rows = state.store.party_figures(
        level=level, generation=generation, community=community, since=from_, until=to
    )
    if community is not None and not rows:
        raise InputError(
            f"community {community!r} is not in the active boundaries", field="community"
        )
    return {"level": level, "generation": generation, "rows": [figures_view(f) for f in rows]}
