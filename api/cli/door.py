"""The command line's side of a running server's admin door (the server's side: api.admin).

DuckDB lets one process open a database file. While ``gridmgr serve`` (or ``gridmgr demo``)
holds one, it writes the *door file* ``<database file>.admin`` beside it (mode 0600: the
server's address, its process id and a random secret) and answers ``POST /admin/run`` from
this machine with that secret. A command marked ``door`` in :data:`api.cli.COMMANDS` parses its
options here (usage errors stay local), turns file names into absolute paths, and sends its
name and options to the server, which runs the same command function with its own store and
streams back what the command prints and its exit status. Without a live door (no server, a
PostGIS store, a door file left by a server that died, a refused secret) the command opens
the database itself, as it always did.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import json
import os
import sys
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import click

from api.settings import Settings

HEADER = "X-Gridmgr-Admin"
SUFFIX = ".admin"  # the door file is the database file's name plus this
RUN_PATH = "/admin/run"
SILENCE_S = 60.0  # the command gives up after this long without a line from the server
CONNECT_S = 5.0  # ... and after this long without an answer to its request
EXIT_LOST = 3  # the server went away (or fell silent) while running the command
EXIT_INTERRUPTED = 130  # the caller stopped waiting (Ctrl-C), as a shell reports SIGINT


@dataclass(frozen=True)
class DoorFile:
    """What a door file says: where the server listens, its process and the secret."""

    url: str
    secret: str
    pid: int
    path: Path


class Refused(Exception):
    """The server did not take the command (gone, or refused the secret): run it here."""


def door_path(settings: Settings) -> Path | None:
    """Where the door file of ``settings``' database lives; None unless it is a DuckDB file."""
    target = settings.database()
    if target.backend != "duckdb" or target.path is None or str(target.path) == ":memory:":
        return None
    return Path(f"{Path(target.path).absolute()}{SUFFIX}")


