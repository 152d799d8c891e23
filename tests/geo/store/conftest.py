"""The ``store`` fixture: every contract test runs once on DuckDB and once on PostGIS.

PostGIS tests get a schema of their own (dropped afterwards), so tests never see each other's
rows; DuckDB tests get a fresh file.
"""

from __future__ import annotations

import uuid
from urllib.parse import quote

import psycopg2
import pytest
from psycopg2 import sql

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


def _with_search_path(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options={quote(f'-csearch_path={schema},public')}"


class Backend:
    """Opens stores of one kind; for PostGIS each in a private schema."""

    def __init__(self, kind: str, request: pytest.FixtureRequest, tmp_path_factory):
        self.kind = kind
        self.request = request
        self.tmp = tmp_path_factory
        self.schemas: list[str] = []
        self.url = request.getfixturevalue("postgis_url") if kind == "postgis" else None

    def target(self) -> DatabaseTarget:
        if self.kind == "duckdb":
            return DatabaseTarget("duckdb", path=self.tmp.mktemp("duck") / "gridmgr.duckdb")
        schema = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg2.connect(self.url) as conn, conn.cursor() as cur:
            cur.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        self.schemas.append(schema)
        return DatabaseTarget("postgis", dsn=_with_search_path(self.url, schema))

    def raw(self, target: DatabaseTarget) -> DuckStore | PostgisStore:
        """A store without migrating it."""
        if target.backend == "duckdb":
            return DuckStore(target.path)
        return PostgisStore(target.dsn)

    def cleanup(self) -> None:
        if not self.schemas:
            return
        conn = psycopg2.connect(self.url)
        conn.autocommit = True
        with conn.cursor() as cur:
            for schema in self.schemas:
                cur.execute(
                    sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
                )
        conn.close()


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path_factory):
    b = Backend(request.param, request, tmp_path_factory)
    yield b
    b.cleanup()


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
    b = Backend(request.param, request, tmp_path_factory)
    s = open_store(b.target())
    s.activate_generation(s.stage_generation(bundled_set, label="bundled"))
    yield s
    s.close()
    b.cleanup()
