"""Map pages as HTML: what they hold, and that they name no outside host but tile servers."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import folium
import pytest
from folium.plugins import MarkerCluster

from maps import community_map, coverage_map, index_page, workload_map
from maps.assets import INLINE_ATTR, LOCAL_FILES
from maps.basemaps import BASEMAPS, tile_templates
from maps.check import external_urls, page_urls, without_inlined
from maps.style import kind_labels

COMMUNITY = "520103400"
TK = "0123456789abcdef"  # a made-up Tianditu key


def render(m: folium.Map) -> str:
    return m.get_root().render()


@dataclass
class Data:
    b: object  # the bundled boundary set
    c: object  # CommunityData
    v: object  # CoverageData
    rows: list  # community workload rows


def build(kind: str, data: Data, basemap: str, **kw) -> str:
    b, c, v = data.b, data.c, data.v
    extra = {"tianditu_key": TK} if basemap == "tianditu" else {}
    if kind == "workload":
        return render(
            workload_map(b.communities, b.grids, data.rows, basemap=basemap, **extra, **kw)
        )
    if kind == "community":
        return render(
            community_map(
                c.community,
                c.grids,
                c.grid_rows,
                c.cases,
                c.facilities,
                workers=c.workers,
                basemap=basemap,
                **extra,
                **kw,
            )
        )
    return render(
        coverage_map(v.grids, v.report, v.facilities, sites=v.sites, basemap=basemap, **extra, **kw)
    )


@pytest.fixture(scope="module")
def data(boundaries, community_data, coverage_data, community_rows) -> Data:
    return Data(boundaries, community_data, coverage_data, community_rows)


@pytest.mark.parametrize("kind", ["workload", "community", "coverage"])
@pytest.mark.parametrize("basemap", list(BASEMAPS))
@pytest.mark.parametrize("inline", [False, True], ids=["linked", "inline"])
def test_no_outside_url_but_tiles(kind, basemap, inline, data):
    html = build(kind, data, basemap, inline=inline)
    assert external_urls(html, basemap) == []
    urls = page_urls(html)
    if basemap == "none":
        assert urls == []
    else:
        assert urls, "the tile template should be in the page"
    own = without_inlined(html).lower()
    assert "cdn" not in own and "unpkg" not in own
    if inline:
        assert "/static/maps/" not in html
        assert html.count(f"{INLINE_ATTR}=") >= 3
    else:
        assert f"{INLINE_ATTR}=" not in html
        assert '<script src="/static/maps/leaflet/leaflet.js"></script>' in html


def test_asset_base_is_used(data):
    b = data.b
    html = render(
        workload_map(b.communities, b.grids, data.rows, basemap="none", asset_base="/assets/v1/")
    )
    assert '<script src="/assets/v1/leaflet/leaflet.js"></script>' in html
    assert '<script src="/assets/v1/d3/d3.min.js"></script>' in html  # branca's legend


def test_pages_link_no_jquery_bootstrap_or_font_awesome(data):
    for kind in ("workload", "community", "coverage"):
        html = build(kind, data, "none").lower()
        for name in ("jquery", "bootstrap", "fontawesome", "font-awesome", "awesome-markers"):
            assert name not in html, (kind, name)


def test_class_asset_lists_are_left_alone(data):
    build("community", data, "none")
    assert any("cdn" in url for _, url in folium.Map.default_js)
    assert any("cdnjs" in url for _, url in MarkerCluster.default_js)
    m = community_map(data.c.community, data.c.grids, {}, [], [], basemap="none")
    assert [name for name, _ in m.default_js] == ["leaflet"]
    assert all(url.startswith("/static/maps/") for _, url in m.default_js + m.default_css)


def test_every_header_link_has_a_local_copy(data):
    html = build("community", data, "none")
    for name, rel in LOCAL_FILES.items():
        if name in ("d3",):
            continue  # the community map's legend is branca's too; checked elsewhere
        assert f"/static/maps/{rel}" in html, name


def test_workload_map_tooltips_hold_the_figures_as_given(data, layer_features):
    b = data.b
    html = render(
        workload_map(b.communities, b.grids, data.rows, kpi="on_time_rate", basemap="none")
    )
    layers = layer_features(html)
    assert len(layers["communities"]) == 26 and len(layers["grids"]) == 1254
    by_code = {f["properties"]["code"]: f["properties"] for f in layers["communities"]}
    first = by_code[COMMUNITY]
    row = data.rows[0]
    assert first["name"] == "中华社区" == row["name"]
    assert first["received"] == f"{row['received']:,}"
    assert first["on_time_rate"] == f"{row['on_time_rate'] * 100:.1f}%"
    assert first["open_per_worker"] == f"{row['open_per_worker']:.2f}"
    assert by_code[data.rows[25]["code"]]["open_per_worker"] == "—"
    caption = json.dumps("按期结案率 On-time closure rate")[1:-1]
    assert caption in html  # the legend's caption: the chosen KPI
    for alias in ("社区 Community", "网格编码 Grid code", "人均在办 Open per worker"):
        assert json.dumps(alias) in html  # tooltip labels


@pytest.mark.parametrize("kpi", ["open_per_worker", "per_1000_residents", "on_time_rate"])
def test_kpi_colours_follow_the_rows(kpi, data, layer_features):
    b = data.b
    html = render(workload_map(b.communities, b.grids, data.rows, kpi=kpi, basemap="none"))
    fills = {
        f["properties"]["code"]: f["properties"]["style"]["fillColor"]
        for f in layer_features(html)["communities"]
    }
    values = {r["code"]: r[kpi] for r in data.rows}
    ordered = sorted((v, c) for c, v in values.items() if v is not None)
    assert fills[ordered[0][1]] != fills[ordered[-1][1]]
    if kpi == "open_per_worker":
        assert fills[data.rows[25]["code"]] == "#d9d9d9"  # no figure: grey


def test_unknown_kpi_or_basemap_is_refused(data):
    b = data.b
    with pytest.raises(ValueError, match="kpi"):
        workload_map(b.communities, b.grids, data.rows, kpi="speed")
    with pytest.raises(ValueError, match="basemap"):
        workload_map(b.communities, b.grids, data.rows, basemap="google")
    with pytest.raises(ValueError, match="tianditu_key"):
        workload_map(b.communities, b.grids, data.rows, basemap="tianditu")


def test_tile_templates():
    tianditu = tile_templates("tianditu", TK)
    assert any("/vec_w/wmts" in t and "LAYER=vec" in t for t in tianditu)
    assert any("/cva_w/wmts" in t and "LAYER=cva" in t for t in tianditu)
    assert all(
        t.startswith("https://t{s}.tianditu.gov.cn/") and t.endswith(f"tk={TK}") for t in tianditu
    )
    assert tile_templates("gaode")[0].startswith("https://webrd0{s}.is.autonavi.com/appmaptile")
    assert tile_templates("none") == []


def test_tianditu_page_has_both_layers_and_all_subdomains(data):
    html = build("workload", data, "tianditu")
    assert "vec_w" in html and "cva_w" in html and TK in html
    assert '"subdomains": "01234567"' in html


def test_community_map_contents(data, layer_features, row_layers):
    c = data.c
    html = build("community", data, "none")
    layers = layer_features(html)
    assert len(layers["grids"]) == len(c.own_grids)  # only the community's own grids
    assert len(layers["community"]) == 1
    grid = layers["grids"][0]["properties"]
    code = grid["code"]
    assert grid["worker"] == c.workers[code]
    assert grid["open"] == str(c.grid_rows[code]["open"])
    cases, *facility_groups = row_layers(html)
    assert len(cases) == c.located  # the case without a location is left out
    assert sum(row[3] for row in cases) == c.overdue >= 1
    assert {row[2] for row in cases} == {v["status"] for v in c.cases}
    assert sorted(len(g) for g in facility_groups) == [1, 2]
    assert "L.Control.Search" in html and '"code"' in html
    assert "HeatMap" in html or "heatLayer" in html
    # Facility and community names are shown escaped, and never read as templates.
    assert "微笑小屋 \\u0026lt;一号\\u0026gt;" in html
    assert "{{ 二号 }}" in html


def test_community_map_draws_the_given_kinds_only(data, row_layers):
    c = data.c
    html = render(
        community_map(
            c.community,
            c.grids,
            c.grid_rows,
            c.cases,
            c.facilities,
            kinds=["service_centre"],
            basemap="none",
        )
    )
    cases, facilities = row_layers(html)
    assert len(facilities) == 1 and facilities[0][2] == 1000.0


def test_community_map_takes_geojson_features(data, layer_features):
    c = data.c
    feature = c.community.iloc[0]
    grids = c.own_grids.__geo_interface__
    html = render(community_map(feature, grids, list(c.grid_rows.values()), [], [], basemap="none"))
    assert len(layer_features(html)["grids"]) == len(c.own_grids)


def test_coverage_map_contents(data, layer_features, row_layers):
    v = data.v
    html = build("coverage", data, "none")
    layers = layer_features(html)
    assert len(layers["grids"]) == len(v.grids)
    assert len(layers["underserved"]) == len(v.report["underserved"]) > 0
    facilities, sites = row_layers(html)
    assert len(facilities) == 2  # the report's kind only (volunteer huts)
    assert {row[2] for row in facilities} == {600.0}  # the report's radius
    assert len(sites) == 1 and sites[0][2] == 600.0
    by_code = {f["properties"]["code"]: f["properties"] for f in layers["grids"]}
    row = v.report["grids"][0]
    assert by_code[row["code"]]["share"] == f"{row['covered_area_share'] * 100:.1f}%"


def test_coverage_map_without_sites(data, row_layers):
    v = data.v
    html = render(coverage_map(v.grids, v.report, v.facilities, basemap="none"))
    assert len(row_layers(html)) == 1


def test_coverage_form_only_where_a_server_answers(data):
    v = data.v
    html = render(
        coverage_map(v.grids, v.report, v.facilities, basemap="none", form_action="/maps/coverage")
    )
    markups = [json.loads(m) for m in re.findall(r"div\.innerHTML = (\"[^\n]*\");", html)]
    form = next(m for m in markups if "<form" in m)
    assert form.startswith('<form method="get" action="/maps/coverage" id="coverage-form">')
    assert f'<option value="{v.report["kind"]}" selected>' in form
    assert 'name="radius_m" min="1" max="50000" step="any" value="600"' in form
    assert f'name="threshold" min="0" max="1" step="0.05" value="{v.report["threshold"]:g}"' in form
    assert form.count("<option ") == len(kind_labels())
    plain = render(coverage_map(v.grids, v.report, v.facilities, basemap="none"))
    assert "coverage-form" not in plain


def test_index_page(data):
    b = data.b
    items = [{**r, "grids": 48, "population": 40_000} for r in data.rows]
    items[1]["name"] = "<b>社区</b>"
    html = index_page(items)
    assert html.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in html
    for code in b.communities["code"]:
        assert f'href="maps/communities/{code}"' in html
    for link in (
        "/maps/workload",
        "/maps/coverage?kind=service_centre",
        "/console",
        "/docs",
        "/ogc",
    ):
        assert f'href="{link}"' in html
    assert "&lt;b&gt;社区&lt;/b&gt;" in html
    assert page_urls(html) == []
    assert html.index("社区 Community") < html.index("收案 Received")


def test_index_page_takes_features(data):
    feature = {
        "type": "Feature",
        "id": COMMUNITY,
        "properties": {"name": "中华社区", "grids": 48, "population": 39_000},
        "geometry": None,
    }
    html = index_page([feature], kinds=["volunteer_hut"])
    assert f'href="maps/communities/{COMMUNITY}"' in html and "39,000" in html
    assert "/maps/coverage?kind=volunteer_hut" in html
    assert "kind=service_centre" not in html


def test_names_are_never_read_as_templates(data, layer_features):
    c = data.c
    community = c.community.assign(name="{{ 7*7 }}<社区>")
    facilities = [
        *c.facilities[:1],
        c.facilities[0].__class__(
            **{**c.facilities[0].__dict__, "id": 9, "kind": "{% raw %}", "name": "{{ x }}"}
        ),
    ]
    m = community_map(community, c.grids, c.grid_rows, c.cases, facilities, basemap="none")
    html = render(m)
    assert "49" not in html.split("<title>")[1].split("</title>")[0]
    overlays = html.split("overlays :")[1].split("}")[0]
    assert "\\u0026#123;\\u0026#123; 7*7 \\u0026#125;\\u0026#125;" in overlays
    assert "<title>{{ 7*7 }}&lt;社区&gt;" in html
    assert layer_features(html)["community"][0]["properties"]["name"] == "{{ 7*7 }}&lt;社区&gt;"


def test_underserved_outlines_take_the_grid_shapes_already_on_the_page(data, layer_features):
    html = build("coverage", data, "none")
    layers = layer_features(html)
    assert layers["underserved"] and all(f["geometry"] is None for f in layers["underserved"])
    assert all(f["geometry"]["coordinates"] for f in layers["grids"])
    assert ".map(function (src)" in html  # filled from the grid layer in the browser
