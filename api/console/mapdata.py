"""What the console's Leaflet maps draw, in display coordinates.

Display coordinates are WGS84 (lon, lat) degrees, or GCJ-02 on a GCJ-02 basemap (Gaode):
everything drawn is shifted by maps.shift, and a click on the map is read back in the same
CRS (``display_crs``), so the server converts it like any other reported point.
"""

from __future__ import annotations

import threading
from typing import Any

import shapely

from api.settings import Settings
from api.state import AppState
from maps.basemaps import get_basemap, tile_templates
from maps.shift import display_shift, shift_points
from maps.simplify import display_geometries
from maps.style import OVERDUE_RING, STATE_COLOURS

OUTLINE_TOLERANCE = 5e-5  # degrees, about 5 m: community outlines at district zoom
_lock = threading.Lock()
_outlines: dict[tuple[int, str], dict[str, Any]] = {}


def basemap_config(settings: Settings) -> dict[str, Any]:
    """The basemap's tile layers for Leaflet, the CRS a click is read in, and the case
    markers' colours (those of the maps)."""
    basemap = get_basemap(settings.basemap)
    try:
        urls = tile_templates(settings.basemap, settings.tianditu_key)
    except ValueError:  # Tianditu without a key: draw no tiles rather than broken ones
        urls = []
    tiles = [
        {
            "url": url,
            "attribution": t.attribution,
            "subdomains": t.subdomains or "abc",
            "maxZoom": t.max_zoom,
        }
        for t, url in zip(basemap.tiles, urls, strict=False)
    ]
    return {
        "displayCrs": basemap.display_crs,
        "tiles": tiles,
        "stateColours": STATE_COLOURS,
        "overdueRing": OVERDUE_RING,
    }


def community_outlines(state: AppState) -> dict[str, Any]:
    """The active generation's communities as a GeoJSON FeatureCollection (code, name)."""
    generation = state.locator.generation()
    basemap = state.settings.basemap
    with _lock:
        if (generation, basemap) in _outlines:
            return _outlines[(generation, basemap)]
    comms, _ = state.boundaries.features(generation)
    geoms = display_geometries(
        [shapely.geometry.shape(c["geometry"]) for c in comms], OUTLINE_TOLERANCE, basemap=basemap
    )
    built = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": c["id"],
                "properties": {"code": c["id"], "name": c["properties"]["name"]},
                "geometry": shapely.geometry.mapping(g),
            }
            for c, g in zip(comms, geoms, strict=True)
        ],
    }
    with _lock:
        _outlines[(generation, basemap)] = built
    return built


def grid_geometry(
    state: AppState, code: str | None, generation: int | None
) -> dict[str, Any] | None:
    """A grid's polygon (GeoJSON geometry, display coordinates), or None."""
    if code is None or generation is None:
        return None
    _, grids = state.boundaries.features(generation)
    found = next((g for g in grids if g["id"] == code), None)
    return None if found is None else display_shift(found["geometry"], state.settings.basemap)


def display_point(state: AppState, lon: float | None, lat: float | None) -> list[float] | None:
    """A WGS84 point as drawn, ``[lat, lon]`` for Leaflet, or None."""
    if lon is None or lat is None:
        return None
    x, y = shift_points([lon], [lat], state.settings.basemap)
    return [round(float(y[0]), 7), round(float(x[0]), 7)]