def write_door(path: Path, url: str, secret: str) -> None:
    """Write the door file at ``path`` (mode 0600 from the start; replaced in one step)."""
    body = json.dumps({"url": url, "secret": secret, "pid": os.getpid()})
    tmp = path.with_name(f"{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(body)
    os.replace(tmp, path)


def read_door(path: Path) -> DoorFile | None:
    """The door file at ``path``, or None when it is missing or not one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return DoorFile(str(data["url"]), str(data["secret"]), int(data["pid"]), path)
    except (OSError, ValueError, TypeError, KeyError):
        return None


def remove_door(path: Path, secret: str) -> None:
    """Remove the door file at ``path`` if it is still the one holding ``secret``."""
    current = read_door(path)
    if current is not None and current.secret == secret:  # not a later server's
        path.unlink(missing_ok=True)


def pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` runs on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it runs, as another user
        return True
    return pid > 0


def live_door(settings: Settings) -> DoorFile | None:
    """The door of a server holding ``settings``' DuckDB file: its door file names a running
    process. None for PostGIS (every process opens it), no file, or a stale one."""
    path = door_path(settings)
    found = read_door(path) if path is not None else None
    return found if found is not None and pid_alive(found.pid) else None


# -- options on the wire ---------------------------------------------------------------------
def _is_path(param: click.Parameter) -> bool:
    return isinstance(param.type, click.Path)


def encode(command: click.Command, params: dict[str, Any]) -> dict[str, Any]:
    """The parsed options of ``command`` as JSON values; file names made absolute (the server
    runs in another working directory)."""
    out: dict[str, Any] = {}
    for param in command.params:
        assert param.name is not None  # click names every parameter it passes
        value = params.get(param.name)
        if isinstance(value, tuple):
            value = [_encode_one(param, v) for v in value]
        else:
            value = _encode_one(param, value)
        out[param.name] = value
    return out


def _encode_one(param: click.Parameter, value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str) and not _is_path(param):
        return value
    if _is_path(param) and isinstance(value, str | os.PathLike):
        return os.fspath(Path(value).absolute())
    raise TypeError(f"option {param.name} ({type(value).__name__}) cannot go through the door")


def decode(command: click.Command, params: dict[str, Any]) -> dict[str, Any]:
    """:func:`encode`'s JSON back as the values ``command``'s function takes; ValueError when
    the names differ (client and server run different versions of gridmgr)."""
    names = {p.name for p in command.params}
    if set(params) != names:
        raise ValueError(
            f"options {sorted(params)} do not match the server's {sorted(names)}: "
            "is the server running another version of gridmgr?"
        )
    out: dict[str, Any] = {}
    for param in command.params:
        assert param.name is not None
        value = params[param.name]
        if isinstance(value, list):
            out[param.name] = tuple(_decode_one(param, v) for v in value)
        else:
            out[param.name] = _decode_one(param, value)
    return out


def _decode_one(param: click.Parameter, value: Any) -> Any:
    if value is None or not _is_path(param):
        return value
    kind = param.type.type if isinstance(param.type, click.Path) else None
    return Path(value) if kind is Path else str(value)


# -- sending a command -----------------------------------------------------------------------
def _connection(url: str, timeout: float) -> http.client.HTTPConnection:
    parts = urllib.parse.urlsplit(url)
    return http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)


def _lines(answer: http.client.HTTPResponse) -> Iterator[dict[str, Any]]:
    while line := answer.readline():
        if line.strip():
            yield json.loads(line)


def send(
    door: DoorFile,
    command: tuple[str, ...],
    params: dict[str, Any],
    *,
    silence_s: float = SILENCE_S,
    out: Callable[[str], None] | None = None,
    err: Callable[[str], None] | None = None,
) -> int:
    """Run ``command`` (its names, e.g. ``("token", "create")``) with ``params`` (see
    :func:`encode`) on the server behind ``door``; what it prints goes to ``out`` and ``err``
    (default: this process's standard output and error) as it comes. Returns its exit status.

    Raises :class:`Refused` when the server does not take the command (nothing ran), and ends
    the process with :data:`EXIT_LOST` and a message when the server goes away or sends
    nothing, not even its heartbeat, for ``silence_s`` seconds.
    """
    write_out = out or (lambda text: click.echo(text, nl=False))
    write_err = err or (lambda text: click.echo(text, nl=False, err=True))
    ttys = [name for name, stream in (("out", sys.stdout), ("err", sys.stderr)) if _tty(stream)]
    body = json.dumps({"command": list(command), "params": params, "ttys": ttys}).encode()
    name = "gridmgr " + " ".join(command)
    con = _connection(door.url, CONNECT_S)
    try:
        try:
            con.connect()
        except OSError as exc:
            raise Refused(f"the server at {door.url} does not answer: {exc}") from exc
        con.sock.settimeout(silence_s)  # connected: now the server may take its time
        try:
            con.request(
                "POST",
                RUN_PATH,
                body=body,
                headers={HEADER: door.secret, "Content-Type": "application/json"},
            )
            answer = con.getresponse()
        except TimeoutError:
            _lost(f"the server (process {door.pid}) did not answer `{name}` in {silence_s:g} s")
        except (OSError, http.client.HTTPException) as exc:
            raise Refused(f"the server at {door.url} does not answer: {exc}") from exc
        if answer.status != 200:
            raise Refused(f"the server at {door.url} refused the command ({answer.status})")
        try:
            for item in _lines(answer):
                if "out" in item:
                    write_out(str(item["out"]))
                elif "err" in item:
                    write_err(str(item["err"]))
                elif "exit" in item:
                    return int(item["exit"])
        except TimeoutError:
            _lost(
                f"the server (process {door.pid}) sent nothing for {silence_s:g} s while "
                f"running `{name}`; it may still be running it: look at the server's log"
            )
        except (OSError, ValueError, http.client.HTTPException) as exc:
            _lost(f"lost the server (process {door.pid}) while running `{name}` ({exc})")
        except KeyboardInterrupt:
            click.echo(
                f"\ngridmgr: stopped waiting; `{name}` goes on in the server (process "
                f"{door.pid}) until it ends",
                err=True,
            )
            sys.exit(EXIT_INTERRUPTED)
        _lost(f"the server (process {door.pid}) stopped while running `{name}`")
    finally:
        con.close()


def _tty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # replaced, or closed
        return False


def _lost(message: str) -> NoReturn:
    click.echo(f"gridmgr: {message}; run the command again to finish it", err=True)
    sys.exit(EXIT_LOST)


# -- marking commands ------------------------------------------------------------------------
def _leaves(
    command: click.Command, names: tuple[str, ...]
) -> Iterator[tuple[click.Command, tuple[str, ...]]]:
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _leaves(sub, (*names, name))
    else:
        yield command, names


def door_names(command: click.Command) -> tuple[str, ...] | None:
    """The names a command that goes through the door is sent by, or None."""
    names = getattr(command.callback, "door_names", None)
    return names if isinstance(names, tuple) else None


def original(command: click.Command) -> Callable[..., Any]:
    """The function of ``command`` as written (without the door's wrapper)."""
    callback = command.callback
    if callback is None:
        raise ValueError(f"{command.name} has no function")
    inner: Callable[..., Any] = getattr(callback, "__wrapped__", callback)
    return inner


def through_door(command: click.Command, name: str) -> None:
    """Make each command of ``command`` (named ``name``) hand its work to a server holding the
    database (see the module's docstring)."""
    from api.cli.common import lent, settings

    for leaf, names in _leaves(command, (name,)):
        inner = leaf.callback
        if inner is None or door_names(leaf) is not None:
            continue

        def run(
            *args: Any, _leaf: click.Command = leaf, _names: tuple[str, ...] = names, **kw: Any
        ) -> Any:
            door = None if lent() else live_door(settings())
            if door is not None:
                with contextlib.suppress(Refused):
                    status = send(door, _names, encode(_leaf, kw))
                    if status:
                        sys.exit(status)
                    return None
            return original(_leaf)(*args, **kw)

        functools.update_wrapper(run, inner)
        run.door_names = names  # type: ignore[attr-defined]
        leaf.callback = run


def refused_while_served(command: click.Command, name: str) -> None:
    """Make ``command`` stop with a message, before doing anything, when a server already
    holds the database (``serve`` and ``demo`` cannot share it)."""
    from api.cli.common import fail, settings

    for leaf, _names in _leaves(command, (name,)):
        inner = leaf.callback
        if inner is None or getattr(inner, "refused_while_served", False):
            continue

        def run(*args: Any, _inner: Callable[..., Any] = inner, **kw: Any) -> Any:
            config = settings()
            door = live_door(config)
            if door is not None:
                fail(
                    f"{config.database().path} is already served by gridmgr (process "
                    f"{door.pid}, {door.url}); stop that server first, or set "
                    "GRIDMGR_DATABASE_URL to another database. Other commands reach it "
                    "through its admin door while it runs."
                )
            return _inner(*args, **kw)

        functools.update_wrapper(run, inner)
        run.refused_while_served = True  # type: ignore[attr-defined]
        leaf.callback = run
