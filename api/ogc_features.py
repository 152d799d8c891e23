"""OGC API – Features Part 1 (Core, GeoJSON, OAS 3.0) documents for the ``/ogc`` routes.

The collections, parameter parsing (``limit``, ``bbox``, ``datetime``), paging links and the
documents themselves. Every coordinate here is CRS84: WGS84 longitude, latitude in degrees
(http://www.opengis.net/def/crs/OGC/1.3/CRS84), the same values as EPSG:4326 stored lon/lat.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from fastapi import Request

from api.boundary_cache import Feature, Shapes
from api.json_body import JSONBody
from api.routes.apidocs import DOCS_URL
from geo.cases.model import Case, iso
from geo.errors import InputError, NotFoundError

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
JSON = "application/json"
GEOJSON = "application/geo+json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
HTML = "text/html"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    # Part 3 on cases: queryables, the filter parameter in CQL2 (text and JSON)
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
]
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
SCHEMA_JSON = "application/schema+json"
# A desktop's page: QGIS and GDAL 3.8+ read the default and maximum from the OpenAPI document.
DEFAULT_LIMIT = 1000
MAX_LIMIT = 10_000  # a larger ``limit`` is clamped to this, never refused
# ``next`` links ask for at least this many: GDAL before 3.8 asks for 10 per page whatever the
# server's default, then follows ``next`` links as given.
NEXT_PAGE_MIN = DEFAULT_LIMIT
FORMATS = ("json", "geojson")  # accepted values of ``f``

# Query parameters every items request may carry; each collection adds its property filters.
ITEMS_PARAMS = frozenset({"limit", "bbox", "datetime", "f"})


class GeoJSONResponse(JSONBody):
    """GeoJSON, serialised in the route's thread (api.json_body)."""

    media_type = GEOJSON


@dataclass(frozen=True)
class Collection:
    id: str
    title: str
    description: str
    public: bool  # readable without a token
    paging: str  # the paging parameter: "offset" (boundaries) or "cursor" (cases)
    filters: tuple[str, ...]  # property=value filters its items accept
    queryable: bool = False  # has queryables and takes a CQL2 ``filter``

    @property
    def params(self) -> frozenset[str]:
        cql = ("filter", "filter-lang") if self.queryable else ()
        return ITEMS_PARAMS | {self.paging, *self.filters, *cql}


COLLECTIONS: dict[str, Collection] = {
    c.id: c
    for c in (
        Collection(
            "communities",
            "社区 Communities",
            "Communities (社区) of the active boundary generation; feature id = 9-digit "
            "community code. Polygons in CRS84 (WGS84 lon/lat).",
            public=True,
            paging="offset",
            filters=("community_code",),
        ),
        Collection(
            "grids",
            "网格 Grids",
            "Responsibility grids (网格) of the active boundary generation; feature id = "
            "15-digit grid code. Polygons in CRS84 (WGS84 lon/lat).",
            public=True,
            paging="offset",
            filters=("community_code",),
        ),
        Collection(
            "cases",
            "事件 Cases",
            "Cases (incidents and requests) as points in CRS84 (WGS84 lon/lat), without the "
            "reporter's personal data; feature id = case id. Needs a token: "
            "Authorization: Bearer, or HTTP Basic with the token as password (any user "
            "name); a worker sees only their community's cases. datetime filters "
            "reported_at.",
            public=False,
            paging="cursor",
            filters=("community_code", "grid_code", "status", "category"),
            queryable=True,
        ),
        # Facilities (服务设施, state.store.facilities) join here: a Collection entry, its extent
        # in api/routes/ogc.py:_extent and items routes like the cases' there.
    )
}


def collection(collection_id: str) -> Collection:
    found = COLLECTIONS.get(collection_id)
    if found is None:
        raise NotFoundError(f"there is no collection {collection_id!r}")
    return found


# --- parameters ---------------------------------------------------------------------------


def check_params(request: Request, allowed: Iterable[str]) -> None:
    """400 for a query parameter the API does not define (OGC /req/core/query-param-unknown)."""
    allowed = set(allowed)
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        raise InputError(
            f"unknown query parameter {unknown[0]!r}; this resource accepts: "
            f"{', '.join(sorted(allowed)) or 'none'}",
            field=unknown[0],
        )
    fmt = request.query_params.get("f")
    if fmt is not None and fmt not in FORMATS:
        raise InputError(f"f={fmt!r}: only json is offered", field="f")


def clamp_limit(limit: int) -> int:
    return min(limit, MAX_LIMIT)


def next_limit(limit: int) -> int:
    """The ``limit`` a ``next`` link asks for after a page of ``limit``: at least
    :data:`NEXT_PAGE_MIN`, so that a client asking for small pages still pages quickly."""
    return max(limit, NEXT_PAGE_MIN)


