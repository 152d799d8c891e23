"""``GET /categories``: the case category catalogue."""

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter

from api.deps import Caller, State

router = APIRouter(tags=["cases"])


@router.get("/categories", summary="事件分类 Case categories")
def categories(state: State, _: Caller) -> list[dict[str, Any]]:
    return [
        {**asdict(c), "time_limit": str(c.time_limit)} for c in state.cases.categories().values()
    ]
