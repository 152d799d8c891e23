"""Validating boundary sets: geometry, codes and topology of communities and grids.

Input layers are in EPSG:4326 (lon, lat, degrees). Every area is measured in the metric CRS
(geo.coords.METRIC_CRS, metres): geometries are first densified to vertices at most
``DENSIFY_DEGREES`` apart, so that edges that are straight in lon/lat stay within
millimetres of their true course after projection, then projected with geo.coords.to_metric.
Areas in problem details are square metres; areas in the summary are square kilometres.
Representative points are WGS84 lon/lat in degrees.

Besides consistency, a set must be plausible for the deployment (:class:`Plausibility`):
every feature within a lon/lat extent and every grid's area within bounds, which catches a
set read in the wrong CRS (e.g. degrees declared as EPSG:3857 land off West Africa).
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict, TypeGuard

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from geo.boundaries.read import BoundarySet
from geo.codes import validate_community_code, validate_grid_code
from geo.coords import METRIC_CRS, to_metric
from geo.errors import CodeError

if TYPE_CHECKING:
    from pandas._typing import ScalarOrNA  # a cell value: a scalar, NA, NaT or None

KINDS = (
    "invalid_geometry",
    "empty_geometry",
    "wrong_geometry_type",
    "duplicate_code",
    "bad_code",
    "unknown_community",
    "outside_community",
    "overlap",
    "gap",
    "implausible_extent",
)
AREA_TOLERANCE_M2 = 1.0  # overlaps, gaps and parts outside a community up to this are ignored
DENSIFY_DEGREES = 0.0005  # about 50 m
_LAYER_ORDER = {"communities": 0, "grids": 1, "district": 2}
_POLYGONAL = ("Polygon", "MultiPolygon")


@dataclass(frozen=True)
class Plausibility:
    """Where a deployment's boundaries lie and how large a grid may be.

    A feature whose EPSG:4326 bounds (degrees) are not within ``lon_min..lon_max`` and
    ``lat_min..lat_max``, or a grid whose area in the metric CRS (m²) is under
    ``grid_area_min_m2`` or over ``grid_area_max_m2``, is an ``implausible_extent`` problem.
    The defaults are China's extent and 100 m² to 100 km².
    """

    lon_min: float = 73.0
    lon_max: float = 136.0
    lat_min: float = 3.0
    lat_max: float = 54.0
    grid_area_min_m2: float = 100.0
    grid_area_max_m2: float = 100e6

    def extent_text(self) -> str:
        return f"lon {self.lon_min:g}..{self.lon_max:g}, lat {self.lat_min:g}..{self.lat_max:g}"


CHINA = Plausibility()


@dataclass(frozen=True)
class Problem:
    """One defect: ``code`` is the feature's code, or ``#index`` when it has none."""

    layer: str
    code: str
    kind: str
    detail: str


class LayerTotals(TypedDict):
    """A field's total over the communities and over the grids (None: no values)."""

    communities: int | float | None
    grids: int | float | None


class CommunitySummary(TypedDict):
    """One community feature: ``code`` is its label, the area in km²."""

    code: str
    name: str | None
    grids: int
    area_km2: float
    population: int | None


class Summary(TypedDict):
    """The summary of a validation; areas in km², ``source`` and ``source_crs`` as read."""

    source: str
    source_crs: str
    communities: int
    grids: int
    district_features: int
    grids_without_known_community: int
    area_km2: float
    district_area_km2: float | None
    population: LayerTotals
    households: LayerTotals
    per_community: list[CommunitySummary]
    problems_by_kind: dict[str, int]
    skipped_checks: list[str]


@dataclass
class ValidationReport:
    """Every problem found, in layer and feature order, and a JSON-serialisable summary."""

    problems: list[Problem]
    summary: Summary

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Layer:
    """A layer's labels and its usable geometries projected to metres (None if unusable)."""

    name: str
    frame: gpd.GeoDataFrame
    codes: list[str | None]
    labels: list[str]
    usable: npt.NDArray[np.bool_]
    metric: npt.NDArray[np.object_]  # METRIC_CRS geometries, None where not usable


