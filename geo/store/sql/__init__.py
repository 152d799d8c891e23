"""SQL text, one file per statement family and backend, read once and cached.

A family file holds named statements, each introduced by a ``-- name: NAME`` line; values are
always bound parameters in the backend's own named style (``%(x)s`` for psycopg2, ``$x`` for
DuckDB). ``migrations/NNN_*.sql`` are whole scripts applied in order.
"""

from __future__ import annotations

import functools
import re
from importlib import resources

_NAME = re.compile(r"^--\s*name:\s*(\w+)\s*$", re.MULTILINE)


@functools.cache
def statements(backend: str, family: str) -> dict[str, str]:
    """The named statements of ``sql/<backend>/<family>.sql``."""
    text = resources.files(__package__).joinpath(backend, f"{family}.sql").read_text("utf-8")
    parts = _NAME.split(text)
    return {name: body.strip() for name, body in zip(parts[1::2], parts[2::2], strict=True)}


@functools.cache
def migrations(backend: str) -> tuple[tuple[int, str, str], ...]:
    """``(version, file name, script)`` of every migration of ``backend``, in order."""
    folder = resources.files(__package__).joinpath(backend, "migrations")
    out = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            out.append((int(entry.name.split("_", 1)[0]), entry.name, entry.read_text("utf-8")))
    return tuple(sorted(out))
