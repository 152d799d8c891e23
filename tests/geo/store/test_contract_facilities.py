"""Service facilities on every backend: placed like cases, filtered, updated, deleted."""

import pytest

from geo.errors import InputError
from geo.facilities.model import read_kinds
from geo.facilities.placing import place_facility
from geo.locate.locator import Locator

GRID = "520103400001001"


def test_facilities_are_placed_and_filtered(make_world):
    w = make_world()
    lon, lat = w.point_in(GRID)
    kinds = read_kinds()
    locator = Locator(w.service.store)
    care = place_facility(
        {"kind": "elderly_care", "name": "中华养老站", "lon": lon, "lat": lat, "capacity": "30"},
        locator,
        kinds,
    )
    assert (care.grid_code, care.community_code, care.radius_m) == (GRID, "520103400", 500.0)
    hut = place_facility(
        {"kind": "volunteer_hut", "name": "微笑小屋", "lon": 106.9, "lat": 26.9, "radius_m": 250},
        locator,
        kinds,
    )
    assert hut.grid_code is None and hut.radius_m == 250
    store = w.service.store
    ids = store.add_facilities([care, hut])
    assert len(ids) == 2
    assert [f.name for f in store.facilities(kind="elderly_care")] == ["中华养老站"]
    assert [f.id for f in store.facilities(community="520103400")] == [ids[0]]
    (got,) = store.facilities(facility_id=ids[0])
    assert got.capacity == 30 and got.lon == pytest.approx(lon)
    moved = place_facility(
        {"kind": "elderly_care", "name": "新址", "lon": lon, "lat": lat},
        locator,
        kinds,
        facility_id=ids[0],
    )
    assert store.update_facility(moved)
    assert store.facilities(facility_id=ids[0])[0].name == "新址"
    assert store.delete_facility(ids[1]) and not store.delete_facility(ids[1])
    assert len(store.facilities()) == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "castle", "name": "x", "lon": 106.7, "lat": 26.6}, "kind"),
        ({"kind": "volunteer_hut", "name": "", "lon": 106.7, "lat": 26.6}, "name"),
        ({"kind": "volunteer_hut", "name": "x", "lon": "east", "lat": 26.6}, "lon"),
        ({"kind": "volunteer_hut", "name": "x", "lon": 106.7, "lat": 126.6}, "lat"),
        (
            {"kind": "volunteer_hut", "name": "x", "lon": 106.7, "lat": 26.6, "radius_m": -1},
            "radius_m",
        ),
        (
            {"kind": "volunteer_hut", "name": "x", "lon": 106.7, "lat": 26.6, "capacity": 1.5},
            "capacity",
        ),
    ],
)
def test_bad_facilities_name_the_field(make_world, data, field):
    w = make_world()
    with pytest.raises(InputError) as err:
        place_facility(data, Locator(w.service.store), read_kinds())
    assert err.value.field == field
