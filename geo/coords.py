"""Coordinate systems: WGS84, CGCS2000, GCJ-02 and BD-09, and the city's metric CRS.

Storage is WGS84 (EPSG:4326); CGCS2000 (EPSG:4490) is within centimetres of it and treated as
identical. GCJ-02 (AMap/Gaode, Tencent, WeChat) and BD-09 (Baidu) are obfuscated offsets of
WGS84 with public forward formulas; their inverses here are iterative. Every function takes
and returns (lon, lat) in that order, whatever the axis order in a CRS's official definition.
"""

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar, overload

import numpy as np
import numpy.typing as npt
import shapely
from numpy.typing import ArrayLike
from shapely.geometry.base import BaseGeometry

from geo.errors import CoordinateError

if TYPE_CHECKING:  # pyproj too: imported where used (`gridmgr locate` needs none of it)
    import geopandas
    from pyproj import Transformer

_Floats = npt.NDArray[np.float64]
# A conversion of (lon, lat) degree arrays between WGS84 and another CRS.
_Conversion = Callable[[_Floats, _Floats], tuple[_Floats, _Floats]]
# Numeric coordinate arrays or lists, as to_wgs84 and from_wgs84 accept them.
_NumberArray = npt.NDArray[np.integer[Any] | np.floating[Any]] | Sequence[float]
_GeomT = TypeVar("_GeomT", bound=BaseGeometry)
_FrameT = TypeVar("_FrameT", "geopandas.GeoSeries", "geopandas.GeoDataFrame")
# What to_metric and from_metric accept: geometries (None where missing) and GeoPandas
# objects (typed Any: geopandas ships no type information).
_Geometries: TypeAlias = (
    "BaseGeometry | npt.NDArray[np.object_] | Sequence[BaseGeometry | None]"
    " | geopandas.GeoSeries | geopandas.GeoDataFrame"
)

# WGS 84 / UTM zone 48N: the least scale distortion over Guiyang (scale factor - 1 is about
# -5e-5 over Yunyan, from -9e-5 to -1e-5) and the same datum as storage. The official
# alternative, EPSG:4545 (CGCS2000 3-degree Gauss-Krueger CM 108E), is about +2e-4 here.
METRIC_CRS = "EPSG:32648"

_CRS_KEYS = {
    "wgs84": "wgs84",
    "epsg:4326": "wgs84",
    "cgcs2000": "cgcs2000",
    "epsg:4490": "cgcs2000",
    "gcj02": "gcj02",
    "bd09": "bd09",
}
_ACCEPTED = "wgs84, cgcs2000, gcj02, bd09 (any case), EPSG:4326 (wgs84), EPSG:4490 (cgcs2000)"
_A = 6378245.0  # Krasovsky 1940 semi-major axis (m), as in the public GCJ-02 formula
_EE = 0.00669342162296594323  # Krasovsky 1940 first eccentricity squared
_X_PI = np.pi * 3000.0 / 180.0  # Baidu's constant
_TOL = 1e-7  # degrees: an inverse has converged once |f(w) - g| <= _TOL on both axes
_MAX_ITER = 8  # fixed-point steps; 2 or 3 are needed from the first guess
_BLOCK = 1 << 14  # points converted at a time, so that temporaries stay in the CPU cache


def _position(flat: int, shape: tuple[int, ...]) -> int | tuple[int, ...] | None:
    if len(shape) < 2:
        return flat if shape else None
    return tuple(int(i) for i in np.unravel_index(flat, shape))


def _check_range(lon: _Floats, lat: _Floats, where: str = "index") -> None:
    """Raise CoordinateError at the first NaN, infinite or out-of-range lon/lat (any shape)."""
    bad_lon, bad_lat = ~(np.abs(lon) <= 180.0), ~(np.abs(lat) <= 90.0)  # NaN counts as bad
    if not (bad_lon.any() or bad_lat.any()):
        return
    flat = int(np.argmax((bad_lon | bad_lat).ravel()))
    axis, values, limit = ("lon", lon, 180) if bad_lon.ravel()[flat] else ("lat", lat, 90)
    value, index = float(values.ravel()[flat]), _position(flat, values.shape)
    at = "" if index is None else f" at {where} {index}"
    why = "not a finite number" if not np.isfinite(value) else f"outside [-{limit}, {limit}]"
    raise CoordinateError(f"{axis}{at} is {value!r} ({why})", index=index, value=value, axis=axis)


