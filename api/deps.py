"""The dependencies routes declare: the app state and the caller's identity."""

from __future__ import annotations

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


async def bearer_token(request: Request, state: State) -> TokenRecord:
    address = client_address(request)
    state.throttle.check(address)  # 429 after too many failures from this address
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        state.throttle.failed(address)
        raise Unauthenticated("send Authorization: Bearer <token>")
    record = await run_in_threadpool(state.token, value.strip())
    if record is None:
        state.throttle.failed(address)
        raise Unauthenticated("the token is unknown or revoked")
    return record


Token = Annotated[TokenRecord, Depends(bearer_token)]


async def caller(token: Token) -> Actor:
    return actor_of(token)


Caller = Annotated[Actor, Depends(caller)]


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
