"""``gridmgr token`` while ``gridmgr serve`` holds the DuckDB file: through the server's door."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from tests.api.test_live_server import GRIDMGR, call, free_port, start_serve


def gridmgr(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GRIDMGR, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.fixture
def served(tmp_path, initialised_duckdb):
    url = initialised_duckdb()
    env = {**os.environ, "GRIDMGR_DATABASE_URL": url}
    proc, base, log = start_serve(env, tmp_path / "server.log")
    door = Path(url.removeprefix("duckdb:///") + ".admin")
    yield env, base, proc, door
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    log.close()


def test_token_commands_while_the_server_runs(served):
    env, base, proc, door = served
    assert door.exists() and oct(door.stat().st_mode & 0o777) == "0o600"
    made = gridmgr(env, "token", "create", "--role", "dispatcher", "--name", "王五")
    assert made.returncode == 0, made.stderr
    secret = made.stdout.strip().splitlines()[-1]
    token_id = made.stdout.split()[1].rstrip(":")
    auth = {"Authorization": f"Bearer {secret}"}
    assert call(base + "/cases?limit=1", headers=auth)[0] == 200  # the server knows it
    listed = gridmgr(env, "token", "list")
    assert listed.returncode == 0 and token_id in listed.stdout and "active" in listed.stdout
    assert secret not in listed.stdout
    worker = gridmgr(env, "token", "create", "--role", "worker", "--worker", "W999")
    assert worker.returncode == 2 and "no worker" in worker.stderr
    revoked = gridmgr(env, "token", "revoke", token_id)
    assert revoked.returncode == 0, revoked.stderr
    assert call(base + "/cases?limit=1", headers=auth)[0] == 401  # at once
    again = gridmgr(env, "token", "revoke", token_id)
    assert again.returncode == 2 and "no active token" in again.stderr
    assert "revoked" in gridmgr(env, "token", "list").stdout
    # the door refuses a caller without its secret, or with a wrong one
    run = {"command": ["token", "list"], "params": {}}
    assert call(base + "/admin/run", "POST", run)[0] == 401
    assert call(base + "/admin/run", "POST", run, headers={"X-Gridmgr-Admin": "nope"})[0] == 401
    # once the server stops, its door file goes and the commands open the file themselves
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=20)
    assert not door.exists()
    after = gridmgr(env, "token", "list")
    assert after.returncode == 0 and token_id in after.stdout


def test_a_stale_door_file_is_ignored(tmp_path, initialised_duckdb):
    url = initialised_duckdb()
    env = {**os.environ, "GRIDMGR_DATABASE_URL": url}
    door = Path(url.removeprefix("duckdb:///") + ".admin")
    door.write_text(
        f'{{"url": "http://127.0.0.1:{free_port()}", "secret": "x", "pid": {os.getpid()}}}'
    )
    made = gridmgr(env, "token", "create", "--role", "admin")
    assert made.returncode == 0, made.stderr
    assert gridmgr(env, "token", "list").stdout.count("active") == 1
