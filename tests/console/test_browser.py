"""The console in a real headless Chromium against a real server: a dispatcher files a case
by clicking the map, dispatches it, the grid worker handles it, the dispatcher closes it;
other communities stay hidden; two tabs on one case; a phone-sized screen; offline."""

from __future__ import annotations

import re

from geo import coords
from geo.cases.workflow import Actor
from geo.gazetteer import Entry

from .conftest import GRID, WORKER, grid_point

ADMIN = Actor("test", "admin")
FLOW = ["intake", "register", "dispatch", "handle", "verify"]


def _wait_map(page):
    page.wait_for_function("() => window.GM && GM.leaflet && GM.leaflet._loaded", timeout=10_000)


def _click_map_at(page, lon: float, lat: float, zoom: int = 17) -> None:
    """Zoom to (lon, lat) display degrees and click the map there, as a person would."""
    _wait_map(page)
    page.locator("#map").scroll_into_view_if_needed()
    page.evaluate(f"GM.leaflet.setView([{lat}, {lon}], {zoom}, {{animate: false}})")
    x, y = page.evaluate(f"""(() => {{
        const p = GM.leaflet.latLngToContainerPoint([{lat}, {lon}]);
        const box = document.getElementById("map").getBoundingClientRect();
        return [box.left + p.x, box.top + p.y];
    }})()""")
    page.mouse.click(x, y)


def _case_id(page) -> int:
    return int(re.search(r"/console/cases/(\d+)", page.url).group(1))


def _file_by_map_click(page, live, *, category="暴露垃圾", point=None) -> int:
    page.goto(f"{live.base}/console/cases/new")
    page.fill("#category-search", category)
    lon, lat = point or grid_point()
    _click_map_at(page, lon, lat)
    page.wait_for_function(
        f"document.getElementById('pv-grid').textContent === '{GRID}'", timeout=10_000
    )
    page.fill("#description", "路边垃圾堆放")
    page.fill("#reporter_name", "张三")
    page.fill("#reporter_phone", "13812345678")
    page.click("#submit")
    page.wait_for_url(re.compile(r".*/console/cases/\d+\?done=intake.*"))
    return _case_id(page)


def _card(page, case_id: int):
    return page.locator(f"#case-{case_id}")


def test_file_dispatch_handle_verify_in_the_browser(person, live):
    dispatcher = person("dispatcher")
    page = dispatcher.page()
    page.goto(f"{live.base}/console/cases/new")
    page.fill("#category-search", "暴露垃圾")
    assert page.eval_on_selector("#category", "s => s.value") == "exposed_refuse"
    lon, lat = grid_point()
    _click_map_at(page, lon, lat)
    page.wait_for_function(
        f"document.getElementById('pv-grid').textContent === '{GRID}'", timeout=10_000
    )
    assert "中华社区" in page.text_content("#pv-community")
    worker = live.state.store.workers(community_code="520103400")
    name = next(w.name for w in worker if w.id == WORKER)
    assert f"{name} ({WORKER}" in page.text_content("#pv-worker")
    assert page.text_content("#pv-assignee") == f"{name} ({WORKER})"
    assert "本网格网格员" in page.text_content("#pv-reason")
    assert page.input_value("#crs") == "wgs84"
    assert abs(float(page.input_value("#lon")) - lon) < 1e-4
    page.fill("#description", "路边垃圾堆放")
    page.fill("#reporter_name", "张三")
    page.fill("#reporter_phone", "13812345678")
    assert not page.is_checked("#auto_dispatch")
    page.dblclick("#submit")  # a double-click files one case
    page.wait_for_url(re.compile(r".*/console/cases/\d+\?done=intake.*"))
    case_id = _case_id(page)
    assert live.state.cases.find(ADMIN, grid=GRID, limit=10)[-1].id == case_id
    assert len(live.state.cases.find(ADMIN, grid=GRID, limit=10)) == 1
    assert page.text_content("#grid").strip() == GRID
    assert "张*" in page.text_content("#reporter") and "138****5678" in page.text_content(
        "#reporter"
    )
    assert page.locator('a[href="/maps/communities/520103400"]').count() >= 1

    page.goto(f"{live.base}/console/queue?status=reported")
    _card(page, case_id).locator("button[data-action=register]").click()
    page.wait_for_url(re.compile(r".*done=register.*"))
    page.goto(f"{live.base}/console/queue")
    card = _card(page, case_id)
    assert "已立案" in card.text_content()
    assert "剩余" in card.text_content() or "已超期" in card.text_content()
    card.locator("button[data-action=dispatch]").click()
    page.wait_for_url(re.compile(r".*done=dispatch.*"))
    assert live.state.cases.get(case_id, ADMIN).assignee_id == WORKER

    gridworker = person("worker")
    wpage = gridworker.page()
    wpage.goto(f"{live.base}/console/mine")
    _wait_map(wpage)
    assert wpage.evaluate("document.querySelectorAll('.leaflet-interactive').length") >= 1
    mine = _card(wpage, case_id)
    mine.locator("form:has(button[data-action=handle]) input[name=note]").fill("已清理完毕")
    mine.locator("button[data-action=handle]").click()
    wpage.wait_for_url(re.compile(r".*done=handle.*"))
    assert live.state.cases.get(case_id, ADMIN).status == "handled"

    page.goto(f"{live.base}/console/cases/{case_id}")
    page.click("#actions button[data-action=verify]")
    page.wait_for_url(re.compile(r".*done=verify.*"))
    assert "已结案" in page.text_content("h1")
    trail = page.eval_on_selector_all("#trail li", "els => els.map(e => e.dataset.action)")
    assert trail == FLOW
    case = live.state.cases.get(case_id, ADMIN)
    assert case.status == "closed"
    assert [e.action for e in live.state.cases.events(case_id, ADMIN)] == FLOW

    # The community map links back: its marker for this case opens the case page.
    page.goto(f"{live.base}/maps/communities/520103400")
    page.wait_for_function("() => window.L !== undefined", timeout=10_000)
    page.evaluate(f"""(() => {{
        const map = window[document.querySelector('.folium-map').id];
        let hit = null;
        map.eachLayer(l => {{ if (l.getLayers && l.options.gridmgrLayer === 'cases')
            l.getLayers().forEach(m => {{
                if (m.getTooltip().getContent().includes('#{case_id}<')) hit = m; }}); }});
        hit.fire('click');
    }})()""")
    page.wait_for_url(f"**/console/cases/{case_id}")
    assert dispatcher.errors == [] and gridworker.errors == []
    assert dispatcher.outside == [] and gridworker.outside == []


