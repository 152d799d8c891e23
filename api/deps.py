"""The dependencies routes declare: the app state and the caller's identity."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import Depends, Request, params
from starlette.concurrency import run_in_threadpool

from api.auth.throttle import client_address
from api.errors import Unauthenticated
from api.state import AppState
from geo.cases.workflow import Actor
from geo.errors import PermissionDeniedError
from geo.store.records import TokenRecord


# Dependencies are async so that FastAPI runs them on the event loop instead of handing each
# to the thread pool; only the token look-up goes to a thread (it queries the store).
async def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.gridmgr  # set by the app's lifespan
    return state


State = Annotated[AppState, Depends(get_state)]


def actor_of(token: TokenRecord) -> Actor:
    """The workflow identity of a token: workers act as their roster id."""
    if token.role == "worker":
        return Actor(token.worker_id or f"token:{token.id}", "worker", token.community_code)
    return Actor(f"{token.role}:{token.name or token.id}", token.role, token.community_code)


async def _checked_token(
    request: Request, state: State, *, basic: bool, challenge: str | None
) -> TokenRecord:
    """The token the request carries in ``Authorization: Bearer <token>`` (or, with ``basic``,
    as the password of ``Authorization: Basic``, any user name); 401 otherwise, counted
    against the client's address; ``challenge`` is the 401's ``WWW-Authenticate``."""
    address = client_address(request)
    state.throttle.check(address)  # 429 after too many failures from this address
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    secret = value.strip() if scheme.lower() == "bearer" else ""
    if basic and scheme.lower() == "basic":
        secret = basic_password(value.strip())
    if not secret:
        state.throttle.failed(address)
        wanted = "Bearer <token> (or Basic, the token as password)" if basic else "Bearer <token>"
        raise Unauthenticated(f"send Authorization: {wanted}", challenge=challenge)
    record = await run_in_threadpool(state.token, secret)
    if record is None:
        state.throttle.failed(address)
        raise Unauthenticated("the token is unknown or revoked", challenge=challenge)
    return record


def basic_password(credentials: str) -> str:
    """The password of HTTP Basic ``credentials`` (base64 of ``user:password``, RFC 7617);
    empty when they do not decode."""
    try:
        decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return ""
    return decoded.partition(":")[2].strip()


async def bearer_token(request: Request, state: State) -> TokenRecord:
    return await _checked_token(request, state, basic=False, challenge=None)


Token = Annotated[TokenRecord, Depends(bearer_token)]


async def caller(token: Token) -> Actor:
    return actor_of(token)


Caller = Annotated[Actor, Depends(caller)]

# GIS desktops: QGIS's authentication methods cannot send a bearer token but can send Basic.
OGC_CHALLENGE = 'Basic realm="gridmgr", charset="UTF-8", Bearer realm="gridmgr"'


async def desktop_caller(request: Request, state: State) -> Actor:
    """The caller of an OGC API route: a bearer token, or the token as the password of HTTP
    Basic (any user name); a 401 names both schemes in ``WWW-Authenticate``."""
    return actor_of(await _checked_token(request, state, basic=True, challenge=OGC_CHALLENGE))


DesktopCaller = Annotated[Actor, Depends(desktop_caller)]


def roles(*allowed: str) -> params.Depends:
    """A dependency that admits only ``allowed`` roles (403 for the others), for a route's
    ``dependencies``."""

    async def check(actor: Caller) -> Actor:
        if actor.role not in allowed:
            raise PermissionDeniedError(
                f"a {actor.role} may not do this; allowed: {', '.join(allowed)}"
            )
        return actor

    dependency: params.Depends = Depends(check)  # Depends is declared to return Any
    return dependency
