"""The admin door on its own: who it admits, how it runs commands (one at a time, output
streamed, exit statuses, heartbeats) and how the command line's side sends them and gives up
on a silent server. The commands here are small click commands made for the test; a real
``gridmgr serve`` is driven in test_cli_door_live.py."""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api import errors
from api.admin import AdminDoor, registered, router
from api.cli import COMMANDS, main
from api.cli.common import fail
from api.cli.door import (
    EXIT_LOST,
    HEADER,
    DoorFile,
    Refused,
    decode,
    door_names,
    encode,
    live_door,
    read_door,
    remove_door,
    send,
    write_door,
)
from api.settings import Settings
from geo.errors import NotFoundError
from tests.api.test_live_server import free_port
from tests.threaded_server import threaded_server

SECRET = "door-secret-for-tests"
RUNS: list[tuple[str, float, float]] = []  # (name, start, end) of each sleep command


@click.command()
@click.option("--code", type=int, default=0)
@click.option("--how", type=click.Choice(["exit", "fail", "click", "crash", "return"]))
def talk(code: int, how: str) -> None:
    click.echo("one")
    click.echo("two on stderr", err=True)
    print("three by print")
    if how == "exit":
        sys.exit(code)
    if how == "fail":
        fail("it went wrong", code=code)
    if how == "click":
        raise click.ClickException("a click error")
    if how == "crash":
        raise RuntimeError("a bug")


@click.command()
@click.argument("name")
@click.option("--seconds", type=float, default=0.2)
def sleep(name: str, seconds: float) -> None:
    start = time.monotonic()
    time.sleep(seconds)
    RUNS.append((name, start, time.monotonic()))
    click.echo(f"slept {name}")


@click.command()
@click.argument("src", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(), default=None)
@click.option("--tag", multiple=True)
def paths(src: Path, out: str | None, tag: tuple[str, ...]) -> None:
    click.echo(f"{type(src).__name__} {src} {type(out).__name__} {out} {list(tag)}")


@click.command()
def bar() -> None:
    click.echo(f"out tty {sys.stdout.isatty()}, err tty {sys.stderr.isatty()}")
    with click.progressbar(range(3), label="steps", file=sys.stderr) as steps:
        for _ in steps:
            pass


TEST_COMMANDS = {("talk",): talk, ("sleep",): sleep, ("paths",): paths, ("bar",): bar}


def resolve(names: tuple[str, ...]) -> click.Command:
    if names not in TEST_COMMANDS:
        raise NotFoundError(f"no command {names}")
    return TEST_COMMANDS[names]


def make_app(heartbeat_s: float) -> FastAPI:
    app = FastAPI()
    errors.install(app)
    app.include_router(router)
    app.state.admin_door = AdminDoor(SECRET, heartbeat_s=heartbeat_s, resolve=resolve)
    return app


def lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def body(names: list[str], params: dict[str, object]) -> dict[str, object]:
    return {"command": names, "params": params}


# -- who the door admits ---------------------------------------------------------------------
def test_the_door_admits_local_callers_with_its_secret_only():
    app = make_app(5.0)
    local = TestClient(app, client=("127.0.0.1", 40000))
    remote = TestClient(app, client=("10.1.2.3", 40000))
    run = body(["talk"], {"code": 0, "how": "return"})
    assert local.post("/admin/run", json=run).status_code == 401
    assert local.post("/admin/run", json=run, headers={HEADER: "wrong"}).status_code == 401
    assert local.post("/admin/run", json=run, headers={HEADER: SECRET[:-1]}).status_code == 401
    assert remote.post("/admin/run", json=run, headers={HEADER: SECRET}).status_code == 401
    answer = local.post("/admin/run", json=run, headers={HEADER: SECRET})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/x-ndjson")
    # an unknown command, or options the command does not have, run nothing
    unknown = local.post("/admin/run", json=body(["nope"], {}), headers={HEADER: SECRET})
    assert unknown.status_code == 404
    odd = local.post("/admin/run", json=body(["talk"], {"code": 1}), headers={HEADER: SECRET})
    assert odd.status_code == 400 and "another version" in odd.json()["detail"]


def test_a_server_without_a_door_has_no_door():
    app = FastAPI()
    errors.install(app)
    app.include_router(router)
    answer = TestClient(app, client=("127.0.0.1", 1)).post(
        "/admin/run", json=body(["talk"], {}), headers={HEADER: SECRET}
    )
    assert answer.status_code == 404


