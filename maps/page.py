"""What every map page shares: the frame (basemap, scale bar, full screen, layer control,
local assets), polygon layers with tooltips, and small HTML legends.

Coordinates given to these helpers are display coordinates: WGS84 (lon, lat) degrees, or
GCJ-02 degrees on the gaode basemap (see maps.shift); Leaflet draws them in Web Mercator.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass

import folium
import numpy as np
import shapely
from branca.element import Element, MacroElement
from folium.map import Layer
from folium.plugins import Fullscreen, HeatMap, MarkerCluster
from folium.template import Template
from folium.utilities import JsCode

from maps.assets import ASSET_BASE, RawHtml, figure_of, localize
from maps.basemaps import add_basemap, get_basemap
from maps.simplify import TOLERANCE, geojson_texts

PAGE_CSS = """<style>
.gridmgr-key { background: #fff; padding: 6px 8px; font: 12px/18px sans-serif;
  border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,.3); }
.gridmgr-key i { display: inline-block; width: 12px; height: 12px; margin-right: 6px;
  vertical-align: -1px; border-radius: 50%; }
.gridmgr-key i.box { border-radius: 0; }
.gridmgr-form input, .gridmgr-form select { width: 13em; margin-bottom: 2px; }
.leaflet-tooltip table th { text-align: left; padding-right: 8px; font-weight: normal;
  color: #555; }
</style>"""
WORLD_BOUNDS = (-180.0, -60.0, 180.0, 75.0)  # display degrees: shown when there is nothing
NO_TILES_CSS = "<style>.folium-map.leaflet-container { background: #f2f1ec; }</style>"

# Restores a polygon's own style (kept in its properties) after the mouse leaves it.
_STYLE_FROM_PROPERTIES = JsCode("function (feature) { return feature.properties.style; }")
_HIGHLIGHT = JsCode("""function (feature, layer) {
    layer.on("mouseover", function (e) { e.target.setStyle({weight: 3, color: "#000000"}); });
    layer.on("mouseout", function (e) { e.target.setStyle(feature.properties.style); });
}""")


@dataclass(frozen=True)
class PageOptions:
    """How a page is drawn and where its assets come from (see each map function)."""

    basemap: str = "osm"
    tianditu_key: str | None = None
    inline: bool = False
    asset_base: str = ASSET_BASE
    tolerance: float = TOLERANCE


class AttributionPrefix(MacroElement):
    """Plain-text attribution prefix (Leaflet's own is a link to its web site)."""

    _template = Template("""{% macro script(this, kwargs) %}
    {{ this._parent.get_name() }}.attributionControl.setPrefix({{ this.prefix|tojson }});
{% endmacro %}""")

    def __init__(self, prefix: str = "Leaflet") -> None:
        super().__init__()
        self._name = "AttributionPrefix"
        self.prefix = prefix


class KeyLegend(MacroElement):
    """A small legend control from ready HTML (the caller escapes any text in it)."""

    _template = Template("""{% macro script(this, kwargs) %}
    var {{ this.get_name() }} = L.control({position: {{ this.position|tojson }}});
    {{ this.get_name() }}.onAdd = function () {
        var div = L.DomUtil.create("div", "gridmgr-key");
        div.innerHTML = {{ this.html|tojson }};
        return div;
    };
    {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
{% endmacro %}""")

    def __init__(self, markup: str, position: str = "bottomleft") -> None:
        super().__init__()
        self._name = "KeyLegend"
        self.html = defuse(markup)
        self.position = position


def extent(*layers) -> tuple[float, float, float, float]:
    """Bounds (minx, miny, maxx, maxy) of the first non-empty array of geometries given;
    the whole world's when all are empty (a map is centred on what it draws)."""
    for geoms in layers:
        if len(geoms):
            minx, miny, maxx, maxy = shapely.total_bounds(geoms)
            return float(minx), float(miny), float(maxx), float(maxy)
    return WORLD_BOUNDS


def new_map(bounds, title: str, options: PageOptions) -> folium.Map:
    """A map fitted to ``bounds`` (minx, miny, maxx, maxy display degrees) with the basemap,
    a metric scale bar and a full-screen button."""
    get_basemap(options.basemap)  # fails early on an unknown name
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    if not all(map(math.isfinite, (minx, miny, maxx, maxy))):  # nothing to draw
        minx, miny, maxx, maxy = WORLD_BOUNDS
    m = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        zoom_start=13,
        tiles=None,
        control_scale=True,
    )
    m.options["max_zoom"] = 19  # the map's own limit (clusters need one even without tiles)
    add_basemap(m, options.basemap, tianditu_key=options.tianditu_key)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    Fullscreen(
        position="topleft", title="全屏 Full screen", title_cancel="退出全屏 Exit full screen"
    ).add_to(m)
    AttributionPrefix().add_to(m)
    figure = figure_of(m)
    figure.title = html.escape(title)
    figure.header.add_child(RawHtml(PAGE_CSS), name="gridmgr_css")
    if options.basemap == "none":
        figure.header.add_child(RawHtml(NO_TILES_CSS), name="gridmgr_no_tiles")
    return m


def defuse(markup: str) -> str:
    """HTML text with its braces as character references.

    folium reads each element's rendered script as a Jinja template, so text that reaches a
    script through folium (layer names, legends) must hold no "{{" or "{%"; shown as HTML,
    the references are braces again.
    """
    return markup.replace("{", "&#123;").replace("}", "&#125;")


def finish(m: folium.Map, options: PageOptions) -> folium.Map:
    """Add the layer control and point every script and stylesheet at local copies."""
    stack: list[Element] = [m]
    while stack:
        element = stack.pop()
        stack.extend(element._children.values())
        if isinstance(element, Layer) and isinstance(element.layer_name, str):
            element.layer_name = defuse(element.layer_name)
    folium.LayerControl(position="topright", collapsed=False).add_to(m)
    return localize(m, inline=options.inline, asset_base=options.asset_base)


def script_json(value) -> str:
    """JSON text safe inside a ``<script>`` element (``<``, ``>``, ``&`` as escapes)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class DataGeoJson(folium.GeoJson):
    """A folium.GeoJson whose features go into the page as JSON text, after the layer.

    folium puts a layer's data into its script and then reads the whole script as a Jinja
    template (slow for a district of grids, and wrong for text holding "{{"). Here the
    template sees one empty feature (no geometry: Leaflet skips it) that names the property
    keys, which GeoJsonTooltip and Search check; the real features follow as plain text.
    """

    def __init__(
        self,
        features_json: str,
        keys: list[str],
        geometry_of: folium.GeoJson | None = None,
        **kwargs,
    ) -> None:
        sample = {"type": "Feature", "properties": dict.fromkeys(keys), "geometry": None}
        super().__init__({"type": "FeatureCollection", "features": [sample]}, **kwargs)
        self._features_json = features_json
        self._geometry_of = geometry_of

    def render(self, **kwargs) -> str:
        super().render(**kwargs)
        fill = ""
        if self._geometry_of is not None:  # each feature's geometry: the source's of its id
            source = self._geometry_of.get_name()
            fill = (
                ".map(function (src) { var byId = {}; src.eachLayer(function (l) "
                "{ byId[l.feature.id] = l.feature.geometry; }); return function (f) "
                f"{{ f.geometry = byId[f.id] || null; return f; }}; }}({source}))"
            )
        figure_of(self).script.add_child(
            RawHtml(f"{self.get_name()}_add({self._features_json}{fill});"),
            name=self.get_name() + "_data",
        )
        return ""


class RowsLayer(folium.FeatureGroup):
    """A feature group filled in the browser: ``draw(row, group)`` (JavaScript) for each row.

    Rows are written as JSON text after the group's script (not through Jinja): numbers,
    and text already escaped for HTML where it is shown as HTML.
    """

    def __init__(
        self, rows: list, draw_js: str, *, name: str, layer_id: str, show: bool = True
    ) -> None:
        super().__init__(name=name, show=show)
        self._rows, self._draw_js, self._layer_id = rows, draw_js, layer_id

    def render(self, **kwargs) -> str:
        super().render(**kwargs)
        # L.featureGroup(layers, options) takes no options first: set the id afterwards.
        figure_of(self).script.add_child(
            RawHtml(
                f"(function (group) {{ group.options.gridmgrLayer = "
                f"{script_json(self._layer_id)}; var draw = {self._draw_js}; var rows = "
                f"{script_json(self._rows)}; for (var i = 0; i < rows.length; i++) "
                f"{{ draw(rows[i], group); }} }})({self.get_name()});"
            ),
            name=self.get_name() + "_rows",
        )
        return ""


class ClusterRows(MarkerCluster):
    """A Leaflet.markercluster group filled in the browser: ``marker(row)`` (JavaScript)
    makes one marker per row; rows as in RowsLayer. The group keeps its rows (JavaScript
    ``group.gridmgrRows``) for other layers of the same points (RowsHeat)."""

    def __init__(
        self, rows: list, marker_js: str, *, name: str, layer_id: str, show: bool = True, **options
    ) -> None:
        super().__init__(name=name, show=show, gridmgr_layer=layer_id, **options)
        self._rows, self._marker_js = rows, marker_js

    def render(self, **kwargs) -> str:
        super().render(**kwargs)
        figure_of(self).script.add_child(
            RawHtml(
                f"(function (cluster) {{ var marker = {self._marker_js}; var rows = "
                f"{script_json(self._rows)}; cluster.gridmgrRows = rows; "
                f"cluster.addLayers(rows.map(marker)); }})({self.get_name()});"
            ),
            name=self.get_name() + "_rows",
        )
        return ""


class RowsHeat(HeatMap):
    """A heat layer of a ClusterRows' points (each row's first two items, lat and lon), read
    in the browser from the rows already on the page rather than written out again. Add it
    to the map after ``source``."""

    _template = Template("""{% macro script(this, kwargs) %}
    var {{ this.get_name() }} = L.heatLayer(
        {{ this.source.get_name() }}.gridmgrRows.map(function (r) { return [r[0], r[1]]; }),
        {{ this.options|tojavascript }}
    );
{% endmacro %}""")

    def __init__(self, source: ClusterRows, **kwargs) -> None:
        super().__init__([], **kwargs)
        self.source = source


def polygon_layer(
    geoms: np.ndarray,
    props: list[dict],
    styles: list[dict],
    *,
    name: str,
    layer_id: str,
    tooltip: list[tuple[str, str]],
    show: bool = True,
    highlight: bool = True,
    geometry_of: folium.GeoJson | None = None,
) -> folium.GeoJson:
    """A GeoJSON layer of display geometries, one style per feature (kept in its properties,
    so no per-feature style code is generated), with a tooltip of ``(property, label)``
    rows. ``props`` values shown in tooltips are ready, escaped text. Features get ``id`` =
    their ``code`` property; the layer's Leaflet options carry ``gridmgrLayer: layer_id``.
    ``geometry_of``: a layer already on the page that has a feature of each id; then the
    geometries are not written again but taken from it in the browser (``geoms`` unused)."""
    props = [{**p, "style": s} for p, s in zip(props, styles, strict=True)]
    texts: Sequence[str] = ["null"] * len(props)
    if geometry_of is None and len(props):
        texts = geojson_texts(geoms)
    features_json = (
        "["
        + ",".join(
            f'{{"type":"Feature","id":{script_json(p.get("code"))},'
            f'"properties":{script_json(p)},"geometry":{t}}}'
            for p, t in zip(props, texts, strict=True)
        )
        + "]"
    )
    layer = DataGeoJson(
        features_json,
        list(props[0]) if props else [],
        name=name,
        show=show,
        geometry_of=geometry_of,
        on_each_feature=_HIGHLIGHT if highlight else None,
        style=_STYLE_FROM_PROPERTIES,
        gridmgr_layer=layer_id,
    )
    if tooltip and props:
        folium.GeoJsonTooltip(
            fields=[f for f, _ in tooltip], aliases=[a for _, a in tooltip], sticky=True
        ).add_to(layer)
    return layer


def swatch(colour: str, label: str, *, box: bool = False, ring: str | None = None) -> str:
    """One legend line: a coloured dot (or box) and a label (``label`` is escaped already)."""
    border = f"border:3px solid {ring};" if ring else ""
    cls = ' class="box"' if box else ""
    return f'<i{cls} style="background:{colour};{border}"></i>{label}<br>'
