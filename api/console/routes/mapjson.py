"""GeoJSON the console's maps draw under everything: the communities' outlines."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.console import mapdata
from api.console.deps import User
from api.console.errors import ConsoleRoute
from api.deps import State

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)


@router.get("/map/communities.json")
def communities(state: State, _: User) -> JSONResponse:
    return JSONResponse(
        mapdata.community_outlines(state), headers={"Cache-Control": "private, max-age=300"}
    )
