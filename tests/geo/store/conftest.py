"""The ``store`` fixtures: every contract test runs once on DuckDB and once on PostGIS.

PostGIS stores live in a schema of their own (dropped afterwards), so tests never see each
other's rows; DuckDB stores get a fresh file.
"""

from __future__ import annotations

import pytest

from geo import bundled
from geo.boundaries import read_boundary_set
from geo.store import open_store
from geo.store.duck import DuckStore
from geo.store.postgis import PostgisStore
from geo.store.target import DatabaseTarget

BACKENDS = [
    pytest.param("duckdb", id="duckdb"),
    pytest.param("postgis", id="postgis", marks=pytest.mark.postgis),
]


class Backend:
    """Makes empty databases of one kind."""

    def __init__(self, kind: str, request: pytest.FixtureRequest, tmp_path_factory):
        self.kind = kind
        self.tmp = tmp_path_factory
        self.schemas = request.getfixturevalue("postgis_schemas") if kind == "postgis" else None

    def target(self) -> DatabaseTarget:
        if self.kind == "duckdb":
            return DatabaseTarget("duckdb", path=self.tmp.mktemp("duck") / "gridmgr.duckdb")
        return DatabaseTarget("postgis", dsn=self.schemas())

    def raw(self, target: DatabaseTarget) -> DuckStore | PostgisStore:
        """A store opened without migrating it."""
        if target.backend == "duckdb":
            return DuckStore(target.path)
        return PostgisStore(target.dsn)


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path_factory):
    return Backend(request.param, request, tmp_path_factory)


@pytest.fixture
def store(backend):
    """A fresh, migrated, empty store."""
    s = open_store(backend.target())
    yield s
    s.close()


@pytest.fixture(scope="module")
def bundled_set():
    return read_boundary_set(bundled.BOUNDARIES_DIR)


@pytest.fixture(scope="module", params=BACKENDS)
def loaded_store(request, tmp_path_factory, bundled_set):
    """A store holding the bundled set as active generation 1 (shared: do not write)."""
    s = open_store(Backend(request.param, request, tmp_path_factory).target())
    s.activate_generation(s.stage_generation(bundled_set, label="bundled"))
    yield s
    s.close()
