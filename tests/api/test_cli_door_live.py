"""The command line while ``gridmgr serve`` holds the DuckDB file: tokens, imports, reports
and boundary generations go through the server's admin door, and the server sees the result
at once; serve refuses a database already served; without a live door, commands open the
file themselves (or say clearly that another process holds it)."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest

from geo import bundled
from tests.api.test_live_server import GRIDMGR, call, free_port, start_serve
from tests.geo.importing.conftest import HEADER, INSIDE


def gridmgr(
    env: dict[str, str], *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GRIDMGR, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=90, check=False
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


def _cases_file(path: Path) -> Path:
    """Three cases inside the district and one whose longitude is not a number."""
    rows = [
        [f"door-{i}", "暴露垃圾", "", "", str(INSIDE[0]), str(INSIDE[1]), "2024-03-01 09:00:00"]
        + ["", "", ""]
        for i in range(3)
    ]
    rows.append(
        ["door-bad", "暴露垃圾", "", "", "east", "26.58", "2024-03-01 09:00:00", "", "", ""]
    )
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(HEADER)
        out.writerows(rows)
    return path


def _one_community(folder: Path) -> str:
    """A boundary set of one bundled community and its grids in ``folder``; its code."""
    folder.mkdir()
    comms = gpd.read_file(bundled.BOUNDARIES_DIR / "communities.geojson")
    grids = gpd.read_file(bundled.BOUNDARIES_DIR / "grids.geojson")
    code = str(comms["code"].iloc[0])
    comms[comms["code"] == code].to_file(folder / "communities.geojson", driver="GeoJSON")
    grids[grids["code"].str.startswith(code)].to_file(folder / "grids.geojson", driver="GeoJSON")
    return code


def test_commands_go_through_the_door_while_the_server_runs(served, tmp_path):
    env, base, proc, door = served
    assert door.exists() and oct(door.stat().st_mode & 0o777) == "0o600"
    assert json.loads(door.read_text())["pid"] == proc.pid

    # tokens
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

    # import cases: a relative file name, the rejects file beside it, exit status 1
    _cases_file(tmp_path / "cases.csv")
    imported = gridmgr(env, "import", "cases", "cases.csv", cwd=tmp_path)
    assert imported.returncode == 1, imported.stderr
    assert "3" in imported.stdout and (tmp_path / "cases.csv.rejects.csv").exists()
    rejects = (tmp_path / "cases.csv.rejects.csv").read_text(encoding="utf-8-sig")
    assert "east" in rejects and "door-0" not in rejects
    status, _, page = call(base + "/cases?limit=500", headers=auth)
    assert status == 200
    assert sorted(c["external_id"] for c in page["cases"] if c.get("external_id")) == [
        "door-0",
        "door-1",
        "door-2",
    ]

    # a report written to a relative path
    report = gridmgr(
        env,
        "report",
        "workload",
        "--from",
        "2024-01-01",
        "--to",
        "2025-01-01",
        "-o",
        "w.csv",
        cwd=tmp_path,
    )
    assert report.returncode == 0, report.stderr
    rows = list(csv.DictReader((tmp_path / "w.csv").open(encoding="utf-8-sig")))
    assert len(rows) == 26 and sum(int(r["received"]) for r in rows) == 3

    # usage errors stay local; domain errors come back with their status
    usage = gridmgr(env, "boundaries", "activate", "two")
    assert usage.returncode == 2 and "Usage:" in usage.stderr
    missing = gridmgr(env, "boundaries", "activate", "7")
    assert missing.returncode == 2 and "no boundary generation 7" in missing.stderr

    # a new boundary generation, loaded then activated: the server locates with it at once
    code = _one_community(tmp_path / "small")
    loaded = gridmgr(env, "boundaries", "load", "small", "--label", "one", cwd=tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    assert "staged generation 2: 1 communities" in loaded.stdout
    assert call(base + "/health")[2]["active_generation"] == 1
    activated = gridmgr(env, "boundaries", "activate", "2")
    assert activated.returncode == 0, activated.stderr
    assert call(base + "/health")[2]["active_generation"] == 2
    grids = call(base + "/grids", headers=auth)[2]["features"]
    assert grids and {g["properties"]["community_code"] for g in grids} == {code}

    # a second server on the same file stops with a message
    again = gridmgr(env, "serve", "--port", str(free_port()))
    assert again.returncode == 2 and "is already served by gridmgr" in again.stderr

    # a door that refuses (here: a door file whose secret is not the server's) leaves the
    # command to open the file itself, which DuckDB refuses: said as a sentence
    kept = door.read_text()
    door.write_text(json.dumps({**json.loads(kept), "secret": "not-the-secret"}))
    refused = gridmgr(env, "token", "list")
    assert refused.returncode == 2
    assert f"is in use by process {proc.pid} (DuckDB lets one" in refused.stderr
    door.write_text(kept)

    # revoking, then stopping: the door file goes and the commands open the file themselves
    revoked = gridmgr(env, "token", "revoke", token_id)
    assert revoked.returncode == 0, revoked.stderr
    assert call(base + "/cases?limit=1", headers=auth)[0] == 401  # at once
    run = {"command": ["token", "list"], "params": {}}
    assert call(base + "/admin/run", "POST", run)[0] == 401
    assert call(base + "/admin/run", "POST", run, headers={"X-Gridmgr-Admin": "nope"})[0] == 401
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=20)
    assert not door.exists()
    after = gridmgr(env, "token", "list")
    assert after.returncode == 0 and token_id in after.stdout and "revoked" in after.stdout


def test_a_stale_door_file_is_ignored(tmp_path, initialised_duckdb):
    url = initialised_duckdb()
    env = {**os.environ, "GRIDMGR_DATABASE_URL": url}
    door = Path(url.removeprefix("duckdb:///") + ".admin")
    # a server that was killed: its process is gone (a pid above Linux's default pid_max)
    door.write_text(
        json.dumps({"url": f"http://127.0.0.1:{free_port()}", "secret": "x", "pid": 2**22 + 7})
    )
    made = gridmgr(env, "token", "create", "--role", "admin")
    assert made.returncode == 0, made.stderr
    # a live process that answers nothing on the named port
    door.write_text(
        json.dumps({"url": f"http://127.0.0.1:{free_port()}", "secret": "x", "pid": os.getpid()})
    )
    assert gridmgr(env, "token", "list").stdout.count("active") == 1


def test_a_file_held_without_a_door_is_said_in_a_sentence(initialised_duckdb):
    url = initialised_duckdb()
    env = {**os.environ, "GRIDMGR_DATABASE_URL": url}
    path = url.removeprefix("duckdb:///")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys; c = duckdb.connect({path!r}); print(1); "
            "sys.stdout.flush(); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "1"
        expected = f"the database {path} is in use by process {holder.pid} (DuckDB lets one"
        listed = gridmgr(env, "token", "list")
        assert listed.returncode == 2 and expected in listed.stderr
        served = gridmgr(env, "serve", "--port", str(free_port()))
        assert served.returncode == 2 and expected in served.stderr
        assert "Traceback" not in served.stderr
    finally:
        holder.communicate("", timeout=20)
