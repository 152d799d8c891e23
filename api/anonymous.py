"""What callers without a sign-in may see: who is reading, and cases made fit for the public.

``GRIDMGR_PUBLIC_READ`` (``Settings.public_read``, off by default) decides whether anonymous
readers see any case at all. When they do, they see only cases of public categories (the
catalogue's ``public`` flag), their locations rounded to :data:`PLACES` decimals of a degree
(WGS84), and never a name, phone number, address, description, note or photo link
(media_url).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from api.auth.console import read_session
from api.deps import State, actor_of, bearer_token
from geo.cases.categories import Category
from geo.cases.model import Case
from geo.cases.workflow import Actor

# Decimals of a degree kept for anonymous readers: 0.001 degree of latitude is about 111 m,
# and of longitude about 100 m at the district's latitude (26.6 degrees N; cos 26.6 = 0.89).
PLACES = 3


def rounded(value: float | None) -> float | None:
    """A WGS84 coordinate (degrees) rounded to :data:`PLACES` decimals, about 100 m."""
    return None if value is None else round(value, PLACES)


def is_public(case: Case, categories: Mapping[str, Category]) -> bool:
    """Whether the case's category may be shown to anonymous readers (unknown: no)."""
    cat = categories.get(case.category)
    return cat is not None and cat.public


def public_cases(cases: Iterable[Case], categories: Mapping[str, Category]) -> list[Case]:
    """The cases of public categories, in their order."""
    return [c for c in cases if is_public(c, categories)]


async def page_viewer(request: Request, state: State) -> Actor | None:
    """Who looks at a map page: the holder of an ``Authorization: Bearer`` token (an unknown
    one is refused with 401), the console's signed-in user (session cookie), or None for an
    anonymous reader."""
    if request.headers.get("authorization"):
        return actor_of(await bearer_token(request, state))
    record = await run_in_threadpool(read_session, state, request)
    return None if record is None else actor_of(record.token)
