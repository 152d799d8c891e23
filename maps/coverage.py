"""The service coverage map: grids by covered share, catchments, underserved grids, new sites."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import folium
from branca.element import MacroElement
from folium.template import Template

from maps import inputs
from maps.assets import ASSET_BASE
from maps.inputs import Polygons
from maps.page import (
    KeyLegend,
    PageOptions,
    RowsLayer,
    defuse,
    extent,
    finish,
    new_map,
    polygon_layer,
    swatch,
)
from maps.shift import shift_points
from maps.simplify import TOLERANCE, display_geometries
from maps.style import (
    NO_DATA,
    OUTLINE,
    SITE_COLOUR,
    UNDERSERVED,
    kind_colour,
    kind_labels,
    number,
    share_colormap,
    text,
)

GRID_TOOLTIP = [
    ("code", "网格编码 Grid code"),
    ("name", "网格 Grid"),
    ("community", "社区 Community"),
    ("population", "常住人口 Residents"),
    ("share", "覆盖比例 Covered share"),
    ("covered", "覆盖人口 Covered residents"),
    ("underserved", "服务不足 Underserved"),
]

_FACILITY_DRAW = """function (row, group) {
    L.circle([row[0], row[1]], {radius: row[2], color: %(colour)s, weight: 1, opacity: 0.9,
        fillColor: %(colour)s, fillOpacity: 0.06, interactive: false}).addTo(group);
    L.circleMarker([row[0], row[1]], {radius: 5, color: "#ffffff", weight: 1.5,
        fillColor: %(colour)s, fillOpacity: 1}).bindTooltip(row[3]).addTo(group);
}"""
_SITE_DRAW = """function (row, group) {
    L.circle([row[0], row[1]], {radius: row[2], color: %(colour)s, weight: 2, dashArray: "6 4",
        fill: false, interactive: false}).addTo(group);
    var icon = L.divIcon({className: "gridmgr-site", iconSize: [22, 22],
        html: '<span style="color:' + %(colour)s + ';font-size:22px;line-height:22px;' +
              'text-shadow:0 0 2px #fff">&#9733;</span>'});
    L.marker([row[0], row[1]], {icon: icon, keyboard: false}).bindTooltip(row[3]).addTo(group);
}"""


class CoverageForm(MacroElement):
    """A form on the map that asks for the page again with another kind, radius, threshold
    or number of sites (GET). An empty field is left out of the address (the default)."""

    _template = Template("""{% macro script(this, kwargs) %}
    var {{ this.get_name() }} = L.control({position: "topleft"});
    {{ this.get_name() }}.onAdd = function () {
        var div = L.DomUtil.create("div", "gridmgr-key gridmgr-form");
        div.innerHTML = {{ this.html|tojson }};
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        var form = div.querySelector("form");
        form.elements.kind.addEventListener("change", function () {
            form.elements.radius_m.value = "";  // the new kind's own radius
        });
        form.addEventListener("submit", function () {
            Array.prototype.forEach.call(form.elements, function (e) {
                if (e.name && e.value === "") e.disabled = true;
            });
        });
        return div;
    };
    {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
{% endmacro %}""")

    def __init__(self, markup: str) -> None:
        super().__init__()
        self._name = "CoverageForm"
        self.html = defuse(markup)


def _form_html(action: str, report: Mapping, labels: Mapping[str, str], sites: int) -> str:
    kind = report.get("kind")
    options = "".join(
        f'<option value="{text(code)}"{" selected" if code == kind else ""}>{text(label)}</option>'
        for code, label in labels.items()
    )
    radius = report.get("radius_m")
    radius_value = "" if radius is None else f"{float(radius):g}"
    threshold = report.get("threshold")
    threshold_value = "" if threshold is None else f"{float(threshold):g}"
    return (
        f'<form method="get" action="{text(action)}" id="coverage-form">'
        "<b>覆盖分析 Coverage analysis</b><br>"
        f'<label>设施类型 Kind<br><select name="kind">{options}</select></label><br>'
        '<label>服务半径 Radius (m)<br><input type="number" name="radius_m" min="1" '
        f'max="50000" step="any" value="{radius_value}" placeholder="默认 default"></label><br>'
        '<label>不足阈值 Underserved below (0–1)<br><input type="number" name="threshold" '
        f'min="0" max="1" step="0.05" value="{threshold_value}"></label><br>'
        '<label>建议新址数 New sites (0–20)<br><input type="number" name="sites" min="0" '
        f'max="20" step="1" value="{int(sites)}"></label><br>'
        '<button type="submit">更新 Update</button>'
        "</form>"
    )


def coverage_map(
    grids,
    coverage_report: Mapping,
    facilities,
    *,
    sites: Mapping | Iterable | None = None,
    form_action: str | None = None,
    basemap: str = "osm",
    tianditu_key: str | None = None,
    inline: bool = False,
    asset_base: str = ASSET_BASE,
    tolerance: float = TOLERANCE,
) -> folium.Map:
    """Grids coloured by covered share, facilities' catchment circles, underserved grids in
    thick red, and suggested new sites if given.

    ``grids``: polygons (EPSG:4326) as in workload_map, with ``code`` and ``name``.
    ``coverage_report``: geo.analytics.reports.coverage_report()'s dict: ``kind``,
    ``radius_m``, ``threshold``, ``grids`` (code, community_code, population,
    covered_area_share, covered_population), ``communities`` (code, name...),
    ``underserved`` (grid codes), ``population``, ``covered_population``. ``facilities``:
    as in community_map; only those of the report's kind are drawn, each with a circle of
    the report's ``radius_m`` (the radius the figures were computed with; a facility's own
    ``radius_m`` when the report has none). ``sites``: the siting report
    (geo.analytics.reports.siting_report: ``sites`` with lon, lat, grid_code, gain, and
    ``radius_m``) or a list of such sites: starred markers with dashed catchment circles.
    ``form_action``: the page's address (e.g. ``/maps/coverage``): a form on the map asks it
    again with another facility kind, radius, threshold or number of sites (none by
    default: a page written to a file has nowhere to ask). Other options as in workload_map.
    """
    options = PageOptions(basemap, tianditu_key, inline, asset_base, tolerance)
    cells = inputs.polygons(grids)
    geoms = display_geometries(cells.geoms, tolerance, basemap=basemap)
    kind = coverage_report.get("kind")
    label = kind_labels().get(kind, kind) if kind else "服务设施 Facilities"
    m = new_map(extent(geoms), f"服务覆盖 Service coverage · {label}", options)

    by_code = {str(g["code"]): g for g in coverage_report.get("grids", [])}
    names = {str(c.get("code")): c.get("name") for c in coverage_report.get("communities", [])}
    low = {str(code) for code in coverage_report.get("underserved", [])}
    scale = share_colormap()
    grid_layer = _grid_layer(cells, geoms, by_code, names, low, scale)
    grid_layer.add_to(m)
    keep = [str(p.get("code")) in low for p in cells.props]
    outline = {"color": UNDERSERVED, "weight": 3.5, "opacity": 1, "fill": False}
    polygon_layer(
        geoms[keep],
        [{"code": str(p.get("code"))} for p in cells.subset(keep).props],
        [outline] * sum(keep),
        name=f"服务不足网格 Underserved grids ({sum(keep)})",
        layer_id="underserved",
        tooltip=[("code", "服务不足 Underserved")],
        highlight=False,
        geometry_of=grid_layer,  # the same shapes: not written into the page twice
    ).add_to(m)

    radius = coverage_report.get("radius_m")
    points = [
        f for f in inputs.point_rows(facilities) if kind is None or f.get("kind") in (None, kind)
    ]
    colour = kind_colour(kind, [kind]) if kind else OUTLINE
    _points_layer(
        points,
        radius,
        basemap,
        _FACILITY_DRAW,
        colour,
        "facilities",
        f"设施 {text(label)} ({len(points)})",
        _facility_tip,
    ).add_to(m)
    site_rows = inputs.point_rows(sites.get("sites") if isinstance(sites, Mapping) else sites)
    site_radius = sites.get("radius_m", radius) if isinstance(sites, Mapping) else radius
    if site_rows:
        _points_layer(
            site_rows,
            site_radius,
            basemap,
            _SITE_DRAW,
            SITE_COLOUR,
            "sites",
            f"建议新址 Suggested sites ({len(site_rows)})",
            _site_tip,
        ).add_to(m)
    scale.add_to(m)
    KeyLegend(_legend_html(coverage_report, label, colour, bool(site_rows))).add_to(m)
    if form_action is not None:
        CoverageForm(
            _form_html(form_action, coverage_report, kind_labels(), len(site_rows))
        ).add_to(m)
    return finish(m, options)


def _grid_layer(cells: Polygons, geoms, by_code: dict, names: dict, low: set, scale):
    props, styles = [], []
    for p in cells.props:
        code = str(p.get("code"))
        row = by_code.get(code, {})
        share = row.get("covered_area_share")
        props.append(
            {
                "code": code,
                "name": text(p.get("name")),
                "community": text(
                    names.get(str(row.get("community_code") or p.get("community_code")))
                ),
                "population": number(row.get("population", p.get("population"))),
                "share": number(share, percent=True),
                "covered": number(
                    None
                    if row.get("covered_population") is None
                    else round(float(row["covered_population"]))
                ),
                "underserved": "是 yes" if code in low else "否 no",
            }
        )
        styles.append(
            {
                "fillColor": NO_DATA if share is None else scale(share),
                "fillOpacity": 0.75,
                "color": OUTLINE,
                "weight": 0.6,
                "opacity": 0.8,
            }
        )
    return polygon_layer(
        geoms, props, styles, name="网格覆盖 Grid coverage", layer_id="grids", tooltip=GRID_TOOLTIP
    )


def _facility_tip(f: dict, radius: float) -> str:
    return f"<b>{text(f.get('name'))}</b><br>服务半径 Radius: {number(radius)} m"


def _site_tip(s: dict, radius: float) -> str:
    return (
        f"<b>建议新址 Suggested site</b><br>网格 Grid: {text(s.get('grid_code'))}<br>"
        f"新增覆盖 Residents gained: {number(s.get('gain'))}<br>"
        f"服务半径 Radius: {number(radius)} m"
    )


def _points_layer(
    points: list[dict], radius, basemap: str, draw: str, colour: str, layer_id: str, name: str, tip
) -> RowsLayer:
    lon, lat = shift_points([p["lon"] for p in points], [p["lat"] for p in points], basemap)
    rows = []
    for p, x, y in zip(points, lon.tolist(), lat.tolist(), strict=True):
        r = float(radius if radius is not None else p.get("radius_m") or 0)
        rows.append([round(y, 6), round(x, 6), r, tip(p, r)])
    return RowsLayer(rows, draw % {"colour": f'"{colour}"'}, name=name, layer_id=layer_id)


def _legend_html(report: Mapping, label: str, colour: str, with_sites: bool) -> str:
    population, covered = report.get("population"), report.get("covered_population")
    share = covered / population if population and covered is not None else None
    threshold = number(report.get("threshold"), percent=True)
    parts = [
        f"<b>{text(label)}</b><br>",
        f"服务半径 Radius: {number(report.get('radius_m'))} m<br>",
        f"覆盖人口 Covered residents: {number(None if covered is None else round(covered))}"
        f" / {number(population)} ({number(share, percent=True)})<br>",
        swatch(colour, "设施及服务范围 Facility and catchment"),
        swatch("#ffffff", f"服务不足 Underserved (&lt; {threshold})", box=True, ring=UNDERSERVED),
    ]
    if with_sites:
        parts.append(swatch(SITE_COLOUR, "建议新址 Suggested site (★)"))
    return "".join(parts)
