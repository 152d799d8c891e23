"""``gridmgr serve --workers 2`` on PostGIS: processes with a socket each, stopped together."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from api.cli.workers import listening_socket
from tests.api.test_live_server import call, free_port

pytestmark = pytest.mark.postgis
GRIDMGR = str(Path(sys.executable).parent / "gridmgr")


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and "spawn_main" in Path(stat.parent, "cmdline").read_text():
            found.append(int(stat.parent.name))
    return found


def sockets(pid: int, port: int, state: str) -> int:
    """How many TCP sockets on ``port`` in ``state`` (/proc/net/tcp: 01 established, 0A
    listening) process ``pid`` holds."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            cells = line.split()
            if (
                cells[3] == state
                and int(cells[1].rsplit(":", 1)[1], 16) == port
                and cells[9] in inodes
            ):
                count += 1
    return count


def _listening(proc, port: int) -> bool:
    """Both processes listen (each does once its start-up is over)."""
    workers = children(proc.pid)
    return len(workers) == 2 and all(sockets(pid, port, "0A") == 1 for pid in workers)


@pytest.fixture
def serving(initialised_postgis, tmp_path):
    env = {**os.environ, "GRIDMGR_DATABASE_URL": initialised_postgis()}
    port = free_port()
    log = open(tmp_path / "server.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [GRIDMGR, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 90
    while not _listening(proc, port) or not _up(port):
        if proc.poll() is not None or time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail("no server: " + (tmp_path / "server.log").read_text())
        time.sleep(0.3)
    yield proc, port, tmp_path / "server.log"
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(30)
    log.close()


def _up(port: int) -> bool:
    try:
        return call(f"http://127.0.0.1:{port}/health")[0] == 200
    except OSError:
        return False


def test_both_processes_take_connections_and_stop_together(serving):
    proc, port, _ = serving
    workers = children(proc.pid)
    assert len(workers) == 2
    # Sixteen connections opened at once, as a client's pool does: the kernel spreads them
    # over the processes' own sockets (with one shared socket, the first process to wake
    # could take them all).
    conns = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(16)]
    try:
        for c in conns:
            c.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        for c in conns:
            assert c.recv(4096).startswith(b"HTTP/1.1 200")
        held = [sockets(pid, port, "01") for pid in workers]
        assert sum(held) == 16 and min(held) >= 1, held
    finally:
        for c in conns:
            c.close()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]


def test_a_process_that_dies_stops_the_server(serving):
    proc, port, log = serving
    first, second = children(proc.pid)
    os.kill(first, signal.SIGKILL)
    assert proc.wait(30) == 1
    assert "a server process ended by itself" in log.read_text()
    assert (
        not Path(f"/proc/{second}").exists()
        or Path(f"/proc/{second}/stat").read_text().split()[2] == "Z"
    )


def test_a_taken_port_is_refused_before_anything_starts(tmp_path, postgis_schemas):
    with socket.socket() as taken:  # a listener without SO_REUSEPORT holds the port
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OSError):
            listening_socket("127.0.0.1", port)
        env = {**os.environ, "GRIDMGR_DATABASE_URL": postgis_schemas()}
        done = subprocess.run(
            [GRIDMGR, "serve", "--port", str(port), "--workers", "2"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
