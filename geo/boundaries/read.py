"""Reading boundary sets: communities, grids and an optional district outline.

A boundary set is read from either

* a directory holding ``communities.*`` and ``grids.*`` (and optionally ``district.*``), each
  a GeoJSON (``.geojson``/``.json``), Shapefile (``.shp``), GeoPackage (``.gpkg``) or
  FlatGeobuf (``.fgb``) file; or
* one GeoPackage (any file GDAL reads with several layers) with layers named
  ``communities``, ``grids`` and optionally ``district``.

Layers are returned as GeoDataFrames in EPSG:4326 with (lon, lat) axis order, in degrees,
in the files' feature order. Code fields are text: integer fields are converted without
losing digits, floating-point fields are refused. Unreadable input raises
:class:`geo.errors.BoundaryReadError` with a one-line message; an unknown declared CRS
raises :class:`geo.errors.CoordinateError`.
"""

from __future__ import annotations

import numbers
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyogrio
import pyproj
import shapely

from geo.coords import to_wgs84
from geo.errors import BoundaryReadError, CoordinateError

STORAGE_CRS = "EPSG:4326"
SUFFIXES = (".geojson", ".json", ".shp", ".gpkg", ".fgb")
REQUIRED_LAYERS = ("communities", "grids")
OPTIONAL_LAYERS = ("district",)
NAMED_CRS = ("wgs84", "cgcs2000", "gcj02", "bd09")
DENSIFY_DEGREES = 0.0005  # longest edge before a GCJ-02/BD-09 conversion, about 50 m
DENSIFY_METRES = 50.0  # longest edge before reprojecting from a projected CRS

# Canonical field names per layer, and accepted spellings (matched case-insensitively).
# "community_" is what the Shapefile format's 10-character limit makes of "community_code".
_FIELDS = {
    "communities": ("code", "name", "population", "households"),
    "grids": ("code", "community_code", "name", "population", "households"),
    "district": ("code", "name"),
}
_ALIASES = {"community_code": ("community_code", "community_")}
_CODE_FIELDS = ("code", "community_code")
_MAX_EXACT_FLOAT_INT = 2**53


@dataclass
class BoundarySet:
    """Communities, grids and an optional district outline, all in EPSG:4326 (lon, lat).

    ``communities`` has columns ``code``, ``name``, ``population``, ``households``;
    ``grids`` has ``code``, ``community_code``, ``name``, ``population``, ``households``
    (missing optional fields are filled with None); other fields are kept after them.
    ``source`` is the path read and ``source_crs`` what the coordinates were read as
    (a declared name such as ``"gcj02"``, or the files' CRS such as ``"EPSG:4545"``).
    """

    communities: gpd.GeoDataFrame
    grids: gpd.GeoDataFrame
    district: gpd.GeoDataFrame | None
    source: str
    source_crs: str


def read_boundary_set(path: str | os.PathLike[str], *, crs: str | None = None) -> BoundarySet:
    """Read a boundary set from a directory or a GeoPackage file (see the module docstring).

    ``crs`` overrides the files' CRS: ``"wgs84"`` or ``"cgcs2000"`` (taken as EPSG:4326),
    ``"gcj02"`` or ``"bd09"`` (every vertex converted to WGS84 with geo.coords.to_wgs84), or
    any string pyproj understands, e.g. ``"EPSG:4545"``. Without it each file's own CRS is
    used; a file without one is an error. A grid's empty ``community_code`` is taken from
    the first 9 digits of its code when that code is 15 digits.
    """
    declared = _parse_crs(crs)
    root = Path(path)
    if not root.exists():
        raise BoundaryReadError(f"boundary set not found: {root} does not exist")
    sources = _locate_in_directory(root) if root.is_dir() else _locate_in_file(root)
    layers: dict[str, gpd.GeoDataFrame] = {}
    read_as: dict[str, str] = {}
    for name, (file, layer) in sources.items():
        frame = _read_layer(file, layer, name)
        layers[name], read_as[name] = _to_storage_crs(frame, declared, _where(file, layer))
    _derive_community_codes(layers["grids"])
    return BoundarySet(
        communities=layers["communities"],
        grids=layers["grids"],
        district=layers.get("district"),
        source=str(root),
        source_crs=_describe_crs(read_as),
    )


