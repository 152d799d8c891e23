"""The gazetteer in the store, and address-only intake placed by it — on every backend."""

from geo.cases.service import Intake
from geo.gazetteer import Entry, Gazetteer

GRID = "520103400001001"


def test_gazetteer_places_confident_addresses_only(make_world):
    w = make_world()
    lon, lat = w.point_in(GRID)
    store = w.service.store
    assert (
        store.replace_gazetteer(
            [Entry("中华北路1号", lon, lat), Entry("松山路59号", 106.71, 26.59)]
        )
        == 2
    )
    assert {e.address for e in store.gazetteer()} == {"中华北路1号", "松山路59号"}
    w.service.gazetteer = lambda: Gazetteer(store.gazetteer(), prefixes=("贵阳市", "云岩区"))
    placed = w.service.intake(
        Intake(category="elderly_visit", address="贵阳市云岩区中华北路１號"), w.dispatcher
    )
    assert not placed.needs_location and placed.grid_code == GRID
    assert placed.address == "贵阳市云岩区中华北路１號" and placed.lon == lon
    waiting = w.service.intake(
        Intake(category="elderly_visit", address="某个没听过的地方"), w.dispatcher
    )
    assert waiting.needs_location and waiting.grid_code is None
    # Replacing is whole: the old entries are gone.
    store.replace_gazetteer([Entry("宅吉路12号", 106.74, 26.6)])
    assert [e.address for e in store.gazetteer()] == ["宅吉路12号"]
