"""Map pages served by the app and written by ``gridmgr map``."""

import json
import re

import geopandas as gpd
from click.testing import CliRunner

from api.cli import main
from geo import bundled
from maps.check import external_urls


def test_index_lists_the_26_communities(api):
    r = api.client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    links = re.findall(r'href="maps/communities/(\d{9})"', r.text)
    assert len(set(links)) == 26 and "金龙社区" in r.text
    assert "/maps/workload" in r.text and "/ogc" in r.text


def test_pages_link_local_assets_only(api):
    for path in (
        "/maps/workload",
        "/maps/communities/520103400",
        "/maps/coverage?kind=elderly_care&sites=1",
    ):
        r = api.client.get(path)
        assert r.status_code == 200, (path, r.text[:300])
        assert external_urls(r.text, "osm") == []
        assets = set(re.findall(r'(?:src|href)="(/static/maps/[^"]+)"', r.text))
        assert any("leaflet" in a and a.endswith(".js") for a in assets)
        for asset in assets:
            assert api.client.get(asset).status_code == 200, asset
    assert api.client.get("/maps/communities/520103499").status_code == 404
    assert api.client.get("/maps/coverage?kind=castle").status_code == 400


def test_map_command_writes_self_contained_files(api, tmp_path):
    out = tmp_path / "w.html"
    r = CliRunner().invoke(
        main, ["map", "workload", "-o", str(out)], env={"GRIDMGR_DATABASE_URL": api.url}
    )
    assert r.exit_code == 0, r.output
    html = out.read_text(encoding="utf-8")
    assert "/static/maps/" not in html and external_urls(html, "osm") == []
    assert "L.map(" in html or "L.map" in html


def test_community_map_says_which_cases_it_draws(api):
    grids = gpd.read_file(bundled.BOUNDARIES_DIR / "grids.geojson")
    p = grids.loc[grids["code"] == "520103400001001"].geometry.iloc[0].representative_point()
    filed = []
    for _ in range(2):
        body = {"category": "exposed_refuse", "lon": p.x, "lat": p.y}
        r = api.client.post("/cases", json=body, headers=api.auth("dispatcher"))
        assert r.status_code == 201, r.text
        filed.append(r)
    one = filed[0]
    r = api.client.post(
        f"/cases/{one.json()['id']}/actions/reject",
        json={"note": "重复"},
        headers={**api.auth("dispatcher"), "If-Match": one.headers["ETag"]},
    )
    assert r.status_code == 200, r.text
    page = api.client.get("/maps/communities/520103400", headers=api.auth("planner")).text
    opened = api.client.get(
        "/cases", params={"community": "520103400", "limit": 500}, headers=api.auth("planner")
    ).json()
    n_open = sum(c["status"] not in ("closed", "rejected") for c in opened["cases"])
    n_done = len(opened["cases"]) - n_open
    assert n_done >= 1 and n_open >= 1
    note = (
        f"全部在办 {n_open} 件 + 最近结案 {n_done} 件 / all {n_open} open + latest {n_done} closed"
    )
    assert json.dumps(note)[1:-1] in page  # the legend's HTML, as a JSON string
    # Tooltips name the category as people read it, not by its code.
    assert "类别 Category: 暴露垃圾 Exposed refuse" in page
    assert "Category: exposed_refuse" not in page
    anonymous = api.client.get("/maps/communities/520103400").text  # aggregates only
    assert json.dumps("全部在办")[1:-1] not in anonymous


def test_the_case_note_says_what_is_drawn():
    from api.map_data import case_note
    from geo.cases.model import CASE_COLUMNS
    from geo.cases.selection import MapSelection

    def cases(*statuses):
        return [CASE_COLUMNS.filled({"id": i, "status": s}) for i, s in enumerate(statuses)]

    every = MapSelection(cases("dispatched", "closed", "rejected"), 1, 2)
    assert case_note(every) == "全部在办 1 件 + 最近结案 2 件 / all 1 open + latest 2 closed"
    capped = MapSelection(cases("dispatched", "closed"), 1, 4_321)
    assert case_note(capped) == (
        "全部在办 1 件 + 最近结案 1 件（结案共 4,321 件） / all 1 open + latest 1 closed (of 4,321)"
    )
    too_many = MapSelection(cases("dispatched", "reported"), 7_000, 0)
    assert case_note(too_many) == "在办 2 件（共 7,000 件）/ 2 of 7,000 open"
