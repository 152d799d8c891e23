"""The illustrative label: on every page, map file, console footer, GeoJSON and OGC answer
when the bundled set is active, and nowhere once a district's own boundaries are, on both
backends."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from api.app import create_app
from api.cli import main
from api.illustrative import LABEL
from api.settings import Settings
from geo import bundled
from geo.boundaries.read import BoundarySet, read_boundary_set
from geo.store import open_store, parse_database_url

from .conftest import BACKENDS, make_tokens

MARK = "示意数据 illustrative data"
COMMUNITY = "520103400"
PAGES = (
    "/",
    "/maps/workload",
    f"/maps/communities/{COMMUNITY}",
    "/maps/coverage?kind=elderly_care",
)


@dataclass
class App:
    client: TestClient
    url: str
    tokens: dict[str, str]
    own: bool  # a district's own boundaries are active

    def auth(self, who: str = "dispatcher") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


def _own_boundaries() -> BoundarySet:
    """Two communities of the bundled set as a district's own files would be: no
    ``illustrative`` property."""
    bset = read_boundary_set(bundled.BOUNDARIES_DIR)
    comms = bset.communities[bset.communities["code"].isin([COMMUNITY, "520103401"])]
    grids = bset.grids[bset.grids["community_code"].isin(comms["code"])]
    return BoundarySet(
        comms.drop(columns="illustrative").reset_index(drop=True),
        grids.drop(columns="illustrative").reset_index(drop=True),
        None,
        "district files",
        "EPSG:4326",
    )


@pytest.fixture(
    scope="module",
    params=[
        pytest.param((kind, own), id=f"{kind}-{'own' if own else 'bundled'}", marks=b.marks)
        for b in BACKENDS
        for kind in b.values
        for own in (False, True)
    ],
)
def app(request: pytest.FixtureRequest) -> Iterator[App]:
    kind, own = request.param
    url = request.getfixturevalue(f"initialised_{kind}")()
    if own:  # as `gridmgr boundaries load` then `activate` would leave it
        store = open_store(parse_database_url(url))
        try:
            store.activate_generation(store.stage_generation(_own_boundaries(), label="区里的"))
        finally:
            store.close()
    tokens = make_tokens(url)
    with TestClient(create_app(Settings(database_url=url, basemap="none"))) as client:
        yield App(client, url, tokens, own)


@pytest.mark.parametrize("path", PAGES)
def test_pages_carry_the_label_only_for_illustrative_data(app: App, path: str) -> None:
    r = app.client.get(path)
    assert r.status_code == 200, r.text[:300]
    assert (MARK in r.text) is not app.own
    assert ('class="gridmgr-illustrative"' in r.text) is not app.own


def test_map_files_carry_the_label(app: App, tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {"GRIDMGR_DATABASE_URL": app.url, "GRIDMGR_BASEMAP": "none"}
    for args in (["workload"], ["community", COMMUNITY], ["coverage", "elderly_care"]):
        out = tmp_path / f"{args[0]}.html"
        r = CliRunner().invoke(main, ["map", *args, "-o", str(out)], env=env)
        assert r.exit_code == 0, r.output
        assert (MARK in out.read_text(encoding="utf-8")) is not app.own, args


def test_console_footer(app: App) -> None:
    page = app.client.get("/console/login")
    assert page.status_code == 200
    assert ('id="illustrative"' in page.text) is not app.own
    assert (MARK in page.text) is not app.own


def test_geojson_features_and_notice(app: App) -> None:
    for path in ("/communities", "/grids"):
        body = app.client.get(path, headers=app.auth()).json()
        flags = {f["properties"]["illustrative"] for f in body["features"]}
        assert flags == {not app.own}, path
        assert body.get("notice") == (None if app.own else LABEL), path
    one = app.client.get(f"/communities/{COMMUNITY}", headers=app.auth()).json()
    assert one["properties"]["illustrative"] is not app.own


def test_ogc_items_say_whether_they_are_illustrative(app: App) -> None:
    for collection in ("communities", "grids"):
        r = app.client.get(f"/ogc/collections/{collection}/items", params={"limit": 5})
        assert r.status_code == 200, r.text
        features = r.json()["features"]
        assert features and {f["properties"]["illustrative"] for f in features} == {not app.own}
    grid = app.client.get("/grids", headers=app.auth()).json()["features"][0]
    point = grid["properties"]["code"]
    lon, lat = _inside(grid)
    made = app.client.post(
        "/cases",
        json={"category": "exposed_refuse", "lon": lon, "lat": lat},
        headers=app.auth(),
    )
    assert made.status_code == 201, made.text
    assert made.json()["grid_code"] == point
    items = app.client.get("/ogc/collections/cases/items", headers=app.auth()).json()
    assert items["features"]
    assert {f["properties"]["illustrative"] for f in items["features"]} == {not app.own}
    one = app.client.get(
        f"/ogc/collections/cases/items/{made.json()['id']}", headers=app.auth()
    ).json()
    assert one["properties"]["illustrative"] is not app.own


def _inside(feature: dict) -> tuple[float, float]:  # type: ignore[type-arg]
    import shapely.geometry

    p = shapely.geometry.shape(feature["geometry"]).representative_point()
    return p.x, p.y