# -- what a command sends back ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("how", "code", "status", "last_err"),
    [
        ("return", 0, 0, None),
        ("exit", 4, 4, None),
        ("exit", 0, 0, None),
        ("fail", 2, 2, "gridmgr: it went wrong\n"),
        ("click", 0, 1, "Error: a click error\n"),
        ("crash", 0, 1, "gridmgr: the server failed running `gridmgr talk`\n"),
    ],
)
def test_output_is_streamed_in_order_with_the_exit_status(how, code, status, last_err):
    client = TestClient(make_app(5.0), client=("127.0.0.1", 40000))
    answer = client.post(
        "/admin/run", json=body(["talk"], {"code": code, "how": how}), headers={HEADER: SECRET}
    )
    got = lines(answer.text)
    assert got[:3] == [{"out": "one\n"}, {"err": "two on stderr\n"}, {"out": "three by print"}]
    assert got[3] == {"out": "\n"}  # print writes the line's end apart
    assert got[-1] == {"exit": status}
    errs = [item["err"] for item in got[4:] if "err" in item]
    assert errs == ([last_err] if last_err else [])


@pytest.mark.parametrize("ttys", [[], ["err"]])
def test_progress_bars_draw_on_the_callers_terminal_only(ttys):
    client = TestClient(make_app(5.0), client=("127.0.0.1", 40000))
    answer = client.post(
        "/admin/run", json={**body(["bar"], {}), "ttys": ttys}, headers={HEADER: SECRET}
    )
    got = lines(answer.text)
    out = "".join(str(item["out"]) for item in got if "out" in item)
    err = "".join(str(item["err"]) for item in got if "err" in item)
    assert out == f"out tty False, err tty {ttys == ['err']}\n"
    assert ("\r" in err) == (ttys == ["err"])  # a bar redraws its line on a terminal
    assert got[-1] == {"exit": 0}


def test_heartbeats_while_a_command_says_nothing():
    client = TestClient(make_app(0.05), client=("127.0.0.1", 40000))
    answer = client.post(
        "/admin/run", json=body(["sleep"], {"name": "a", "seconds": 0.5}), headers={HEADER: SECRET}
    )
    got = lines(answer.text)
    beats = [item for item in got if item == {"beat": True}]
    assert 4 <= len(beats) <= 12  # one per 0.05 s of silence
    assert got[-2:] == [{"out": "slept a\n"}, {"exit": 0}]


# -- through a real HTTP server: one at a time, the command line's side ----------------------
@pytest.fixture
def served_door() -> Iterator[tuple[DoorFile, AdminDoor]]:
    """A uvicorn server in a thread whose door answers the test commands (heartbeat 0.1 s)."""
    app = make_app(0.1)
    with threaded_server(app) as base:
        yield (DoorFile(base, SECRET, os.getpid(), Path("unused")), app.state.admin_door)


def _send(door: DoorFile, names: tuple[str, ...], params: dict, **kw) -> tuple[int, str, str]:
    out: list[str] = []
    err: list[str] = []
    status = send(door, names, params, out=out.append, err=err.append, **kw)
    return status, "".join(out), "".join(err)


def test_send_streams_output_and_returns_the_exit_status(served_door):
    door, _ = served_door
    status, out, err = _send(door, ("talk",), {"code": 5, "how": "exit"})
    assert (status, out, err) == (5, "one\nthree by print\n", "two on stderr\n")
    status, out, _ = _send(door, ("talk",), {"code": 0, "how": "return"})
    assert status == 0 and out.startswith("one\n")


def test_commands_run_one_at_a_time(served_door):
    door, _ = served_door
    RUNS.clear()
    results: dict[str, tuple[int, str, str]] = {}

    def go(name: str) -> None:
        results[name] = _send(door, ("sleep",), {"name": name, "seconds": 0.4})

    threads = [threading.Thread(target=go, args=(n,)) for n in ("a", "b", "c")]
    for t in threads:
        t.start()
        time.sleep(0.05)
    for t in threads:
        t.join(timeout=20)
    assert sorted(results) == ["a", "b", "c"]
    assert all(results[n][0] == 0 and results[n][1] == f"slept {n}\n" for n in results)
    spans = sorted((start, end) for _, start, end in RUNS)
    assert len(spans) == 3
    assert all(spans[i][1] <= spans[i + 1][0] for i in range(2))  # never overlapping
    waited = [n for n in results if "waiting for the server's current command" in results[n][2]]
    assert len(waited) >= 1


def test_the_client_gives_up_on_a_silent_server(served_door, capsys):
    door, keeper = served_door
    keeper.heartbeat_s = 5.0  # slower than the client's patience below
    with pytest.raises(SystemExit) as stopped:
        _send(door, ("sleep",), {"name": "long", "seconds": 1.5}, silence_s=0.3)
    assert stopped.value.code == EXIT_LOST
    message = capsys.readouterr().err
    assert "sent nothing for 0.3 s while running `gridmgr sleep`" in message
    # with heartbeats more often than the client's patience, a long command finishes
    keeper.heartbeat_s = 0.05
    status, out, _ = _send(door, ("sleep",), {"name": "beat", "seconds": 1.0}, silence_s=0.3)
    assert status == 0 and out == "slept beat\n"


