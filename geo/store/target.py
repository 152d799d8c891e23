"""Which database a store URL (``GRIDMGR_DATABASE_URL``) points at.

The URL chooses the store:

- ``postgresql://user:pass@host:port/db`` — PostGIS, the system of record;
- ``duckdb:///relative/file.duckdb`` or ``duckdb:////absolute/file.duckdb`` — the embedded
  DuckDB database (SQLAlchemy's convention: three slashes then a relative path, four for an
  absolute one);
- unset — the embedded file ``gridmgr.duckdb`` in the working directory.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from geo.errors import StoreConfigError

DEFAULT_DUCKDB_FILE = "gridmgr.duckdb"


@dataclass(frozen=True)
class DatabaseTarget:
    """Where the store lives: a PostGIS DSN or a DuckDB file path."""

    backend: Literal["postgis", "duckdb"]
    dsn: str | None = None
    path: Path | None = None


def parse_database_url(url: str | None, *, cwd: Path | None = None) -> DatabaseTarget:
    """Turn a ``GRIDMGR_DATABASE_URL`` value into a :class:`DatabaseTarget`.

    Raises :class:`~geo.errors.StoreConfigError` naming the URL and the accepted forms when
    it is neither.
    """
    base = cwd or Path.cwd()
    if url is None or not url.strip():
        return DatabaseTarget("duckdb", path=base / DEFAULT_DUCKDB_FILE)
    url = url.strip()
    scheme = urlsplit(url).scheme.lower()
    if scheme in ("postgresql", "postgres", "postgis"):
        dsn = "postgresql" + url[len(scheme) :]
        return DatabaseTarget("postgis", dsn=dsn)
    if scheme == "duckdb":
        rest = url[len("duckdb:") :]
        if not rest.startswith("///") or len(rest) == 3:
            raise StoreConfigError(
                f"GRIDMGR_DATABASE_URL {url!r}: a DuckDB URL is duckdb:///relative/path.duckdb "
                "or duckdb:////absolute/path.duckdb"
            )
        raw = rest[3:]
        path = Path(raw) if raw.startswith("/") else base / raw
        return DatabaseTarget("duckdb", path=path)
    raise StoreConfigError(
        f"GRIDMGR_DATABASE_URL {url!r}: expected postgresql://… (PostGIS) or duckdb:///… "
        "(embedded DuckDB)"
    )
