"""Map pages served by the app and written by ``gridmgr map``."""

import re

from click.testing import CliRunner

from api.cli import main
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