def parse_bbox(text: str | None) -> tuple[float, float, float, float] | None:
    """``west,south,east,north`` (or the 6-number form with heights) in CRS84 degrees."""
    if text is None:
        return None
    parts = text.split(",")
    try:
        nums = [float(p) for p in parts]
    except ValueError:
        nums = []
    if len(nums) not in (4, 6) or not all(math.isfinite(v) for v in nums):
        raise InputError(
            f"bbox {text!r} is not 4 numbers west,south,east,north (CRS84)", field="bbox"
        )
    west, south, east, north = nums if len(nums) == 4 else (nums[0], nums[1], nums[3], nums[4])
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= north <= 90):
        raise InputError(
            f"bbox {text!r} is outside lon -180..180, lat -90..90 or has south > north",
            field="bbox",
        )
    if west > east:
        raise InputError(
            f"bbox {text!r} crosses the antimeridian (west > east), which no feature here does",
            field="bbox",
        )
    return west, south, east, north


def _instant(text: str, tz: tzinfo) -> tuple[datetime, datetime]:
    """[start, end) of one RFC 3339 date-time (an instant) or full date (that day, from local
    midnight to the next in zone ``tz``)."""
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            start = datetime.combine(day, time(), tz)
            return start, datetime.combine(day + timedelta(days=1), time(), tz)
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"datetime {text!r} is not an RFC 3339 date-time or date", field="datetime"
        ) from None
    if value.tzinfo is None:
        raise InputError(
            f"datetime {text!r} needs Z or a UTC offset, e.g. +08:00", field="datetime"
        )
    return value, value + timedelta(microseconds=1)


def parse_datetime(text: str | None, tz: tzinfo) -> tuple[datetime | None, datetime | None]:
    """The half-open range [start, end) of an instant, ``a/b``, ``../b`` or ``a/..``.

    Interval ends are inclusive in the OGC sense: ``a/b`` keeps times up to and including b.
    A full date alone is that day in zone ``tz`` (the district's). ``(None, None)`` when no
    datetime was given.
    """
    if text is None:
        return None, None
    if "/" not in text:
        return _instant(text, tz)
    first, _, second = text.partition("/")
    open_ = ("", "..")
    if "/" in second or (first in open_ and second in open_):
        raise InputError(
            f"datetime {text!r} is not an instant or an interval a/b, ../b, a/..", field="datetime"
        )
    start = None if first in open_ else _instant(first, tz)[0]
    end = None if second in open_ else _instant(second, tz)[1]
    if start is not None and end is not None and start >= end:
        raise InputError(f"datetime {text!r} ends before it starts", field="datetime")
    return start, end


# --- documents ----------------------------------------------------------------------------


def link(href: str, rel: str, type_: str, title: str | None = None) -> dict[str, str]:
    out = {"href": href, "rel": rel, "type": type_}
    if title:
        out["title"] = title
    return out


def root_url(request: Request) -> str:
    """The absolute URL of the landing page (it follows the host and root path asked for)."""
    return str(request.url_for("ogc_landing")).rstrip("/")


def landing_page(request: Request, *, district: str) -> dict[str, Any]:
    """The landing page; ``district`` names the district served (in English)."""
    root = root_url(request)
    base = str(request.base_url).rstrip("/")
    links = [
        link(root, "self", JSON, "This document"),
        link(f"{root}/conformance", "conformance", JSON, "Conformance classes"),
        link(f"{root}/collections", "data", JSON, "Collections"),
    ]
    links.append(link(f"{root}/api", "service-desc", OPENAPI, "API definition (OpenAPI 3.0)"))
    links.append(link(f"{base}{DOCS_URL}", "service-doc", HTML, "API documentation"))
    return {
        "title": "网格化管理 gridmgr — OGC API – Features",
        "description": f"Communities, grids and cases of {district}, as GeoJSON features in "
        "CRS84 (WGS84 lon/lat). Read only.",
        "links": links,
    }


def collection_doc(request: Request, info: Collection, bbox: list[float]) -> dict[str, Any]:
    """One collection's description; ``bbox`` is its spatial extent [w, s, e, n] in CRS84."""
    url = f"{root_url(request)}/collections/{info.id}"
    links = [
        link(url, "self", JSON, info.title),
        link(f"{url}/items", "items", GEOJSON, f"{info.title} (GeoJSON)"),
    ]
    if info.queryable:
        for rel in (QUERYABLES_REL, "queryables"):
            links.append(link(f"{url}/queryables", rel, SCHEMA_JSON, "Queryables (JSON Schema)"))
    return {
        "id": info.id,
        "title": info.title,
        "description": info.description,
        "itemType": "feature",
        "crs": [CRS84],
        "extent": {"spatial": {"bbox": [bbox], "crs": CRS84}},
        "links": links,
    }


