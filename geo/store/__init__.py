"""Storage: one :class:`~geo.store.base.Store` interface, PostGIS and DuckDB backends."""

from __future__ import annotations

from geo.store.base import Store
from geo.store.target import DatabaseTarget, parse_database_url


def open_store(target: DatabaseTarget) -> Store:
    """Open (and migrate) the store ``target`` points at. The caller closes it."""
    if target.backend == "postgis":
        from geo.store.postgis import PostgisStore

        store: Store = PostgisStore(target.dsn or "")
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
