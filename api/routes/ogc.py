"""OGC API – Features Part 1 (Core, GeoJSON, OAS 3.0), read only, under ``/ogc``.

What QGIS, GDAL/ogr2ogr (OAPIF driver) and ArcGIS read. Communities and grids of the active
boundary generation are public; cases need a token (``Authorization: Bearer``, or HTTP Basic
with the token as password and any user name, which QGIS can send; any role; a worker sees
only their community's cases) and never carry the reporter. Geometry is CRS84 (WGS84
lon/lat). Documents are JSON (``f=json``), items GeoJSON; bad parameters are 400 problems.

Paging: boundaries by ``offset``, cases by ``cursor`` (the last case id of the page before);
follow the ``next`` link, which carries every parameter of the request.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from api import ogc_features as ogc
from api import ogc_filter, ogc_openapi
from api.boundary_cache import Layer
from api.deps import DesktopCaller, State
from api.illustrative import label_cases
from api.inputs import IdQuery, check_instant
from api.ogc_features import GeoJSONResponse
from geo.cases.search import CaseSearch
from geo.errors import NotFoundError

router = APIRouter(prefix="/ogc", tags=["ogc"])

Limit = Annotated[
    int,
    Query(
        ge=1,
        json_schema_extra={"maximum": ogc.MAX_LIMIT},
        description=f"Features per page (default {ogc.DEFAULT_LIMIT}); a value over "
        f"{ogc.MAX_LIMIT} is treated as {ogc.MAX_LIMIT}",
    ),
]
Offset = Annotated[int, Query(ge=0, description="Features to skip (the `next` link sets it)")]
Cursor = Annotated[
    IdQuery,
    Query(description="Id of the last case of the previous page (the `next` link sets it)"),
]
Bbox = Annotated[
    str | None,
    Query(description="west,south,east,north in CRS84 (WGS84 lon/lat): features intersecting it"),
]
When = Annotated[
    str | None,
    Query(
        alias="datetime",
        description="RFC 3339 instant or interval (a/b, ../b, a/..); a full date is that "
        "day in the district's time zone; cases: reported_at; boundaries: accepted and not "
        "filtered on",
    ),
]
Format = Annotated[str | None, Query(description="json (the only format)")]
CommunityCode = Annotated[str | None, Query(description="9-digit community code")]


def _boundaries(state: State) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(communities, grids) of the active generation as GeoJSON features (CRS84)."""
    return state.boundaries.features(state.locator.generation())


def _checked(
    window: tuple[datetime | None, datetime | None],
) -> tuple[datetime | None, datetime | None]:
    """The ``datetime`` window, each end within the offsets and years accepted (else 400)."""
    for end in window:
        if end is not None:
            check_instant(end, "datetime")
    return window


def _extent(state: State, collection_id: str) -> list[float]:
    """[w, s, e, n] in CRS84; cases get the grids' extent, the area the service covers."""
    layer: Layer = "communities" if collection_id == "communities" else "grids"
    return state.boundaries.shapes(state.locator.generation(), layer).bbox


@router.get("", name="ogc_landing", summary="OGC API – Features landing page")
def landing(request: Request, state: State, f: Format = None) -> JSONResponse:
    ogc.check_params(request, {"f"})
    return JSONResponse(ogc.landing_page(request, district=state.settings.district_name_en))


@router.get("/api", summary="The OGC API's OpenAPI 3.0 document (paths relative to /ogc)")
def api_document(request: Request, state: State, f: Format = None) -> JSONResponse:
    ogc.check_params(request, {"f"})
    doc = ogc_openapi.document(ogc.root_url(request), district=state.settings.district_name_en)
    return JSONResponse(doc, media_type=ogc.OPENAPI)


@router.get("/conformance", summary="Conformance classes")
def conformance(request: Request, f: Format = None) -> JSONResponse:
    ogc.check_params(request, {"f"})
    return JSONResponse({"conformsTo": ogc.CONFORMANCE})


@router.get("/collections", summary="Feature collections (CRS84)")
def collections(request: Request, state: State, f: Format = None) -> JSONResponse:
    ogc.check_params(request, {"f"})
    docs = [
        ogc.collection_doc(request, info, _extent(state, cid))
        for cid, info in ogc.COLLECTIONS.items()
    ]
    return JSONResponse(ogc.collections_doc(request, docs))


@router.get("/collections/{collection_id}", summary="One feature collection (CRS84)")
def collection(
    collection_id: str, request: Request, state: State, f: Format = None
) -> JSONResponse:
    info = ogc.collection(collection_id)
    ogc.check_params(request, {"f"})
    return JSONResponse(ogc.collection_doc(request, info, _extent(state, collection_id)))


@router.get(
    "/collections/{collection_id}/queryables",
    summary="Queryables: what a CQL2 filter may name (JSON Schema)",
)
def queryables(collection_id: str, request: Request, f: Format = None) -> JSONResponse:
    info = ogc.collection(collection_id)
    ogc.check_params(request, {"f"})
    if not info.queryable:
        raise NotFoundError(f"collection {collection_id!r} takes no filter; cases do")
    # JSON Schema's own media type, or plain JSON for a client that accepts only that (GDAL)
    accept = request.headers.get("accept", "")
    plain = ogc.JSON in accept and ogc.SCHEMA_JSON not in accept
    media_type = ogc.JSON if plain else ogc.SCHEMA_JSON
    return JSONResponse(ogc_filter.queryables(str(request.url)), media_type=media_type)


