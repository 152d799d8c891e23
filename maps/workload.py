"""The district workload map: communities coloured by a workload KPI, grids as outlines."""

from __future__ import annotations

import folium
import numpy as np
import shapely

from maps import inputs
from maps.assets import ASSET_BASE, RawHtml, figure_of
from maps.inputs import Polygons, polygons
from maps.page import PageOptions, RowsLayer, extent, finish, new_map, polygon_layer
from maps.simplify import TOLERANCE, display_geometries
from maps.style import FIGURES, KPIS, NO_DATA, OUTLINE, colormap, number, text

COMMUNITY_TOOLTIP = [
    ("name", "社区 Community"),
    ("code", "编码 Code"),
    ("population", "常住人口 Residents"),
    *FIGURES,
]
# A grid's tooltip names its community and shows the community's figures: the grid layer
# lies over the communities, so it must answer for them.
COMMUNITY_FIGURES = [
    (f"community_{field}", f"社区{label.split(' ', 1)[0]} Community: {label.split(' ', 1)[1]}")
    for field, label in FIGURES
]
GRID_TOOLTIP = [
    ("code", "网格编码 Grid code"),
    ("name", "网格 Grid"),
    ("community_name", "社区 Community"),
    *COMMUNITY_FIGURES,
]
# Per community row [lat, lon, name (escaped)]: its name at a point inside it.
_LABEL_DRAW = """function (row, group) {
    L.marker([row[0], row[1]], {interactive: false, keyboard: false,
        icon: L.divIcon({className: "gridmgr-label", html: row[2], iconSize: null})
    }).addTo(group);
}"""
LABEL_CSS = """<style>
.gridmgr-label { white-space: nowrap; transform: translate(-50%, -50%); font: bold 12px/1.2
  "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; color: #222; pointer-events: none;
  text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff; }
</style>"""
CHOROPLETH_KPIS = ("open_per_worker", "per_1000_residents", "on_time_rate")


def figure_texts(row: dict | None) -> dict[str, str]:
    """A workload row's figures as tooltip text (FIGURES fields); "—" where there is none."""
    row = row or {}
    return {field: number(row.get(field), percent=field == "on_time_rate") for field, _ in FIGURES}


def workload_map(
    communities,
    grids,
    rows_by_code,
    *,
    kpi: str = "open_per_worker",
    basemap: str = "osm",
    tianditu_key: str | None = None,
    inline: bool = False,
    asset_base: str = ASSET_BASE,
    tolerance: float = TOLERANCE,
    title: str = "网格工作量 Workload by community",
) -> folium.Map:
    """Communities as a choropleth of ``kpi``, with a legend, and a toggleable grid layer.

    ``communities`` and ``grids``: polygons in EPSG:4326 (lon, lat), as a GeoDataFrame
    (geo.boundaries.read.read_boundary_set) or GeoJSON features (api.boundary_cache) with
    properties ``code`` and ``name`` (communities may have ``population``; grids
    ``community_code``). ``rows_by_code``: community-level workload rows
    (geo.analytics.workload / the workload report's ``rows``) as a mapping code -> row, an
    iterable of rows, or the whole report. ``kpi``: open_per_worker (default),
    per_1000_residents or on_time_rate (also open, received, overdue). Tooltips show each
    community's name, code and figures from the rows, exactly as given; a grid's tooltip
    names its community and shows the same figures. A layer writes each community's name
    on the map. ``basemap``: osm,
    tianditu (needs ``tianditu_key``), gaode (overlays shifted to GCJ-02 for display) or
    none. ``inline``/``asset_base``: see maps.assets. ``tolerance``: display simplification
    in degrees (maps.simplify; 0 keeps every vertex). ``title``: the page's (e.g. naming the
    district).
    """
    if kpi not in KPIS:
        raise ValueError(f"kpi {kpi!r} is not one of {', '.join(KPIS)}")
    options = PageOptions(basemap, tianditu_key, inline, asset_base, tolerance)
    comms, cells = polygons(communities), polygons(grids)
    rows = inputs.rows_by_code(rows_by_code)
    comm_geoms = display_geometries(comms.geoms, tolerance, basemap=basemap)
    cell_geoms = display_geometries(cells.geoms, tolerance, basemap=basemap)
    m = new_map(extent(comm_geoms, cell_geoms), title, options)

    spec = KPIS[kpi]
    codes = [str(p.get("code")) for p in comms.props]
    values = [rows.get(code, {}).get(kpi) for code in codes]
    scale = colormap(spec, values)
    _community_layer(comms, comm_geoms, rows, values, scale, spec.label).add_to(m)
    names = {
        c: p.get("name") or rows.get(c, {}).get("name")
        for c, p in zip(codes, comms.props, strict=True)
    }
    _grid_layer(cells, cell_geoms, names, rows).add_to(m)
    _label_layer(codes, comm_geoms, names).add_to(m)
    figure_of(m).header.add_child(RawHtml(LABEL_CSS), name="gridmgr_label_css")
    scale.add_to(m)
    return finish(m, options)


def _label_layer(codes: list[str], geoms, names: dict) -> RowsLayer:
    """The communities' names, each at a point inside its polygon (display degrees)."""
    rows: list[list[float | str]] = []
    if len(codes):
        points = shapely.point_on_surface(np.asarray(geoms, dtype=object))
        rows = [
            [round(float(pt.y), 6), round(float(pt.x), 6), text(names.get(code) or code)]
            for code, pt in zip(codes, points, strict=True)
            if pt is not None and not pt.is_empty
        ]
    return RowsLayer(rows, _LABEL_DRAW, name="社区名称 Community names", layer_id="labels")


def _community_layer(comms: Polygons, geoms, rows: dict, values: list, scale, label: str):
    props, styles = [], []
    for p, value in zip(comms.props, values, strict=True):
        code = str(p.get("code"))
        row = rows.get(code, {})
        props.append(
            {
                "code": code,
                "name": text(p.get("name") or row.get("name")),
                "population": number(p.get("population")),
                **figure_texts(row),
            }
        )
        fill = NO_DATA if value is None else scale(value)
        styles.append(
            {"fillColor": fill, "fillOpacity": 0.75, "color": OUTLINE, "weight": 1.2, "opacity": 1}
        )
    return polygon_layer(
        geoms,
        props,
        styles,
        name=f"社区 Communities · {label}",
        layer_id="communities",
        tooltip=COMMUNITY_TOOLTIP,
    )


def _grid_layer(cells: Polygons, geoms, community_names: dict, rows: dict):
    props = []
    for p in cells.props:
        community = str(p.get("community_code"))
        figures = figure_texts(rows.get(community))
        props.append(
            {
                "code": str(p.get("code")),
                "name": text(p.get("name")),
                "community_name": text(community_names.get(community)),
                **{f"community_{k}": v for k, v in figures.items()},
            }
        )
    style = {"color": "#3a3a3a", "weight": 0.5, "opacity": 0.7, "fill": False}
    return polygon_layer(
        geoms,
        props,
        [style] * len(props),
        name="网格 Grids (outlines)",
        layer_id="grids",
        tooltip=GRID_TOOLTIP,
        highlight=False,
    )