def collections_doc(request: Request, docs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "links": [link(f"{root_url(request)}/collections", "self", JSON, "Collections")],
        "collections": docs,
    }


def timestamp() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def feature_collection(
    request: Request,
    info: Collection,
    features: list[Feature],
    *,
    matched: int | None,
    next_params: Mapping[str, object] | None,
    prev_params: Mapping[str, object] | None = None,
) -> dict[str, Any]:
    """A page of items; ``next_params``/``prev_params`` replace parameters of this request's
    URL (every other parameter is kept) to make the ``next``/``prev`` links."""
    collection_url = f"{root_url(request)}/collections/{info.id}"
    links = [
        link(str(request.url), "self", GEOJSON, "This page"),
        link(collection_url, "collection", JSON, info.title),
    ]
    if next_params is not None:
        links.append(
            link(str(request.url.include_query_params(**next_params)), "next", GEOJSON, "Next page")
        )
    if prev_params is not None:
        links.append(
            link(
                str(request.url.include_query_params(**prev_params)),
                "prev",
                GEOJSON,
                "Previous page",
            )
        )
    out: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if matched is not None:
        out["numberMatched"] = matched
    out.update(numberReturned=len(features), timeStamp=timestamp(), links=links)
    return out


def feature_doc(request: Request, info: Collection, feature: Feature) -> dict[str, Any]:
    url = f"{root_url(request)}/collections/{info.id}"
    return {
        **feature,
        "links": [
            link(f"{url}/items/{feature['id']}", "self", GEOJSON),
            link(url, "collection", JSON, info.title),
        ],
    }


# --- boundaries ---------------------------------------------------------------------------


def boundary_items(
    shapes: Shapes,
    *,
    bbox: tuple[float, float, float, float] | None,
    community_code: str | None,
    key: str,
) -> list[Feature]:
    """The features of ``shapes`` matching the filters, in code order; ``key`` is the property
    compared with ``community_code`` (``code`` for communities, ``community_code`` for grids)."""
    chosen = shapes.features
    if bbox is not None:
        chosen = [chosen[i] for i in shapes.intersecting(bbox)]
    if community_code is not None:
        chosen = [f for f in chosen if f["properties"][key] == community_code]
    return chosen


# --- cases --------------------------------------------------------------------------------


def case_properties(case: Case, now: datetime, tz: tzinfo) -> dict[str, Any]:
    """A case's properties as a desktop reads them: flat scalars (text, numbers, booleans,
    RFC 3339 times in zone ``tz``), no nested objects or arrays, never the reporter."""
    return {
        "status": case.status,
        "category": case.category,
        "description": case.description,
        "source": case.source,
        "external_id": case.external_id,
        "grid_code": case.grid_code,
        "community_code": case.community_code,
        "address": case.address,
        "location_lon": case.lon,  # WGS84 degrees, as the geometry
        "location_lat": case.lat,
        "location_crs": case.input_crs,  # the CRS the position was given in
        "location_input_lon": case.input_lon,  # the position as given, in that CRS
        "location_input_lat": case.input_lat,
        "assignee_id": case.assignee_id,
        "assignee_name": case.assignee_name,
        "assign_reason": case.assign_reason,
        "assign_reason_code": case.assign_reason_code,
        "reported_at": iso(case.reported_at, tz),
        "due_at": iso(case.due_at, tz),
        "overdue": case.overdue(now),
        "closed_at": iso(case.closed_at, tz),
        "closed_on_time": case.closed_on_time,
        "version": case.version,
        "flags": ",".join(flag for flag, on in case_flags(case) if on),
        "possible_duplicate_of": case.possible_duplicate_of,
    }


def case_flags(case: Case) -> list[tuple[str, bool]]:
    """The case's flags by name, each set or not (``flags`` lists the set ones, by comma)."""
    return [
        ("unassigned", case.unassigned),
        ("needs_location", case.needs_location),
        ("possible_duplicate", case.possible_duplicate_of is not None),
        ("closing_time_unknown", case.closing_time_unknown),
    ]


def case_feature(case: Case, now: datetime, tz: tzinfo) -> dict[str, Any]:
    """A case as a GeoJSON feature: a CRS84 point (null without a location), no reporter;
    times in zone ``tz``."""
    geometry = None if case.lon is None else {"type": "Point", "coordinates": [case.lon, case.lat]}
    return {
        "type": "Feature",
        "id": case.id,
        "geometry": geometry,
        "properties": case_properties(case, now, tz),
    }
