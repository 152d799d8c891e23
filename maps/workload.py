"""The district workload map: communities coloured by a workload KPI, grids as outlines."""

from __future__ import annotations

import folium

from maps import inputs
from maps.assets import ASSET_BASE
from maps.inputs import Polygons, polygons
from maps.page import PageOptions, extent, finish, new_map, polygon_layer
from maps.simplify import TOLERANCE, display_geometries
from maps.style import FIGURES, KPIS, NO_DATA, OUTLINE, colormap, number, text

COMMUNITY_TOOLTIP = [
    ("name", "社区 Community"),
    ("code", "编码 Code"),
    ("population", "常住人口 Residents"),
    *FIGURES,
]
GRID_TOOLTIP = [
    ("code", "网格编码 Grid code"),
    ("name", "网格 Grid"),
    ("community_name", "社区 Community"),
]
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
    community's name, code and figures from the rows, exactly as given. ``basemap``: osm,
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
    _grid_layer(
        cells, cell_geoms, {c: p.get("name") for c, p in zip(codes, comms.props, strict=True)}
    ).add_to(m)
    scale.add_to(m)
    return finish(m, options)


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


def _grid_layer(cells: Polygons, geoms, community_names: dict):
    props = [
        {
            "code": str(p.get("code")),
            "name": text(p.get("name")),
            "community_name": text(community_names.get(str(p.get("community_code")))),
        }
        for p in cells.props
    ]
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
