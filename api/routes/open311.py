"""Open311 GeoReport v2 under ``/open311/v2``: services, service requests, discovery.

Every endpoint answers ``.json`` or ``.xml``. Decisions where the spec leaves room:

- ``services`` and ``discovery`` need no ``api_key``. ``requests`` GET needs one (any valid
  token, 403 otherwise) unless ``GRIDMGR_PUBLIC_READ`` is on; answers never carry the
  reporter's name, phone or e-mail, and a worker's key sees only the worker's community.
  Without a key (public reading on) only cases of public categories are listed, their
  location rounded to about 100 m (api.anonymous), without description or address; any
  other case answers 404 as if it did not exist. A key that is sent must be valid.
- ``POST requests.json`` takes form fields (``application/x-www-form-urlencoded`` or
  ``multipart/form-data``) and needs ``api_key``: a token of role open311, dispatcher or
  admin. It answers **201 Created** with ``[{service_request_id, service_notice,
  account_id: null}]`` and a ``Location`` header; an ``Idempotency-Key`` header makes
  retries safe (a replay answers the same request, with ``Idempotent-Replayed: true``).
  A point that no grid of the active boundary generation covers is refused (400, "outside
  the service area"); nothing is stored. ``media_url`` (an http or https URL of at most 2000
  characters; anything else is a 400) is kept and answered to readers with a key, never to
  anonymous ones. ``email``, ``device_id``, ``account_id`` and ``attribute[...]`` are
  accepted and not kept. ``address_id`` is kept inside the address text (there is no
  address register); such requests wait for a dispatcher to place them on the map.
- Tokens are not used: POST answers the ``service_request_id`` at once, so
  ``tokens/{token}.json`` is always 404.
- ``requests.json`` GET: ``service_request_id`` (comma list, at most 100; overrides the other
  filters), ``service_code`` and ``status`` (``open``, ``closed``; comma lists),
  ``start_date``/``end_date`` (W3C datetimes; a time without offset is the district's local
  time, GRIDMGR_TIME_ZONE; a date alone covers that whole local day). The window is the last
  90 days by default and may not span more than 90 days. Requests come newest first
  (``requested_datetime``, then id, both descending), at most ``page_size`` (default and
  maximum 1000, larger values are clamped); when more match, a ``Link: <...>; rel="next"``
  header gives the next page (``before`` = the last id of this one). Sent with ``after``
  (an id) instead, they come in id order from the request after that id, and the next page
  is ``after`` the last id: a client that keeps a high-water mark sees each request once.
  ``before`` and ``after`` together are refused (400).
- ``status`` is ``closed`` for closed and rejected cases, ``open`` otherwise;
  ``status_notes`` is the Chinese state name (已上报, 已立案, 已派遣 ...);
  ``agency_responsible`` is the community's name, or the district's
  (``GRIDMGR_DISTRICT_NAME``) for a case outside every community; ``expected_datetime`` is
  the due time (set when the case is registered);
  ``updated_datetime`` is the latest audit event for one request and, in lists, the latest of
  the times a case keeps (reported, registered, suspended, closed).
- Errors are the spec's list ``[{"code": status, "description": "..."}]`` (or ``<errors>``):
  400 bad input, 403 key missing, unknown or of a role that may not post, 404 unknown
  request, service or format; so is every other error under ``/open311`` (405, 413, ...:
  api.open311_errors); the native API keeps problem+json.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import open311_format as fmt311
from api.anonymous import is_public, public_cases
from api.deps import State, actor_of
from api.errors import classify
from api.inputs import check_instant
from api.open311_errors import error_response
from api.state import AppState
from geo.cases.categories import Category
from geo.cases.model import Case
from geo.cases.service import MAX_DESCRIPTION, Intake
from geo.cases.workflow import FINAL_STATES, STATES, Actor
from geo.errors import GridmgrError, InputError, NotFoundError, PermissionDeniedError

log = logging.getLogger("gridmgr.api")

CHANGESET = "2026-12-06T00:00:00+08:00"  # when these endpoints last changed
MAX_PAGE = 1000
MAX_IDS = 100
MAX_QUERIES = 40  # status x service_code combinations asked of the store for one list
WINDOW = timedelta(days=90)
POSTERS = frozenset({"open311", "dispatcher", "admin"})
PUBLIC = Actor("public:anonymous", "open311")  # a reader without api_key (public reading)
OPEN_STATES = tuple(s for s in STATES if s not in FINAL_STATES)
CLOSED_STATES = tuple(s for s in STATES if s in FINAL_STATES)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
MAX_ID = 2**63 - 1
_CJK = re.compile("[\u3400-\u9fff\uf900-\ufaff]")
_SPACED_OFFSET = re.compile(r"(T[\d:.]+) (\d\d:?\d\d)$")  # an unescaped "+" read as a space


class Open311Route(APIRoute):
    """Turns errors of these routes into the spec's error list, in the asked format."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except GridmgrError as exc:
                status = classify(exc)[0]
                if status >= 500:
                    log.error("open311: store error: %s", type(exc).__name__)
                    return _error(request, status, "the service cannot answer now")
                return _error(request, status, str(exc))
            except RequestValidationError as exc:
                first = exc.errors()[0] if exc.errors() else {}
                where = ".".join(
                    str(p)
                    for p in first.get("loc", ())
                    if p not in ("body", "query", "path", "header")
                )
                msg = first.get("msg", "invalid request")
                return _error(request, 400, f"{where}: {msg}" if where else msg)
            except StarletteHTTPException as exc:
                return _error(request, exc.status_code, str(exc.detail))

        return guarded