def _harmonics(v: _Floats) -> tuple[_Floats, _Floats, _Floats, _Floats, _Floats]:
    """sin(k pi v) for k = 1/30, 1/12, 1/3, 1, and cos(pi v), from one sin/cos pair.

    With t = pi v / 60 these are sin(n t) for n = 2, 5, 20, 60, which follow from sin(t) and
    cos(t) by the double-, triple- and quintuple-angle formulas: far cheaper than separate
    sines, and as accurate (the GCJ-02 offset changes by under 1e-10 m).
    """
    s, c = np.sin(np.pi / 60.0 * v), np.cos(np.pi / 60.0 * v)
    ss, cc = s * s, c * c
    s5, c5 = s * ((16.0 * ss - 20.0) * ss + 5.0), c * ((16.0 * cc - 20.0) * cc + 5.0)
    s10, c10 = 2.0 * s5 * c5, 1.0 - 2.0 * s5 * s5
    s20, c20 = 2.0 * s10 * c10, 1.0 - 2.0 * s10 * s10
    s60, c60 = s20 * (3.0 - 4.0 * s20 * s20), c20 * (4.0 * c20 * c20 - 3.0)
    return 2.0 * s * c, s5, s20, s60, c60


def _gcj_delta(lon: _Floats, lat: _Floats) -> tuple[_Floats, _Floats]:
    """GCJ-02 minus WGS84 in degrees at WGS84 (lon, lat), by the public formula, no box test."""
    x, y = lon - 105.0, lat - 35.0
    x30, x12, x3, x1, cos_x1 = _harmonics(x)
    y30, y12, y3, y1, _ = _harmonics(y)
    x2 = 2.0 * x1 * cos_x1  # sin(2 pi x); sin(6 pi x) = x2 (3 - 4 x2^2)
    sqrt_x, wave_x = np.sqrt(np.abs(x)), 20.0 * x2 * (4.0 - 4.0 * x2 * x2)
    dlat_m = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * sqrt_x
        + (wave_x + 20.0 * y1 + 40.0 * y3 + 160.0 * y12 + 320.0 * y30) * (2.0 / 3.0)
    )
    dlon_m = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * sqrt_x
        + (wave_x + 20.0 * x1 + 40.0 * x3 + 150.0 * x12 + 300.0 * x30) * (2.0 / 3.0)
    )
    # Metres to degrees on the Krasovsky ellipsoid. cos(lat) = sqrt(1 - sin^2(lat)), floored
    # so that the poles (far outside the box, where the result is not used) give no 1 / 0.
    sin2 = np.sin(np.radians(lat)) ** 2
    magic = 1.0 - _EE * sin2
    sqrt_magic, cos_lat = np.sqrt(magic), np.sqrt(np.maximum(1.0 - sin2, 1e-12))
    return (
        dlon_m * sqrt_magic / (_A * np.pi / 180.0 * cos_lat),
        dlat_m * (magic * sqrt_magic) / (_A * (1.0 - _EE) * np.pi / 180.0),
    )


def _in_china(lon: _Floats, lat: _Floats) -> npt.NDArray[np.bool_]:
    # China's bounding box as the public GCJ-02 formula defines it; identity outside.
    return (lon >= 72.004) & (lon <= 137.8347) & (lat >= 0.8293) & (lat <= 55.8271)


def _wgs_to_gcj(lon: _Floats, lat: _Floats, boxed: bool = True) -> tuple[_Floats, _Floats]:
    dlon, dlat = _gcj_delta(lon, lat)
    if not boxed:
        return lon + dlon, lat + dlat
    inside = _in_china(lon, lat)
    return np.where(inside, lon + dlon, lon), np.where(inside, lat + dlat, lat)


