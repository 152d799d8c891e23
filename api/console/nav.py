"""Where console pages send people: home per role, safe return addresses, done notices."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from geo.cases.workflow import Actor

BASE = "/console"


def home(actor: Actor) -> str:
    """Workers start at their cases, dispatchers and admins at the queue."""
    return f"{BASE}/mine" if actor.role == "worker" else f"{BASE}/queue"


def safe_next(target: str | None, default: str) -> str:
    """``target`` if it is a console address on this site, else ``default``."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//") or "\\" in target:
        return default
    if parts.path != BASE and not parts.path.startswith(BASE + "/"):
        return default
    return target


def with_done(target: str, case_id: int, action: str) -> str:
    """``target`` with a notice that ``action`` was taken on case ``case_id``."""
    parts = urlsplit(target)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in ("done", "case")]
    query += [("done", action), ("case", str(case_id))]
    return urlunsplit(parts._replace(query=urlencode(query)))
