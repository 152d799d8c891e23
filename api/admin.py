"""The running server's admin door: command-line commands run by the server that holds the
embedded DuckDB file (the command line's side: api.cli.door).

DuckDB lets one process open a database file, so while ``gridmgr serve`` runs, no other
command can open it. The server therefore writes ``<database file>.admin`` next to it (mode
0600, removed when it stops): its address, process id and a random secret. A command marked
``door`` in api.cli.COMMANDS sends its name and parsed options to ``POST /admin/run``, which
answers only a caller on this machine (loopback, or the server's own address) sending the
secret in ``X-Gridmgr-Admin`` (compared in constant time with the one the server holds). The
server runs the same command function with its own store in a thread of its own, one command
at a time, and streams what it prints as NDJSON lines: ``{"out": text}``, ``{"err": text}``,
``{"beat": true}`` every few seconds while it says nothing, and ``{"exit": status}`` last.

Whoever can read the door file could open the database itself when the server is stopped,
so the door grants nothing the file system does not.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import io
import json
import logging
import secrets
import signal
import sys
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import TYPE_CHECKING, Any, Literal, TextIO

import click
from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from api.cli.common import lending
from api.cli.door import HEADER, decode, door_names, door_path, original, remove_door, write_door
from api.errors import Unauthenticated
from api.settings import Settings
from geo.errors import InputError, NotFoundError

if TYPE_CHECKING:
    from api.state import AppState

HEARTBEAT_S = 5.0  # a line at least this often while a command runs or waits
LOOPBACK = {"127.0.0.1", "::1", "::ffff:127.0.0.1"}

log = logging.getLogger("gridmgr.admin")
router = APIRouter(prefix="/admin", include_in_schema=False)

# What the door runs: the names of a command (``("token", "create")``) -> the click command.
Resolve = Callable[[tuple[str, ...]], click.Command]


def registered(names: tuple[str, ...]) -> click.Command:
    """The command ``names`` of ``gridmgr``, if it is one that goes through the door
    (NotFoundError otherwise)."""
    from api.cli import main

    command: click.Command | None = main
    ctx = click.Context(main)
    for name in names:
        command = command.get_command(ctx, name) if isinstance(command, click.Group) else None
        if command is None:
            break
    if command is None or door_names(command) != names:
        raise NotFoundError(f"`gridmgr {' '.join(names)}` does not run through the admin door")
    return command


@dataclass(frozen=True)
class Job:
    """One command to run: its names, the click command, its options (as its function takes
    them) and which of the caller's streams ("out", "err") are terminals."""

    names: tuple[str, ...]
    command: click.Command
    params: dict[str, Any]
    ttys: frozenset[str] = frozenset()

    @property
    def title(self) -> str:
        return "gridmgr " + " ".join(self.names)


@dataclass(frozen=True)
class _Caller:
    """Where a door command's output goes, and whether the caller's streams are terminals."""

    sink: Callable[[str, str], None]
    ttys: frozenset[str]


class _Streams(io.TextIOBase):
    """Standard output or error: what the thread running a door command writes goes to that
    command's caller (a terminal if the caller's is: progress bars draw there); every other
    thread writes to the stream it replaced."""

    def __init__(self, kind: str, fallback: TextIO, callers: dict[int, _Caller]):
        self.kind = kind
        self.fallback = fallback
        self.callers = callers

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() takes str, not {type(text).__name__}")
        caller = self.callers.get(threading.get_ident())
        if caller is None:
            return self.fallback.write(text)
        if text:
            caller.sink(self.kind, text)
        return len(text)

    def flush(self) -> None:
        if threading.get_ident() not in self.callers:
            self.fallback.flush()

    def isatty(self) -> bool:
        caller = self.callers.get(threading.get_ident())
        return self.fallback.isatty() if caller is None else self.kind in caller.ttys


