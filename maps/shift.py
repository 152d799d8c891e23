"""Display shift: WGS84 (EPSG:4326) overlays moved to GCJ-02 for a basemap drawn in GCJ-02.

Gaode's tiles are GCJ-02, about 540 m off WGS84 around Guiyang, so on them every overlay
coordinate (polygons, markers, circle centres, heat points) is converted with
``geo.coords.from_wgs84(lon, lat, "gcj02")``. This happens only for display, on copies: the
data handed in stays WGS84. For other basemaps nothing moves. The conversion is a function
of each vertex, so vertices that neighbouring grids share stay shared after it.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import shapely

from geo import coords
from maps.basemaps import display_crs


def _converter(crs: str):
    def convert(xy: np.ndarray) -> np.ndarray:  # (n, 2) lon, lat
        out = np.empty_like(xy)
        out[:, 0], out[:, 1] = coords.from_wgs84(xy[:, 0], xy[:, 1], crs)
        return out

    return convert


def shift_geometries(geoms, basemap: str):
    """Shapely geometry or array of them (WGS84 lon, lat) as drawn on ``basemap``."""
    crs = display_crs(basemap)
    if crs == "wgs84":
        return geoms
    return shapely.transform(geoms, _converter(crs))


def shift_points(lon, lat, basemap: str) -> tuple[np.ndarray, np.ndarray]:
    """Arrays of WGS84 lon, lat as drawn on ``basemap`` (float64 arrays, copies)."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    crs = display_crs(basemap)
    if crs == "wgs84" or lon.size == 0:
        return lon.copy(), lat.copy()
    return coords.from_wgs84(lon, lat, crs)


def _shift_geojson(obj: dict, basemap: str) -> dict:
    kind = obj.get("type")
    if kind == "FeatureCollection":
        return {**obj, "features": [_shift_geojson(f, basemap) for f in obj["features"]]}
    if kind == "Feature":
        geometry = obj.get("geometry")
        return {**obj, "geometry": None if geometry is None else _shift_geojson(geometry, basemap)}
    geom = shapely.geometry.shape(obj)
    return shapely.geometry.mapping(shift_geometries(geom, basemap))


def display_shift(geojson_or_geometry: Any, basemap: str) -> Any:
    """``geojson_or_geometry`` as drawn on ``basemap``: shifted to GCJ-02 for "gaode".

    Accepts a shapely geometry, an array of them, or a GeoJSON dict (geometry, Feature or
    FeatureCollection), all WGS84 (lon, lat) degrees; returns the same kind of object, a new
    one (the input is never changed). For a WGS84 basemap the result equals the input.
    """
    if isinstance(geojson_or_geometry, dict):
        if display_crs(basemap) == "wgs84":
            return copy.deepcopy(geojson_or_geometry)
        return _shift_geojson(geojson_or_geometry, basemap)
    return shift_geometries(geojson_or_geometry, basemap)
