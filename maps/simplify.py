"""Lighter polygons for display, without gaps or overlaps between neighbours.

Grids (and communities) are simplified together as one coverage with
``shapely.coverage_simplify``: an edge that two polygons share is simplified once, the same
way for both, so neighbours still meet exactly. Coordinates are then rounded to
``DECIMALS`` decimal places (1e-6 degrees, about 0.1 m), the same way for every polygon, so
shared vertices stay shared. Geometries are WGS84 (lon, lat) degrees, or GCJ-02 degrees when
already shifted for display; the tolerance is in degrees. Only the drawing is lighter: the
figures shown in tooltips come from the data handed in, never from these shapes.
"""

from __future__ import annotations

import hashlib

import numpy as np
import shapely

from geo.cache import Cache
from maps.shift import shift_geometries

TOLERANCE = 1e-5  # degrees, about 1 m: invisible at street zoom, keeps the page small
DECIMALS = 6
# Simplified coverages by their input's digest (a generation's grids and communities...),
# what is drawn (simplified, shifted, rounded) by that digest and the basemap, and GeoJSON
# texts by the digest of their geometries. Shared by the threads that build pages; an entry
# never goes stale, as the key is the input.
_SIMPLIFIED: Cache[tuple, np.ndarray] = Cache(max_entries=8)
_DISPLAY: Cache[tuple, np.ndarray] = Cache(max_entries=16)
_GEOJSON: Cache[tuple, list[str]] = Cache(max_entries=16)


def _key(geoms: np.ndarray, tolerance: float) -> tuple:
    digest = hashlib.blake2b(digest_size=16)
    # Types too: the same rings as Polygons or as MultiPolygons must not share an entry.
    digest.update(shapely.get_type_id(geoms).tobytes())
    digest.update(shapely.get_num_coordinates(geoms).tobytes())
    digest.update(np.ascontiguousarray(shapely.get_coordinates(geoms)).tobytes())
    return len(geoms), float(tolerance), digest.hexdigest()


def simplify_coverage(geoms, tolerance: float = TOLERANCE) -> np.ndarray:
    """Polygons simplified as one coverage (shared edges stay shared); 0 leaves them as given.

    ``geoms``: array-like of (Multi)Polygons forming a coverage (no overlaps). The result is
    cached by the coordinates' digest, so building the same district map again is quick.
    Returns a new array; the input is not changed.
    """
    geoms = np.asarray(geoms, dtype=object)
    if tolerance <= 0 or len(geoms) == 0:
        return geoms.copy()
    key = _key(geoms, tolerance)
    return _SIMPLIFIED.get(key, lambda: shapely.coverage_simplify(geoms, tolerance)).copy()


def clear_cache() -> None:
    """Forget the simplified coverages, display geometries and GeoJSON texts kept so far."""
    _SIMPLIFIED.clear()
    _DISPLAY.clear()
    _GEOJSON.clear()


def round_coordinates(geoms, decimals: int = DECIMALS):
    """Geometries with every coordinate rounded to ``decimals`` places (half to even)."""
    return shapely.transform(geoms, lambda xy: np.round(xy, decimals))


def display_geometries(geoms, tolerance: float = TOLERANCE, *, basemap: str = "osm"):
    """Simplified as a coverage, shifted for ``basemap`` (maps.shift), then rounded.

    Cached like :func:`simplify_coverage` (and by ``basemap``); returns a new array.
    """
    geoms = np.asarray(geoms, dtype=object)

    def build() -> np.ndarray:
        shown = simplify_coverage(geoms, tolerance)
        return np.asarray(round_coordinates(shift_geometries(shown, basemap)), dtype=object)

    return _DISPLAY.get((*_key(geoms, tolerance), basemap), build).copy()


def geojson_texts(geoms) -> list[str]:
    """Each geometry as GeoJSON geometry text (coordinates as they are), cached by the
    geometries' digest; the list is shared: do not change it."""
    geoms = np.asarray(geoms, dtype=object)
    if len(geoms) == 0:
        return []
    return _GEOJSON.get(_key(geoms, 0.0), lambda: shapely.to_geojson(geoms).tolist())
