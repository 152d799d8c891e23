"""Suite-wide pytest configuration: PostGIS fixtures, initialised databases and reporting.

Tests that need PostGIS request ``postgis_url`` (the server URL, session
scope) or ``postgis_conn`` (a psycopg2 connection, autocommit off, rolled
back and closed after the test). Such tests are marked ``postgis``
automatically, so ``-m postgis`` / ``-m "not postgis"`` select them.

The server comes from ``GRIDMGR_TEST_DATABASE_URL``; ``make test`` (via
``scripts/with-postgis``) starts a private, throwaway PostGIS and sets it.
Without it, PostGIS tests are skipped with the reason shown, except under CI
(``CI=true``/``CI=1``) or with ``GRIDMGR_REQUIRE_POSTGIS=1``, where they fail.
A server that is configured but unreachable always fails, never skips.

Initialised databases (``geo.bootstrap.initialise``: bundled boundaries as generation 1,
roster, catalogue) are set up once per backend per session; ``initialised_duckdb()`` and
``initialised_postgis()`` hand out private copies of them (a copied file; ``CREATE DATABASE
... TEMPLATE``), so a module or test may write to its copy freely.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import pytest

if TYPE_CHECKING:
    from psycopg2.extensions import connection as PgConnection

URL_ENV = "GRIDMGR_TEST_DATABASE_URL"
REQUIRE_ENV = "GRIDMGR_REQUIRE_POSTGIS"
POSTGIS_MARK = "postgis"
POSTGIS_FIXTURES = frozenset(
    {"postgis_url", "postgis_conn", "postgis_schemas", "postgis_databases", "initialised_postgis"}
)
CONNECT_TIMEOUT_S = 10

HOW_TO_RUN = (
    "Run `make test` (starts a private, throwaway PostGIS via scripts/with-postgis) "
    f"or set {URL_ENV}=postgresql://USER@HOST:PORT/DBNAME."
)


def _postgis_required() -> bool:
    ci = os.environ.get("CI", "").strip().lower()
    return ci in {"true", "1"} or os.environ.get(REQUIRE_ENV, "").strip() == "1"


def redact_url(url: str) -> str:
    """Return ``url`` with any password replaced by ``***``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if parts is not None and parts.scheme and "@" in parts.netloc:
        userinfo, _, hostinfo = parts.netloc.rpartition("@")
        user, sep, _password = userinfo.partition(":")
        if sep:
            parts = parts._replace(netloc=f"{user}:***@{hostinfo}")
            url = urlunsplit(parts)
    # password=... as a query parameter or in a key=value conninfo string.
    return re.sub(r"(password=)[^&\s]*", r"\1***", url, flags=re.IGNORECASE)


def _connect(url: str) -> PgConnection:
    import psycopg2

    kwargs: dict[str, Any] = {}
    if "connect_timeout" not in url:
        kwargs["connect_timeout"] = CONNECT_TIMEOUT_S
    try:
        conn = psycopg2.connect(url, **kwargs)
    except psycopg2.Error as exc:
        error = str(exc).strip()
    else:
        conn.autocommit = False
        return conn
    # Outside the except block, so the report shows the message only once.
    pytest.fail(
        f"cannot connect to PostGIS at {redact_url(url)} ({URL_ENV}): {error}", pytrace=False
    )


@pytest.fixture(scope="session")
def postgis_url() -> str:
    """URL of the PostGIS test database; skips or fails when there is none."""
    url = os.environ.get(URL_ENV, "").strip()
    if not url:
        if _postgis_required():
            pytest.fail(
                f"{URL_ENV} is not set, and PostGIS tests are required here "
                f"(CI or {REQUIRE_ENV}=1). {HOW_TO_RUN}",
                pytrace=False,
            )
        pytest.skip(f"{URL_ENV} is not set. {HOW_TO_RUN}")

    # Check once per session that the server answers and has PostGIS.
    import psycopg2

    conn = _connect(url)
    error = None
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT postgis_version()")
    except psycopg2.Error as exc:
        error = str(exc).strip()
    finally:
        conn.close()
    if error is not None:
        pytest.fail(
            f"PostGIS is not usable at {redact_url(url)} "
            f"(CREATE EXTENSION postgis in that database?): {error}",
            pytrace=False,
        )
    return url


@pytest.fixture
def postgis_conn(postgis_url: str) -> Iterator[PgConnection]:
    """A psycopg2 connection (autocommit off), rolled back and closed afterwards."""
    conn = _connect(postgis_url)
    try:
        yield conn
    finally:
        try:
            if not conn.closed:
                conn.rollback()
        finally:
            conn.close()