# --- locating the layers ------------------------------------------------------------------


def _locate_in_directory(root: Path) -> dict[str, tuple[Path, str | None]]:
    try:
        entries = sorted(root.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        raise BoundaryReadError(f"cannot list {root}: {exc.strerror or exc}") from exc
    candidates: dict[str, list[Path]] = {}
    for entry in entries:
        stem, suffix = entry.stem.lower(), entry.suffix.lower()
        if entry.is_file() and suffix in SUFFIXES and stem in REQUIRED_LAYERS + OPTIONAL_LAYERS:
            candidates.setdefault(stem, []).append(entry)
    missing = [name for name in REQUIRED_LAYERS if name not in candidates]
    if missing:
        found = ", ".join(entry.name for entry in entries[:20]) or "nothing"
        if len(entries) > 20:
            found += f", ... ({len(entries)} entries)"
        wanted = " and ".join(f"{name}.*" for name in missing)
        raise BoundaryReadError(
            f"{root} has no {wanted} (expected {', '.join(SUFFIXES)}); found: {found}"
        )
    located = {}
    for name, files in candidates.items():
        if len(files) > 1:
            names = ", ".join(file.name for file in files)
            raise BoundaryReadError(f"{root} has several {name} files ({names}); keep one")
        file = files[0]
        located[name] = (file, _pick_layer(file, name) if file.suffix.lower() == ".gpkg" else None)
    return located


def _list_layers(file: Path) -> list[str]:
    try:
        return [str(row[0]) for row in pyogrio.list_layers(file)]
    except (RuntimeError, OSError, ValueError) as exc:
        raise BoundaryReadError(f"{file} is not a readable vector file: {_short(exc)}") from exc


def _pick_layer(file: Path, name: str) -> str:
    """The layer to read from a GeoPackage named after one layer: its only layer or ``name``."""
    layers = _list_layers(file)
    if len(layers) == 1:
        return layers[0]
    for layer in layers:
        if layer.lower() == name:
            return layer
    raise BoundaryReadError(
        f"{file} has {len(layers)} layers and none is named {name!r}; "
        f"layers: {', '.join(layers) or 'none'}"
    )


def _locate_in_file(file: Path) -> dict[str, tuple[Path, str | None]]:
    layers = _list_layers(file)
    by_name = {layer.lower(): layer for layer in layers}
    missing = [name for name in REQUIRED_LAYERS if name not in by_name]
    if missing:
        raise BoundaryReadError(
            f"{file} has no layer {' or '.join(repr(n) for n in missing)}; "
            f"its layers: {', '.join(layers) or 'none'} (a boundary set is a GeoPackage with "
            "layers communities and grids, or a directory with communities.* and grids.*)"
        )
    return {
        name: (file, by_name[name]) for name in REQUIRED_LAYERS + OPTIONAL_LAYERS if name in by_name
    }


# --- reading one layer --------------------------------------------------------------------


def _where(file: Path, layer: str | None) -> str:
    return f"{file}" if layer is None else f"{file} (layer {layer!r})"


def _short(exc: BaseException) -> str:
    text = str(exc).split("; It might help")[0].strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _read_layer(file: Path, layer: str | None, name: str) -> gpd.GeoDataFrame:
    where = _where(file, layer)
    try:
        info = pyogrio.read_info(file, layer=layer)
        frame = pyogrio.read_dataframe(file, layer=layer)
    except (RuntimeError, OSError, ValueError) as exc:
        raise BoundaryReadError(f"cannot read {where}: {_short(exc)}") from exc
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame:
        raise BoundaryReadError(f"{where} has no geometry; the {name} layer must be polygons")
    field_types = dict(zip(info["fields"], info["dtypes"], strict=True))
    frame, source_fields = _canonical_columns(frame, name, where)
    for field in _CODE_FIELDS:
        if field in frame:
            source_field = source_fields.get(field, field)
            is_int = str(field_types.get(source_field, "")).startswith(("int", "uint"))
            values = _code_values(frame[field], is_int, f"{where} field {source_field!r}")
            frame[field] = pd.Series(values, index=frame.index, dtype=object)
    return frame.reset_index(drop=True)


def _canonical_columns(
    frame: gpd.GeoDataFrame, name: str, where: str
) -> tuple[gpd.GeoDataFrame, dict[str, str]]:
    """Rename known fields to their canonical names, add missing ones, put them first.

    Also returns the file's spelling of each renamed field, keyed by canonical name.
    """
    geometry = frame.geometry.name
    columns = [c for c in frame.columns if c != geometry]
    renames: dict[str, str] = {}
    for field in _FIELDS[name]:
        spellings = _ALIASES.get(field, (field,))
        for spelling in spellings:
            match = next((c for c in columns if c.lower() == spelling), None)
            if match is not None and match not in renames:
                renames[match] = field
                break
    if "code" not in renames.values() and name != "district":
        if len(frame) == 0:
            frame = frame.assign(code=None)
        else:
            raise BoundaryReadError(
                f"{where}: the {name} layer has no 'code' field; "
                f"its fields: {', '.join(columns) or 'none'}"
            )
    frame = frame.rename(columns=renames)
    for field in _FIELDS[name]:
        if field not in frame:
            frame[field] = pd.Series(None, index=frame.index, dtype=object)
    known = [f for f in _FIELDS[name] if f in frame]
    extra = [c for c in frame.columns if c not in known and c != geometry]
    out = frame[[*known, *extra, geometry]]
    return out, {field: source for source, field in renames.items()}


def _code_values(values: Iterable[object], is_int_field: bool, what: str) -> list[str | None]:
    """Codes as stripped strings (None when missing); integers keep every digit."""
    out: list[str | None] = []
    for index, value in enumerate(values):
        if isinstance(value, str):
            out.append(value.strip() or None)
        # pd.isna takes any object (False for non-missing ones); pandas-stubs lists only
        # pandas' scalar types, which would make the numbers ABC checks below unreachable.
        elif value is None or pd.isna(value):  # type: ignore[call-overload]
            out.append(None)
        elif isinstance(value, bool | np.bool_):
            raise BoundaryReadError(f"{what} holds a boolean at feature #{index}; codes are text")
        elif isinstance(value, numbers.Integral):
            out.append(str(int(value)))
        elif (
            isinstance(value, numbers.Real)
            and is_int_field
            and float(value).is_integer()
            and abs(float(value)) < _MAX_EXACT_FLOAT_INT
        ):
            out.append(str(int(float(value))))  # an integer field with nulls is read as float
        elif isinstance(value, numbers.Real):
            raise BoundaryReadError(
                f"{what} holds a floating-point number at feature #{index} ({value!r}); "
                "codes must be stored as text (or integers) so no digit is lost"
            )
        else:
            raise BoundaryReadError(
                f"{what} holds a {type(value).__name__} at feature #{index} ({value!r}); "
                "codes are text"
            )
    return out


# --- coordinate reference systems ---------------------------------------------------------


def _parse_crs(crs: str | None) -> tuple[str, pyproj.CRS | None] | None:
    """None, or (name, None) for a named CRS, or (label, pyproj.CRS) for anything else."""
    if crs is None:
        return None
    if isinstance(crs, str):
        key = re.sub(r"[\s_-]", "", crs.lower())
        if key in NAMED_CRS:
            return key, None
    try:
        parsed = pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError as exc:
        raise CoordinateError(
            f"unknown CRS {crs!r}; use {', '.join(NAMED_CRS)} or e.g. EPSG:4545"
        ) from exc
    return parsed.to_string(), parsed


def _to_storage_crs(
    frame: gpd.GeoDataFrame, declared: tuple[str, pyproj.CRS | None] | None, where: str
) -> tuple[gpd.GeoDataFrame, str]:
    """Return the layer in EPSG:4326 (lon, lat, 2D) and a label of what it was read as.

    Before a conversion that bends straight edges (GCJ-02/BD-09, or from a projected CRS)
    the edges are densified to vertices at most about 50 m apart, so that an edge keeps its
    course and neighbours that meet at a vertex of only one of them still fit together.
    """
    geoms = shapely.force_2d(np.asarray(frame.geometry.values))
    if declared is None:
        if frame.crs is None:
            raise BoundaryReadError(
                f"{where} has no coordinate reference system; declare it with --crs "
                f"(crs=): {', '.join(NAMED_CRS)} or e.g. EPSG:4545"
            )
        label, source = frame.crs.to_string(), frame.crs
    else:
        label, source = declared
    if source is None:
        _check_lon_lat(geoms, where, label)  # before densifying by a step in degrees
    try:
        if source is None and label in ("gcj02", "bd09"):
            geoms = _convert_vertices(_segmentize(geoms, DENSIFY_DEGREES), label)
        elif source is not None:
            if source.is_projected:
                metres_per_unit = source.axis_info[0].unit_conversion_factor
                geoms = _segmentize(geoms, DENSIFY_METRES / metres_per_unit)
            geoms = gpd.GeoSeries(geoms, crs=source).to_crs(STORAGE_CRS).values
    except (CoordinateError, pyproj.exceptions.ProjError) as exc:
        raise BoundaryReadError(f"cannot convert {where} to WGS84: {exc}") from exc
    geometry = gpd.GeoSeries(geoms, index=frame.index, crs=STORAGE_CRS)
    out = gpd.GeoDataFrame(frame.drop(columns=frame.geometry.name), geometry=geometry)
    _check_lon_lat(out.geometry.values, where, label)
    return out, label


def _segmentize(geoms: npt.NDArray[np.object_], step: float) -> npt.NDArray[np.object_]:
    """Densify to edges at most ``step`` long; a geometry with a NaN or infinite coordinate
    is kept as it is (densifying would lose that vertex), for the validation to report."""
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    broken = np.zeros(len(geoms), dtype=bool)
    broken[index[~np.isfinite(coords).all(axis=1)]] = True
    out = np.array(geoms, dtype=object)
    out[~broken] = shapely.segmentize(out[~broken], step)
    return out


def _convert_vertices(geometries: npt.NDArray[np.object_], crs: str) -> npt.NDArray[np.object_]:
    """Convert every vertex from GCJ-02 or BD-09 (lon, lat) to WGS84 (lon, lat)."""

    def convert(coords: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        # A NaN or infinite vertex is kept as it is, for the validation to report by feature.
        out = coords[:, :2].copy()
        finite = np.isfinite(out).all(axis=1)
        lon, lat = to_wgs84(out[finite, 0], out[finite, 1], crs)
        out[finite, 0], out[finite, 1] = lon, lat
        return out

    return shapely.transform(geometries, convert)


def _check_lon_lat(geoms: npt.NDArray[np.object_], where: str, label: str) -> None:
    """Refuse coordinates that cannot be (lon, lat) degrees, e.g. metres read as lon/lat.

    NaN and infinite coordinates are left for the validation to report by feature.
    """
    coords = shapely.get_coordinates(geoms)
    coords = coords[np.isfinite(coords).all(axis=1)]
    if len(coords) == 0:
        return
    lon, lat = coords[:, 0], coords[:, 1]
    if not (np.all(np.abs(lon) <= 180.0) and np.all(np.abs(lat) <= 90.0)):
        raise BoundaryReadError(
            f"{where} read as {label} gives coordinates outside lon/lat range "
            f"(x {np.nanmin(lon):.6g}..{np.nanmax(lon):.6g}, "
            f"y {np.nanmin(lat):.6g}..{np.nanmax(lat):.6g}); is the CRS right? (--crs)"
        )


def _describe_crs(read_as: dict[str, str]) -> str:
    labels = set(read_as.values())
    if len(labels) == 1:
        return labels.pop()
    return "; ".join(f"{name}: {label}" for name, label in read_as.items())


# --- derived fields -----------------------------------------------------------------------


def _derive_community_codes(grids: gpd.GeoDataFrame) -> None:
    """Fill empty community codes from the first 9 digits of a 15-digit grid code."""
    derived = []
    for code, community in zip(grids["code"], grids["community_code"], strict=True):
        if community is None and isinstance(code, str) and re.fullmatch(r"[0-9]{15}", code):
            community = code[:9]
        derived.append(community)
    grids["community_code"] = pd.Series(derived, index=grids.index, dtype=object)
