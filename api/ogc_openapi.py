"""The OGC API's own OpenAPI 3.0 document (``/ogc/api``, the landing page's service-desc).

Its paths are relative to the landing page (``/collections/cases/items``), as GDAL and QGIS
look them up, one per collection. ``components.parameters.limit`` gives the page size: QGIS
and GDAL 3.8+ take its ``default`` (capped by its ``maximum``) as their page size.
"""

from __future__ import annotations

from typing import Any

from api.ogc_features import (
    COLLECTIONS,
    DEFAULT_LIMIT,
    GEOJSON,
    JSON,
    MAX_LIMIT,
    SCHEMA_JSON,
    Collection,
)

# Filters on properties: style form, explode false, so QGIS offers them as simple queryables.
PROPERTY_FILTERS = {
    "community_code": "Community (9-digit code); for communities, the community itself",
    "grid_code": "Grid (15-digit code)",
    "status": "Workflow status, e.g. dispatched",
    "category": "Category (subclass) code",
}


def _query(name: str, description: str, schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
        **extra,
    }


def _parameters() -> dict[str, Any]:
    form = {"style": "form", "explode": False}
    out: dict[str, Any] = {
        "limit": _query(
            "limit",
            f"Features per page: default {DEFAULT_LIMIT}; a larger value than {MAX_LIMIT} is "
            "treated as the maximum. The next link asks for at least the default.",
            {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
            **form,
        ),
        "bbox": _query(
            "bbox",
            "west,south,east,north in CRS84 (WGS84 lon/lat): features intersecting it",
            {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
            **form,
        ),
        "datetime": _query(
            "datetime",
            "RFC 3339 instant or interval (a/b, ../b, a/..); cases: reported_at",
            {"type": "string"},
            **form,
        ),
        "offset": _query(
            "offset", "Features to skip (the next link sets it)", {"type": "integer", "minimum": 0}
        ),
        "cursor": _query(
            "cursor",
            "Id of the last case of the previous page (the next link sets it)",
            {"type": "integer", "minimum": 0},
        ),
        "f": _query("f", "json (the only format)", {"type": "string", "enum": ["json"]}),
        "featureId": {
            "name": "featureId",
            "in": "path",
            "required": True,
            "schema": {"type": "string"},
        },
    }
    out["filter"] = _query(
        "filter",
        "CQL2 on the collection's queryables (see its queryables link)",
        {"type": "string"},
    )
    out["filter-lang"] = _query(
        "filter-lang",
        "cql2-text (default) or cql2-json; cql-text, the draft's name, is read as cql2-text",
        {
            "type": "string",
            "enum": ["cql2-text", "cql2-json", "cql-text"],
            "default": "cql2-text",
        },
    )
    for name, description in PROPERTY_FILTERS.items():
        out[name] = _query(name, description, {"type": "string"}, **form)
    return out


def _response(description: str, media_type: str) -> dict[str, Any]:
    return {
        "200": {"description": description, "content": {media_type: {"schema": {}}}},
        "400": {"description": "Invalid parameter (application/problem+json)"},
    }


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/parameters/{name}"}


def _collection_paths(info: Collection) -> dict[str, Any]:
    base = f"/collections/{info.id}"
    security: list[dict[str, list[str]]] = [] if info.public else [{"basic": []}, {"bearer": []}]
    items_params = [_ref(p) for p in ("limit", "bbox", "datetime", info.paging, "f")]
    items_params += [_ref(p) for p in info.filters]
    if info.queryable:
        items_params += [_ref("filter"), _ref("filter-lang")]
    items: dict[str, Any] = {
        "summary": f"{info.title}: features (GeoJSON, CRS84)",
        "operationId": f"get_{info.id}_items",
        "parameters": items_params,
        "responses": _response("A page of features", GEOJSON),
    }
    one: dict[str, Any] = {
        "summary": f"{info.title}: one feature",
        "operationId": f"get_{info.id}_item",
        "parameters": [_ref("featureId"), _ref("f")],
        "responses": _response("The feature", GEOJSON),
    }
    if security:
        items["security"] = one["security"] = security
    paths: dict[str, Any] = {}
    if info.queryable:
        paths[f"{base}/queryables"] = {
            "get": {
                "summary": f"{info.title}: queryables",
                "operationId": f"get_{info.id}_queryables",
                "parameters": [_ref("f")],
                "responses": _response("Queryables (JSON Schema)", SCHEMA_JSON),
            }
        }
    return paths | {
        base: {
            "get": {
                "summary": f"{info.title}: the collection",
                "operationId": f"describe_{info.id}",
                "parameters": [_ref("f")],
                "responses": _response("The collection", JSON),
            }
        },
        f"{base}/items": {"get": items},
        f"{base}/items/{{featureId}}": {"get": one},
    }


def document(root: str, *, district: str) -> dict[str, Any]:
    """The OpenAPI document of the OGC API served at ``root`` (the landing page's URL)."""
    plain = {"parameters": [_ref("f")]}
    paths: dict[str, Any] = {
        "/": {
            "get": {
                **plain,
                "summary": "Landing page",
                "operationId": "landing",
                "responses": _response("Landing page", JSON),
            }
        },
        "/conformance": {
            "get": {
                **plain,
                "summary": "Conformance classes",
                "operationId": "conformance",
                "responses": _response("Conformance classes", JSON),
            }
        },
        "/collections": {
            "get": {
                **plain,
                "summary": "Collections",
                "operationId": "collections",
                "responses": _response("Collections", JSON),
            }
        },
    }
    for info in COLLECTIONS.values():
        paths.update(_collection_paths(info))
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "网格化管理 gridmgr — OGC API – Features",
            "description": f"Communities, grids and cases of {district} (CRS84). Cases need "
            "a token: Authorization: Bearer, or HTTP Basic with the token as password.",
            "version": "1.0.0",
        },
        "servers": [{"url": root}],
        "paths": paths,
        "components": {
            "parameters": _parameters(),
            "securitySchemes": {
                "basic": {"type": "http", "scheme": "basic"},
                "bearer": {"type": "http", "scheme": "bearer"},
            },
        },
    }
