"""Community maps link their cases to the console's case pages when asked to."""

from maps import community_map


def _cases(html, row_layers):
    return row_layers(html)[0]


def test_case_markers_open_the_case_page(community_data, row_layers):
    c = community_data
    m = community_map(
        c.community,
        c.grids,
        c.grid_rows,
        c.cases,
        c.facilities,
        basemap="none",
        case_link="/console/cases/{id}",
    )
    rows = _cases(m.get_root().render(), row_layers)
    located = [v for v in c.cases if v["location"] is not None]
    assert [r[5] for r in rows] == [f"/console/cases/{v['id']}" for v in located]
    assert all("点击查看案件" in r[4] for r in rows)


def test_no_links_unless_asked(community_data, row_layers):
    c = community_data
    m = community_map(c.community, c.grids, c.grid_rows, c.cases, c.facilities, basemap="none")
    rows = _cases(m.get_root().render(), row_layers)
    assert rows and all(r[5] is None for r in rows)
    assert not any("点击查看案件" in r[4] for r in rows)