class _Problems:
    """Collects problems with the feature index they belong to, for a stable order."""

    def __init__(self) -> None:
        self._items: list[tuple[int, int, int, Problem]] = []

    def add(self, layer: _Layer, index: int, kind: str, detail: str) -> None:
        self.add_plain(layer.name, index, layer.labels[index], kind, detail)

    def add_plain(self, layer: str, index: int, code: str, kind: str, detail: str) -> None:
        problem = Problem(layer, code, kind, detail)
        self._items.append((_LAYER_ORDER[layer], index, len(self._items), problem))

    def sorted(self) -> list[Problem]:
        return [item[3] for item in sorted(self._items, key=lambda item: item[:3])]


def validate_boundary_set(bs: BoundarySet, *, plausible: Plausibility = CHINA) -> ValidationReport:
    """Check a boundary set and report every problem (kinds: :data:`KINDS`).

    Features with a missing, empty, non-polygonal or invalid geometry (including a NaN or
    infinite coordinate), or lying outside the extent of ``plausible``, are reported and
    left out of the geometric checks; a gap check that such a feature could affect is
    skipped and listed under ``summary["skipped_checks"]``. Grids whose area is outside the
    bounds of ``plausible`` are reported too.
    """
    problems = _Problems()
    communities = _layer("communities", bs.communities, problems, plausible)
    grids = _layer("grids", bs.grids, problems, plausible)
    district = (
        _layer("district", bs.district, problems, plausible) if bs.district is not None else None
    )
    skipped: list[str] = []

    for layer in (communities, grids):
        _check_duplicates(layer, problems)
        _check_overlaps(layer, problems)
    _check_community_codes(communities, problems)
    _check_grid_codes(grids, communities, problems)
    _check_grid_areas(grids, problems, plausible)
    _check_outside(grids, communities, problems, skipped)
    _check_community_gaps(communities, grids, problems, skipped)
    _check_district_gaps(district, communities, problems, skipped)

    found = problems.sorted()
    summary = _summary(bs, communities, grids, district, found, skipped)
    return ValidationReport(problems=found, summary=summary)


# --- layers and geometry checks -----------------------------------------------------------


def _text(value: ScalarOrNA) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = str(value).strip()
    return text or None


def _non_finite(geoms: npt.NDArray[np.object_]) -> dict[int, tuple[int, float, float]]:
    """For each geometry with a NaN or infinite coordinate: (vertex number, x, y) of the first."""
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    bad = ~np.isfinite(coords).all(axis=1)
    found: dict[int, tuple[int, float, float]] = {}
    if not bad.any():
        return found
    starts = np.searchsorted(index, np.arange(len(geoms)))
    for row in np.flatnonzero(bad):
        i = int(index[row])
        if i not in found:
            found[i] = (int(row - starts[i]), float(coords[row, 0]), float(coords[row, 1]))
    return found


def _outside_extent(
    geoms: npt.NDArray[np.object_], candidates: npt.NDArray[np.bool_], plausible: Plausibility
) -> dict[int, str]:
    """For each candidate whose bounds leave the extent of ``plausible``: its bounds as text."""
    index = np.flatnonzero(candidates)
    bounds = shapely.bounds(geoms[index]).reshape(-1, 4)
    lon0, lat0, lon1, lat1 = bounds.T
    out = (
        (lon0 < plausible.lon_min)
        | (lon1 > plausible.lon_max)
        | (lat0 < plausible.lat_min)
        | (lat1 > plausible.lat_max)
    )
    found: dict[int, str] = {}
    for i, (x0, y0, x1, y1) in zip(index[out], bounds[out], strict=True):
        found[int(i)] = f"lon {x0:.7g}..{x1:.7g}, lat {y0:.7g}..{y1:.7g}"
    return found


