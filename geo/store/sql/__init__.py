"""SQL text, one file per statement family, read once and cached.

A family file holds named statements, each introduced by a ``-- name: NAME`` line (only
comments may come before the first one). Values are always bound parameters.

``common/<family>.sql`` holds the statements that read the same on both backends. They are
written once with psycopg2's named placeholders ``%(x)s`` (and ``%%`` for a literal ``%``),
which nothing else in SQL looks like: not a PostgreSQL ``::`` cast, not a string literal, not
a JSON operator, not dollar quoting or a positional ``$1``. PostGIS gets them as written (run
them with a parameter mapping, as psycopg2 only reads ``%`` then); DuckDB gets each
``%(x)s`` as ``$x`` and each ``%%`` as ``%``.

``<backend>/<family>.sql`` holds one backend's own statements in its own placeholder style
(``%(x)s`` for PostGIS, ``$x`` for DuckDB). A statement named like a common one replaces it
for that backend (and says in a comment how the dialect differs); any other is added. A
family may be common only, per backend only, or both. ``<backend>/migrations/NNN_*.sql`` are
whole scripts applied in order.
"""

from __future__ import annotations

import functools
import re
from importlib import resources

BACKENDS = ("postgis", "duckdb")
COMMON = "common"

_NAME = re.compile(r"^--\s*name:\s*(\w+)\s*$", re.MULTILINE)
# A psycopg2 named placeholder, an escaped percent sign, or a lone percent sign (an error).
_PERCENT = re.compile(r"%\((\w+)\)s|%%|%")


def _check_backend(backend: str) -> None:
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; known: {', '.join(BACKENDS)}")


def for_backend(text: str, backend: str) -> str:
    """Common SQL ``text`` (``%(x)s`` placeholders, ``%%`` for ``%``) in ``backend``'s style.

    Raises ValueError on a ``%`` that is neither, or on a placeholder directly followed by a
    letter, digit or underscore (``$x`` would then run into it).
    """
    _check_backend(backend)

    def replace(match: re.Match[str]) -> str:
        if match[0] == "%":
            raise ValueError(
                f"lone '%' at offset {match.start()} in common SQL: write %(name)s or %%"
            )
        follower = text[match.end() : match.end() + 1]
        if match[1] is not None and (follower.isalnum() or follower == "_"):
            raise ValueError(f"placeholder {match[0]} runs into {follower!r}")
        if backend == "postgis":
            return match[0]
        return "%" if match[1] is None else f"${match[1]}"

    return _PERCENT.sub(replace, text)


def parse(text: str) -> dict[str, str]:
    """The ``-- name: NAME`` statements of one file's ``text``, in file order.

    Raises ValueError on a name used twice or on SQL before the first name.
    """
    parts = _NAME.split(text)
    head = [line for line in parts[0].splitlines() if line.strip()]
    if any(not line.lstrip().startswith("--") for line in head):
        raise ValueError("SQL before the first '-- name:' line")
    out: dict[str, str] = {}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        if name in out:
            raise ValueError(f"statement {name!r} is named twice")
        out[name] = body.strip()
    return out


def merge(backend: str, common: str | None, own: str | None) -> dict[str, str]:
    """A family's statements for ``backend`` from the texts of its common file and its
    backend file (None where there is none): common ones translated, then the backend's
    own, which replace common ones of the same name."""
    _check_backend(backend)
    out = {name: for_backend(body, backend) for name, body in parse(common or "").items()}
    out.update(parse(own or ""))
    return out


def _read(folder: str, family: str) -> str | None:
    entry = resources.files(__package__).joinpath(folder, f"{family}.sql")
    return entry.read_text("utf-8") if entry.is_file() else None


@functools.cache
def statements(backend: str, family: str) -> dict[str, str]:
    """The named statements of ``family`` for ``backend``: ``sql/common/<family>.sql`` in the
    backend's placeholder style, overridden and extended by ``sql/<backend>/<family>.sql``."""
    _check_backend(backend)
    common, own = _read(COMMON, family), _read(backend, family)
    if common is None and own is None:
        raise FileNotFoundError(f"no SQL family {family!r} (common or {backend})")
    return merge(backend, common, own)


@functools.cache
def families() -> tuple[str, ...]:
    """The names of all statement families, common or per backend, sorted."""
    root = resources.files(__package__)
    names = {
        entry.name.removesuffix(".sql")
        for folder in (COMMON, *BACKENDS)
        for entry in root.joinpath(folder).iterdir()
        if entry.is_file() and entry.name.endswith(".sql")
    }
    return tuple(sorted(names))


@functools.cache
def migrations(backend: str) -> tuple[tuple[int, str, str], ...]:
    """``(version, file name, script)`` of every migration of ``backend``, in order."""
    folder = resources.files(__package__).joinpath(backend, "migrations")
    out = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            out.append((int(entry.name.split("_", 1)[0]), entry.name, entry.read_text("utf-8")))
    return tuple(sorted(out))
