"""A libpq multi-host URL (``h1:p1,h2:p2`` with ``target_session_attrs``) is taken as given,
and shown in messages without its password."""

from __future__ import annotations

import psycopg2.extensions
import pytest

from geo.store.pgerrors import connect_failure
from geo.store.postgis import _connect_kwargs, _redact
from geo.store.target import parse_database_url

MULTI = (
    "postgresql://gm:s3cret@10.0.0.1:5432,10.0.0.2:5433/gridmgr"
    "?target_session_attrs=read-write&connect_timeout=3"
)


def test_a_multi_host_url_is_a_postgis_target_with_every_host() -> None:
    target = parse_database_url(MULTI.replace("postgresql", "postgis", 1))
    assert target.backend == "postgis" and target.dsn == MULTI
    params = psycopg2.extensions.parse_dsn(target.dsn)
    assert params["host"] == "10.0.0.1,10.0.0.2" and params["port"] == "5432,5433"
    assert params["target_session_attrs"] == "read-write"
    # the URL's own connect timeout wins; the statement timeout is added
    kwargs = _connect_kwargs(MULTI, 1.5, 5)
    assert "connect_timeout" not in kwargs and kwargs["options"] == "-c statement_timeout=1500"


@pytest.mark.parametrize(
    ("dsn", "shown"),
    [
        (MULTI, MULTI.replace("s3cret", "***")),
        (
            "postgresql://gm@h1,h2/db?sslmode=require&password=s3cret&x=1",
            "postgresql://gm@h1,h2/db?sslmode=require&password=***&x=1",
        ),
        ("postgresql://h1:5432,h2:5432/db", "postgresql://h1:5432,h2:5432/db"),
    ],
)
def test_the_password_is_never_shown(dsn: str, shown: str) -> None:
    assert _redact(dsn) == shown
    assert "s3cret" not in _redact(dsn)


def test_a_failed_multi_host_connect_names_each_host() -> None:
    error = Exception(
        'connection to server at "10.0.0.1", port 5432 failed: Connection refused\n'
        "\tIs the server running on that host and accepting TCP/IP connections?\n"
        'connection to server at "10.0.0.2", port 5433 failed: session is read-only\n'
    )
    assert connect_failure(error) == (
        'connection to server at "10.0.0.1", port 5432 failed: Connection refused; '
        'connection to server at "10.0.0.2", port 5433 failed: session is read-only'
    )
    assert connect_failure(Exception("one line\nmore")) == "one line"
