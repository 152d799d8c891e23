"""Service coverage of responsibility grids by facility catchment discs.

A facility at (lon, lat) (EPSG:4326 degrees) with a radius in metres serves the disc of that
radius around it, drawn in the city's metric CRS (geo.coords.METRIC_CRS, UTM 48N metres) as a
polygon of ``4 * QUAD_SEGS`` sides inscribed in the circle: its area is 0.04 % short of
pi r^2. A grid's covered share is area(grid ∩ union of discs) / area(grid), both in square
metres of the metric CRS; its residents are taken as spread uniformly over its area, so its
covered population is population × share. Covered populations are floats, never rounded
(round them for display); a community's covered share is covered population / population,
NaN for a community (or a district) without residents.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo import coords

Floats: TypeAlias = npt.NDArray[np.float64]
Objects: TypeAlias = npt.NDArray[np.object_]
# Facilities as facility_array() takes them: rows (lon, lat[, radius_m]) or a DataFrame.
Facilities: TypeAlias = "pd.DataFrame | npt.ArrayLike"

QUAD_SEGS = 32  # segments per quarter circle: a 128-gon, area within 0.04 % of the disc
_FULL = 1e-9  # a share within this of 1 (or of 0) is reported as exactly 1 (or 0)
_PIECE_COORDS = 256  # the union of discs is cut into pieces of at most about this many vertices
_MAX_DEPTH = 12


@dataclass(frozen=True)
class MetricGrids:
    """Grids projected once to METRIC_CRS, for repeated coverage() or greedy_sites() calls.

    ``geometry`` is in METRIC_CRS (x, y metres), ``area`` in square metres, ``population`` in
    residents (float64); ``tree`` is an STRtree over ``geometry``. Rows keep the input order.
    """

    code: Objects
    community_code: Objects
    population: Floats
    geometry: Objects
    area: Floats
    tree: shapely.STRtree


def prepare_grids(grids: gpd.GeoDataFrame | MetricGrids) -> MetricGrids:
    """Project a grids GeoDataFrame (columns code, community_code, population) to METRIC_CRS.

    The frame's CRS is used (EPSG:4326 when it has none; a frame already in METRIC_CRS is
    kept as it is). A MetricGrids passes through. Raises ValueError for a missing column or a
    missing or negative population.
    """
    if isinstance(grids, MetricGrids):
        return grids
    missing = [c for c in ("code", "community_code", "population") if c not in grids]
    if missing:
        raise ValueError(f"grids need the column(s) {', '.join(missing)}")
    population = pd.to_numeric(grids["population"], errors="coerce").to_numpy(float)
    bad = ~(population >= 0)  # NaN counts as bad
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(
            f"grid {grids['code'].iloc[i]!r} has population "
            f"{grids['population'].iloc[i]!r}; a number >= 0 is needed"
        )
    geometry = np.asarray(coords.to_metric(grids.geometry).values)
    return MetricGrids(
        code=grids["code"].to_numpy(object),
        community_code=grids["community_code"].to_numpy(object),
        population=population,
        geometry=geometry,
        area=shapely.area(geometry),
        tree=shapely.STRtree(geometry),
    )


def facility_array(
    facilities: Facilities,
    radius_m: float | None = None,
    *,
    default_radius_m: float | None = None,
) -> Floats:
    """Facilities as an (n, 3) float array of lon, lat (EPSG:4326 degrees) and radius (metres).

    ``facilities``: rows (lon, lat, radius_m), or (lon, lat) when a radius is given below, or
    a DataFrame with columns lon, lat and optionally radius_m. ``radius_m``, when given,
    replaces every facility's own radius; ``default_radius_m`` serves only facilities given
    without one. Radii must be finite and >= 0 (a radius of 0 covers nothing). Raises
    ValueError for any other shape or radius.
    """
    if isinstance(facilities, pd.DataFrame):
        cols = ["lon", "lat"] + (["radius_m"] if "radius_m" in facilities else [])
        rows = facilities[cols].to_numpy(float)
    else:
        rows = np.asarray(facilities, dtype=float)
        if rows.size == 0:
            rows = rows.reshape(0, 3)
    if rows.ndim != 2 or rows.shape[1] not in (2, 3):
        raise ValueError(f"facilities must be rows of (lon, lat, radius_m), not shape {rows.shape}")
    if radius_m is None and rows.shape[1] == 2:
        radius_m = default_radius_m
    if radius_m is None and rows.shape[1] == 2:
        raise ValueError("facilities have no radius_m: give one per facility or radius_m=")
    radii = np.full(len(rows), radius_m, dtype=float) if radius_m is not None else rows[:, 2]
    if not np.all(np.isfinite(radii) & (radii >= 0)):
        raise ValueError("a facility radius must be a finite number of metres >= 0")
    return np.column_stack([rows[:, :2], radii])


def metric_points(lon: npt.ArrayLike, lat: npt.ArrayLike) -> Objects:
    """Shapely points in METRIC_CRS (metres) from EPSG:4326 lon/lat arrays (degrees)."""
    # shapely.points gives an array for array input; its stubs also allow a single Point.
    points: Objects = np.asarray(
        shapely.points(np.asarray(lon, float), np.asarray(lat, float)), dtype=object
    )
    return coords.to_metric(points)


def covered_area(grids: MetricGrids, centres: Objects, radii: Floats) -> Floats:
    """Per grid, the area in m² of grid ∩ (union of discs); centres are METRIC_CRS points.

    A grid inside one disc is taken whole; grids that some disc only crosses are intersected
    with the union of the discs that touch them, cut into small disjoint pieces so that
    each grid meets only the few pieces near it.
    """
    out = np.zeros(len(grids.geometry))
    discs = shapely.buffer(centres, radii, quad_segs=QUAD_SEGS)
    discs = discs[~shapely.is_empty(discs)]
    if len(discs) == 0 or len(out) == 0:
        return out
    tree = shapely.STRtree(discs)
    full = np.zeros(len(out), bool)
    full[tree.query(grids.geometry, predicate="within")[0]] = True
    out[full] = grids.area[full]
    grid_i, disc_i = tree.query(grids.geometry, predicate="intersects")
    keep = ~full[grid_i]
    partial = np.unique(grid_i[keep])
    if len(partial) == 0:
        return out
    union = shapely.union_all(discs[np.unique(disc_i[keep])])
    pieces = np.array(_split(union, union.bounds, 0), dtype=object)
    g, p = shapely.STRtree(pieces).query(grids.geometry[partial], predicate="intersects")
    areas = shapely.area(shapely.intersection(grids.geometry[partial][g], pieces[p]))
    out[partial] = np.bincount(g, weights=areas, minlength=len(partial))
    return out


def _split(
    geom: BaseGeometry, box: tuple[float, float, float, float], depth: int
) -> list[BaseGeometry]:
    """Cut a geometry into disjoint pieces by quartering its box until the pieces are small."""
    if geom.is_empty:
        return []
    if shapely.get_num_coordinates(geom) <= _PIECE_COORDS or depth >= _MAX_DEPTH:
        return [geom]
    x0, y0, x1, y1 = box
    xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
    pieces: list[BaseGeometry] = []
    for quarter in ((x0, y0, xm, ym), (xm, y0, x1, ym), (x0, ym, xm, y1), (xm, ym, x1, y1)):
        pieces += _split(shapely.intersection(geom, shapely.box(*quarter)), quarter, depth + 1)
    return pieces


@dataclass
class CoverageResult:
    """Coverage per grid and per community, and district totals (residents, floats).

    ``grids``: code, community_code, population, covered_area_share (0..1, area in METRIC_CRS
    m²), covered_population (float). ``communities``: code, name (when a communities frame was
    given), population, covered_population, covered_share; one row per community code found
    in the grids, sorted by code.
    """

    grids: pd.DataFrame
    communities: pd.DataFrame
    population: float
    covered_population: float

    @property
    def covered_share(self) -> float:
        """Covered population / population (NaN without residents)."""
        return self.covered_population / self.population if self.population else float("nan")


def coverage(
    grids: gpd.GeoDataFrame | MetricGrids,
    facilities: Facilities,
    *,
    radius_m: float | None = None,
    communities: pd.DataFrame | None = None,
) -> CoverageResult:
    """Share of each grid's area, and of its residents, inside some facility's disc.

    ``grids``: a GeoDataFrame (EPSG:4326, or any CRS it declares) with code, community_code,
    population, or a MetricGrids from prepare_grids() (project once, call many times).
    ``facilities``: rows (lon, lat, radius_m) in EPSG:4326 degrees and metres, or a DataFrame
    (see facility_array); ``radius_m`` (metres) overrides every facility's radius.
    ``communities``: optional frame with code and name, for community names.
    """
    mg = prepare_grids(grids)
    rows = facility_array(facilities, radius_m)
    area = covered_area(mg, metric_points(rows[:, 0], rows[:, 1]), rows[:, 2])
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(mg.area > 0, np.clip(area / mg.area, 0.0, 1.0), 0.0)
    share[share > 1.0 - _FULL] = 1.0
    share[share < _FULL] = 0.0
    table = pd.DataFrame(
        {
            "code": mg.code,
            "community_code": mg.community_code,
            "population": mg.population,
            "covered_area_share": share,
            "covered_population": mg.population * share,
        }
    )
    if np.all(mg.population == np.round(mg.population)):
        table["population"] = table["population"].astype(np.int64)
    return CoverageResult(
        grids=table,
        communities=_by_community(table, communities),
        population=float(mg.population.sum()),
        covered_population=float(table["covered_population"].sum()),
    )


def _by_community(table: pd.DataFrame, communities: pd.DataFrame | None) -> pd.DataFrame:
    sums = (
        table.groupby("community_code", sort=True, dropna=False)[
            ["population", "covered_population"]
        ]
        .sum()
        .reset_index()
        .rename(columns={"community_code": "code"})
    )
    pop = sums["population"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        sums["covered_share"] = np.where(pop > 0, sums["covered_population"] / pop, np.nan)
    if communities is not None:
        names = dict(zip(communities["code"], communities["name"], strict=True))
        sums.insert(1, "name", [names.get(code) for code in sums["code"]])
    return sums


def underserved(result: CoverageResult, threshold: float) -> list[str]:
    """Codes of the grids whose covered_area_share < threshold (0..1), in grid order."""
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be between 0 and 1, not {threshold!r}")
    t = result.grids
    return t.loc[t["covered_area_share"] < threshold, "code"].tolist()
