"""Domain errors -> HTTP status and ``application/problem+json`` (RFC 9457), in one table.

A response never carries a stack trace, SQL text, a token or a phone number: unexpected errors
become a bare 500 and are logged by class name only.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from geo import errors as e

log = logging.getLogger("gridmgr.api")
PROBLEM = "application/problem+json"
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


class Unauthenticated(e.GridmgrError):
    """No valid token; ``challenge`` is the 401's ``WWW-Authenticate`` (the schemes taken)."""

    def __init__(self, message: str, *, challenge: str | None = None) -> None:
        super().__init__(message)
        self.challenge = challenge or 'Bearer realm="gridmgr"'


class PreconditionRequired(e.GridmgrError):
    """A write that needs If-Match came without it."""


class PreconditionFailed(e.GridmgrError):
    """If-Match does not match the current ETag."""


class InFlight(e.GridmgrError):
    """A request with the same Idempotency-Key is still being processed."""


class PayloadTooLarge(e.GridmgrError):
    """The request body is over the limit."""


# (error class, HTTP status, short type name, title); first match wins, so order subclasses
# before their bases.
TABLE: list[tuple[type[Exception], int, str, str]] = [
    (Unauthenticated, 401, "unauthenticated", "Authentication required"),
    (e.PermissionDeniedError, 403, "forbidden", "Not allowed"),
    (e.NotFoundError, 404, "not-found", "Not found"),
    (InFlight, 409, "in-flight", "The same request is still being processed"),
    (e.WorkflowError, 409, "conflict", "Not allowed in this state"),
    (e.StaleVersionError, 412, "stale", "The resource changed; reload it"),
    (PreconditionFailed, 412, "stale", "The resource changed; reload it"),
    (PayloadTooLarge, 413, "too-large", "Request body too large"),
    (
        e.IdempotencyConflictError,
        422,
        "idempotency-conflict",
        "Idempotency-Key reused with a different request",
    ),
    (PreconditionRequired, 428, "if-match-required", "If-Match header required"),
    (e.InputError, 400, "invalid-input", "Invalid input"),
    (e.CoordinateError, 400, "invalid-coordinates", "Invalid coordinates"),
    (e.CodeError, 400, "invalid-code", "Invalid code"),
    (e.CalendarError, 400, "invalid-input", "Invalid input"),
    (e.StoreUnavailableError, 503, "database-unavailable", "The database is unreachable"),
    (e.StoreError, 503, "store-unavailable", "The store cannot answer"),
]


def problem(status: int, kind: str, title: str, detail: str, **extra: object) -> JSONResponse:
    """An RFC 9457 problem answer; ``extra`` are further members of its JSON object."""
    body: dict[str, object] = {
        "type": f"https://gridmgr.invalid/problems/{kind}",
        "title": title,
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def classify(exc: Exception) -> tuple[int, str, str]:
    for cls, status, kind, title in TABLE:
        if isinstance(exc, cls):
            return status, kind, title
    return 500, "internal", "Internal error"


def allowed_methods(request: Request) -> str:
    """The ``Allow`` header of a 405: every method some route answers at this path (the
    router names only the first route it found)."""
    allowed = []
    for method in METHODS:
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] is Match.FULL for route in request.app.routes):
            allowed.append(method)
    return ", ".join(allowed)


def _problem_response(description: str) -> dict[str, object]:
    return {
        "description": description,
        "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def document(spec: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document as the app answers: invalid input is 400 (not FastAPI's 422), an
    oversized body 413, both ``application/problem+json``."""
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = {
        "type": "object",
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "field": {"type": ["string", "null"]},
        },
        "required": ["type", "title", "status"],
    }
    for path in spec.get("paths", {}).values():
        for operation in path.values():
            responses = operation.get("responses", {})
            if responses.pop("422", None) is not None:
                responses["400"] = _problem_response("Invalid input")
            if "requestBody" in operation:
                responses["413"] = _problem_response("Request body too large")
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return spec


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``, and document what they answer in its OpenAPI."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.exception_handler(e.GridmgrError)
    async def domain(_: Request, exc: e.GridmgrError) -> JSONResponse:
        status, kind, title = classify(exc)
        extra: dict[str, object] = {}
        field = getattr(exc, "field", None)
        if field:
            extra["field"] = field
        if status >= 500:
            log.error("store error: %s", type(exc).__name__)
        answer = problem(status, kind, title, str(exc) if status < 500 else title, **extra)
        retry_after = getattr(exc, "retry_after", None)
        if isinstance(retry_after, int):
            answer.headers["Retry-After"] = str(retry_after)
        if isinstance(exc, Unauthenticated):
            answer.headers["WWW-Authenticate"] = exc.challenge
        return answer

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
        field = ".".join(loc) or None
        msg = first.get("msg", "invalid request")
        return problem(
            400, "invalid-input", "Invalid input", f"{field}: {msg}" if field else msg, field=field
        )

    @app.exception_handler(StarletteHTTPException)
    async def http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind = "too-large" if exc.status_code == 413 else "http"
        response = problem(exc.status_code, kind, str(exc.detail), str(exc.detail))
        response.headers.update(exc.headers or {})
        if exc.status_code == 405:
            response.headers["Allow"] = allowed_methods(request)
        return response

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error: %s", type(exc).__name__)
        return problem(500, "internal", "Internal error", "Internal error")
