"""``gridmgr demo`` end to end: build, reuse, serve, stop."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from api.cli.demo import _community_row

GRIDMGR = str(Path(sys.executable).parent / "gridmgr")


def _env(folder: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDMGR_")}
    return {**env, "GRIDMGR_DATABASE_URL": f"duckdb:///{folder / 'demo.duckdb'}"}


def test_demo_builds_once_then_reuses(tmp_path):
    first = subprocess.run(
        [GRIDMGR, "demo", "--no-serve", "--cases", "1500"],
        cwd=tmp_path,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert len([ln for ln in out.splitlines() if ln.startswith("520103")]) == 26
    assert "1,056,819" in out and "1,500 cases" in out and "facilities:" in out
    assert "gazetteer: 2508 illustrative addresses" in out
    tokens = re.findall(r"(planner|dispatcher|admin) token\s+(gm_\S+)", out)
    assert [role for role, _ in tokens] == ["planner", "dispatcher", "admin"]
    assert "from earlier runs" not in out
    again = subprocess.run(
        [GRIDMGR, "demo", "--no-serve", "--cases", "1500"],
        cwd=tmp_path,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert again.returncode == 0
    assert "cases: present" in again.stdout and "facilities: present" in again.stdout
    assert "gazetteer: present" in again.stdout
    assert "3 token(s) from earlier runs stay valid" in again.stdout
    listed = subprocess.run(
        [GRIDMGR, "token", "list"],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    active = [ln.split()[0] for ln in listed.stdout.splitlines() if " active " in ln]
    assert len(active) == 6  # the first run's three and the second's
    assert all(secret.split("_")[1] in active for _, secret in tokens)


def test_demo_serves_the_index(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [GRIDMGR, "demo", "--port", str(port), "--cases", "500"],
        cwd=tmp_path,
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(base + "/health", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            raise AssertionError("the demo did not come up")
        with urllib.request.urlopen(base + "/", timeout=30) as r:
            page = r.read().decode("utf-8")
        assert len(set(re.findall(r"maps/communities/(\d{9})", page))) == 26
        # while it serves, the other commands go through its admin door; a second demo stops
        made = subprocess.run(
            [GRIDMGR, "token", "create", "--role", "planner"],
            env=_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert made.returncode == 0, made.stderr
        second = subprocess.run(
            [GRIDMGR, "demo", "--port", str(port)],
            cwd=tmp_path,
            env=_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 2 and "is already served by gridmgr" in second.stderr
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def test_summary_line_of_a_community_without_name_or_population():
    line = _community_row(
        {"code": "520103001", "name": None, "grids": 3, "area_km2": 1.5, "population": None}
    )
    assert line.split() == ["520103001", "—", "3", "1.50", "—"]
    named = _community_row(
        {"code": "520103002", "name": "中华", "grids": 4, "area_km2": 2.25, "population": 12345}
    )
    assert named.split() == ["520103002", "中华", "4", "2.25", "12,345"]
