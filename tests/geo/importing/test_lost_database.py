"""``gridmgr import cases`` when the PostGIS server goes away half-way: one line that says so,
exit status 3, the chunks committed before kept; running the same command again completes the
import (rows are known by their external id). The server is a private cluster."""

from __future__ import annotations

import functools
import uuid
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from click.testing import CliRunner

import api.cli.importing
import geo.importing.run
from api.cli import main
from geo.importing import import_cases
from geo.store.postgis import PostgisStore
from tests.geo.importing.conftest import INSIDE, write_csv
from tests.pgcluster import initialised_cluster

pytestmark = pytest.mark.postgis

ROWS, CHUNK = 250, 100


def _rows(prefix: str) -> list[list[str]]:
    lon, lat = INSIDE
    return [
        [f"{prefix}-{i}", "暴露垃圾", "", "", f"{lon}", f"{lat}", "2024-03-01 09:00:00", "", "", ""]
        for i in range(ROWS)
    ]


def _invoke(url: str, path: Path) -> Any:
    return CliRunner().invoke(
        main, ["import", "cases", str(path)], env={"GRIDMGR_DATABASE_URL": url}
    )


def _imported(url: str, prefix: str) -> int:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM cases WHERE external_id LIKE %s", (prefix + "-%",))
            return int(cur.fetchone()[0])
    finally:
        conn.close()


def test_the_database_stopped_during_an_import(tmp_path: Path, monkeypatch) -> None:
    prefix = f"lost-{uuid.uuid4().hex[:8]}"
    path = write_csv(tmp_path / "cases.csv", _rows(prefix))
    monkeypatch.setattr(geo.importing.run, "WRITERS", 1)  # chunks committed in file order
    monkeypatch.setattr(
        api.cli.importing, "import_cases", functools.partial(import_cases, chunk_rows=CHUNK)
    )
    with initialised_cluster() as cluster:
        original = PostgisStore._import_insert
        calls: list[int] = []

        def stop_at_second_chunk(self: PostgisStore, cur: Any, *args: Any) -> None:
            calls.append(1)
            if len(calls) == 2:
                cluster.stop("fast")  # inside the second chunk's open transaction
            original(self, cur, *args)

        monkeypatch.setattr(PostgisStore, "_import_insert", stop_at_second_chunk)
        lost = _invoke(cluster.url, path)
        assert lost.exit_code == 3, lost.output
        message = [line for line in lost.stderr.splitlines() if line.startswith("gridmgr:")]
        assert len(message) == 1 and "lost the database" in message[0], lost.stderr
        assert "Traceback" not in lost.output
        assert not isinstance(lost.exception, Exception) or isinstance(lost.exception, SystemExit)

        cluster.start()
        assert _imported(cluster.url, prefix) == CHUNK  # the first chunk, whole

        monkeypatch.setattr(PostgisStore, "_import_insert", original)
        again = _invoke(cluster.url, path)
        assert again.exit_code == 0, again.output
        assert _imported(cluster.url, prefix) == ROWS
        final = _invoke(cluster.url, path)  # nothing left to do
        assert final.exit_code == 0, final.output
        assert _imported(cluster.url, prefix) == ROWS
