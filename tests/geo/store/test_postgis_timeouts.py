"""The PostGIS statement timeout: set on every pooled connection (the URL's own options kept),
lifted for schema changes, and a statement cut off by it is StoreUnavailableError (a 503)."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from geo.errors import StoreUnavailableError
from geo.store.postgis import PostgisStore


def test_statements_are_cut_off_by_the_statement_timeout(postgis_url: str) -> None:
    sep = "&" if "?" in postgis_url else "?"
    url = f"{postgis_url}{sep}options={quote('-capplication_name=gridmgr-timeouts')}"
    store = PostgisStore(url, max_connections=1, statement_timeout_s=0.5)
    try:
        with store.transaction() as cur:
            cur.execute("SHOW statement_timeout")
            assert cur.fetchone()[0] == "500ms"
            cur.execute("SHOW application_name")
            assert cur.fetchone()[0] == "gridmgr-timeouts"
        with store._without_statement_timeout(), store.transaction() as cur:
            cur.execute("SHOW statement_timeout")
            assert cur.fetchone()[0] == "0"
        with (
            pytest.raises(StoreUnavailableError, match="statement timeout"),
            store.transaction() as cur,
        ):
            cur.execute("SELECT pg_sleep(2)")
        with store.transaction() as cur:  # the connection is still good
            cur.execute("SELECT 1")
            assert cur.fetchone()[0] == 1
    finally:
        store.close()
