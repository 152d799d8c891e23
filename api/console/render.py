"""Templates of the console pages (Jinja2, autoescaped) and what every page is given."""

from __future__ import annotations

from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from starlette.responses import Response

from api.illustrative import notice
from geo.cases.workflow import RULES, STATE_ZH

if TYPE_CHECKING:
    from api.state import AppState

HERE = Path(__file__).parent
STATIC_URL = "/static/console"
ROLE_ZH = {
    "admin": "管理员",
    "dispatcher": "调度员",
    "worker": "网格员",
    "planner": "规划人员",
    "open311": "接口客户端",
}
ACTION_ZH = {
    **{name: rule.zh for name, rule in RULES.items()},
    "intake": "受理上报",
    "queue": "进入待派队列",
    "place": "定位",
    "reveal_reporter": "查看联系方式",
}


def when(value: datetime | None, tz: tzinfo) -> str:
    """A time on the wall clock of zone ``tz``, to the minute ("—" for none)."""
    return "—" if value is None else value.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def local_zone(request: Request) -> tzinfo:
    """The district's time zone, as the running app holds it (GRIDMGR_TIME_ZONE)."""
    state: AppState = request.app.state.gridmgr  # set by the app's lifespan
    return state.tz


@pass_context
def _when_filter(context: Context, value: datetime | None) -> str:
    """``{{ t|when }}``: ``t`` in the district's time zone (from the page's request)."""
    request: Request = context["request"]
    return when(value, local_zone(request))


templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.trim_blocks = templates.env.lstrip_blocks = True
templates.env.filters.update(
    when=_when_filter,
    state_zh=lambda s: STATE_ZH.get(s, s),
    role_zh=lambda r: ROLE_ZH.get(r, r),
    action_zh=lambda a: ACTION_ZH.get(a, a),
)
templates.env.globals.update(static=STATIC_URL)


def page(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> Response:
    """Render template ``name`` with ``context`` and the signed-in user (if any)."""
    user = getattr(request.state, "console_user", None)
    ctx = {"user": user, "csrf": user.csrf if user else None, **(context or {})}
    state = getattr(request.app.state, "gridmgr", None)  # the footer's data label
    ctx.setdefault("illustrative", None if state is None else notice(state))
    response = templates.TemplateResponse(request, name, ctx, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"  # pages may show personal data
    response.headers["X-Frame-Options"] = "DENY"  # no framing: no clicks under disguise
    response.headers["Referrer-Policy"] = "same-origin"
    return response