def test_a_refused_or_absent_door_is_refused_not_run(served_door):
    door, _ = served_door
    RUNS.clear()
    wrong = DoorFile(door.url, "not-the-secret", door.pid, door.path)
    with pytest.raises(Refused):
        _send(wrong, ("sleep",), {"name": "x", "seconds": 0.0})
    nobody = DoorFile(f"http://127.0.0.1:{free_port()}", SECRET, door.pid, door.path)
    with pytest.raises(Refused):
        _send(nobody, ("sleep",), {"name": "x", "seconds": 0.0})
    assert RUNS == []


# -- options on the wire, the door file, the registry ----------------------------------------
def test_options_travel_with_absolute_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    params = {"src": Path("in.csv"), "out": "sub/out.csv", "tag": ("a", "b")}
    wire = json.loads(json.dumps(encode(paths, params)))
    assert wire == {
        "src": str(tmp_path / "in.csv"),
        "out": str(tmp_path / "sub" / "out.csv"),
        "tag": ["a", "b"],
    }
    back = decode(paths, wire)
    assert back == {
        "src": tmp_path / "in.csv",
        "out": str(tmp_path / "sub/out.csv"),
        "tag": ("a", "b"),
    }
    assert isinstance(back["src"], Path) and isinstance(back["out"], str)
    with pytest.raises(ValueError, match="another version"):
        decode(paths, {"src": "x"})


def test_the_door_file_is_private_and_only_a_live_process_counts(tmp_path):
    db = tmp_path / "g.duckdb"
    settings = Settings(database_url=f"duckdb:///{db}")
    path = Path(f"{db}.admin")
    write_door(path, "http://127.0.0.1:1", "s1")
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    found = live_door(settings)
    assert found is not None and (found.url, found.secret, found.pid) == (
        "http://127.0.0.1:1",
        "s1",
        os.getpid(),
    )
    # a server that died leaves a file naming a process that is gone
    dead = json.loads(path.read_text())
    dead["pid"] = 2**22 + 12345  # above Linux's pid_max default: no such process
    path.write_text(json.dumps(dead))
    assert read_door(path) is not None and live_door(settings) is None
    remove_door(path, "another server's secret")
    assert path.exists()
    remove_door(path, "s1")
    assert not path.exists()
    assert live_door(Settings(database_url="postgresql://u@h/db")) is None


def test_the_registry_marks_the_commands_that_open_the_database():
    served = {name: entry.while_served for name, entry in COMMANDS.items()}
    assert served["serve"] == served["demo"] == "refuse"
    assert served["check-boundaries"] == served["synth"] == "open"
    ctx = click.Context(main)
    for name, how in served.items():
        command = main.get_command(ctx, name)
        assert command is not None
        leaves = (
            [(f"{name} {sub}", c) for sub, c in command.commands.items()]
            if isinstance(command, click.Group)
            else [(name, command)]
        )
        for label, leaf in leaves:
            names = door_names(leaf)
            assert (names is not None) == (how == "door"), label
            if names is not None:
                assert registered(names) is leaf
                # options the door carries: JSON scalars, and paths (made absolute)
                kinds = (click.Path, click.Choice, click.types.StringParamType)
                kinds += (click.types.IntParamType, click.types.FloatParamType)
                kinds += (click.types.BoolParamType,)
                assert all(isinstance(p.type, kinds) for p in leaf.params), label
    for names in (("serve",), ("demo",), ("synth", "boundaries"), ("token",), ("nope",)):
        with pytest.raises(NotFoundError):
            registered(names)


def test_the_client_stops_when_the_server_goes_away_mid_command(capsys):
    """A server that dies after the first line: exit status 3 and a message."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve_once() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            line = b'{"out": "started\\n"}\n'
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n"
                + f"{len(line):x}\r\n".encode()
                + line
                + b"\r\n"
            )
        listener.close()

    thread = threading.Thread(target=serve_once, daemon=True)
    thread.start()
    door = DoorFile(f"http://127.0.0.1:{port}", SECRET, os.getpid(), Path("unused"))
    with pytest.raises(SystemExit) as stopped:
        _send(door, ("sleep",), {"name": "x", "seconds": 0.0}, silence_s=5)
    thread.join(timeout=5)
    assert stopped.value.code == EXIT_LOST
    err = capsys.readouterr().err
    assert "while running `gridmgr sleep`" in err and "run the command again" in err


def test_ctrl_c_stops_waiting_and_says_the_command_goes_on(served_door, capsys):
    door, _ = served_door

    def interrupted(_text: str) -> None:
        raise KeyboardInterrupt

    with pytest.raises(SystemExit) as stopped:
        send(door, ("talk",), {"code": 0, "how": "return"}, out=interrupted, err=print)
    assert stopped.value.code == 130
    assert "`gridmgr talk` goes on in the server" in capsys.readouterr().err
