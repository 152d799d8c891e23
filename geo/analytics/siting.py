"""Where to build next: greedy maximal covering of residents by new facility discs.

Residents are spread uniformly over each grid, so the objective is estimated on demand points:
each grid (in METRIC_CRS, UTM 48N metres) gets a rectangular lattice of cell centres inside it,
about ``DEMAND_TARGET`` of them (at least ``DEMAND_MIN`` where the lattice can be refined that
far), each carrying an equal share of the grid's residents. A site at (lon, lat) (EPSG:4326
degrees) covers the demand points within ``radius_m`` metres of it. The covered population
before and after the new sites is then computed exactly with geo.analytics.coverage.coverage().
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo import coords
from geo.analytics.coverage import (
    CoverageResult,
    Facilities,
    Floats,
    MetricGrids,
    Objects,
    coverage,
    facility_array,
    metric_points,
    prepare_grids,
)

DEMAND_TARGET = 20  # lattice cells per grid area: about 20-35 points inside a compact grid
DEMAND_MIN = 10  # a grid with fewer points gets a lattice 4 times as dense, up to 3 times
_REFINE_ROUNDS = 4
_TIE = 1e-9  # gains within this fraction of the total population of the best one are ties


@dataclass(frozen=True)
class DemandPoints:
    """Demand points in METRIC_CRS metres: x, y, the index of their grid, residents carried."""

    x: Floats
    y: Floats
    grid: npt.NDArray[np.intp]
    weight: Floats


def demand_points(
    grids: gpd.GeoDataFrame | MetricGrids, *, target: int = DEMAND_TARGET, minimum: int = DEMAND_MIN
) -> DemandPoints:
    """Sample each grid with lattice points; their weights sum to the grid's population.

    A grid that no lattice reaches (far thinner than its cells) gets one point on its surface.
    ``grids``: a grids GeoDataFrame or a MetricGrids.
    """
    mg = prepare_grids(grids)
    todo = np.flatnonzero(~shapely.is_empty(mg.geometry))
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    cells = float(target)
    for round_ in range(_REFINE_ROUNDS):
        x, y, i = _lattice(mg.geometry[todo], mg.area[todo], cells)
        counts = np.bincount(i, minlength=len(todo))
        done = counts >= (minimum if round_ < _REFINE_ROUNDS - 1 else 1)
        take = done[i]
        found.append((x[take], y[take], todo[i[take]]))
        todo, cells = todo[~done], cells * 4
        if len(todo) == 0:
            break
    if len(todo):
        surface = shapely.point_on_surface(mg.geometry[todo])
        found.append((shapely.get_x(surface), shapely.get_y(surface), todo))
    x, y, grid = (np.concatenate(parts) for parts in zip(*found, strict=True))
    counts = np.bincount(grid, minlength=len(mg.geometry))
    return DemandPoints(x=x, y=y, grid=grid, weight=mg.population[grid] / counts[grid])


def _lattice(
    geoms: Objects, areas: Floats, cells: float
) -> tuple[Floats, Floats, npt.NDArray[np.intp]]:
    """Centres of a bounding-box lattice of cells of area <= area / cells, kept when inside."""
    b = shapely.bounds(geoms).reshape(-1, 4)
    w, h = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
    side = np.sqrt(np.maximum(areas, 1e-12) / cells)
    nx = np.maximum(1, np.ceil(w / side)).astype(np.int64)
    ny = np.maximum(1, np.ceil(h / side)).astype(np.int64)
    sizes = nx * ny
    i = np.repeat(np.arange(len(geoms)), sizes)
    k = np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    x = b[i, 0] + (k % nx[i] + 0.5) * w[i] / nx[i]
    y = b[i, 1] + (k // nx[i] + 0.5) * h[i] / ny[i]
    inside = shapely.contains_xy(geoms[i], x, y)
    return x[inside], y[inside], i[inside]


def grid_centroid_candidates(grids: gpd.GeoDataFrame | MetricGrids) -> pd.DataFrame:
    """One candidate site per grid: its centroid, or a point on its surface when outside.

    Returns lon, lat (EPSG:4326 degrees), grid_code, community_code, in grid order.
    """
    mg = prepare_grids(grids)
    points = shapely.centroid(mg.geometry)
    outside = ~shapely.contains(mg.geometry, points)
    points[outside] = shapely.point_on_surface(mg.geometry[outside])
    lonlat = coords.from_metric(points)
    return pd.DataFrame(
        {
            "lon": shapely.get_x(lonlat),
            "lat": shapely.get_y(lonlat),
            "grid_code": mg.code,
            "community_code": mg.community_code,
        }
    )


@dataclass
class SitingResult:
    """The chosen sites and the covered residents before and after them.

    ``sites``: candidate (index into the candidates), lon, lat (EPSG:4326 degrees), grid_code
    and community_code of the grid covering the site (None outside every grid; the smallest
    code on a shared edge), gain (residents newly covered, estimated on demand points) and
    objective (estimated residents covered after this site), in the order chosen.
    ``before`` and ``after``: exact coverage() of the existing facilities, then of the
    existing facilities plus the sites. ``objective_before``: the estimate before any site.
    """

    sites: pd.DataFrame
    radius_m: float
    objective_before: float
    before: CoverageResult
    after: CoverageResult
    demand_point_count: int

    @property
    def covered_before(self) -> float:
        return self.before.covered_population

    @property
    def covered_after(self) -> float:
        return self.after.covered_population

    @property
    def objective_after(self) -> float:
        s = self.sites["objective"]
        return float(s.iloc[-1]) if len(s) else self.objective_before


def greedy_sites(
    grids: gpd.GeoDataFrame | MetricGrids,
    existing: Facilities,
    candidates: Facilities,
    *,
    radius_m: float,
    count: int,
    communities: pd.DataFrame | None = None,
) -> SitingResult:
    """Choose up to ``count`` new sites among ``candidates`` that most increase covered residents.

    ``grids``: a grids GeoDataFrame (EPSG:4326) or a MetricGrids. ``existing``: facilities as
    coverage() takes them; one given without a radius gets ``radius_m``. ``candidates``: rows
    (lon, lat) in EPSG:4326 degrees, or a DataFrame with lon and lat (e.g. from
    grid_centroid_candidates()). Every new site serves ``radius_m`` metres.

    Greedy: each step adds the candidate with the largest marginal gain on the demand points
    not yet covered (ties: the earlier candidate); it stops early once no candidate adds
    anyone. Covered population is a monotone submodular function of the set of sites, so the
    greedy choice covers at least (1 - 1/e), about 63 %, of what the best ``count`` candidates
    would cover (on the demand-point estimate it maximises).
    """
    if not (np.isfinite(radius_m) and radius_m >= 0):
        raise ValueError(f"radius_m must be a finite number of metres >= 0, not {radius_m!r}")
    if count < 0:
        raise ValueError(f"count must be >= 0, not {count!r}")
    mg = prepare_grids(grids)
    old = facility_array(existing, default_radius_m=radius_m)
    cand = facility_array(candidates, radius_m)[:, :2]
    demand = demand_points(mg)
    # An array of points (shapely's stubs also allow a single Point).
    demand_geoms: Objects = np.asarray(shapely.points(demand.x, demand.y), dtype=object)
    tree = shapely.STRtree(demand_geoms)
    covered = np.zeros(len(demand.x), bool)
    if len(old):
        covered[
            tree.query(
                metric_points(old[:, 0], old[:, 1]), predicate="dwithin", distance=old[:, 2]
            )[1]
        ] = True
    cand_points = metric_points(cand[:, 0], cand[:, 1])
    c, p = tree.query(cand_points, predicate="dwithin", distance=radius_m)
    order = np.argsort(c, kind="stable")
    c, p = c[order], p[order]
    starts = np.searchsorted(c, np.arange(len(cand) + 1))
    weight = np.where(covered, 0.0, demand.weight)
    tie = _TIE * max(1.0, float(mg.population.sum()))
    chosen: list[int] = []
    gains: list[float] = []
    for _ in range(count):
        gain = np.bincount(c, weights=weight[p], minlength=len(cand))
        if len(gain) == 0 or gain.max() <= tie:
            break
        best = int(np.flatnonzero(gain >= gain.max() - tie)[0])
        chosen.append(best)
        gains.append(float(gain[best]))
        weight[p[starts[best] : starts[best + 1]]] = 0.0
    objective_before = float(demand.weight[covered].sum())
    sites = pd.DataFrame(
        {
            "candidate": np.array(chosen, dtype=np.int64),
            "lon": cand[chosen, 0],
            "lat": cand[chosen, 1],
        }
    )
    sites["grid_code"], sites["community_code"] = _locate(mg, cand_points[chosen])
    sites["gain"] = np.array(gains, dtype=float)
    sites["objective"] = objective_before + np.cumsum(sites["gain"].to_numpy())
    new = np.column_stack([cand[chosen], np.full(len(chosen), float(radius_m))])
    return SitingResult(
        sites=sites,
        radius_m=float(radius_m),
        objective_before=objective_before,
        before=coverage(mg, old, communities=communities),
        after=coverage(mg, np.vstack([old, new]), communities=communities),
        demand_point_count=len(demand.x),
    )


def _locate(mg: MetricGrids, points: Objects) -> tuple[list[str | None], list[str | None]]:
    """Grid and community codes of the grid covering each point (smallest grid code wins)."""
    best: dict[int, int] = {}
    for i, g in zip(*mg.tree.query(points, predicate="intersects"), strict=True):
        if i not in best or mg.code[g] < mg.code[best[i]]:
            best[int(i)] = int(g)
    grid = [mg.code[best[i]] if i in best else None for i in range(len(points))]
    community = [mg.community_code[best[i]] if i in best else None for i in range(len(points))]
    return grid, community