class AdminDoor:
    """Runs door commands for local callers, one at a time.

    ``secret``: what callers must send; ``heartbeat_s``: the longest silence in an answer;
    ``resolve``: finds a command by its names (default: gridmgr's own, :func:`registered`).
    """

    def __init__(
        self,
        secret: str,
        *,
        heartbeat_s: float = HEARTBEAT_S,
        resolve: Resolve = registered,
    ) -> None:
        self.secret = secret
        self.heartbeat_s = heartbeat_s
        self.resolve = resolve
        self._one = threading.Lock()  # one command at a time
        self._callers: dict[int, _Caller] = {}

    def admits(self, given: str | None) -> bool:
        """Whether ``given`` is the secret (constant-time)."""
        return bool(given) and hmac.compare_digest(self.secret.encode(), str(given).encode())

    @contextmanager
    def _captured(self, caller: _Caller) -> Iterator[None]:
        """Send this thread's standard output and error to ``caller``."""
        out, err = sys.stdout, sys.stderr
        sys.stdout = _Streams("out", out, self._callers)
        sys.stderr = _Streams("err", err, self._callers)
        self._callers[threading.get_ident()] = caller
        try:
            yield
        finally:
            self._callers.pop(threading.get_ident(), None)
            sys.stdout, sys.stderr = out, err

    def run(self, job: Job, state: AppState | None, emit: Callable[[dict[str, Any]], None]) -> None:
        """Run ``job`` once no other command runs, ``emit`` its output and, last, its exit
        status. Meant for a thread of its own."""
        status = 1
        caller = _Caller(lambda kind, text: emit({kind: text}), job.ttys)
        try:
            with self._one, self._captured(caller):
                log.info("admin door: running %s", job.title)
                status = _invoke(job, state)
        except BaseException:  # the caller is told; the server goes on
            log.exception("admin door: %s failed", job.title)
            emit({"err": f"gridmgr: the server failed running `{job.title}`\n"})
        finally:
            emit({"exit": status})

    async def stream(self, job: Job, state: AppState | None) -> AsyncIterator[bytes]:
        """The NDJSON answer of one command: its lines, heartbeats while it is silent (or
        waits for another command), and its exit status."""
        loop = asyncio.get_running_loop()
        lines: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

        def emit(item: dict[str, Any]) -> None:
            # RuntimeError: the server stopped, nobody listens any more
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(lines.put_nowait, item)

        if self._one.locked():
            yield _line({"err": "gridmgr: waiting for the server's current command to end\n"})
        worker = threading.Thread(
            target=self.run, args=(job, state, emit), name="gridmgr-admin-door", daemon=True
        )
        worker.start()
        while True:
            try:
                item = await asyncio.wait_for(lines.get(), self.heartbeat_s)
            except TimeoutError:
                yield _line({"beat": True})
                continue
            yield _line(item)
            if "exit" in item:
                return


def _line(item: dict[str, Any]) -> bytes:
    return (json.dumps(item, ensure_ascii=False) + "\n").encode()


def _invoke(job: Job, state: AppState | None) -> int:
    """Run the job's function as its command would (inside a click context, the server's
    state lent); its exit status."""
    function = original(job.command)
    try:
        with click.Context(job.command, info_name=job.title) as ctx:
            if state is None:
                ctx.invoke(function, **job.params)
            else:
                with lending(state):
                    ctx.invoke(function, **job.params)
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        click.echo(str(exc.code), err=True)
        return 1
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.Abort:
        click.echo("Aborted!", err=True)
        return 1
    return 0


# -- the server's route ----------------------------------------------------------------------
class Run(BaseModel):
    command: list[str] = Field(..., min_length=1, max_length=4)
    params: dict[str, Any]
    ttys: list[Literal["out", "err"]] = Field(default_factory=list, max_length=2)


def _local(request: Request) -> bool:
    client = request.client.host if request.client else ""
    server = request.scope.get("server") or ("", 0)
    return client in LOOPBACK or client.startswith("127.") or client == server[0]


@router.post("/run")
async def run(body: Run, request: Request) -> StreamingResponse:
    door: AdminDoor | None = getattr(request.app.state, "admin_door", None)
    if door is None:
        raise NotFoundError("this server has no admin door (it serves no DuckDB file)")
    if not _local(request) or not door.admits(request.headers.get(HEADER)):
        raise Unauthenticated("the admin door takes local requests with its secret")
    names = tuple(body.command)
    # in a thread: the first use of a command imports its module (up to a second or so)
    command = await asyncio.to_thread(door.resolve, names)
    try:
        params = decode(command, body.params)
    except (ValueError, TypeError) as exc:
        raise InputError(str(exc)) from exc
    state: AppState | None = getattr(request.app.state, "gridmgr", None)
    job = Job(names, command, params, frozenset(body.ttys))
    return StreamingResponse(door.stream(job, state), media_type="application/x-ndjson")


# -- the door file ---------------------------------------------------------------------------
def _connect_host(host: str) -> str:
    """The address a local client reaches a server bound to ``host`` at (URL form)."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


@contextmanager
def door(settings: Settings, host: str, port: int) -> Iterator[AdminDoor | None]:
    """The admin door of a server on ``settings``' DuckDB file, its door file kept while the
    server runs; None for PostGIS (which every process opens itself)."""
    path = door_path(settings)
    if path is None:
        yield None
        return
    keeper = AdminDoor(secrets.token_urlsafe(32))
    write_door(path, f"http://{_connect_host(host)}:{port}", keeper.secret)

    # uvicorn ends on SIGTERM by raising it again once it has shut down, which ends the
    # process before a ``finally`` runs: remove the file first, then die of the signal.
    previous = signal.getsignal(signal.SIGTERM)

    def on_term(signum: int, _frame: FrameType | None) -> None:
        remove_door(path, keeper.secret)
        signal.signal(signum, previous)
        signal.raise_signal(signum)

    watching = threading.current_thread() is threading.main_thread()
    if watching:
        signal.signal(signal.SIGTERM, on_term)
    try:
        yield keeper
    finally:
        if watching:
            signal.signal(signal.SIGTERM, previous)
        remove_door(path, keeper.secret)
