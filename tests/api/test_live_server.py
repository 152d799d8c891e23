"""A real ``gridmgr serve`` process on 127.0.0.1, driven over HTTP, its log inspected."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO

import pytest

GRIDMGR = str(Path(sys.executable).parent / "gridmgr")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(url, method="GET", body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        url,
        data=data,
        method=method,
        headers={"content-type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), json.loads(e.read() or b"null")


def start_serve(
    env: dict[str, str], log_path: Path
) -> tuple[subprocess.Popen[bytes], str, IO[str]]:
    """``gridmgr serve`` on a free port in its own process group, its output to ``log_path``;
    returns once ``/health`` answers 200 (or fails the test with the server's log)."""
    port = free_port()
    log = open(log_path, "w")  # noqa: SIM115 - the caller closes it
    proc = subprocess.Popen(
        [GRIDMGR, "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if call(base + "/health")[0] == 200:
                return proc, base, log
        except OSError:
            time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    log.close()
    pytest.fail("the server did not come up: " + log_path.read_text())


@pytest.fixture(scope="module")
def server(tmp_path_factory, initialised_duckdb):
    folder = tmp_path_factory.mktemp("live")
    env = {**os.environ, "GRIDMGR_DATABASE_URL": initialised_duckdb()}
    made = subprocess.run(
        [GRIDMGR, "token", "create", "--role", "dispatcher", "--name", "王五"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    token = made.stdout.strip().splitlines()[-1]
    assert token.startswith("gm_")
    proc, base, log = start_serve(env, folder / "server.log")
    yield base, {"Authorization": f"Bearer {token}"}, token, folder / "server.log"
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    finally:
        log.close()


def test_intake_and_read_over_real_http(server):
    base, auth, _, _ = server
    status, headers, case = call(
        base + "/cases",
        "POST",
        {
            "category": "exposed_refuse",
            "lon": 106.7135,
            "lat": 26.5895,
            "reporter": {"name": "赵六", "phone": "13900008888"},
        },
        {**auth, "Idempotency-Key": "x1"},
    )
    assert status == 201 and case["status"] == "reported"
    status, headers2, again = call(base + f"/cases/{case['id']}", headers=auth)
    assert status == 200 and headers2["etag"] == headers["etag"]
    status, _, _ = call(
        base + f"/cases/{case['id']}/actions/register",
        "POST",
        None,
        {**auth, "If-Match": headers["etag"]},
    )
    assert status == 200
    status, _, problem = call(
        base + f"/cases/{case['id']}/actions/register",
        "POST",
        None,
        {**auth, "If-Match": headers["etag"]},
    )
    assert status == 412 and problem["status"] == 412
    status, _, _ = call(base + "/cases", headers={"Authorization": "Bearer wrong"})
    assert status == 401


def test_log_has_no_token_or_phone(server):
    base, auth, token, log = server
    call(base + "/cases", "POST", {"category": "nope", "lon": 106.7, "lat": 26.6}, auth)
    call(base + f"/locate?lon=106.7&lat=26.6&api_key={token}", headers=auth)
    time.sleep(0.5)
    text = log.read_text()
    assert "serving on" in text
    assert token not in text and "13900008888" not in text and "Traceback" not in text
