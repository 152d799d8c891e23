"""The console's dependencies: the signed-in user, their roles, and the CSRF check."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from api.auth.console import read_session, same
from api.console.errors import CsrfRejected, SignInRequired
from api.deps import State, actor_of
from geo.cases.workflow import Actor
from geo.errors import PermissionDeniedError
from geo.store.records import TokenRecord

CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf"


@dataclass(frozen=True)
class ConsoleUser:
    """Who is signed in: the workflow identity, the token the session acts as, its CSRF."""

    actor: Actor
    token: TokenRecord
    csrf: str

    @property
    def name(self) -> str:
        return self.token.name or self.actor.id


async def console_user(request: Request, state: State) -> ConsoleUser:
    record = await run_in_threadpool(read_session, state, request)
    if record is None:
        raise SignInRequired("sign in to the console first")
    user = ConsoleUser(actor_of(record.token), record.token, record.csrf)
    request.state.console_user = user  # for the page templates
    return user


User = Annotated[ConsoleUser, Depends(console_user)]


async def csrf_checked(request: Request, user: User) -> ConsoleUser:
    """The user, if the request carries their session's CSRF token (header or form field)."""
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        field = (await request.form()).get(CSRF_FIELD)
        given = field if isinstance(field, str) else None
    if not same(user.csrf, given):
        raise CsrfRejected("the request did not carry this session's CSRF token")
    return user


Writer = Annotated[ConsoleUser, Depends(csrf_checked)]


def signed_in_as(
    *allowed: str, write: bool = False
) -> Callable[[Request, ConsoleUser], Awaitable[ConsoleUser]]:
    """A dependency giving the signed-in user, admitting only ``allowed`` roles (403 page for
    others); ``write`` also checks the CSRF token. Routes take it as a parameter type:
    ``Annotated[ConsoleUser, Depends(signed_in_as(...))]``."""

    async def check(request: Request, user: User) -> ConsoleUser:
        if write:
            user = await csrf_checked(request, user)
        if user.actor.role not in allowed:
            raise PermissionDeniedError(
                f"a {user.actor.role} may not open this page; allowed: {', '.join(allowed)}"
            )
        return user

    return check
