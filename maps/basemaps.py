"""Basemaps: OpenStreetMap, Tianditu (天地图), Gaode (高德) or none.

All are Web Mercator tiles (Leaflet's EPSG:3857). OpenStreetMap and Tianditu's ``_w`` layers
are drawn in WGS84 (CGCS2000 is within centimetres of it); Gaode's tiles are GCJ-02, so every
overlay coordinate is shifted WGS84 → GCJ-02 for display on them (maps.shift). "none" draws
no tiles at all: the grids themselves are the map, and the page makes no request outside.
Attributions are plain text (no links), so the page names no host but the tile server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import folium


@dataclass(frozen=True)
class TileSource:
    name: str  # shown in the layer control
    template: str  # Leaflet URL template
    attribution: str
    subdomains: str | None = None
    overlay: bool = False
    max_zoom: int = 18


@dataclass(frozen=True)
class Basemap:
    key: str
    label: str
    display_crs: str  # "wgs84" or "gcj02": what overlay coordinates are shifted to
    tiles: tuple[TileSource, ...]


_TIANDITU = (
    "https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
    "&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={{tk}}"
)
_TIANDITU_ATTR = "天地图 Tianditu © 国家地理信息公共服务平台"

BASEMAPS = {
    "osm": Basemap(
        "osm",
        "OpenStreetMap",
        "wgs84",
        (
            TileSource(
                "OpenStreetMap",
                "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                "© OpenStreetMap contributors",
                max_zoom=19,
            ),
        ),
    ),
    "tianditu": Basemap(
        "tianditu",
        "天地图 Tianditu",
        "wgs84",
        (
            TileSource(
                "天地图 矢量 Tianditu",
                _TIANDITU.format(layer="vec"),
                _TIANDITU_ATTR,
                subdomains="01234567",
            ),
            TileSource(
                "天地图 注记 Labels",
                _TIANDITU.format(layer="cva"),
                _TIANDITU_ATTR,
                subdomains="01234567",
                overlay=True,
            ),
        ),
    ),
    "gaode": Basemap(
        "gaode",
        "高德地图 Gaode",
        "gcj02",
        (
            TileSource(
                "高德地图 Gaode",
                "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1"
                "&style=8&x={x}&y={y}&z={z}",
                "© 高德地图 AutoNavi",
                subdomains="1234",
            ),
        ),
    ),
    "none": Basemap("none", "无底图 No basemap", "wgs84", ()),
}


def get_basemap(key: str) -> Basemap:
    """The basemap called ``key`` (osm, tianditu, gaode, none); ValueError for another."""
    try:
        return BASEMAPS[key]
    except KeyError:
        raise ValueError(f"basemap {key!r} is not one of {', '.join(BASEMAPS)}") from None


def display_crs(key: str) -> str:
    """ "gcj02" for a basemap whose tiles are GCJ-02 (gaode), else "wgs84"."""
    return get_basemap(key).display_crs


def tile_templates(key: str, tianditu_key: str | None = None) -> list[str]:
    """The tile URL templates the basemap's page holds (with ``{s}``, ``{z}``... unfilled)."""
    basemap = get_basemap(key)
    if key == "tianditu" and not tianditu_key:
        raise ValueError("the tianditu basemap needs a key (tianditu_key, the tk parameter)")
    return [t.template.replace("{tk}", tianditu_key or "") for t in basemap.tiles]


def _host(template: str) -> str:
    """The host part of an https tile URL template."""
    match = re.match(r"https://([^/]+)/", template)
    if match is None:
        raise ValueError(f"tile template {template!r} is not an https URL")
    return match.group(1)


def tile_hosts(key: str) -> list[re.Pattern[str]]:
    """Patterns of the hosts the basemap's tiles come from ({s} is any subdomain letter)."""
    hosts = {_host(t.template) for t in get_basemap(key).tiles}
    any_subdomain = r"(?:\{s\}|[0-9a-z])"  # as in the template, or as requested
    return [
        re.compile(re.escape(h).replace(re.escape("{s}"), any_subdomain)) for h in sorted(hosts)
    ]


def add_basemap(m: folium.Map, key: str, *, tianditu_key: str | None = None) -> None:
    """Add the basemap's tile layers to ``m`` (nothing for "none")."""
    basemap = get_basemap(key)
    for source, template in zip(basemap.tiles, tile_templates(key, tianditu_key), strict=True):
        folium.TileLayer(
            tiles=template,
            attr=source.attribution,
            name=source.name,
            overlay=source.overlay,
            control=True,
            max_zoom=source.max_zoom,
            max_native_zoom=source.max_zoom,
            subdomains=source.subdomains or "abc",  # "abc": folium's and Leaflet's default
        ).add_to(m)