def _layer(
    name: str, frame: gpd.GeoDataFrame, problems: _Problems, plausible: Plausibility
) -> _Layer:
    if frame.crs is not None and frame.crs != "EPSG:4326":
        frame = frame.to_crs("EPSG:4326")
    codes: list[str | None] = (
        [_text(v) for v in frame["code"]] if "code" in frame else [None] * len(frame)
    )
    labels = [code if code is not None else f"#{i}" for i, code in enumerate(codes)]
    geoms = np.asarray(frame.geometry.values, dtype=object)
    layer = _Layer(
        name, frame, codes, labels, np.zeros(len(frame), bool), np.full(len(frame), None)
    )
    missing = shapely.is_missing(geoms)
    empty = missing | shapely.is_empty(geoms)
    types = np.array([None if g is None else g.geom_type for g in geoms], dtype=object)
    polygonal = ~empty & np.isin(types, _POLYGONAL)
    non_finite = _non_finite(geoms)
    finite = np.array([i not in non_finite for i in range(len(geoms))], dtype=bool)
    valid = np.zeros(len(geoms), bool)
    checkable = polygonal & finite
    valid[checkable] = shapely.is_valid(geoms[checkable])
    outside = _outside_extent(geoms, valid, plausible)
    for i in range(len(geoms)):
        if empty[i]:
            what = "geometry is missing" if missing[i] else f"{types[i]} is empty"
            problems.add(layer, i, "empty_geometry", what)
        elif not polygonal[i]:
            problems.add(
                layer, i, "wrong_geometry_type", f"{types[i]}; expected Polygon or MultiPolygon"
            )
        elif i in non_finite:
            vertex, x, y = non_finite[i]
            problems.add(
                layer,
                i,
                "invalid_geometry",
                f"vertex #{vertex} has a {'NaN' if np.isnan([x, y]).any() else 'infinite'} "
                f"coordinate ({x!r}, {y!r}); every coordinate must be a finite number",
            )
        elif not valid[i]:
            problems.add(layer, i, "invalid_geometry", shapely.is_valid_reason(geoms[i]))
        elif i in outside:
            problems.add(
                layer,
                i,
                "implausible_extent",
                f"lies outside the expected extent ({plausible.extent_text()}): its bounds "
                f"are {outside[i]}; is the CRS right? (--crs)",
            )
    layer.usable = polygonal & valid
    layer.usable[list(outside)] = False
    if layer.usable.any():
        dense = shapely.segmentize(geoms[layer.usable], DENSIFY_DEGREES)
        metric = np.asarray(to_metric(dense), dtype=object)
        broken = ~shapely.is_valid(metric)  # projection can pinch a near-degenerate ring
        metric[broken] = shapely.make_valid(metric[broken])
        layer.metric[layer.usable] = metric
    return layer


def _unusable_near(layer: _Layer, target_wgs84: shapely.Geometry) -> bool:
    """Whether an unusable feature of ``layer`` may lie on ``target`` (by its envelope)."""
    for i in np.flatnonzero(~layer.usable):
        geom = layer.frame.geometry.iloc[i]
        if geom is not None and not geom.is_empty and geom.envelope.intersects(target_wgs84):
            return True
    return False


# --- codes --------------------------------------------------------------------------------


def _check_duplicates(layer: _Layer, problems: _Problems) -> None:
    first: dict[str, int] = {}
    for i, code in enumerate(layer.codes):
        if code is None:
            continue
        if code in first:
            problems.add(
                layer,
                i,
                "duplicate_code",
                f"feature #{i} repeats the code of feature #{first[code]}",
            )
        else:
            first[code] = i


def _well_formed_community(code: str | None) -> TypeGuard[str]:
    if code is None:
        return False
    try:
        validate_community_code(code)
    except CodeError:
        return False
    return True


def _check_community_codes(communities: _Layer, problems: _Problems) -> None:
    for i, code in enumerate(communities.codes):
        if code is None:
            problems.add(communities, i, "bad_code", f"feature #{i} has no code")
            continue
        try:
            validate_community_code(code)
        except CodeError as exc:
            problems.add(communities, i, "bad_code", str(exc))


def _grid_communities(grids: _Layer) -> list[str | None]:
    if "community_code" not in grids.frame:
        return [None] * len(grids.codes)
    return [_text(v) for v in grids.frame["community_code"]]


def _check_grid_codes(grids: _Layer, communities: _Layer, problems: _Problems) -> None:
    known = {code for code in communities.codes if code is not None}
    for i, (code, community) in enumerate(zip(grids.codes, _grid_communities(grids), strict=True)):
        community_ok = community is not None
        if community is not None:
            try:
                validate_community_code(community)
            except CodeError as exc:
                community_ok = False
                problems.add(grids, i, "bad_code", f"community_code: {exc}")
        if code is None:
            problems.add(grids, i, "bad_code", f"feature #{i} has no code")
        else:
            try:
                validate_grid_code(code, community if community_ok else None)
            except CodeError as exc:
                problems.add(grids, i, "bad_code", str(exc))
        if community_ok and community not in known:
            problems.add(
                grids,
                i,
                "unknown_community",
                f"community_code {community} is not in the communities layer",
            )