def _error(request: Request, status: int, description: str) -> Response:
    return error_response(request.url.path, status, description)


router = APIRouter(prefix="/open311/v2", tags=["open311"], route_class=Open311Route)


# -- dependencies -------------------------------------------------------------------------


def format_of(fmt: str) -> str:
    if fmt not in fmt311.FORMATS:
        raise NotFoundError(f"unknown format .{fmt}; use .json or .xml")
    return fmt


Fmt = Annotated[str, Depends(format_of)]


def reader(state: State, api_key: str | None = None) -> Actor:
    """Who reads: the key's holder, or the public (:data:`PUBLIC`) when no key is sent and
    public reading (GRIDMGR_PUBLIC_READ) is on."""
    if not api_key:
        if state.settings.public_read:
            return PUBLIC
        raise PermissionDeniedError("send api_key to read service requests")
    record = state.token(api_key)
    if record is None:
        raise PermissionDeniedError("api_key is unknown or revoked")
    return actor_of(record)


Reader = Annotated[Actor, Depends(reader)]


async def form_fields(request: Request) -> dict[str, str]:
    """The POST body's form fields (text fields only; files are ignored)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in FORM_TYPES:
        if await request.body():
            raise InputError(
                "send the fields form-encoded (application/x-www-form-urlencoded)",
                field="content-type",
            )
        return {}
    async with request.form() as form:
        return {k: v for k, v in form.multi_items() if isinstance(v, str)}


Form = Annotated[dict[str, str], Depends(form_fields)]


# -- endpoints ----------------------------------------------------------------------------


@router.get("/discovery.{fmt}", name="open311_discovery", summary="Open311 discovery")
def discovery(fmt: Fmt, request: Request, state: State) -> Response:
    url = str(request.url_for("open311_discovery", fmt=fmt)).rsplit("/", 1)[0]
    s = state.settings
    doc = fmt311.discovery(url, CHANGESET, district=s.district_name, district_en=s.district_name_en)
    return fmt311.render(fmt, doc, root="discovery")


@router.get("/services.{fmt}", summary="服务类型 Service list")
def services(fmt: Fmt, state: State) -> Response:
    body = [fmt311.service_view(c) for c in state.cases.categories().values()]
    return fmt311.render(fmt, body, root="services", item="service")


@router.get("/services/{service_code}.{fmt}", summary="服务定义 Service definition")
def service_definition(service_code: str, fmt: Fmt, state: State) -> Response:
    cat = state.cases.categories().get(service_code)
    if cat is None:
        raise NotFoundError(f"there is no service {service_code!r}; see services.{fmt}")
    return fmt311.render(fmt, fmt311.service_definition(cat), root="service_definition")


@router.get("/requests.{fmt}", summary="服务请求列表 Service requests")
def list_requests(
    fmt: Fmt,
    state: State,
    actor: Reader,
    request: Request,
    service_request_id: str | None = None,
    service_code: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    status: str | None = None,
    page_size: int = MAX_PAGE,
    before: Annotated[
        int | None,
        Query(ge=1, le=MAX_ID, description="newest first: the last id of the previous page"),
    ] = None,
    after: Annotated[
        int | None,
        Query(ge=0, le=MAX_ID, description="in id order: the last id of the previous page"),
    ] = None,
) -> Response:
    size = min(max(page_size, 1), MAX_PAGE)
    if before is not None and after is not None:
        raise InputError("give before (newest first) or after (id order), not both", field="before")
    cursor = Cursor(newest=after is None, last=after if after is not None else before)
    cats = state.cases.categories()
    if service_request_id:
        cases, more = _by_ids(state, actor, service_request_id), False
    else:
        since, until = _window(start_date, end_date, state.cases.now(), state.tz)
        cases, more = _page(
            state,
            actor,
            cats,
            status=status,
            codes=service_code,
            since=since,
            until=until,
            cursor=cursor,
            size=size,
        )
    agencies, district = _agencies(state, cases), state.settings.district_name
    body = [
        _view(actor, c, cats.get(c.category), agencies.get(c.id), _touched(c), district, state.tz)
        for c in cases
    ]
    headers = None
    if more:
        nxt = request.url.include_query_params(**{cursor.name: cases[-1].id})
        headers = {"Link": f'<{nxt}>; rel="next"'}
    return fmt311.render(fmt, body, root="service_requests", item="request", headers=headers)


@router.get(
    "/requests/{request_id}.{fmt}", name="open311_request", summary="服务请求 One service request"
)
def one_request(request_id: str, fmt: Fmt, state: State, actor: Reader) -> Response:
    case_id = _case_id(request_id)
    events = state.cases.events(case_id, actor)
    case = state.cases.get(case_id, actor)
    cats = state.cases.categories()
    if actor is PUBLIC and not is_public(case, cats):
        raise NotFoundError(f"there is no service request {request_id!r}")
    updated = max((e.at for e in events), default=case.reported_at)
    view = _view(
        actor,
        case,
        cats.get(case.category),
        _agencies(state, [case]).get(case.id),
        updated,
        state.settings.district_name,
        state.tz,
    )
    return fmt311.render(fmt, [view], root="service_requests", item="request")


@router.post("/requests.{fmt}", summary="提交服务请求 Create a service request")
def create_request(
    fmt: Fmt,
    state: State,
    form: Form,
    request: Request,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    actor, token_id = _poster(state, form.get("api_key"))
    cats = state.cases.categories()
    intake = _intake(form, cats, idempotency_key)
    _check_served(state, intake)
    case, replayed = state.file_case(intake, actor, owner=token_id)
    headers = {
        "Location": str(request.url_for("open311_request", request_id=str(case.id), fmt=fmt))
    }
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return fmt311.render(
        fmt,
        [fmt311.created_view(case, cats.get(case.category))],
        root="service_requests",
        item="request",
        status=201,
        headers=headers,
    )


@router.get("/tokens/{token}.{fmt}", summary="Token (not used)")
def token(token: str, fmt: Fmt) -> Response:
    raise NotFoundError("tokens are not used: POST requests answers the service_request_id at once")


@router.api_route("/{rest:path}", methods=["GET", "POST"], include_in_schema=False)
def unknown(rest: str, request: Request) -> Response:
    raise NotFoundError(f"there is no Open311 endpoint {request.method} {rest}; see discovery.json")


# -- helpers ------------------------------------------------------------------------------


def _poster(state: AppState, api_key: str | None) -> tuple[Actor, str]:
    """The actor an Open311 POST acts as, and its token's id (the owner of its
    Idempotency-Key)."""
    if not api_key:
        raise PermissionDeniedError("send api_key to create a service request")
    record = state.token(api_key)
    if record is None:
        raise PermissionDeniedError("api_key is unknown or revoked")
    if record.role not in POSTERS:
        raise PermissionDeniedError(
            f"a {record.role} key may not create service requests; "
            f"allowed: {', '.join(sorted(POSTERS))}"
        )
    return actor_of(record), record.id


def _check_served(state: AppState, intake: Intake) -> None:
    """Refuse (400) a request whose point (WGS84 lon, lat) no grid of the active generation
    covers: the district does not serve it, so nothing is filed."""
    if intake.lon is None or intake.lat is None:
        return
    located, _, _ = state.locator.locate_one(intake.lon, intake.lat, crs="wgs84")
    if located.grid_code is None:
        raise InputError(
            f"lat {intake.lat:g}, long {intake.lon:g} is outside the service area: no grid of "
            f"{state.settings.district_name_en or state.settings.district_name} covers it",
            field="lat",
        )


def _text(form: dict[str, str], name: str, limit: int) -> str | None:
    value = (form.get(name) or "").strip()
    if len(value) > limit:
        raise InputError(f"{name} has {len(value)} characters; at most {limit}", field=name)
    return value or None


def _coordinate(form: dict[str, str], name: str, bound: float) -> float | None:
    text = (form.get(name) or "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not -bound <= value <= bound:
        raise InputError(
            f"{name} {text!r} is not a number from {-bound:g} to {bound:g} (WGS84 degrees)",
            field=name,
        )
    return value


def _intake(form: dict[str, str], cats: dict[str, Category], key: str | None) -> Intake:
    """The native intake for a POSTed service request; bad fields raise InputError."""
    code = (form.get("service_code") or "").strip()
    if not code:
        raise InputError("service_code is required; see services.json", field="service_code")
    if code not in cats:
        raise InputError(f"unknown service_code {code!r}; see services.json", field="service_code")
    lat, lon = _coordinate(form, "lat", 90), _coordinate(form, "long", 180)
    if (lat is None) != (lon is None):
        raise InputError("give both lat and long, or neither", field="lat")
    address = _text(form, "address_string", 500)
    address_id = _text(form, "address_id", 100)
    if address_id:
        address = f"{address} (address_id {address_id})" if address else f"address_id {address_id}"
    if lat is None and not address:
        raise InputError(
            "a request needs a location: lat and long, address_string or address_id",
            field="location",
        )
    description = form.get("description") or ""
    if len(description) > MAX_DESCRIPTION:
        raise InputError(
            f"description has {len(description)} characters; at most {MAX_DESCRIPTION}",
            field="description",
        )
    first, last = _text(form, "first_name", 50), _text(form, "last_name", 50)
    name: str | None
    if first and last:
        name = f"{last}{first}" if _CJK.search(first + last) else f"{first} {last}"
    else:
        name = first or last
    return Intake(
        category=code,
        description=description,
        source="open311",
        lon=lon,
        lat=lat,
        crs="wgs84",
        address=address,
        reporter_name=name,
        reporter_phone=_text(form, "phone", 40),
        idempotency_key=key or None,
        media_url=(form.get("media_url") or "").strip() or None,
    )


def _view(
    actor: Actor,
    case: Case,
    cat: Category | None,
    agency: str | None,
    updated: datetime,
    district: str,
    tz: tzinfo,
) -> dict[str, Any]:
    """The request as ``actor`` may read it: rounded and without free text for the public."""
    view = fmt311.request_view(case, cat, agency, updated, district=district, tz=tz)
    return fmt311.public_request_view(view) if actor is PUBLIC else view


def _case_id(text: str) -> int:
    if not text.isascii() or not text.isdigit() or not 0 < int(text) <= MAX_ID:
        raise NotFoundError(f"there is no service request {text!r}")
    return int(text)


def _by_ids(state: AppState, actor: Actor, ids: str) -> list[Case]:
    wanted = list(dict.fromkeys(p.strip() for p in ids.split(",") if p.strip()))
    if len(wanted) > MAX_IDS:
        raise InputError(
            f"at most {MAX_IDS} service_request_id values at once", field="service_request_id"
        )
    out = []
    for text in wanted:
        try:
            out.append(state.cases.get(_case_id(text), actor))
        except NotFoundError:
            continue
    return public_cases(out, state.cases.categories()) if actor is PUBLIC else out


def _when(text: str, name: str, *, end: bool, tz: tzinfo) -> datetime:
    """A W3C date or datetime, read in zone ``tz`` when it has no offset (a date alone starts
    at local midnight); an end date alone includes its whole day."""
    text = _SPACED_OFFSET.sub(r"\1+\2", text.strip())
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            check_instant(datetime.combine(day, time()), name)
            return datetime.combine(day + timedelta(days=1) if end else day, time(), tz)
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InputError(
            f"{name} {text!r} is not a W3C datetime such as 2026-06-01T08:00:00+08:00", field=name
        ) from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    check_instant(value, name)
    return value + timedelta(microseconds=1) if end else value


def _window(
    start: str | None, end: str | None, now: datetime, tz: tzinfo
) -> tuple[datetime, datetime]:
    """[since, until) of requested_datetime: 90 days by default, never more; ``tz`` is the
    zone of dates and times given without an offset."""
    since = _when(start, "start_date", end=False, tz=tz) if start else None
    until = _when(end, "end_date", end=True, tz=tz) if end else None
    if since is None:
        until = until or now + timedelta(microseconds=1)
        since = until - WINDOW
    elif until is None:
        until = since + WINDOW
    if until <= since:
        raise InputError("end_date is before start_date", field="end_date")
    if until - since > WINDOW + timedelta(microseconds=1):
        raise InputError("start_date to end_date may not span more than 90 days", field="end_date")
    return since, until


@dataclass(frozen=True)
class Cursor:
    """Where a page of requests.json starts: ``newest`` first (reported_at, then id, both
    descending) after case ``last`` (``before``), or in id order after id ``last``
    (``after``); ``last`` None (or 0 in id order) is the first page."""

    newest: bool
    last: int | None

    @property
    def name(self) -> str:
        """The query parameter that carries this cursor."""
        return "before" if self.newest else "after"

    def key(self, case: Case) -> tuple[Any, ...]:
        """The sort key of the order (descending when ``newest``)."""
        return (case.reported_at, case.id) if self.newest else (case.id,)


def _statuses(text: str | None) -> list[str | None]:
    """The stored states asked for (``[None]``: all of them)."""
    words = {w.strip().lower() for w in (text or "").split(",") if w.strip()}
    unknown = words - {"open", "closed"}
    if unknown:
        raise InputError(
            f"status {', '.join(sorted(unknown))!r} is not open or closed", field="status"
        )
    if not words or words == {"open", "closed"}:
        return [None]
    return list(OPEN_STATES if "open" in words else CLOSED_STATES)


def _matching(
    state: AppState,
    actor: Actor,
    cats: dict[str, Category],
    *,
    status: str | None,
    codes: str | None,
    since: datetime,
    until: datetime,
    cursor: Cursor,
    size: int,
) -> tuple[list[Case], bool]:
    """One page of cases in the cursor's order, and whether more match; one store query
    per combination."""
    statuses = _statuses(status)
    wanted: list[str | None] = [None]
    if codes:
        wanted = [c for c in dict.fromkeys(p.strip() for p in codes.split(",")) if c in cats]
        if not wanted:
            return [], False
    if len(statuses) * len(wanted) > MAX_QUERIES:
        raise InputError(
            "too many service_code values with this status at once; ask for fewer",
            field="service_code",
        )
    found: dict[int, Case] = {}
    for stored in statuses:
        for code in wanted:
            for case in state.cases.find(
                actor,
                status=stored,
                category=code,
                since=since,
                until=until,
                limit=size + 1,
                newest=cursor.newest,
                before=cursor.last if cursor.newest else None,
                after=0 if cursor.newest else cursor.last or 0,
            ):
                found[case.id] = case
    ordered = sorted(found.values(), key=cursor.key, reverse=cursor.newest)
    return ordered[:size], len(ordered) > size


def _page(
    state: AppState,
    actor: Actor,
    cats: dict[str, Category],
    *,
    status: str | None,
    codes: str | None,
    since: datetime,
    until: datetime,
    cursor: Cursor,
    size: int,
) -> tuple[list[Case], bool]:
    """One page of the cases ``actor`` may read, and whether more may follow: for the public,
    only cases of public categories (pages of the store are read until one is full)."""

    def matching(start: Cursor) -> tuple[list[Case], bool]:
        return _matching(
            state,
            actor,
            cats,
            status=status,
            codes=codes,
            since=since,
            until=until,
            cursor=start,
            size=size,
        )

    if actor is not PUBLIC:
        return matching(cursor)
    out: list[Case] = []
    while True:
        found, more = matching(cursor)
        out += public_cases(found, cats)
        if len(out) >= size:
            return out[:size], more or len(out) > size
        if not more:
            return out, False
        cursor = replace(cursor, last=found[-1].id)


def _agencies(state: AppState, cases: list[Case]) -> dict[int, str]:
    """Case id -> the name of its community (in the generation it was filed under)."""
    names: dict[int, dict[str, str]] = {}
    out = {}
    for case in cases:
        if case.generation is None or case.community_code is None:
            continue
        if case.generation not in names:
            names[case.generation] = state.locator.index(case.generation).community_names
        name = names[case.generation].get(case.community_code)
        if name:
            out[case.id] = name
    return out


def _touched(case: Case) -> datetime:
    """The latest time the case row keeps (a list's updated_datetime, without the audit)."""
    times = (case.reported_at, case.registered_at, case.suspended_at, case.closed_at)
    return max(t for t in times if t is not None)