def test_a_worker_cannot_open_another_communitys_case(person, live):
    dispatcher = person("dispatcher")
    page = dispatcher.page()
    page.goto(f"{live.base}/console/cases/new")
    page.fill("#category-search", "乱停")
    lon, lat = grid_point("520103401001001")
    _click_map_at(page, lon, lat)
    page.wait_for_function(
        "document.getElementById('pv-grid').textContent === '520103401001001'", timeout=10_000
    )
    page.click("#submit")
    page.wait_for_url(re.compile(r".*/console/cases/\d+\?done=intake.*"))
    other = _case_id(page)
    wpage = person("worker").page()
    response = wpage.goto(f"{live.base}/console/cases/{other}")
    assert response.status == 404
    assert "未找到" in wpage.text_content("h1")
    assert "138" not in wpage.content()
    response = person("other_worker").page().goto(f"{live.base}/console/cases/{other}")
    assert response.status == 200


def test_two_tabs_on_one_case_the_second_is_told_to_reload(person, live):
    dispatcher = person("dispatcher")
    first, second = dispatcher.page(), dispatcher.page()
    case_id = _file_by_map_click(first, live, category="垃圾满溢")
    for tab in (first, second):
        tab.goto(f"{live.base}/console/cases/{case_id}")
    first.click("#actions button[data-action=register]")
    first.wait_for_url(re.compile(r".*done=register.*"))
    assert second.is_hidden("#stale")
    second.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    second.wait_for_selector("#stale", state="visible", timeout=5_000)
    assert "此案件已被他人更改，请刷新" in second.text_content("#stale")
    with second.expect_navigation() as nav:
        second.click("#actions button[data-action=register]")
    assert nav.value.status == 412
    assert "此案件已被他人更改，请刷新" in second.text_content("h1")
    second.click("#reload")
    second.wait_for_url(f"**/console/cases/{case_id}")
    assert "已立案" in second.text_content("h1")
    assert [e.action for e in live.state.cases.events(case_id, ADMIN)] == ["intake", "register"]
    assert dispatcher.outside == []


def test_location_typed_in_gcj02_or_picked_from_the_gazetteer(person, live):
    lon, lat = grid_point()
    live.state.store.replace_gazetteer([Entry("云岩区中华北路 1 号", lon, lat)])
    live.state.gazetteer(fresh=True)
    page = person("dispatcher").page()
    page.goto(f"{live.base}/console/cases/new")
    _wait_map(page)
    glon, glat = coords.from_wgs84(lon, lat, "gcj02")
    page.fill("#lon", f"{glon:.8f}")
    page.fill("#lat", f"{glat:.8f}")
    page.select_option("#crs", "gcj02")
    page.click("#locate")
    page.wait_for_function(
        f"document.getElementById('pv-grid').textContent === '{GRID}'", timeout=10_000
    )
    page.goto(f"{live.base}/console/cases/new")
    _wait_map(page)
    page.fill("#address", "中华北路1号")
    page.click("#find-address")
    page.click("#candidates button.candidate")
    page.wait_for_function(
        f"document.getElementById('pv-grid').textContent === '{GRID}'", timeout=10_000
    )
    assert page.input_value("#crs") == "wgs84"
    assert page.input_value("#address") == "云岩区中华北路 1 号"


def test_reveal_and_a_phone_screen(person, live):
    phone = person("dispatcher", viewport=(390, 844))
    page = phone.page()
    case_id = _file_by_map_click(page, live, category="道路不洁")
    assert page.text_content("#reporter-phone") == "138****5678"
    page.click("#reveal")
    page.wait_for_function(
        "document.getElementById('reporter-phone').textContent === '13812345678'"
    )
    assert page.text_content("#reporter-name") == "张三"
    assert [e.action for e in live.state.cases.events(case_id, ADMIN)][-1] == "reveal_reporter"
    for path in ("/console/cases/new", "/console/queue", f"/console/cases/{case_id}"):
        page.goto(live.base + path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, path
    assert phone.errors == [] and phone.outside == []
