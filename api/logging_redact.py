"""Personal data and secrets kept out of the server's logs.

Every log record made in the process (gridmgr's, uvicorn's, libraries') passes through
:func:`redact` when it is created, its formatted traceback included: API tokens
(``gm_<id>_<secret>``), ``Authorization`` header values, secrets in query strings and forms
(``api_key=``, ``token=``, ``password=``), values of ``name``/``phone``/``email`` keys
(``reporter_name='张三'``, ``"phone": "138…"``), phone-number-like runs of digits, and the
reporter's name and phone of the request being served (see :func:`remember`) become
``[redacted]``. uvicorn's access log, when it is on, thus shows a query string's
``api_key`` as ``api_key=[redacted]``.

Kept as they are: grid and community codes (15 and 9 digits without separators), dates and
times, coordinates and short numbers.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

REDACTED = "[redacted]"
_TOKEN = re.compile(r"gm_[0-9A-Za-z]+_[0-9A-Za-z_\-]+")
_AUTHORIZATION = re.compile(
    r"(?i)(authorization['\"]?\s*[:=,]?\s*b?['\"]?\s*)"
    r"(?:(?:bearer|basic|token)\s+)?[^\s'\",;}\])]+"
)
_QUERY_SECRET = re.compile(
    r"(?i)\b(api_key|apikey|access_token|token|password|secret)(=|%3D)[^&\s'\"]+"
)
_PERSONAL_KEY = re.compile(
    r"(?i)\b((?:reporter_|first_|last_)?(?:name|phone)|email)"
    r"(['\"]?\s*[:=]\s*)(['\"]?)([^'\"\n,}&)]+)"
)
# A run of digits, possibly in groups of 3+ after a first group ("+86 138 1234 5678").
_DIGITS = re.compile(r"(?<![\w.])\+?[0-9]+(?:[ \-][0-9]{3,})*(?![\w])(?!\.[0-9])")
_CODE_LENGTHS = (9, 15)  # community and grid codes, written without separators

# Values to hide for the request being served (one set per request; see RedactionScope).
_REQUEST_VALUES: ContextVar[set[str] | None] = ContextVar("gridmgr_redact", default=None)


def _digits(match: re.Match[str]) -> str:
    run = match.group(0)
    count = sum(c.isdigit() for c in run)
    plain = run.isdigit()
    if count < 7 or count > 15 or (plain and count in _CODE_LENGTHS):
        return run
    return REDACTED


def redact(text: str, values: Iterable[str] = ()) -> str:
    """``text`` without tokens, credentials, phone numbers, names and ``values``."""
    for value in sorted(values, key=len, reverse=True):
        text = text.replace(value, REDACTED)
    text = _TOKEN.sub(REDACTED, text)
    text = _AUTHORIZATION.sub(lambda m: m.group(1) + REDACTED, text)
    text = _QUERY_SECRET.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    text = _PERSONAL_KEY.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(3)}{REDACTED}", text)
    return _DIGITS.sub(_digits, text)


def remember(*values: str | None) -> None:
    """Hide ``values`` (a reporter's name, phone) in every log record of this request."""
    found = _REQUEST_VALUES.get()
    if found is not None:
        found.update(v.strip() for v in values if v and len(v.strip()) >= 2)


class RedactionScope:
    """ASGI middleware: a fresh set of values to hide for each request.

    The set stays in the request's context after the app returns, so that the server's own
    log record of an error that escaped the app (uvicorn's "Exception in ASGI application")
    is redacted with it too.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            _REQUEST_VALUES.set(set())
        await self.app(scope, receive, send)


_FORMATTER = logging.Formatter()
_installed: list[Callable[..., logging.LogRecord]] = []


def _scrub(record: logging.LogRecord) -> None:
    values = _REQUEST_VALUES.get() or ()
    try:
        message = record.getMessage()
    except Exception:  # a malformed record: leave it to logging's own error report
        return
    clean = redact(message, values)
    if clean != message:
        if record.name == "uvicorn.access" and isinstance(record.args, tuple):
            # uvicorn's access formatter unpacks the arguments: redact each in place.
            record.args = tuple(redact(a, values) if isinstance(a, str) else a for a in record.args)
        else:
            record.msg, record.args = clean, None
    if record.exc_info and record.exc_info[0] is not None:
        record.exc_text = redact(_FORMATTER.formatException(record.exc_info), values)
    if record.stack_info:
        record.stack_info = redact(record.stack_info, values)


def install() -> None:
    """Redact every log record created in this process from now on (once per process)."""
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _scrub(record)
        return record

    _installed.append(previous)
    logging.setLogRecordFactory(factory)
