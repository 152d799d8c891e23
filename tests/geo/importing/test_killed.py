"""An import killed half-way (SIGKILL, no clean-up of any kind) leaves whole chunks behind,
and running it again finishes the rest. Each test gets a database of its own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from geo.importing import import_cases
from geo.store import open_store, parse_database_url
from tests.geo.importing.conftest import BACKENDS, INSIDE, write_csv

REPO = Path(__file__).resolve().parents[3]
ROWS, CHUNK = 2_500, 1_000

# Runs in a child process: import the file, with the store's hook ``HOOK`` wrapped so that on
# its KILL_AT-th call it first does its work (inside the chunk's open transaction), reports
# how many cases that transaction sees, then kills its own process. WRITERS chunks are
# written at once; with one, which chunks were committed before the kill is known exactly.
CHILD = textwrap.dedent("""
    import os, signal, sys

    import geo.importing.run
    from geo.importing import import_cases
    from geo.store import open_store, parse_database_url

    url, path, chunk_rows, hook, kill_at, writers = sys.argv[1:7]
    geo.importing.run.WRITERS = int(writers)
    store = open_store(parse_database_url(url))
    cls = type(store)
    original = getattr(cls, hook)
    calls = []

    def work_then_die(self, cur, *args):
        out = original(self, cur, *args)
        calls.append(1)
        if len(calls) == int(kill_at):
            cur.execute("SELECT count(*) FROM cases")
            print("cases seen in the open transaction:", cur.fetchone()[0], flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
        return out

    setattr(cls, hook, work_then_die)
    import_cases(store, path, chunk_rows=int(chunk_rows))
    print("the import finished", flush=True)
""")


@pytest.fixture(params=BACKENDS)
def fresh_url(request):
    """An initialised database used by this test alone (a copy of the session's)."""
    return request.getfixturevalue(f"initialised_{request.param}")()


def _kill_during(url: str, path: Path, hook: str, kill_at: int, writers: int = 1) -> str:
    """Run the import in a child killed inside the ``kill_at``-th call of ``hook``; its
    standard output."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]),
    }
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, url, str(path), str(CHUNK), hook, str(kill_at), str(writers)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == -signal.SIGKILL, (proc.returncode, proc.stdout, proc.stderr)
    assert "the import finished" not in proc.stdout
    return proc.stdout


def _rows(ids: list[str], *, description: str = "") -> list[list[str]]:
    return [
        [i, "暴露垃圾", description, "", *map(str, INSIDE), "2024-03-01 09:00:00", "", "", ""]
        for i in ids
    ]


def _ids() -> list[str]:
    prefix = uuid.uuid4().hex[:8]
    return [f"k-{prefix}-{i:05d}" for i in range(ROWS)]


def _present(store, ids: list[str]) -> list[bool]:
    return [store.case_id_by_external(i) is not None for i in ids]


def _count_cases(store) -> int:
    with store.transaction() as cur:
        cur.execute("SELECT count(*) FROM cases")
        return int(cur.fetchone()[0])


def test_killed_in_the_second_chunk_keeps_the_first_and_reruns(fresh_url, tmp_path):
    ids = _ids()
    path = write_csv(tmp_path / "big.csv", _rows(ids))
    out = _kill_during(fresh_url, path, "_import_insert", kill_at=2)
    # The second chunk's rows were in, inside its transaction, when the process died.
    assert f"cases seen in the open transaction: {2 * CHUNK}" in out

    store = open_store(parse_database_url(fresh_url))  # a new process's view, after the kill
    try:
        assert _count_cases(store) == CHUNK
        present = _present(store, ids)
        assert present == [True] * CHUNK + [False] * (ROWS - CHUNK)

        again = import_cases(store, path, chunk_rows=CHUNK)
        counts = again.counts
        assert (
            counts["rows_read"],
            counts["unchanged"],
            counts["imported"],
            counts["updated"],
            counts["rejected"],
        ) == (ROWS, CHUNK, ROWS - CHUNK, 0, 0)
        assert all(_present(store, ids))
        assert _count_cases(store) == ROWS
        with store.transaction() as cur:  # the killed import's log entry was never finished
            cur.execute("SELECT count(*), count(finished_at) FROM case_imports")
            assert tuple(cur.fetchone()) == (2, 1)

        third = import_cases(store, path, chunk_rows=CHUNK)
        assert (third.counts["unchanged"], third.counts["imported"]) == (ROWS, 0)
    finally:
        store.close()


def test_killed_in_the_first_chunk_leaves_nothing(fresh_url, tmp_path):
    ids = _ids()
    path = write_csv(tmp_path / "big.csv", _rows(ids))
    out = _kill_during(fresh_url, path, "_import_insert", kill_at=1)
    assert f"cases seen in the open transaction: {CHUNK}" in out

    store = open_store(parse_database_url(fresh_url))
    try:
        assert _count_cases(store) == 0
        again = import_cases(store, path, chunk_rows=CHUNK)
        assert (again.counts["unchanged"], again.counts["imported"]) == (0, ROWS)
        assert all(_present(store, ids))
    finally:
        store.close()


def test_killed_while_updating_changed_rows(fresh_url, tmp_path):
    ids = _ids()
    path = write_csv(tmp_path / "big.csv", _rows(ids))
    store = open_store(parse_database_url(fresh_url))
    try:
        first = import_cases(store, path, chunk_rows=CHUNK)
        assert first.counts["imported"] == ROWS
    finally:
        store.close()  # the child needs the database (DuckDB: one process at a time)

    changed = write_csv(tmp_path / "big.csv", _rows(ids, description="描述改了"))
    # _rowcount runs right after a chunk's changes are applied, before its audit events.
    _kill_during(fresh_url, changed, "_rowcount", kill_at=2)

    store = open_store(parse_database_url(fresh_url))
    try:
        with store.transaction() as cur:
            cur.execute(
                "SELECT description, version, count(*) FROM cases "
                "GROUP BY description, version ORDER BY version"
            )
            groups = [tuple(row) for row in cur.fetchall()]
            cur.execute("SELECT count(*) FROM case_events WHERE action = 'import_update'")
            events = int(cur.fetchone()[0])
        # The first chunk updated with its events, the second rolled back whole.
        assert groups == [("", 1, ROWS - CHUNK), ("描述改了", 2, CHUNK)]
        assert events == CHUNK

        again = import_cases(store, path, chunk_rows=CHUNK)
        assert (again.counts["unchanged"], again.counts["updated"], again.counts["imported"]) == (
            CHUNK,
            ROWS - CHUNK,
            0,
        )
        with store.transaction() as cur:
            cur.execute("SELECT count(*) FROM cases WHERE description = '描述改了' AND version = 2")
            assert int(cur.fetchone()[0]) == ROWS
    finally:
        store.close()


def test_killed_with_chunks_written_side_by_side_leaves_whole_chunks(fresh_url, tmp_path):
    # Two chunks in flight at once: which of them committed before the kill varies, but each
    # chunk is all in or all out, and a re-run completes the file.
    ids = _ids()
    path = write_csv(tmp_path / "big.csv", _rows(ids))
    _kill_during(fresh_url, path, "_import_insert", kill_at=2, writers=2)

    store = open_store(parse_database_url(fresh_url))
    try:
        present = _present(store, ids)
        chunks = [present[i : i + CHUNK] for i in range(0, ROWS, CHUNK)]
        assert all(len(set(c)) == 1 for c in chunks), "a chunk was partly written"
        assert not all(present)  # the killed chunk is missing
        kept = sum(present)
        again = import_cases(store, path, chunk_rows=CHUNK)
        assert (again.counts["unchanged"], again.counts["imported"]) == (kept, ROWS - kept)
        assert all(_present(store, ids))
    finally:
        store.close()
