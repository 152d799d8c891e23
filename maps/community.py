"""One community's map: grids coloured by workload, cases, facilities and a grid search."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import folium
import numpy as np
import shapely
from folium.plugins import Search

from maps import inputs
from maps.assets import ASSET_BASE, RawHtml, figure_of
from maps.inputs import Polygons
from maps.page import (
    ClusterRows,
    KeyLegend,
    PageOptions,
    RowsHeat,
    RowsLayer,
    extent,
    finish,
    new_map,
    polygon_layer,
    swatch,
)
from maps.shift import shift_points
from maps.simplify import TOLERANCE, display_geometries
from maps.style import (
    FIGURES,
    KPIS,
    NO_DATA,
    OUTLINE,
    OVERDUE_RING,
    STATE_COLOURS,
    colormap,
    kind_colour,
    kind_labels,
    number,
    state_label,
    text,
)
from maps.workload import figure_texts

GRID_TOOLTIP = [
    ("code", "网格编码 Grid code"),
    ("name", "网格 Grid"),
    ("worker", "网格员 Grid worker"),
    ("population", "常住人口 Residents"),
    *FIGURES,
]

# One marker per case row [lat, lon, state, overdue (0/1), tooltip HTML (lines), page URL
# or null]:
# a dot in the state's colour, ringed in red when overdue; a click opens the case's page.
_CASE_MARKER = """function (row) {
    var cls = "gridmgr-case state-" + row[2] + (row[3] ? " overdue" : "");
    var icon = L.divIcon({className: cls, html: "<span></span>", iconSize: [18, 18]});
    var tip = row[4].replace(/\\n/g, "<br>");
    var marker = L.marker([row[0], row[1]], {icon: icon, keyboard: false}).bindTooltip(tip);
    if (row[5]) marker.on("click", function () { window.location.href = row[5]; });
    return marker;
}"""
# Per facility row [lat, lon, radius_m, tooltip HTML]: its catchment circle and a dot.
_FACILITY_DRAW = """function (row, group) {
    L.circle([row[0], row[1]], {radius: row[2], color: %(colour)s, weight: 1, opacity: 0.8,
        fillColor: %(colour)s, fillOpacity: 0.08, interactive: false}).addTo(group);
    L.circleMarker([row[0], row[1]], {radius: 5, color: "#ffffff", weight: 1.5,
        fillColor: %(colour)s, fillOpacity: 1}).bindTooltip(row[3]).addTo(group);
}"""


def case_css() -> str:
    """Styles of the case markers: one colour per workflow state, a red ring when overdue."""
    rules = [
        ".gridmgr-case span { display: block; width: 12px; height: 12px; margin: 1px;"
        " border-radius: 50%; border: 1.5px solid #ffffff; box-shadow: 0 0 2px #000; }",
        f".gridmgr-case.overdue span {{ border: 3px solid {OVERDUE_RING}; margin: -1px; }}",
    ]
    rules += [
        f".gridmgr-case.state-{state} span {{ background: {colour}; }}"
        for state, colour in STATE_COLOURS.items()
    ]
    return "<style>\n" + "\n".join(rules) + "\n</style>"


def _one(community) -> Polygons:
    if hasattr(community, "index") and "geometry" in community.index:  # a GeoDataFrame row
        props = {k: inputs.plain(v) for k, v in community.items() if k != "geometry"}
        community = {
            "type": "Feature",
            "properties": props,
            "geometry": shapely.geometry.mapping(community["geometry"]),
        }
    comm = inputs.polygons(community)
    if len(comm) != 1:
        raise ValueError(f"expected one community, got {len(comm)}")
    return comm


def community_map(
    community,
    grids,
    grid_rows,
    cases,
    facilities,
    *,
    kinds: Mapping | Iterable[str] | None = None,
    workers=None,
    kpi: str = "open",
    basemap: str = "osm",
    tianditu_key: str | None = None,
    inline: bool = False,
    asset_base: str = ASSET_BASE,
    tolerance: float = TOLERANCE,
    case_link: str | None = None,
    case_note: str | None = None,
) -> folium.Map:
    """A community's grids as a choropleth of ``kpi``, its cases and facilities.

    ``community``: one polygon (EPSG:4326) as a GeoJSON Feature, a one-row GeoDataFrame or a
    GeoDataFrame row, with ``code`` and ``name``. ``grids``: polygons as in workload_map;
    only those whose ``community_code`` is the community's are drawn (all, if none has one).
    ``grid_rows``: grid-level workload rows (mapping code -> row, rows, or the report).
    ``cases``: case views (api.views.case_view: ``id, status, category, grid_code,
    location {lon, lat} (WGS84), overdue, due_at...``, and ``category_name``, the category
    as people read it, shown instead of its code); cases without a location are left out.
    They are clustered markers coloured by state, overdue ones ringed in red, and a
    heat layer (off at first). ``facilities``: Facility records, dicts with ``kind, name,
    lon, lat, radius_m`` or GeoJSON Point features; each kind a layer with catchment circles
    (``radius_m``, metres). ``kinds``: the kind catalogue (code -> FacilityKind or label) or
    the kind codes to draw (default: all; labels from data/facilities/kinds.csv).
    ``workers``: grid code -> worker name(s), or worker records with ``home_grid_code``.
    ``kpi``: open (default), received, overdue, open_per_worker, per_1000_residents,
    on_time_rate. A search box finds a grid by its code. ``case_link``: the address of a
    case's page with ``{id}`` for its id (e.g. ``/console/cases/{id}``); a click on a case
    opens it (none by default). ``case_note``: what the case layer holds, said in the
    legend (e.g. "全部在办 58 件 + 最近结案 4,942 件 / all 58 open + latest 4,942 closed").
    Other options as in workload_map.
    """
    if kpi not in KPIS:
        raise ValueError(f"kpi {kpi!r} is not one of {', '.join(KPIS)}")
    options = PageOptions(basemap, tianditu_key, inline, asset_base, tolerance)
    comm = _one(community)
    code = str(comm.props[0].get("code"))
    name = comm.props[0].get("name") or code
    cells = inputs.polygons(grids)
    mine = [str(p.get("community_code")) == code for p in cells.props]
    if any(mine):
        cells = cells.subset(mine)
    comm_geoms = display_geometries(comm.geoms, tolerance, basemap=basemap)
    cell_geoms = display_geometries(cells.geoms, tolerance, basemap=basemap)
    m = new_map(extent(comm_geoms, cell_geoms), f"{name} 社区网格 Community {code}", options)
    figure_of(m).header.add_child(RawHtml(case_css()), name="gridmgr_case_css")

    rows = inputs.rows_by_code(grid_rows)
    spec = KPIS[kpi]
    values = [rows.get(str(p.get("code")), {}).get(kpi) for p in cells.props]
    scale = colormap(spec, values)
    grid_layer = _grid_layer(
        cells, cell_geoms, rows, values, scale, spec.label, inputs.worker_names(workers)
    )
    grid_layer.add_to(m)
    outline = {"color": "#000000", "weight": 3, "fill": False, "opacity": 0.9}
    polygon_layer(
        comm_geoms,
        [{"code": code, "name": text(name)}],
        [outline],
        name=f"社区边界 Community boundary · {text(name)}",
        layer_id="community",
        tooltip=[],
        highlight=False,
    ).add_to(m)
    case_list = inputs.case_rows(cases)
    for layer in _case_layers(case_list, basemap, case_link):
        layer.add_to(m)
    kind_order = _facility_layers(m, inputs.point_rows(facilities), kinds, basemap)
    Search(
        layer=grid_layer,
        search_label="code",
        geom_type="Polygon",
        position="topleft",
        placeholder="网格编码 Grid code",
        collapsed=False,
        color="#000000",
        weight=4,
    ).add_to(m)
    scale.add_to(m)
    KeyLegend(_legend_html(kind_order, kinds, case_note)).add_to(m)
    return finish(m, options)


def _grid_layer(
    cells: Polygons, geoms, rows: dict, values: list, scale, label: str, workers: dict[str, str]
):
    props, styles = [], []
    for p, value in zip(cells.props, values, strict=True):
        code = str(p.get("code"))
        props.append(
            {
                "code": code,
                "name": text(p.get("name")),
                "worker": text(workers.get(code)),
                "population": number(p.get("population")),
                **figure_texts(rows.get(code)),
            }
        )
        styles.append(
            {
                "fillColor": NO_DATA if value is None else scale(value),
                "fillOpacity": 0.7,
                "color": OUTLINE,
                "weight": 1,
                "opacity": 1,
            }
        )
    return polygon_layer(
        geoms, props, styles, name=f"网格 Grids · {label}", layer_id="grids", tooltip=GRID_TOOLTIP
    )


def _case_tooltip(case: dict, linked: bool = False) -> str:
    assignee = (case.get("assignee") or {}).get("name")
    lines = [
        f"<b>案件 Case #{text(case.get('id'))}</b>",
        f"状态 State: {text(state_label(str(case.get('status'))))}",
        f"类别 Category: {text(case.get('category_name') or case.get('category'))}",
        f"网格 Grid: {text(case.get('grid_code'))}",
        f"处置人 Assignee: {text(assignee)}",
        f"期限 Due: {text(case.get('due_at'))}",
    ]
    if case.get("overdue"):
        lines.append('<b style="color:#e31a1c">超期 Overdue</b>')
    if linked:
        lines.append("点击查看案件 Click to open the case")
    return "\n".join(lines)  # lines: the marker turns each into <br> (a shorter page)


def _case_layers(cases: list[dict], basemap: str, case_link: str | None = None) -> list:
    if not cases:
        return []
    lon, lat = shift_points([c["lon"] for c in cases], [c["lat"] for c in cases], basemap)
    lat, lon = np.round(lat, 6).tolist(), np.round(lon, 6).tolist()
    rows = [
        [
            y,
            x,
            str(c.get("status")),
            1 if c.get("overdue") else 0,
            _case_tooltip(c, case_link is not None),
            None if case_link is None else case_link.format(id=int(c["id"])),
        ]
        for y, x, c in zip(lat, lon, cases, strict=True)
    ]
    clusters = ClusterRows(
        rows,
        _CASE_MARKER,
        name=f"案件 Cases ({len(rows)})",
        layer_id="cases",
        max_cluster_radius=40,
    )
    heat = RowsHeat(
        clusters,
        name="案件热力 Case heat",
        show=False,
        radius=22,
        blur=18,
        min_opacity=0.3,
        gridmgr_layer="heat",
    )
    return [clusters, heat]


def _labels(kinds) -> dict[str, str]:
    labels = dict(kind_labels())
    if isinstance(kinds, Mapping):
        for code, kind in kinds.items():
            labels[code] = kind if isinstance(kind, str) else f"{kind.name_zh} {kind.name_en}"
    return labels


def _facility_layers(m: folium.Map, facilities: list[dict], kinds, basemap: str) -> list[str]:
    wanted = None if kinds is None else {str(k) for k in kinds}
    facilities = [f for f in facilities if wanted is None or str(f.get("kind")) in wanted]
    order = sorted({str(f.get("kind")) for f in facilities})
    labels = _labels(kinds)
    for kind in order:
        group = [f for f in facilities if str(f.get("kind")) == kind]
        lon, lat = shift_points([f["lon"] for f in group], [f["lat"] for f in group], basemap)
        rows = []
        for f, x, y in zip(group, lon.tolist(), lat.tolist(), strict=True):
            tip = (
                f"<b>{text(f.get('name'))}</b><br>{text(labels.get(kind, kind))}<br>"
                f"服务半径 Radius: {number(f.get('radius_m'))} m"
            )
            if f.get("capacity") is not None:
                tip += f"<br>容量 Capacity: {number(f.get('capacity'))}"
            if f.get("opening"):
                tip += f"<br>开放时间 Opening: {text(f.get('opening'))}"
            rows.append([round(y, 6), round(x, 6), float(f.get("radius_m") or 0), tip])
        colour = kind_colour(kind, order)
        RowsLayer(
            rows,
            _FACILITY_DRAW % {"colour": f'"{colour}"'},
            name=f"设施 {text(labels.get(kind, kind))} ({len(rows)})",
            layer_id=f"facilities:{kind}",
        ).add_to(m)
    return order


def _legend_html(kind_order: list[str], kinds, case_note: str | None = None) -> str:
    labels = _labels(kinds)
    parts = ["<b>案件状态 Case state</b><br>"]
    if case_note:
        parts.append(f'<span class="gridmgr-case-note">{text(case_note)}</span><br>')
    parts += [swatch(colour, text(state_label(state))) for state, colour in STATE_COLOURS.items()]
    parts.append(swatch("#ffffff", "超期 Overdue (red ring)", ring=OVERDUE_RING))
    if kind_order:
        parts.append("<b>服务设施 Facilities</b><br>")
        parts += [swatch(kind_colour(k, kind_order), text(labels.get(k, k))) for k in kind_order]
    return "".join(parts)