def _baidu(x: _Floats, y: _Floats, sign: float) -> tuple[_Floats, _Floats]:
    # Baidu's z (cos, sin)(atan2(y, x) + e) with z = hypot(x, y) + d, d and e added (sign 1) or
    # subtracted (-1), expanded by the angle-sum formulas to avoid atan2, sin and cos of theta;
    # sin e = e and cos e = 1 - e^2 / 2 to within 1e-17 for |e| <= 3e-6.
    r = np.sqrt(x * x + y * y)
    scale = (r + sign * 0.00002 * np.sin(y * _X_PI)) / np.where(r > 0.0, r, 1.0)  # z / r
    e = sign * 0.000003 * np.cos(x * _X_PI)
    cos_e = 1.0 - 0.5 * e * e
    return scale * (x * cos_e - y * e), scale * (y * cos_e + x * e)


def _gcj_to_bd(lon: _Floats, lat: _Floats) -> tuple[_Floats, _Floats]:
    bd_lon, bd_lat = _baidu(lon, lat, 1.0)
    return bd_lon + 0.0065, bd_lat + 0.006


def _refine(
    forward: _Conversion,
    g_lon: _Floats,
    g_lat: _Floats,
    w_lon: _Floats,
    w_lat: _Floats,
    active: npt.NDArray[np.intp],
) -> tuple[_Floats, _Floats]:
    """Solve forward(w) = g by w <- w - (forward(w) - g), only on the points still active.

    In China each step shrinks the error by a factor of at most 0.0075 (GCJ-02) or 0.022
    (BD-09), so after the step whose residual was at most _TOL the error is under 2.2e-9
    degrees (0.25 mm). Points not converged after _MAX_ITER steps become NaN, reported later.
    """
    for _ in range(_MAX_ITER):
        if active.size == 0:
            return w_lon, w_lat
        lon, lat = w_lon[active], w_lat[active]
        f_lon, f_lat = forward(lon, lat)
        r_lon, r_lat = f_lon - g_lon[active], f_lat - g_lat[active]
        w_lon[active], w_lat[active] = lon - r_lon, lat - r_lat
        active = active[(np.abs(r_lon) > _TOL) | (np.abs(r_lat) > _TOL)]
    w_lon[active] = w_lat[active] = np.nan
    return w_lon, w_lat


def _gcj_to_wgs(lon: _Floats, lat: _Floats) -> tuple[_Floats, _Floats]:
    # Outside the box GCJ-02 is WGS84. Inside, start from the single-step inverse (a few metres
    # off) and iterate on the formula without the box test: a point whose preimage would lie
    # outside the box (only right at its edge) has no exact preimage anyway.
    inside = _in_china(lon, lat)
    dlon, dlat = _gcj_delta(lon, lat)
    w_lon, w_lat = np.where(inside, lon - dlon, lon), np.where(inside, lat - dlat, lat)
    unboxed = functools.partial(_wgs_to_gcj, boxed=False)
    return _refine(unboxed, lon, lat, w_lon, w_lat, np.flatnonzero(inside))


def _bd_to_gcj(lon: _Floats, lat: _Floats) -> tuple[_Floats, _Floats]:
    w_lon, w_lat = _baidu(lon - 0.0065, lat - 0.006, -1.0)  # Baidu's approximate inverse
    return _refine(_gcj_to_bd, lon, lat, w_lon, w_lat, np.arange(lon.size))


_TO_WGS84: dict[str, _Conversion] = {
    "gcj02": _gcj_to_wgs,
    "bd09": lambda x, y: _gcj_to_wgs(*_bd_to_gcj(x, y)),
}
_FROM_WGS84: dict[str, _Conversion] = {
    "gcj02": _wgs_to_gcj,
    "bd09": lambda x, y: _gcj_to_bd(*_wgs_to_gcj(x, y)),
}