# Cases first: their paths are more specific than the boundary collections' below.
@router.get(
    "/collections/cases/items",
    response_class=GeoJSONResponse,
    summary="事件 Cases as CRS84 points (bearer token; no reporter data)",
)
def case_items(
    request: Request,
    state: State,
    actor: DesktopCaller,
    limit: Limit = ogc.DEFAULT_LIMIT,
    cursor: Cursor = 0,
    bbox: Bbox = None,
    when: When = None,
    community_code: CommunityCode = None,
    grid_code: Annotated[str | None, Query(description="15-digit grid code")] = None,
    status: Annotated[str | None, Query(description="Workflow status, e.g. dispatched")] = None,
    category: Annotated[str | None, Query(description="Category (subclass) code")] = None,
    filter_: Annotated[
        str | None,
        Query(
            alias="filter",
            description="CQL2 on the queryables (/ogc/collections/cases/queryables), e.g. "
            "status IN ('dispatched','suspended') AND reported_at >= DATE('2025-06-01')",
        ),
    ] = None,
    filter_lang: Annotated[
        str | None, Query(alias="filter-lang", description="cql2-text (default) or cql2-json")
    ] = None,
    f: Format = None,
) -> GeoJSONResponse:
    info = ogc.COLLECTIONS["cases"]
    ogc.check_params(request, info.params)
    box, limit = ogc.parse_bbox(bbox), ogc.clamp_limit(limit)
    since, until = _checked(ogc.parse_datetime(when, state.tz))
    where = None if filter_ is None else ogc_filter.parse(filter_, filter_lang, state.tz)
    search = CaseSearch(
        where=where,
        status=status,
        community=community_code,
        grid=grid_code,
        category=category,
        since=since,
        until=until,
        bbox=box,
    )
    found, matched = state.cases.search(actor, search, after=cursor, limit=limit + 1)
    now, page = state.cases.now(), found[:limit]
    more = None
    if len(found) > limit:
        more = {"cursor": page[-1].id, "limit": ogc.next_limit(limit)}
    features = [ogc.case_feature(c, now, state.tz) for c in page]
    label_cases(state, page, features)
    return GeoJSONResponse(
        ogc.feature_collection(request, info, features, matched=matched, next_params=more)
    )


@router.get(
    "/collections/cases/items/{fid}",
    response_class=GeoJSONResponse,
    summary="事件 One case as a CRS84 point (bearer token; no reporter data)",
)
def case_item(
    fid: str, request: Request, state: State, actor: DesktopCaller, f: Format = None
) -> GeoJSONResponse:
    info = ogc.COLLECTIONS["cases"]
    ogc.check_params(request, {"f"})
    if not (fid.isascii() and fid.isdigit()) or len(fid) > 18:
        raise NotFoundError(f"there is no case {fid}")
    case = state.cases.get(int(fid), actor)
    feature = ogc.case_feature(case, state.cases.now(), state.tz)
    label_cases(state, [case], [feature])
    return GeoJSONResponse(ogc.feature_doc(request, info, feature))


# Boundary collections (public). Facilities get routes like the cases' above, declared
# before these.
def _boundary_collection(collection_id: str) -> ogc.Collection:
    info = ogc.collection(collection_id)
    if collection_id not in ("communities", "grids"):
        raise NotFoundError(f"collection {collection_id!r} has no items here")
    return info


@router.get(
    "/collections/{collection_id}/items",
    response_class=GeoJSONResponse,
    summary="社区/网格 Communities or grids as CRS84 polygons",
)
def boundary_items(
    collection_id: str,
    request: Request,
    state: State,
    limit: Limit = ogc.DEFAULT_LIMIT,
    offset: Offset = 0,
    bbox: Bbox = None,
    when: When = None,
    community_code: CommunityCode = None,
    f: Format = None,
) -> GeoJSONResponse:
    """Polygons intersecting ``bbox``; ``community_code`` is the community itself for
    communities and the owning community for grids; ``datetime`` is checked, not applied."""
    info = _boundary_collection(collection_id)
    ogc.check_params(request, info.params)
    box, limit = ogc.parse_bbox(bbox), ogc.clamp_limit(limit)
    _checked(ogc.parse_datetime(when, state.tz))
    layer: Layer = "communities" if collection_id == "communities" else "grids"
    matched = ogc.boundary_items(
        state.boundaries.shapes(state.locator.generation(), layer),
        bbox=box,
        community_code=community_code,
        key="code" if collection_id == "communities" else "community_code",
    )
    page = matched[offset : offset + limit]
    more = None
    if offset + limit < len(matched):
        more = {"offset": offset + limit, "limit": ogc.next_limit(limit)}
    back = {"offset": max(0, offset - limit), "limit": limit} if offset > 0 else None
    return GeoJSONResponse(
        ogc.feature_collection(
            request, info, page, matched=len(matched), next_params=more, prev_params=back
        )
    )


@router.get(
    "/collections/{collection_id}/items/{fid}",
    response_class=GeoJSONResponse,
    summary="社区/网格 One community or grid (CRS84)",
)
def boundary_item(
    collection_id: str, fid: str, request: Request, state: State, f: Format = None
) -> GeoJSONResponse:
    info = _boundary_collection(collection_id)
    ogc.check_params(request, {"f"})
    comms, grids = _boundaries(state)
    for feature in comms if collection_id == "communities" else grids:
        if feature["id"] == fid:
            return GeoJSONResponse(ogc.feature_doc(request, info, feature))
    raise NotFoundError(f"there is no feature {fid} in {collection_id}")
