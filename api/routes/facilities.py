"""Service facilities as GeoJSON (EPSG:4326); admins create, change and delete them."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field, StrictFloat, StrictInt

from api.deps import Caller, State, roles
from api.inputs import Id
from geo.errors import NotFoundError
from geo.facilities.model import Facility, FacilityKind, read_kinds
from geo.facilities.placing import place_facility

router = APIRouter(tags=["facilities"])
ADMIN = roles("admin")


def feature(f: Facility, kinds: dict[str, FacilityKind]) -> dict[str, Any]:
    props = {k: v for k, v in asdict(f).items() if k not in ("lon", "lat")}
    kind = kinds.get(f.kind)
    props["kind_name"] = kind.name_zh if kind else None
    return {
        "type": "Feature",
        "id": f.id,
        "properties": props,
        "geometry": {"type": "Point", "coordinates": [f.lon, f.lat]},
    }


class FacilityIn(BaseModel):
    kind: str = Field(..., max_length=64)
    name: str = Field(..., max_length=200)
    # Strict: true/false or a number in quotes is a 400 naming the field.
    lon: StrictFloat
    lat: StrictFloat
    crs: str = "wgs84"
    radius_m: StrictFloat | None = None
    capacity: StrictInt | None = None
    opening: str = Field("", max_length=500)


@router.get("/facilities/kinds", summary="设施类型 Facility kinds")
def facility_kinds(_: Caller) -> list[dict[str, Any]]:
    return [asdict(k) for k in read_kinds().values()]


@router.get("/facilities", summary="服务设施 Facilities")
def list_facilities(
    state: State, _: Caller, kind: str | None = None, community: str | None = None
) -> dict[str, Any]:
    kinds = read_kinds()
    return {
        "type": "FeatureCollection",
        "features": [
            feature(f, kinds) for f in state.store.facilities(kind=kind, community=community)
        ],
    }


@router.get("/facilities/{facility_id}", summary="服务设施 One facility")
def get_facility(facility_id: Id, state: State, _: Caller) -> dict[str, Any]:
    found = state.store.facilities(facility_id=facility_id)
    if not found:
        raise NotFoundError(f"there is no facility {facility_id}")
    return feature(found[0], read_kinds())


@router.post(
    "/facilities", status_code=201, dependencies=[ADMIN], summary="新增设施 Add a facility"
)
def create_facility(body: FacilityIn, state: State, response: Response) -> dict[str, Any]:
    kinds = read_kinds()
    f = place_facility(body.model_dump(), state.locator, kinds, crs=body.crs)
    (new_id,) = state.store.add_facilities([f])
    response.headers["Location"] = f"/facilities/{new_id}"
    return feature(state.store.facilities(facility_id=new_id)[0], kinds)


@router.put("/facilities/{facility_id}", dependencies=[ADMIN], summary="修改设施 Change")
def update_facility(facility_id: Id, body: FacilityIn, state: State) -> dict[str, Any]:
    kinds = read_kinds()
    f = place_facility(
        body.model_dump(), state.locator, kinds, crs=body.crs, facility_id=facility_id
    )
    if not state.store.update_facility(f):
        raise NotFoundError(f"there is no facility {facility_id}")
    return feature(state.store.facilities(facility_id=facility_id)[0], kinds)


@router.delete(
    "/facilities/{facility_id}", status_code=204, dependencies=[ADMIN], summary="删除设施 Delete"
)
def delete_facility(facility_id: Id, state: State) -> Response:
    if not state.store.delete_facility(facility_id):
        raise NotFoundError(f"there is no facility {facility_id}")
    return Response(status_code=204)
