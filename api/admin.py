"""The running server's door for ``gridmgr token`` on the embedded DuckDB file.

DuckDB lets one process open a database file, so while ``gridmgr serve`` runs, the token
commands cannot open it. The server therefore writes ``<database file>.admin`` next to it
(mode 0600, removed when it stops): its address and a random secret. The token commands read
that file and ask the server to create, list or revoke tokens through ``/admin/tokens``, which
answers only a caller on the same machine (loopback, or the server's own address) that sends
the secret in ``X-Gridmgr-Admin``. Whoever can read the file could open the database itself
when the server is stopped, so the door grants nothing the file system does not. A file left
by a server that was killed names an address nobody answers on: the commands then open the
database themselves, as they do when no server runs.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
import signal
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from pydantic import BaseModel, Field

from api.auth.tokens import issue_token, revoke_token
from api.deps import State
from api.errors import Unauthenticated
from api.settings import Settings
from geo.errors import GridmgrError, NotFoundError
from geo.store.records import TokenRecord

HEADER = "X-Gridmgr-Admin"
TIMEOUT_S = 10.0
LOOPBACK = {"127.0.0.1", "::1", "localhost"}

router = APIRouter(prefix="/admin", include_in_schema=False)


class AdminUnavailable(GridmgrError):
    """The server named by the door file did not answer as expected."""


def door_path(settings: Settings) -> Path | None:
    """Where the door file of ``settings``' database lives; None unless it is a DuckDB file."""
    target = settings.database()
    if target.backend != "duckdb" or target.path is None or str(target.path) == ":memory:":
        return None
    return Path(f"{target.path}.admin")


def _read(path: Path) -> dict[str, str] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not {"url", "secret"} <= data.keys():
        return None
    return {"url": str(data["url"]), "secret": str(data["secret"])}


def _connect_host(host: str) -> str:
    """The address a local client reaches a server bound to ``host`` at (URL form)."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


@contextmanager
def door(settings: Settings, host: str, port: int) -> Iterator[None]:
    """Keep the door file of a DuckDB database while the server runs (nothing for PostGIS)."""
    path = door_path(settings)
    if path is None:
        yield
        return
    secret = secrets.token_urlsafe(32)
    body = json.dumps({"url": f"http://{_connect_host(host)}:{port}", "secret": secret})
    tmp = path.with_name(path.name + f".{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(body)
    os.replace(tmp, path)

    def remove() -> None:
        current = _read(path)
        if current is not None and current["secret"] == secret:  # not a later server's
            path.unlink(missing_ok=True)

    # uvicorn ends on SIGTERM by raising it again once it has shut down, which ends the
    # process before a ``finally`` runs: remove the file first, then die of the signal.
    previous = signal.getsignal(signal.SIGTERM)

    def on_term(signum: int, _frame: FrameType | None) -> None:
        remove()
        signal.signal(signum, previous)
        signal.raise_signal(signum)

    watching = threading.current_thread() is threading.main_thread()
    if watching:
        signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        if watching:
            signal.signal(signal.SIGTERM, previous)
        remove()


# -- the server's side ----------------------------------------------------------------------
def _check(request: Request, state: State, given: str | None) -> None:
    path = door_path(state.settings)
    door_file = _read(path) if path is not None else None
    client = request.client.host if request.client else ""
    server = request.scope.get("server") or ("", 0)
    local = client in LOOPBACK or client == server[0]
    if (
        door_file is None
        or not local
        or not given
        or not hmac.compare_digest(door_file["secret"].encode(), given.encode())
    ):
        raise Unauthenticated("the admin door takes local requests with its secret")


def _view(record: TokenRecord) -> dict[str, Any]:
    out = asdict(record)
    for key in ("created_at", "revoked_at"):
        if out[key] is not None:
            out[key] = out[key].isoformat()
    return out


class NewToken(BaseModel):
    role: str = Field(..., max_length=20)
    community: str | None = Field(None, max_length=20)
    worker: str | None = Field(None, max_length=40)
    name: str = Field("", max_length=200)


Secret = Annotated[str | None, Header(alias=HEADER, max_length=200)]


@router.post("/tokens", status_code=201)
def create(body: NewToken, request: Request, state: State, secret: Secret = None) -> Any:
    _check(request, state, secret)
    record, token = issue_token(state.store, body.role, body.community, body.worker, body.name)
    return {"token": _view(record), "secret": token}


@router.get("/tokens")
def list_(request: Request, state: State, secret: Secret = None) -> Any:
    _check(request, state, secret)
    return [_view(t) for t in state.store.tokens()]


@router.post("/tokens/{token_id}/revoke")
def revoke(token_id: str, request: Request, state: State, secret: Secret = None) -> Any:
    _check(request, state, secret)
    revoke_token(state.store, token_id)
    return {"revoked": token_id}


# -- the commands' side ---------------------------------------------------------------------
def record_of(data: dict[str, Any]) -> TokenRecord:
    """A token record from its JSON view."""
    revoked = data.get("revoked_at")
    return TokenRecord(
        str(data["id"]),
        str(data["role"]),
        str(data["name"]),
        data.get("community_code"),
        data.get("worker_id"),
        datetime.fromisoformat(str(data["created_at"])),
        datetime.fromisoformat(str(revoked)) if revoked else None,
    )


class Door:
    """A running server's admin door, as its door file names it."""

    def __init__(self, url: str, secret: str) -> None:
        self.url = url
        self.secret = secret

    @classmethod
    def find(cls, settings: Settings) -> Door | None:
        """The door of a server running on ``settings``' DuckDB file, or None (no server, or
        PostGIS, which every process opens itself)."""
        path = door_path(settings)
        found = _read(path) if path is not None else None
        if found is None:
            return None
        door = cls(found["url"], found["secret"])
        return door if door.answers() else None

    def answers(self) -> bool:
        try:
            self.call("GET", "/admin/tokens")
        except AdminUnavailable:
            return False
        return True

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Send a request; its JSON answer. A refusal with a problem detail raises the domain
        error it stands for (InputError-like as GridmgrError, 404 as NotFoundError)."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={HEADER: self.secret, "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=TIMEOUT_S) as answer:  # noqa: S310
                return json.loads(answer.read())
        except urllib.error.HTTPError as exc:
            try:
                detail = str(json.loads(exc.read()).get("detail", exc.reason))
            except ValueError:
                detail = str(exc.reason)
            if exc.code == 404:
                raise NotFoundError(detail) from exc
            if exc.code in (400, 422):
                raise GridmgrError(detail) from exc
            raise AdminUnavailable(f"the server refused: {exc.code} {detail}") from exc
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise AdminUnavailable(f"the server at {self.url} does not answer: {exc}") from exc