def _check_grid_areas(grids: _Layer, problems: _Problems, plausible: Plausibility) -> None:
    """Grids whose area (metric CRS, m²) is outside the bounds of ``plausible``."""
    low, high = plausible.grid_area_min_m2, plausible.grid_area_max_m2
    for i in np.flatnonzero(grids.usable):
        area = float(shapely.area(grids.metric[i]))
        if area < low or area > high:
            which = "under" if area < low else "over"
            problems.add(
                grids,
                int(i),
                "implausible_extent",
                f"area {area:,.1f} m² is {which} the plausible {low:,.0f}..{high:,.0f} m² "
                "for a grid; is the CRS right? (--crs)",
            )


# --- topology -----------------------------------------------------------------------------


@functools.cache
def _to_lon_lat() -> Transformer:
    return Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)


def _where(geom_metric: shapely.Geometry) -> str:
    point = shapely.point_on_surface(geom_metric)
    lon, lat = _to_lon_lat().transform(point.x, point.y)
    return f"lon {lon:.6f}, lat {lat:.6f}"


def _check_overlaps(layer: _Layer, problems: _Problems) -> None:
    index = np.flatnonzero(layer.usable)
    if len(index) < 2:
        return
    geoms = layer.metric[index]
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    areas = shapely.area(shapely.intersection(geoms[left], geoms[right]))
    for a, b, area in zip(left, right, areas, strict=True):
        if area > AREA_TOLERANCE_M2:
            i, j = int(index[a]), int(index[b])
            problems.add(
                layer,
                i,
                "overlap",
                f"overlaps {layer.labels[j]} (feature #{j}) by {area:.1f} m²",
            )


def _check_outside(
    grids: _Layer, communities: _Layer, problems: _Problems, skipped: list[str]
) -> None:
    """Grids whose area outside their community (all features with its code) exceeds 1 m²."""
    by_code: dict[str, list[int]] = {}
    for c, code in enumerate(communities.codes):
        if code is not None:
            by_code.setdefault(code, []).append(c)
    shapes: dict[str, shapely.Geometry | None] = {}
    for code, members in by_code.items():
        if not all(communities.usable[c] for c in members):
            shapes[code] = None
        elif len(members) == 1:
            shapes[code] = communities.metric[members[0]]
        else:
            shapes[code] = shapely.union_all(communities.metric[members])
    assigned = _grid_communities(grids)
    grid_index: list[int] = []
    targets: list[shapely.Geometry] = []
    for i, code in enumerate(assigned):
        shape = None if code is None else shapes.get(code)
        if grids.usable[i] and shape is not None:
            grid_index.append(i)
            targets.append(shape)
    for code in dict.fromkeys(assigned):
        if code in shapes and shapes[code] is None:
            skipped.append(f"outside_community for grids of {code}: community geometry unusable")
    if not grid_index:
        return
    outside = shapely.difference(grids.metric[grid_index], np.array(targets, dtype=object))
    for i, part, area in zip(grid_index, outside, shapely.area(outside), strict=True):
        if area > AREA_TOLERANCE_M2:
            problems.add(
                grids,
                i,
                "outside_community",
                f"{area:.1f} m² lies outside community {assigned[i]}, around {_where(part)}",
            )


def _gap_pieces(
    area_metric: shapely.Geometry, cover: npt.NDArray[np.object_]
) -> list[BaseGeometry]:
    """Polygon pieces of ``area_metric`` not covered by ``cover`` and larger than tolerance."""
    uncovered = area_metric
    if len(cover):
        uncovered = shapely.difference(area_metric, shapely.union_all(cover))
    parts = shapely.get_parts(uncovered)
    parts = parts[np.isin(shapely.get_type_id(parts), (3, 6))]  # Polygon, MultiPolygon
    return [part for part in parts if part.area > AREA_TOLERANCE_M2]


def _check_community_gaps(
    communities: _Layer, grids: _Layer, problems: _Problems, skipped: list[str]
) -> None:
    """Parts of each community covered by no grid (of any community)."""
    grid_index = np.flatnonzero(grids.usable)
    grid_geoms = grids.metric[grid_index]
    tree = shapely.STRtree(grid_geoms)
    unusable_by_community = Counter(
        community
        for i, community in enumerate(_grid_communities(grids))
        if not grids.usable[i] and community is not None
    )
    for c in np.flatnonzero(communities.usable):
        code = communities.codes[c]
        wgs84 = communities.frame.geometry.iloc[c]
        if (code is not None and unusable_by_community[code]) or _unusable_near(grids, wgs84):
            skipped.append(f"gap check of community {communities.labels[c]}: grid(s) unusable")
            continue
        geom = communities.metric[c]
        cover = grid_geoms[tree.query(geom, predicate="intersects")]
        for piece in _gap_pieces(geom, cover):
            problems.add(
                communities,
                int(c),
                "gap",
                f"{piece.area:.1f} m² not covered by any grid, around {_where(piece)}",
            )


