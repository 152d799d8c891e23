"""Errors on console pages: a friendly Chinese page (or problem+json for the pages' scripts).

Status codes come from the API's table (:func:`api.errors.classify`), so a console page and
the API answer the same error the same way; only the dress differs. A page that needs a
session redirects to the sign-in page instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute

from api.console.render import page
from api.errors import Unauthenticated, classify, problem
from geo.errors import GridmgrError, PermissionDeniedError

log = logging.getLogger("gridmgr.console")


class SignInRequired(Unauthenticated):
    """No live console session (never signed in, signed out, expired or token revoked)."""


class CsrfRejected(PermissionDeniedError):
    """A state-changing request came without the session's CSRF token."""


# Short type name (api.errors.TABLE) -> the title a person reads.
TITLES = {
    "unauthenticated": "请先登录 / Please sign in",
    "forbidden": "无权进行此操作 / Not allowed",
    "not-found": "未找到 / Not found",
    "in-flight": "相同的请求正在处理，请稍候 / The same request is still being processed",
    "conflict": "当前状态不允许此操作 / Not allowed in this state",
    "stale": "此案件已被他人更改，请刷新 / This case changed, reload",
    "idempotency-conflict": "重复提交的内容不一致 / Resubmitted with different content",
    "invalid-input": "输入有误 / Invalid input",
    "invalid-coordinates": "坐标有误 / Invalid coordinates",
    "invalid-code": "编码有误 / Invalid code",
    "store-unavailable": "数据库暂时无法访问，请稍后再试 / The database cannot answer",
    "internal": "系统错误 / Internal error",
}
CSRF_TITLE = "页面已过期，请刷新后重试 / The page expired, reload and try again"


def wants_json(request: Request) -> bool:
    """The pages' own scripts ask for JSON; a browser navigating asks for HTML."""
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _sign_in(request: Request) -> RedirectResponse:
    """To the sign-in page, then back to the page asked for (a form sent goes nowhere)."""
    if request.method != "GET":
        return RedirectResponse("/console/login", status_code=303)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/console/login?next={quote(target, safe='')}", status_code=303)


def error_response(request: Request, exc: Exception) -> Response:
    """The response for ``exc`` raised by a console route (re-raised when not ours)."""
    if isinstance(exc, RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(
            str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path", "form")
        )
        status, kind, detail = 400, "invalid-input", f"{where}: {first.get('msg', '')}"
    elif isinstance(exc, GridmgrError):
        status, kind, _ = classify(exc)
        detail = str(exc) if status < 500 else ""
    else:
        raise exc
    if isinstance(exc, SignInRequired) and not wants_json(request):
        return _sign_in(request)
    title = CSRF_TITLE if isinstance(exc, CsrfRejected) else TITLES.get(kind, TITLES["internal"])
    if status >= 500:
        log.error("console error: %s", type(exc).__name__)
    if wants_json(request):
        return problem(status, kind, title, detail or title)
    case_id = request.path_params.get("case_id")
    return page(
        request,
        "error.html",
        {"title": title, "detail": detail, "kind": kind, "case_id": case_id},
        status_code=status,
    )


class ConsoleRoute(APIRoute):
    """A route whose domain and validation errors become console pages (see above)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except (GridmgrError, RequestValidationError) as exc:
                return error_response(request, exc)

        return route
