"""DuckDB on a full disk (a small tmpfs mounted for the test; skipped where mount is not
allowed): a write that cannot reach the write-ahead log fails alone and reads go on; a
checkpoint that cannot write invalidates the DuckDB instance ("database has been
invalidated"), and the store reopens it once space returns. Every failure is a
StoreUnavailableError (503 over HTTP), never a driver error (500)."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from geo.errors import StoreUnavailableError
from geo.store import DatabaseTarget, open_store
from geo.store.duck import REOPEN_INTERVAL_S, DuckStore
from geo.store.records import TokenRecord


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def _fill(disk: Path, leave: int = 0) -> Path:
    """Fill ``disk`` up, then give back ``leave`` bytes; the filler file."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 65536)
    except OSError:
        pass
    finally:
        os.close(fd)
    os.truncate(filler, max(0, filler.stat().st_size - leave))
    return filler


def _add_token(store: DuckStore, token_id: str | None = None) -> str:
    token_id = token_id or uuid.uuid4().hex
    record = TokenRecord(token_id, "planner", "full-disk", None, None, datetime.now(UTC))
    store.add_token(record, uuid.uuid4().hex)
    return token_id


def _ids(store: DuckStore) -> set[str]:
    return {t.id for t in store.tokens()}


def _wait_for(store: DuckStore) -> set[str]:
    """The stored token ids, once the store answers again."""
    deadline = time.monotonic() + 5 * REOPEN_INTERVAL_S + 5
    while True:
        try:
            return _ids(store)
        except StoreUnavailableError:
            assert time.monotonic() < deadline, "not reopened after space came back"
            time.sleep(0.2)


def test_a_write_on_a_full_disk_fails_alone(small_disk: Path) -> None:
    store = open_store(DatabaseTarget("duckdb", path=small_disk / "gridmgr.duckdb"))
    assert isinstance(store, DuckStore)
    try:
        first = _add_token(store)
        with store.transaction() as cur:
            cur.execute("CHECKPOINT")

        # No space at all: the log cannot be written, the commit fails, reads go on.
        filler = _fill(small_disk)
        with pytest.raises(StoreUnavailableError):
            _add_token(store)
        assert _ids(store) == {first}
        with pytest.raises(StoreUnavailableError):
            _add_token(store)
        assert _ids(store) == {first}

        # Space again: writes work again, on the same connection.
        os.remove(filler)
        second = _add_token(store)
        assert _ids(store) == {first, second}
    finally:
        store.close()


def test_a_failed_checkpoint_invalidates_duckdb_and_the_store_reopens_it(
    small_disk: Path,
) -> None:
    store = open_store(DatabaseTarget("duckdb", path=small_disk / "gridmgr.duckdb"))
    assert isinstance(store, DuckStore)
    try:
        first = _add_token(store)
        with store.transaction() as cur:
            cur.execute("CHECKPOINT")
        with store.transaction() as cur:  # every commit checkpoints from here on
            cur.execute("SET checkpoint_threshold = '1KB'")

        # Room for the log but not for the checkpoint: DuckDB invalidates the instance; the
        # store says it is unavailable rather than failing with it.
        filler = _fill(small_disk, leave=100_000)
        second = uuid.uuid4().hex
        with pytest.raises(StoreUnavailableError):
            _add_token(store, second)

        # Space again: the next transactions reopen the database (its log replayed).
        os.remove(filler)
        seen = _wait_for(store)
        # The failed write committed or not, depending on when DuckDB checkpointed (before
        # writing its log, or after a durable commit): the 503 says the outcome is unknown.
        assert seen in ({first}, {first, second})
        third = _add_token(store)
        assert _ids(store) == seen | {third}
    finally:
        store.close()
