"""Schema creation and upgrades, the same on every backend."""

import pytest

from geo.errors import SchemaTooNewError
from geo.store import sql


def test_fresh_store_has_latest_schema(store):
    latest = max(v for v, _, _ in sql.migrations(store.backend))
    assert store.schema_version() == latest
    assert store.migrate() == latest  # running again changes nothing
    assert store.list_generations() == []


def test_older_database_is_migrated(backend):
    scripts = list(sql.migrations(backend.kind))
    s = backend.raw(backend.target())
    try:
        assert s.migrate(scripts[:1]) == 1
        extra = (
            scripts[-1][0] + 1,
            "999_test.sql",
            "CREATE TABLE migration_probe (x INTEGER); INSERT INTO migration_probe VALUES (42);",
        )
        assert s.migrate([*scripts, extra]) == extra[0]
        with s.transaction() as cur:
            cur.execute("SELECT x FROM migration_probe")
            assert cur.fetchone()[0] == 42
        assert s.schema_version() == extra[0]
    finally:
        s.close()


def test_newer_database_is_refused_and_left_alone(backend):
    target = backend.target()
    s = backend.raw(target)
    try:
        s.migrate()
        with s.transaction() as cur:
            cur.execute("INSERT INTO schema_version (version) VALUES (999)")
        with pytest.raises(SchemaTooNewError, match="999"):
            s.migrate()
        assert s.schema_version() == 999
    finally:
        s.close()


def test_failed_migration_changes_nothing(backend):
    scripts = list(sql.migrations(backend.kind))
    s = backend.raw(backend.target())
    try:
        s.migrate(scripts)
        broken = (
            scripts[-1][0] + 1,
            "998_broken.sql",
            "CREATE TABLE half_done (x INTEGER); SELECT no_such_function();",
        )
        with pytest.raises(Exception):  # noqa: B017 - the driver's own error
            s.migrate([*scripts, broken])
        assert s.schema_version() == scripts[-1][0]
        with s.transaction() as cur:
            cur.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'half_done'"
            )
            assert cur.fetchone()[0] == 0
    finally:
        s.close()


def test_backend_implements_the_store_protocol(store):
    from geo.store.base import Store

    assert isinstance(store, Store)
    missing = [name for name in dir(Store) if not name.startswith("_") and not hasattr(store, name)]
    assert missing == []
