"""Checks on what a request carries, made once for every route.

* :class:`RejectNul`: a NUL character (U+0000) in the path, a query parameter, a JSON body or
  a form field is refused with a 400 problem naming the field, before any route runs. (The
  stores cannot keep NUL in text: PostgreSQL refuses it.)
* :data:`Id` / :data:`IdQuery`: database ids are 64-bit signed; a path id outside
  1..2^63-1 names nothing (404), a query id outside 0..2^63-1 is invalid (400).
* :data:`Instant`: a datetime parameter with a UTC offset beyond ±14:00 or a year outside
  1900-2100 is invalid (400); :func:`check_instant` applies the same rule to datetimes a
  route parses itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import Path, Query
from pydantic import AfterValidator
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import problem
from geo.errors import InputError, NotFoundError

MAX_ID = 2**63 - 1  # BIGINT
MAX_OFFSET = timedelta(hours=14)  # the widest offset in use (UTC+14, Kiribati)
YEARS = range(1900, 2101)
NUL = "\x00"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def check_instant(value: datetime, field: str) -> datetime:
    """``value`` if its UTC offset is within ±14:00 and its year within 1900-2100; else
    :class:`InputError` naming ``field``. A value without an offset passes (it is read in
    the district's zone)."""
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_OFFSET:
        raise InputError(f"{field}: a UTC offset must be within ±14:00", field=field)
    if value.year not in YEARS:
        raise InputError(f"{field}: the year must be within 1900-2100", field=field)
    return value


def _instant(value: datetime) -> datetime:
    # A ValueError becomes a validation error, which names the parameter (400).
    try:
        return check_instant(value, "datetime")
    except InputError as exc:
        raise ValueError(str(exc).removeprefix("datetime: ")) from exc


def _id(value: int) -> int:
    # Not a ValueError: it propagates past validation to the NotFoundError handler (404).
    if not 1 <= value <= MAX_ID:
        raise NotFoundError(f"there is no record with id {value}")
    return value


Instant = Annotated[datetime, AfterValidator(_instant)]
"""A datetime query parameter: offset within ±14:00, year within 1900-2100."""

Id = Annotated[int, Path(), AfterValidator(_id)]
"""A positive 64-bit id in the path; outside 1..2^63-1 the answer is 404."""

IdQuery = Annotated[int, Query(ge=0, le=MAX_ID)]
"""A 64-bit id (or 0 for "none") as a query parameter, e.g. a paging cursor."""


def _nul_in(value: object, where: str) -> str | None:
    """The dotted path of the first string (or object key) holding NUL in a JSON value."""
    if isinstance(value, str):
        return where if NUL in value else None
    items: Iterator[tuple[str, object]]
    if isinstance(value, dict):
        for key in value:
            if NUL in key:
                return f"{where}.{key!r}".lstrip(".")
        items = ((str(k), v) for k, v in value.items())
    elif isinstance(value, list):
        items = ((str(i), v) for i, v in enumerate(value))
    else:
        return None
    for key, item in items:
        found = _nul_in(item, f"{where}.{key}" if where else key)
        if found:
            return found
    return None


def _printable(name: str) -> str:
    return name.replace(NUL, "\\0")


class RejectNul:
    """Pure ASGI middleware: 400 for a request whose path, query or body holds NUL.

    A JSON or form body is read whole (the body limit outside this middleware bounds it)
    and handed on unchanged to the route.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        field = self._in_url(scope)
        body_messages: list[Message] = []
        if field is None and scope["method"] in ("POST", "PUT", "PATCH", "DELETE"):
            kind = self._content_type(scope)
            if kind in FORM_TYPES or kind == "" or kind.endswith("json"):
                body_messages = await self._read(receive)
                body = b"".join(m.get("body", b"") for m in body_messages)
                field = await self._in_body(scope, kind, body)
        if field is not None:
            detail = f"{_printable(field)}: text may not contain a NUL character (U+0000)"
            response = problem(
                400, "invalid-input", "Invalid input", detail, field=_printable(field)
            )
            await response(scope, receive, send)
            return
        if not body_messages:
            await self.app(scope, receive, send)
            return
        pending = list(body_messages)

        async def replay() -> Message:
            return pending.pop(0) if pending else await receive()

        await self.app(scope, replay, send)

    @staticmethod
    def _in_url(scope: Scope) -> str | None:
        if NUL in scope.get("path", ""):
            return "path"
        query: bytes = scope.get("query_string", b"")
        if b"%00" not in query and b"\x00" not in query:
            return None
        for key, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
            if NUL in key or NUL in value:
                return key
        return None

    @staticmethod
    def _content_type(scope: Scope) -> str:
        for name, value in scope.get("headers") or []:
            if name == b"content-type":
                return str(value.decode("latin-1")).split(";")[0].strip().lower()
        return ""

    @staticmethod
    async def _read(receive: Receive) -> list[Message]:
        messages = []
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request" or not message.get("more_body", False):
                return messages

    @staticmethod
    async def _in_body(scope: Scope, kind: str, body: bytes) -> str | None:
        if b"\x00" not in body and b"%00" not in body and b"\\u0000" not in body.lower():
            return None
        if kind in FORM_TYPES:
            sent = False

            async def once() -> Message:
                nonlocal sent
                if sent:
                    return {"type": "http.disconnect"}
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}

            try:
                async with Request(scope, once).form() as form:
                    for key, value in form.multi_items():
                        if NUL in key or (isinstance(value, str) and NUL in value):
                            return str(key)
            except Exception:  # a malformed form: the route answers it
                return None
            return None
        try:
            data = json.loads(body)
        except ValueError:
            return None  # not JSON: the route answers it
        return _nul_in(data, "")