def _convert(
    lon: ArrayLike, lat: ArrayLike, crs: str, functions: Mapping[str, _Conversion]
) -> tuple[float, float] | tuple[_Floats, _Floats]:
    key = _CRS_KEYS.get(crs.lower()) if isinstance(crs, str) else None
    if key is None:
        raise CoordinateError(f"unknown CRS {crs!r}; accepted: {_ACCEPTED}")
    func, arrays = functions.get(key), list[_Floats]()
    for axis, values in (("lon", lon), ("lat", lat)):
        arr = np.asarray(values)
        if arr.dtype.kind not in "iuf":
            raise CoordinateError(f"{axis} must be numeric, got dtype {arr.dtype}", axis=axis)
        arrays.append(np.array(arr, dtype=np.float64))  # a copy, never the caller's array
    lon_a, lat_a = arrays
    if lon_a.shape != lat_a.shape:
        raise CoordinateError(f"lon and lat shapes differ: {lon_a.shape} and {lat_a.shape}")
    _check_range(lon_a, lat_a)
    shape, x, y = lon_a.shape, lon_a.ravel(), lat_a.ravel()
    if func is not None:
        x, y = np.empty_like(x), np.empty_like(y)
        for start in range(0, x.size, _BLOCK):
            part = slice(start, start + _BLOCK)
            x[part], y[part] = func(lon_a.ravel()[part], lat_a.ravel()[part])
        if np.isnan(x).any():
            flat = int(np.argmax(np.isnan(x)))
            index = _position(flat, shape)
            point = (float(lon_a.ravel()[flat]), float(lat_a.ravel()[flat]))
            at = "" if index is None else f" at index {index}"
            raise CoordinateError(f"{crs} point{at} {point}: inverse did not converge", index=index)
    if not shape:
        return float(x[0]), float(y[0])
    return x.reshape(shape), y.reshape(shape)


# A 0-d array gives floats too, which the array overloads cannot express.
@overload
def to_wgs84(lon: float, lat: float, crs: str) -> tuple[float, float]: ...
@overload
def to_wgs84(lon: _NumberArray, lat: _NumberArray, crs: str) -> tuple[_Floats, _Floats]: ...
@overload
def to_wgs84(
    lon: ArrayLike, lat: ArrayLike, crs: str
) -> tuple[float, float] | tuple[_Floats, _Floats]: ...
def to_wgs84(
    lon: ArrayLike, lat: ArrayLike, crs: str
) -> tuple[float, float] | tuple[_Floats, _Floats]:
    """Convert (lon, lat) in degrees from ``crs`` to WGS84 (EPSG:4326) (lon, lat) in degrees.

    ``crs`` is wgs84, cgcs2000, gcj02 or bd09 (any case), EPSG:4326 or EPSG:4490. Floats give
    a tuple of floats; arrays or lists of any shape, a tuple of float64 arrays of that shape.
    GCJ-02 and BD-09 are inverted iteratively, to well under a millimetre. Raises
    CoordinateError for an unknown CRS, unequal shapes, or a NaN, infinite or out-of-range
    value (the message names the axis, the value and its index).
    """
    return _convert(lon, lat, crs, _TO_WGS84)


@overload
def from_wgs84(lon: float, lat: float, crs: str) -> tuple[float, float]: ...
@overload
def from_wgs84(lon: _NumberArray, lat: _NumberArray, crs: str) -> tuple[_Floats, _Floats]: ...
@overload
def from_wgs84(
    lon: ArrayLike, lat: ArrayLike, crs: str
) -> tuple[float, float] | tuple[_Floats, _Floats]: ...
def from_wgs84(
    lon: ArrayLike, lat: ArrayLike, crs: str
) -> tuple[float, float] | tuple[_Floats, _Floats]:
    """Convert WGS84 (EPSG:4326) (lon, lat) in degrees to (lon, lat) in degrees in ``crs``.

    ``crs``, shapes and errors as in :func:`to_wgs84`. GCJ-02 is the public forward formula
    (identity outside China's bounding box); BD-09 is Baidu's formula applied to GCJ-02.
    """
    return _convert(lon, lat, crs, _FROM_WGS84)


@functools.cache
def metric_transformer() -> "Transformer":
    """Cached Transformer from EPSG:4326 (lon, lat) degrees to METRIC_CRS (x, y) metres.

    Built with ``always_xy=True``; ``direction="INVERSE"`` goes from metres to degrees.
    """
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)


