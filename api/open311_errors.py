"""Every error under ``/open311`` in the GeoReport v2 error list, in the asked format.

Open311 clients read ``[{"code": 400, "description": "..."}]`` (or ``<errors><error>``), not
the native API's problem+json. Errors raised by the Open311 routes are rendered so where they
happen (:func:`error_response`); :class:`Open311Errors` catches the rest, answered before or
outside those routes (a method not allowed, a body over the limit, a NUL character, a path
that matches no route, an unexpected failure): any problem+json answer to a path under
``/open311`` is rewritten as the error list with the same status and headers. The format is
XML when the path ends in ``.xml``, JSON otherwise.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import open311_format as fmt311

PREFIX = "/open311"
PROBLEM_TYPE = "application/problem+json"


def is_open311(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


def format_of_path(path: str) -> str:
    """``xml`` for a path ending in ``.xml``, else ``json``."""
    return "xml" if path.endswith(".xml") else "json"


def error_body(path: str, status: int, description: str) -> tuple[bytes, str]:
    """The error list for ``status`` as bytes, and its content type, in the path's format."""
    body = fmt311.errors(status, description)
    if format_of_path(path) == "xml":
        return fmt311.to_xml(body, root="errors", item="error"), fmt311.XML_TYPE
    return json.dumps(body, ensure_ascii=False).encode("utf-8"), fmt311.JSON_TYPE


def error_response(
    path: str, status: int, description: str, headers: dict[str, str] | None = None
) -> Response:
    content, media_type = error_body(path, status, description)
    return Response(content, status_code=status, media_type=media_type, headers=headers)


def _description(body: bytes, status: int) -> str:
    """What a problem+json body says: its detail, else its title, else the status."""
    try:
        problem: Any = json.loads(body or b"{}")
    except ValueError:
        problem = {}
    if isinstance(problem, dict):
        for key in ("detail", "title"):
            if isinstance(problem.get(key), str) and problem[key]:
                return str(problem[key])
    return f"HTTP {status}"


class Open311Errors:
    """Pure ASGI middleware: problem+json answers under ``/open311`` become the error list."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_open311(scope["path"]):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        held: Message | None = None
        chunks: list[bytes] = []

        async def rewrite(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                kind = MutableHeaders(raw=message["headers"]).get("content-type", "")
                if kind.split(";")[0].strip().lower() == PROBLEM_TYPE:
                    held = message  # answered once the whole problem is read
                    return
            elif message["type"] == "http.response.body" and held is not None:
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                status = int(held["status"])
                content, media_type = error_body(
                    path, status, _description(b"".join(chunks), status)
                )
                headers = MutableHeaders(raw=list(held["headers"]))
                headers["content-type"] = media_type
                headers["content-length"] = str(len(content))
                await send({**held, "headers": headers.raw})
                await send({"type": "http.response.body", "body": content})
                return
            await send(message)

        await self.app(scope, receive, rewrite)
