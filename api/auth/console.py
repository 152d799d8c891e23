"""Signing in and out of the console: server-side sessions in the store, CSRF tokens.

The cookie holds only a random session id (HttpOnly, SameSite=Lax, path / so that the map
pages also know who is signed in; they only read it, never change anything); the store
keeps its SHA-256 (api.auth.sessions), so sign-out ends a session for every server process and
either backend, and a revoked token ends its sessions at once. Before sign-in there is no
session, so the sign-in form is protected by a double-submit token: a random value in a
short-lived cookie that the form must echo.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime, timedelta

from fastapi import Request, Response

from api.auth.sessions import hash_session, new_session
from api.state import AppState
from geo.store.records import SessionRecord, TokenRecord

COOKIE = "gm_console"
LOGIN_COOKIE = "gm_console_login"
PATH = "/console"  # of the sign-in form's cookie
SESSION_PATH = "/"  # of the session cookie: the console and the map pages
LIFETIME = timedelta(hours=12)
LOGIN_LIFETIME_S = 3600
CONSOLE_ROLES = ("admin", "dispatcher", "worker")


def same(expected: str | None, given: str | None) -> bool:
    """Whether a CSRF token sent back equals the expected one (constant time)."""
    return (
        bool(expected)
        and bool(given)
        and hmac.compare_digest(str(expected).encode(), str(given).encode())
    )


def _cookie(
    response: Response, request: Request, name: str, value: str, max_age: int, path: str = PATH
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=path,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def open_session(state: AppState, request: Request, response: Response, token: TokenRecord) -> None:
    """Start a session acting as ``token`` and set its cookie on ``response``."""
    now = datetime.now(UTC)
    earlier = request.cookies.get(COOKIE)
    if earlier and len(earlier) <= 200:  # signing in again (maybe as someone else) ends it
        state.store.delete_session(hash_session(earlier))
    state.store.delete_ended_sessions(now=now)  # housekeeping, on the rare sign-in
    session_id, digest, csrf = new_session()
    state.store.add_session(
        digest, token_id=token.id, csrf=csrf, created_at=now, expires_at=now + LIFETIME
    )
    _cookie(response, request, COOKIE, session_id, int(LIFETIME.total_seconds()), SESSION_PATH)
    response.delete_cookie(LOGIN_COOKIE, path=PATH)


def read_session(state: AppState, request: Request) -> SessionRecord | None:
    """The live session named by the request's cookie, or None."""
    session_id = request.cookies.get(COOKIE)
    if not session_id or len(session_id) > 200:
        return None
    return state.store.session_by_hash(hash_session(session_id))


def close_session(state: AppState, request: Request, response: Response) -> None:
    """End the request's session in the store and clear its cookie."""
    session_id = request.cookies.get(COOKIE)
    if session_id and len(session_id) <= 200:
        state.store.delete_session(hash_session(session_id))
    response.delete_cookie(COOKIE, path=SESSION_PATH)
    response.delete_cookie(COOKIE, path=PATH)  # set there by earlier versions


def login_csrf(request: Request) -> str:
    """The sign-in form's double-submit token: the one in the cookie, or a new one."""
    value = request.cookies.get(LOGIN_COOKIE)
    return value if value and len(value) <= 200 else secrets.token_urlsafe(32)


def remember_login_csrf(request: Request, response: Response, value: str) -> None:
    """Set (or refresh) the sign-in form's double-submit cookie."""
    _cookie(response, request, LOGIN_COOKIE, value, LOGIN_LIFETIME_S)