def _district_code(communities: _Layer) -> str:
    """The 6-digit district code shared by all well-formed community codes, else ``-``."""
    prefixes = {code[:6] for code in communities.codes if _well_formed_community(code)}
    return prefixes.pop() if len(prefixes) == 1 else "-"


def _check_district_gaps(
    district: _Layer | None, communities: _Layer, problems: _Problems, skipped: list[str]
) -> None:
    """District outline minus the union of the communities (holes in that union if no layer)."""
    cover = communities.metric[communities.usable]
    if not communities.usable.all():
        skipped.append("gap check of the district: community geometry unusable")
        return
    if district is None:
        if len(cover) == 0:
            return
        union = shapely.union_all(cover)
        parts = shapely.get_parts(union)
        parts = parts[shapely.get_type_id(parts) == 3]  # Polygon
        filled = shapely.union_all(shapely.polygons(shapely.get_exterior_ring(parts)))
        code = _district_code(communities)
        for piece in _gap_pieces(filled, np.array([union])):
            problems.add_plain(
                "district",
                0,
                code,
                "gap",
                f"{piece.area:.1f} m² hole in the union of the communities (no district "
                f"layer), around {_where(piece)}",
            )
        return
    tree = shapely.STRtree(cover)
    for d in np.flatnonzero(district.usable):
        geom = district.metric[d]
        for piece in _gap_pieces(geom, cover[tree.query(geom, predicate="intersects")]):
            problems.add(
                district,
                int(d),
                "gap",
                f"{piece.area:.1f} m² not covered by any community, around {_where(piece)}",
            )


# --- summary and output -------------------------------------------------------------------


def _total(frame: gpd.GeoDataFrame | None, field: str) -> int | float | None:
    if frame is None or field not in frame:
        return None
    values = pd.to_numeric(frame[field], errors="coerce")
    if values.isna().all():
        return None
    total = float(values.sum())
    return int(total) if total.is_integer() else round(total, 3)


def _km2(geoms: Iterable[BaseGeometry | None]) -> float:
    """Total area in km² of metric geometries (None counts as 0), rounded to 4 decimals."""
    areas = [float(shapely.area(g)) for g in geoms if g is not None]
    return round(sum(areas) / 1e6, 4)


def _summary(
    bs: BoundarySet,
    communities: _Layer,
    grids: _Layer,
    district: _Layer | None,
    found: list[Problem],
    skipped: list[str],
) -> Summary:
    grid_communities = _grid_communities(grids)
    per_grid = Counter(grid_communities)
    known = {code for code in communities.codes if code is not None}
    names: list[str | None] = (
        [_text(v) for v in communities.frame["name"]]
        if "name" in communities.frame
        else [None] * len(communities.codes)
    )
    populations = (
        pd.to_numeric(communities.frame["population"], errors="coerce")
        if "population" in communities.frame
        else pd.Series([np.nan] * len(communities.codes))
    )
    per_community: list[CommunitySummary] = [
        {
            "code": communities.labels[i],
            "name": names[i],
            "grids": per_grid.get(communities.codes[i], 0) if communities.codes[i] else 0,
            "area_km2": _km2([communities.metric[i]]),
            "population": None
            if pd.isna(populations.iloc[i])
            else int(round(float(populations.iloc[i]))),
        }
        for i in range(len(communities.codes))
    ]
    kinds = Counter(problem.kind for problem in found)
    return {
        "source": bs.source,
        "source_crs": bs.source_crs,
        "communities": len(communities.codes),
        "grids": len(grids.codes),
        "district_features": 0 if district is None else len(district.codes),
        "grids_without_known_community": sum(1 for c in grid_communities if c not in known),
        "area_km2": _km2(communities.metric),
        "district_area_km2": None if district is None else _km2(district.metric),
        "population": {
            "communities": _total(bs.communities, "population"),
            "grids": _total(bs.grids, "population"),
        },
        "households": {
            "communities": _total(bs.communities, "households"),
            "grids": _total(bs.grids, "households"),
        },
        "per_community": per_community,
        "problems_by_kind": {kind: kinds.get(kind, 0) for kind in KINDS},
        "skipped_checks": list(skipped),
    }
