"""Storage: one :class:`~geo.store.base.Store` interface, PostGIS and DuckDB backends."""

from __future__ import annotations

from typing import Any

from geo.store.base import Store
from geo.store.target import DatabaseTarget, parse_database_url


def open_store(
    target: DatabaseTarget,
    *,
    connections: int | None = None,
    statement_timeout_s: float | None = None,
) -> Store:
    """Open (and migrate) the store ``target`` points at. The caller closes it.
    ``connections``: how many PostGIS connections to keep (default: the store's own);
    ``statement_timeout_s``: PostGIS cancels a longer statement (default: the store's own)."""
    if target.backend == "postgis":
        from geo.store.postgis import PostgisStore

        options: dict[str, Any] = {}
        if connections is not None:
            options["max_connections"] = connections
        if statement_timeout_s is not None:
            options["statement_timeout_s"] = statement_timeout_s
        store: Store = PostgisStore(target.dsn or "", **options)
    else:
        from geo.store.duck import DuckStore

        store = DuckStore(target.path)
    try:
        store.migrate()
    except BaseException:
        store.close()
        raise
    return store


__all__ = ["DatabaseTarget", "Store", "open_store", "parse_database_url"]