@pytest.fixture(scope="session")
def postgis_schemas(postgis_url: str) -> Iterator[Callable[[], str]]:
    """A factory of private schemas: each call returns a URL whose search_path is a new,
    empty schema (then ``public`` for PostGIS's functions). All are dropped at the end."""
    import uuid
    from urllib.parse import quote

    from psycopg2 import sql

    made: list[str] = []

    def make() -> str:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        conn = _connect(postgis_url)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        conn.close()
        made.append(schema)
        sep = "&" if "?" in postgis_url else "?"
        return f"{postgis_url}{sep}options={quote(f'-csearch_path={schema},public')}"

    yield make
    conn = _connect(postgis_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        for schema in made:
            cur.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
    conn.close()


def database_url(server_url: str, name: str) -> str:
    """``server_url`` (a PostgreSQL URL) naming the database ``name`` instead of its own."""
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


class PostgisDatabases:
    """Makes databases on the test server, each a copy of a template; drops them at the end.

    ``CREATE DATABASE ... TEMPLATE`` copies files: much cheaper than building a database
    again. The template must have no open connections while it is copied.
    """

    ATTEMPTS = 50  # a closed connection's server process may take a moment to go away

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self.made: list[str] = []

    def create(self, template: str = "template0") -> str:
        """A new database copied from ``template``; its name."""
        import time
        import uuid

        import psycopg2
        from psycopg2 import sql

        name = f"gridmgr_t_{uuid.uuid4().hex[:12]}"
        conn = _connect(self.server_url)
        conn.autocommit = True
        try:
            for attempt in range(self.ATTEMPTS):
                try:
                    with conn.cursor() as cur:
                        cur.execute(
                            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                                sql.Identifier(name), sql.Identifier(template)
                            )
                        )
                    break
                except psycopg2.errors.ObjectInUse:
                    if attempt == self.ATTEMPTS - 1:
                        raise
                    time.sleep(0.02)
        finally:
            conn.close()
        self.made.append(name)
        return name

    def url(self, name: str) -> str:
        return database_url(self.server_url, name)

    def drop_all(self) -> None:
        from psycopg2 import sql

        conn = _connect(self.server_url)
        conn.autocommit = True
        with conn.cursor() as cur:
            for name in reversed(self.made):
                cur.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
        conn.close()


@pytest.fixture(scope="session")
def postgis_databases(postgis_url: str) -> Iterator[PostgisDatabases]:
    """Databases of their own on the test server (dropped at the end of the session)."""
    databases = PostgisDatabases(postgis_url)
    yield databases
    databases.drop_all()


@pytest.fixture(scope="session")
def initialised_postgis(postgis_databases: PostgisDatabases) -> Callable[[], str]:
    """A factory of initialised PostGIS databases: each call returns the URL of a new copy
    of one database set up once per session by :func:`geo.bootstrap.initialise` (bundled
    boundaries as generation 1, roster, catalogue). Copies are private: write freely."""
    from geo.bootstrap import initialise
    from geo.store import open_store, parse_database_url

    template = postgis_databases.create()
    setup = _connect(postgis_databases.url(template))
    setup.autocommit = True
    with setup.cursor() as cur:
        cur.execute("CREATE EXTENSION postgis")
    setup.close()
    store = open_store(parse_database_url(postgis_databases.url(template)))
    try:
        initialise(store)
    finally:
        store.close()
    return lambda: postgis_databases.url(postgis_databases.create(template))


@pytest.fixture(scope="session")
def initialised_duckdb(tmp_path_factory: pytest.TempPathFactory) -> Callable[[], str]:
    """A factory of initialised DuckDB databases: each call returns the URL of a new copy of
    one file set up once per session by :func:`geo.bootstrap.initialise` (bundled boundaries
    as generation 1, roster, catalogue). Copies are private: write freely."""
    import shutil

    from geo.bootstrap import initialise
    from geo.store import DatabaseTarget, open_store

    template = tmp_path_factory.mktemp("initialised") / "gridmgr.duckdb"
    store = open_store(DatabaseTarget("duckdb", path=template))
    try:
        initialise(store)
    finally:
        store.close()

    def copy() -> str:
        path = tmp_path_factory.mktemp("db") / "gridmgr.duckdb"
        shutil.copyfile(template, path)
        return f"duckdb:///{path}"  # an absolute path: four slashes

    return copy


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # tryfirst: the marker must be in place before `-m` deselects items.
    for item in items:
        if POSTGIS_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.postgis)


class PostgisReport:
    """Counts outcomes of ``postgis``-marked tests and prints them in the summary."""

    def __init__(self) -> None:
        self.outcomes: Counter[str] = Counter()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if POSTGIS_MARK not in report.keywords:
            return
        if report.when == "call":
            self.outcomes[report.outcome] += 1
        elif report.when == "setup" and report.skipped:
            self.outcomes["skipped"] += 1
        elif report.failed:  # error in setup or teardown
            self.outcomes["error"] += 1

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if not self.outcomes:
            return
        url = os.environ.get(URL_ENV, "").strip()
        server = redact_url(url) if url else f"none, {URL_ENV} is not set"
        counts = [f"{self.outcomes['passed']} passed", f"{self.outcomes['failed']} failed"]
        if self.outcomes["error"]:
            errors = self.outcomes["error"]
            counts.append(f"{errors} error" + ("s" if errors != 1 else ""))
        counts.append(f"{self.outcomes['skipped']} skipped")
        terminalreporter.write_line(f"PostGIS tests: {', '.join(counts)} (server: {server})")


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(PostgisReport(), "gridmgr-postgis-report")