def _check_finite(coords: _Floats) -> None:
    bad = ~np.isfinite(coords[:, :2]).all(axis=1)
    if bad.any():
        i = int(np.argmax(bad))
        raise CoordinateError(f"coordinate {i} cannot be projected: {coords[i, :2]}", index=i)


def _project(obj: _Geometries, inverse: bool) -> _Geometries:
    import geopandas  # here, not at the top: the point conversions do not need it

    def transform(coords: _Floats) -> _Floats:  # (n, 2 or 3); z passes through
        if not inverse:
            _check_range(coords[:, 0], coords[:, 1], where="coordinate")
        out = coords.copy()
        out[:, 0], out[:, 1] = metric_transformer().transform(
            coords[:, 0], coords[:, 1], direction="INVERSE" if inverse else "FORWARD"
        )
        _check_finite(out)
        return out

    if not isinstance(obj, geopandas.GeoSeries | geopandas.GeoDataFrame):
        # include_z=None (each geometry keeps its dimensions, shapely >= 2.1) is missing
        # from types-shapely, which allows only a bool.
        out_geoms: _Geometries = shapely.transform(obj, transform, include_z=None)  # type: ignore[call-overload]
        return out_geoms
    source, target = (METRIC_CRS, "EPSG:4326") if inverse else ("EPSG:4326", METRIC_CRS)
    obj = obj.set_crs(source) if obj.crs is None else obj
    if obj.crs == "EPSG:4326":
        coords = shapely.get_coordinates(obj.geometry.values)
        _check_range(coords[:, 0], coords[:, 1], where="coordinate")
    out = obj.to_crs(target)
    _check_finite(shapely.get_coordinates(out.geometry.values))
    return out


@overload
def to_metric(obj: _GeomT) -> _GeomT: ...
@overload
def to_metric(
    obj: npt.NDArray[np.object_] | Sequence[BaseGeometry | None],
) -> npt.NDArray[np.object_]: ...
@overload
def to_metric(obj: _FrameT) -> _FrameT: ...
def to_metric(obj: _Geometries) -> _Geometries:
    """Project geometries from EPSG:4326 (lon, lat) degrees to METRIC_CRS (x, y) metres.

    ``obj``: a shapely geometry, an array or list of them, or a GeoSeries or GeoDataFrame (if it
    has no CRS, EPSG:4326; if another, reprojected from it). Z passes through. Raises
    CoordinateError for a NaN, infinite or out-of-range lon/lat (e.g. input already metric).
    """
    return _project(obj, inverse=False)


@overload
def from_metric(obj: _GeomT) -> _GeomT: ...
@overload
def from_metric(
    obj: npt.NDArray[np.object_] | Sequence[BaseGeometry | None],
) -> npt.NDArray[np.object_]: ...
@overload
def from_metric(obj: _FrameT) -> _FrameT: ...
def from_metric(obj: _Geometries) -> _Geometries:
    """Project geometries from METRIC_CRS (x, y) metres to EPSG:4326 (lon, lat) degrees.

    Accepts what :func:`to_metric` accepts; a GeoSeries or GeoDataFrame without a CRS is taken
    as METRIC_CRS. Raises CoordinateError if a coordinate cannot be projected.
    """
    return _project(obj, inverse=True)


def geodesic_area_m2(geom: BaseGeometry) -> float:
    """Area in square metres, on the WGS84 ellipsoid, of a (Multi)Polygon in EPSG:4326 (lon, lat).

    Holes are subtracted whatever the ring orientation; the result is never negative.
    """
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise TypeError(f"geodesic_area_m2 needs a Polygon or MultiPolygon, not {geom.geom_type}")
    coords = shapely.get_coordinates(geom)
    _check_range(coords[:, 0], coords[:, 1], where="coordinate")
    from pyproj import Geod

    area, _ = Geod(ellps="WGS84").geometry_area_perimeter(shapely.orient_polygons(geom))
    return abs(float(area))
