"""Sign-in with an API token, sign-out, and the console's front door."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.auth.console import (
    CONSOLE_ROLES,
    LOGIN_COOKIE,
    close_session,
    login_csrf,
    open_session,
    read_session,
    remember_login_csrf,
    same,
)
from api.auth.throttle import client_address
from api.console import nav
from api.console.deps import Writer
from api.console.errors import ConsoleRoute
from api.console.render import page
from api.deps import State, actor_of

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)


@router.get("")
def front_door(request: Request, state: State) -> Response:
    record = read_session(state, request)
    target = nav.home(actor_of(record.token)) if record else "/console/login"
    return RedirectResponse(target, status_code=303)


def _login_page(
    request: Request,
    *,
    next_: str | None,
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    csrf = login_csrf(request)
    response = page(
        request,
        "login.html",
        {"login_csrf": csrf, "next": next_ or "", "error": error, "notice": notice},
        status_code=status_code,
    )
    remember_login_csrf(request, response, csrf)
    return response


@router.get("/login")
def login_form(
    request: Request, next_: Annotated[str | None, Query(alias="next")] = None, bye: bool = False
) -> Response:
    return _login_page(
        request,
        next_=nav.safe_next(next_, ""),  # the form carries only a console address
        notice="已退出登录 / Signed out" if bye else None,
    )


@router.post("/login")
async def login(
    request: Request,
    state: State,
    token: Annotated[str, Form(max_length=200)],
    csrf: Annotated[str, Form(max_length=200)] = "",
    next_: Annotated[str, Form(alias="next", max_length=2000)] = "",
) -> Response:
    if not same(request.cookies.get(LOGIN_COOKIE), csrf):
        return _login_page(
            request,
            next_=next_,
            status_code=403,
            error="页面已过期，请重新登录 / The page expired, sign in again",
        )
    address = client_address(request)
    wait = state.throttle.retry_after(address)
    if wait is not None:  # too many failed sign-ins from this address lately
        response = _login_page(
            request,
            next_=next_,
            status_code=429,
            error=f"尝试次数过多，请 {wait} 秒后再试 / Too many failed sign-ins, "
            f"try again in {wait} s",
        )
        response.headers["Retry-After"] = str(wait)
        return response
    record = await run_in_threadpool(state.token, token.strip())
    if record is None:
        state.throttle.failed(address)
        return _login_page(
            request,
            next_=next_,
            status_code=401,
            error="令牌无效或已撤销 / The token is unknown or revoked",
        )
    if record.role not in CONSOLE_ROLES:
        return _login_page(
            request,
            next_=next_,
            status_code=403,
            error="控制台供调度员、网格员和管理员使用 / The console is for "
            "dispatchers, grid workers and admins",
        )
    target = nav.safe_next(next_, nav.home(actor_of(record)))
    response = RedirectResponse(target, status_code=303)
    await run_in_threadpool(open_session, state, request, response, record)
    return response


@router.post("/logout")
def logout(request: Request, state: State, _: Writer) -> Response:
    response = RedirectResponse("/console/login?bye=1", status_code=303)
    close_session(state, request, response)
    return response
