"""Where console pages send people: home per role, safe return addresses, done notices."""

from __future__ import annotations

import unicodedata
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from geo.cases.workflow import Actor

BASE = "/console"


def home(actor: Actor) -> str:
    """Workers start at their cases, dispatchers and admins at the queue."""
    return f"{BASE}/mine" if actor.role == "worker" else f"{BASE}/queue"


def safe_next(target: str | None, default: str) -> str:
    """``target`` if it is a console address on this site, else ``default``.

    Refused: anything with a scheme or host (``https://x``, ``//x``), a backslash
    (``/\\x``, read as ``//x`` by browsers), control characters or blanks (browsers drop
    some of them, joining what is around), dot segments, and any of these hidden behind
    percent-encoding (``/%2F%2Fx``, ``/console/%2e%2e/x``, decoded up to three times).
    """
    if not target or len(target) > 2000 or any(_unsafe(c) for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return default
    path = parts.path
    for _ in range(3):  # layers of percent-encoding: %252F is %2F is /
        path = unquote(path)
    for candidate in (parts.path, path):
        if any(_unsafe(c) for c in candidate) or "//" in candidate:
            return default
        if candidate != BASE and not candidate.startswith(BASE + "/"):
            return default
        if any(segment in (".", "..") for segment in candidate.split("/")):
            return default
    return target


def _unsafe(c: str) -> bool:
    """A backslash, a blank or a control character: not in a return address."""
    return c == "\\" or c.isspace() or unicodedata.category(c) == "Cc"


def with_done(target: str, case_id: int, action: str) -> str:
    """``target`` with a notice that ``action`` was taken on case ``case_id``."""
    parts = urlsplit(target)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in ("done", "case")]
    query += [("done", action), ("case", str(case_id))]
    return urlunsplit(parts._replace(query=urlencode(query)))
