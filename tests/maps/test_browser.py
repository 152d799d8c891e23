"""The pages in a real headless Chromium: Leaflet starts, every shape is drawn, the legend is
there, no console error, and no request leaves the machine but (blocked) tile requests."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import shapely

from maps import community_map, coverage_map, index_page, workload_map
from maps.basemaps import tile_hosts

MAP = "window[document.querySelector('.folium-map').id]"
# Features per polygon or point layer (by its gridmgrLayer id), for the layers on the map.
LAYER_COUNTS = f"""(() => {{
    const out = {{}};
    {MAP}.eachLayer(l => {{
        if (l.options && l.options.gridmgrLayer && typeof l.getLayers === "function")
            out[l.options.gridmgrLayer] = l.getLayers().length;
    }});
    return out;
}})()"""
PATHS = "document.querySelectorAll('.leaflet-overlay-pane path').length"
LEGEND = """(() => {
    const svg = document.querySelector('.legend.leaflet-control svg');
    return svg ? [svg.querySelectorAll('rect').length,
                  (svg.querySelector('.caption') || {}).textContent] : null;
})()"""


def _html(m) -> str:
    return m.get_root().render()


def _assert_clean(run, *, tiles_of: str | None = None):
    """No console error, no failed local response; nothing outside but tile requests."""
    assert run.errors == []
    assert run.failed == []
    outside = [
        u for u in run.requests if not u.startswith(("http://127.0.0.1:", "file://", "data:"))
    ]
    # Every outside request was blocked; one still in flight when the page is read may not be
    # in the blocked list yet, so compare as sets one way.
    assert set(run.blocked) <= set(outside)
    if tiles_of is None:
        assert outside == []
    else:
        hosts = tile_hosts(tiles_of)
        assert outside, "the basemap should have asked for tiles"
        for url in outside:
            assert any(h.fullmatch(urlsplit(url).hostname) for h in hosts), url


def test_workload_map(boundaries, community_rows, site, open_page):
    m = workload_map(boundaries.communities, boundaries.grids, community_rows, basemap="none")
    run = open_page(site.publish("workload.html", _html(m)))
    assert run.js("typeof window.L") == "object"
    assert run.js("L.version") == "1.9.3"
    assert run.js(LAYER_COUNTS) == {"communities": 26, "grids": 1254, "labels": 26}
    assert run.js(PATHS) == 26 + 1254
    labels = run.js(
        "Array.from(document.querySelectorAll('.gridmgr-label')).map(e => e.textContent)"
    )
    assert len(labels) == 26 and "中华社区" in labels and "金龙社区" in labels
    rects, caption = run.js(LEGEND)
    assert rects > 0 and caption.startswith("人均在办案件 Open cases per worker")
    assert run.js("document.querySelectorAll('.leaflet-control-layers-overlays label').length") == 3
    assert run.js("!!document.querySelector('.leaflet-control-scale')")
    assert run.js("!!document.querySelector('.leaflet-control-zoom-fullscreen')")
    assert (
        run.js("document.querySelector('.leaflet-control-attribution').innerHTML").strip()
        == "Leaflet"
    )
    assert any(u.endswith("/static/maps/leaflet/leaflet.js") for u in run.requests)
    _assert_clean(run)


def test_workload_map_tooltip(boundaries, community_rows, site, open_page):
    m = workload_map(boundaries.communities, boundaries.grids, community_rows, basemap="none")
    run = open_page(site.publish("workload_tooltip.html", _html(m)))
    text = run.js(f"""(() => {{
        let found = null;
        {MAP}.eachLayer(l => {{
            if (!found && l.feature && l.feature.properties.code === "520103400"
                && l.options.gridmgrLayer === "communities") found = l;
        }});
        found.fire("mouseover", {{latlng: found.getBounds().getCenter()}}, true);
        const tip = document.querySelector(".leaflet-tooltip");
        return tip ? tip.textContent : null;
    }})()""")
    assert text is not None and "中华社区" in text and "520103400" in text
    row = community_rows[0]
    assert f"{row['received']:,}" in text and f"{row['on_time_rate'] * 100:.1f}%" in text
    _assert_clean(run)


def test_workload_map_grid_tooltip_names_its_community_and_figures(
    boundaries, community_rows, site, open_page
):
    m = workload_map(boundaries.communities, boundaries.grids, community_rows, basemap="none")
    run = open_page(site.publish("workload_grid_tooltip.html", _html(m)))
    grid = boundaries.grids[boundaries.grids["community_code"] == "520103400"]["code"].iloc[0]
    # The grid layer lies over the communities: hovering inside a grid reaches the grid.
    text = run.js(f"""(() => {{
        let found = null;
        {MAP}.eachLayer(l => {{
            if (!found && l.feature && l.feature.properties.code === "{grid}"
                && l.options.gridmgrLayer === "grids") found = l;
        }});
        found.fire("mouseover", {{latlng: found.getBounds().getCenter()}}, true);
        const tip = document.querySelector(".leaflet-tooltip");
        return tip ? tip.textContent : null;
    }})()""")
    assert text is not None and grid in text and "中华社区" in text
    row = next(r for r in community_rows if r["code"] == "520103400")
    assert "社区在办 Community: Open" in text and "社区按期结案率" in text
    assert f"{row['received']:,}" in text and f"{row['on_time_rate'] * 100:.1f}%" in text
    _assert_clean(run)


def test_community_map(community_data, site, open_page):
    c = community_data
    m = community_map(
        c.community, c.grids, c.grid_rows, c.cases, c.facilities, workers=c.workers, basemap="none"
    )
    run = open_page(site.publish("community.html", _html(m)))
    counts = run.js(LAYER_COUNTS)
    assert counts["grids"] == len(c.own_grids)
    assert counts["community"] == 1
    assert counts["cases"] == c.located
    assert counts["facilities:service_centre"] == 2  # catchment circle + dot
    assert counts["facilities:volunteer_hut"] == 4
    overdue = run.js(f"""(() => {{
        let n = 0;
        {MAP}.eachLayer(l => {{
            if (l.options.gridmgrLayer === "cases" && l.getLayers)
                l.getLayers().forEach(mk => {{
                    if (mk.options.icon.options.className.includes("overdue")) n++; }});
        }});
        return n;
    }})()""")
    assert overdue == c.overdue
    radii = run.js(f"""(() => {{
        const r = [];
        {MAP}.eachLayer(l => {{ if (l instanceof L.Circle) r.push(l.getRadius()); }});
        return r.sort((a, b) => a - b);
    }})()""")
    assert radii == [500, 500, 1000]
    assert run.js("!!document.querySelector('.leaflet-control-search input')")
    assert run.js(LEGEND)[0] > 0
    assert "案件状态 Case state" in run.js("document.querySelector('.gridmgr-key').textContent")
    _assert_clean(run)


def test_community_map_heat_layer_and_grid_search(community_data, site, open_page):
    c = community_data
    m = community_map(c.community, c.grids, c.grid_rows, c.cases, c.facilities, basemap="none")
    html = _html(m)
    heat = re.search(r"var (heat_map_[0-9a-f]+) = L\.heatLayer\(", html).group(1)
    search = re.search(r"var (geo_json_[0-9a-f]+searchControl) = ", html).group(1)
    run = open_page(site.publish("community_heat.html", html))
    assert run.js(f"{MAP}.hasLayer({heat})") is False  # off until chosen
    run.js(f"{MAP}.addLayer({heat})")
    assert run.js("document.querySelectorAll('canvas.leaflet-heatmap-layer').length") == 1
    assert run.js(f"{heat}._latlngs.length") == c.located
    code = c.own_grids["code"].iloc[-1]
    run.js(f"""window.gridmgrFound = null;
        {search}.on("search:locationfound",
                    e => {{ window.gridmgrFound = e.layer.feature.properties.code; }});""")
    box = run.page.locator(".leaflet-control-search input")
    box.press_sequentially(code)
    run.page.wait_for_timeout(700)  # the control indexes the layer after typing stops
    box.press("Enter")
    run.page.wait_for_function("() => window.gridmgrFound !== null", timeout=5000)
    found = run.js("window.gridmgrFound")
    assert found == code
    _assert_clean(run)


def test_coverage_map(coverage_data, site, open_page):
    v = coverage_data
    m = coverage_map(v.grids, v.report, v.facilities, sites=v.sites, basemap="none")
    run = open_page(site.publish("coverage.html", _html(m)))
    counts = run.js(LAYER_COUNTS)
    assert counts["grids"] == len(v.grids)
    assert counts["underserved"] == len(v.report["underserved"])
    assert counts["facilities"] == 4  # two volunteer huts: circle + dot each
    assert counts["sites"] == 2  # dashed circle + star
    assert run.js(PATHS) == len(v.grids) + len(v.report["underserved"]) + 4 + 1
    rects, caption = run.js(LEGEND)
    assert rects > 0 and caption.startswith("覆盖比例")
    _assert_clean(run)


def test_inline_page_opens_from_disk_with_no_server(
    boundaries, community_data, tmp_path, open_page
):
    c = community_data
    m = community_map(
        c.community, c.grids, c.grid_rows, c.cases, c.facilities, basemap="none", inline=True
    )
    path = tmp_path / "community.html"
    path.write_text(_html(m), encoding="utf-8")
    run = open_page(path.as_uri())
    assert run.js("typeof L.markerClusterGroup") == "function"
    assert run.js("typeof L.Control.Search") == "function"
    assert run.js(LAYER_COUNTS)["cases"] == c.located
    assert run.js(LEGEND)[0] > 0
    assert all(u.startswith(("file://", "data:")) for u in run.requests), run.requests
    _assert_clean(run)


def test_osm_basemap_asks_only_for_tiles(boundaries, community_rows, site, open_page):
    m = workload_map(boundaries.communities, boundaries.grids, community_rows, basemap="osm")
    run = open_page(site.publish("workload_osm.html", _html(m)), settle_ms=800)
    assert run.js(LAYER_COUNTS) == {"communities": 26, "grids": 1254, "labels": 26}
    _assert_clean(run, tiles_of="osm")
    assert all(
        re.fullmatch(r"https://tile\.openstreetmap\.org/\d+/\d+/\d+\.png", u) for u in run.blocked
    )


def test_api_docs_work_offline(served, open_page):
    run = open_page(
        f"{served.base}/docs",
        ready="() => !!document.querySelector('.swagger-ui .info .title')",
    )
    assert "gridmgr" in run.js("document.querySelector('.swagger-ui .info .title').textContent")
    run.page.wait_for_selector(".opblock-summary-path", timeout=20_000)
    paths = run.js(
        "Array.from(document.querySelectorAll('.opblock-summary-path')).map(e => e.textContent)"
    )
    assert any("/cases" in p for p in paths)
    assert any(u.endswith("/static/maps/swagger-ui/swagger-ui-bundle.js") for u in run.requests)
    assert any(u.endswith("/openapi.json") for u in run.requests)
    _assert_clean(run)

    run = open_page(
        f"{served.base}/redoc",
        ready="() => !!document.querySelector('.api-info h1, .api-content h1')",
    )
    assert "gridmgr" in run.js("document.querySelector('.api-content h1').textContent")
    assert run.js("document.querySelectorAll('[data-section-id]').length") > 20
    assert any(u.endswith("/static/maps/redoc/redoc.standalone.js") for u in run.requests)
    # ReDoc's sidebar credit asks for its logo from its CDN: the page's policy refuses it
    # (a console message, and a request event from the browser, but nothing reaches the
    # network: the route that blocks outside requests never sees it); ReDoc hides the image.
    logo = "https://cdn.redoc.ly/redoc/logo-mini.svg"
    refused = [e for e in run.errors if logo in e and "Content Security Policy" in e]
    assert refused and run.blocked == []
    run.errors = [e for e in run.errors if e not in refused]
    run.requests = [u for u in run.requests if u != logo]
    run.page.wait_for_function("() => !document.querySelector('img[alt=\"redocly logo\"]')")
    _assert_clean(run)


def test_index_table_sorts_by_each_column(boundaries, community_rows, site, open_page):
    comms = boundaries.communities
    populations = dict(zip(comms["code"], comms["population"].astype(int), strict=True))
    items = [{**r, "population": populations[r["code"]]} for r in community_rows]
    figures = {r["code"]: r for r in items}
    run = open_page(site.publish("index.html", index_page(items)), ready="() => true")
    column = "i => Array.from(document.querySelectorAll('#communities tbody tr'))"
    column += ".map(r => r.cells[i].textContent)"

    def click(label, cell=1):
        run.page.click(f"#communities th button:text-is('{label}')")
        return run.page.evaluate(column, cell)

    by_code = sorted(figures)
    assert run.page.evaluate(column, 1) == by_code  # as served
    got = click("常住人口 Residents")
    assert [populations[c] for c in got] == sorted(populations.values())
    assert run.js("document.querySelector('th[aria-sort=ascending]').textContent").startswith(
        "常住人口"
    )
    got = click("常住人口 Residents")  # again: the other way
    assert [populations[c] for c in got] == sorted(populations.values(), reverse=True)
    # A column with a missing figure keeps that community last, both ways.
    missing = next(c for c, r in figures.items() if r["open_per_worker"] is None)
    for reverse in (False, True):
        got = click("人均在办 Open per worker")
        assert got[-1] == missing
        values = [figures[c]["open_per_worker"] for c in got[:-1]]
        assert values == sorted(values, reverse=reverse)
    got = click("按期结案率 On-time rate")
    assert [figures[c]["on_time_rate"] for c in got] == sorted(r["on_time_rate"] for r in items)
    assert click("编码 Code") == by_code
    assert click("编码 Code") == by_code[::-1]
    names = click("社区 Community", cell=0)
    expected = run.page.evaluate(
        "names => [...names].sort((a, b) => a.localeCompare(b, 'zh-CN'))", names
    )
    assert names == expected and names != [figures[c]["name"] for c in by_code]
    _assert_clean(run)


def test_coverage_page_is_set_from_its_form(served, open_page):
    run = open_page(f"{served.base}/maps/coverage?kind=elderly_care")
    form = "document.getElementById('coverage-form')"
    assert run.js(f"{form}.elements.kind.value") == "elderly_care"
    assert run.js(f"{form}.elements.threshold.value") == "0.5"
    assert run.js(f"{form}.elements.sites.value") == "0"
    kinds = run.js(f"Array.from({form}.elements.kind.options).map(o => o.value)")
    assert "service_centre" in kinds and len(kinds) >= 8
    page = run.page
    page.select_option("#coverage-form select[name=kind]", "volunteer_hut")
    assert page.input_value("#coverage-form input[name=radius_m]") == ""  # the kind's own
    page.fill("#coverage-form input[name=radius_m]", "800")
    page.fill("#coverage-form input[name=threshold]", "0.65")
    page.fill("#coverage-form input[name=sites]", "2")
    with page.expect_navigation():
        page.click("#coverage-form button[type=submit]")
    page.wait_for_function("() => window.L !== undefined")
    query = dict(p.split("=") for p in urlsplit(page.url).query.split("&"))
    assert query == {"kind": "volunteer_hut", "radius_m": "800", "threshold": "0.65", "sites": "2"}
    legend = page.evaluate("document.querySelector('.gridmgr-key:not(.gridmgr-form)').textContent")
    assert "800 m" in legend and "65.0%" in legend
    assert page.evaluate(f"{form}.elements.kind.value") == "volunteer_hut"
    assert page.evaluate(f"{form}.elements.radius_m.value") == "800"
    assert page.evaluate(f"{form}.elements.sites.value") == "2"
    # An empty radius is left out of the address: the kind's default radius.
    page.fill("#coverage-form input[name=radius_m]", "")
    with page.expect_navigation():
        page.click("#coverage-form button[type=submit]")
    assert "radius_m" not in urlsplit(page.url).query
    _assert_clean(run)


def test_served_community_map_names_categories_and_what_it_draws(served, open_page, browser):
    from datetime import UTC, datetime

    from api.auth.tokens import new_token
    from geo.cases.service import Intake
    from geo.cases.workflow import Actor
    from geo.store.records import TokenRecord

    state = served.app.state.gridmgr
    grids = state.boundaries.features(state.locator.generation())[1]
    grid = next(g for g in grids if g["properties"]["community_code"] == "520103400")
    point = shapely.geometry.shape(grid["geometry"]).representative_point()
    admin = Actor("test", "admin")
    filed = [
        state.cases.intake(Intake(category=cat, lon=point.x, lat=point.y), admin)
        for cat in ("exposed_refuse", "overflowing_bin")
    ]
    state.cases.act(filed[1].id, "reject", admin, version=filed[1].version, note="重复")
    secret, token_id, digest = new_token()
    state.store.add_token(
        TokenRecord(token_id, "planner", "planner", None, None, datetime.now(UTC)), digest
    )
    browser.set_extra_http_headers({"Authorization": f"Bearer {secret}"})
    try:
        run = open_page(f"{served.base}/maps/communities/520103400")
    finally:
        browser.set_extra_http_headers({})
    legend = run.js("document.querySelector('.gridmgr-key').textContent")
    assert "全部在办 1 件 + 最近结案 1 件 / all 1 open + latest 1 closed" in legend
    tips = run.js(f"""(() => {{
        const out = [];
        {MAP}.eachLayer(l => {{
            if (l.options.gridmgrLayer === "cases" && l.getLayers)
                l.getLayers().forEach(mk => out.push(mk.getTooltip().getContent()));
        }});
        return out;
    }})()""")
    assert len(tips) == 2
    assert any("类别 Category: 暴露垃圾 Exposed refuse" in t for t in tips)
    assert any("类别 Category: 垃圾满溢 Overflowing bin" in t for t in tips)
    assert not any("exposed_refuse" in t or "overflowing_bin" in t for t in tips)
    _assert_clean(run)
