"""Storage: one :class:`~geo.store.base.Store` interface, PostGIS and DuckDB backends."""

from __future__ import annotations

from geo.store.base import Store
from geo.store.target import DatabaseTarget, parse_database_url


def open_store(target: DatabaseTarget, *, connections: int | None = None) -> Store:
    """Open (and migrate) the store ``target`` points at. The caller closes it.
    ``connections``: how many PostGIS connections to keep (default: the store's own)."""
    if target.backend == "postgis":
        from geo.store.postgis import PostgisStore

        store: Store = (
            PostgisStore(target.dsn or "")
            if connections is None
            else PostgisStore(target.dsn or "", max_connections=connections)
        )
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
