"""The illustrative Yunyan boundary set: 26 communities and about 1,254 grids.

Input: the real district outline (WGS84) and the official community list. Output: two
GeoDataFrames in EPSG:4326 (lon, lat) that partition the outline exactly (shared vertices,
no gaps, no overlaps), with 15-digit grid codes numbered west→east, north→south, and
population and households per grid summing to the census total. Deterministic by seed.
All geometry work in metres happens in ``geo.coords.METRIC_CRS``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar, overload

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pyproj
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from geo import coords
from geo.codes import format_grid_code
from geo.synth.cluster import nearest, plus_plus_init, weighted_lloyd
from geo.synth.density import ANCHORS, density
from geo.synth.numbering import committees_and_sequences
from geo.synth.partition import group_faces, polygonize, voronoi_lines
from geo.synth.warp import WarpField, make_warp

MAX_OUTLINE_SEGMENT_DEG = 2e-4  # about 20 m

_Floats = npt.NDArray[np.float64]
_Ints = npt.NDArray[np.signedinteger]
_Geoms = npt.NDArray[np.object_]  # shapely geometries
_GeomT = TypeVar("_GeomT", bound=BaseGeometry)


@dataclass(frozen=True)
class SynthConfig:
    """Knobs of the generator; the defaults make the bundled set."""

    seed: int = 520103
    grid_count: int = 1254
    population: int = 1_056_819
    sample_spacing_m: float = 12.0
    grid_size_deg: float = 1e-8  # snap-rounding grid of the output, about 1 mm
    community_weight_power: float = 0.55
    grid_weight_power: float = 0.9
    household_size: tuple[float, float] = (2.45, 3.05)


class _Metric:
    """Vectorised lon/lat (EPSG:4326) <-> metric (coords.METRIC_CRS) for point arrays."""

    def __init__(self) -> None:
        self.fwd = pyproj.Transformer.from_crs("EPSG:4326", coords.METRIC_CRS, always_xy=True)
        self.inv = pyproj.Transformer.from_crs(coords.METRIC_CRS, "EPSG:4326", always_xy=True)

    def to_m(self, xy: _Floats) -> _Floats:
        x, y = self.fwd.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    def to_deg(self, xy: _Floats) -> _Floats:
        x, y = self.inv.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    @overload
    def geom_to_m(self, g: _GeomT) -> _GeomT: ...
    @overload
    def geom_to_m(self, g: _Geoms) -> _Geoms: ...
    def geom_to_m(self, g: BaseGeometry | _Geoms) -> BaseGeometry | _Geoms:
        return shapely.transform(g, self.to_m)

    @overload
    def geom_to_deg(self, g: _GeomT) -> _GeomT: ...
    @overload
    def geom_to_deg(self, g: _Geoms) -> _Geoms: ...
    def geom_to_deg(self, g: BaseGeometry | _Geoms) -> BaseGeometry | _Geoms:
        return shapely.transform(g, self.to_deg)


def load_outline(path: Path) -> Polygon:
    """Read the GCJ-02 district outline GeoJSON and return it in WGS84 (lon, lat).

    Edges longer than about 20 m are first split (in GCJ-02) so that no edge is long enough
    for "straight in degrees" and "straight in metres" to differ by more than a fraction of a
    millimetre; then every vertex goes through ``coords.to_wgs84(..., "gcj02")`` and is
    rounded to 1e-7°.
    """
    geom = shapely.from_geojson(Path(path).read_text(encoding="utf-8"))
    geom = shapely.segmentize(geom, MAX_OUTLINE_SEGMENT_DEG)

    def convert(xy: _Floats) -> _Floats:
        lon, lat = coords.to_wgs84(xy[:, 0], xy[:, 1], "gcj02")
        lonlat: _Floats = np.column_stack([lon, lat])
        return np.round(lonlat, 7)

    out = shapely.make_valid(shapely.transform(geom, convert))
    parts = shapely.get_parts(out)
    largest = max(parts, key=lambda p: p.area) if len(parts) > 1 else parts[0]
    if not isinstance(largest, Polygon):
        raise ValueError(f"{path}: the outline is a {largest.geom_type}, not a polygon")
    return largest


def load_communities(path: Path) -> list[dict[str, str]]:
    """Rows of the official community list (code, name, full_name, pinyin)."""
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _samples(outline_m: BaseGeometry, spacing: float, rng: np.random.Generator) -> _Floats:
    """Jittered lattice points inside the outline (metres) and the residents each stands for."""
    x0, y0, x1, y1 = outline_m.bounds
    xs = np.arange(x0 + spacing / 2, x1, spacing)
    ys = np.arange(y0 + spacing / 2, y1, spacing)
    gx, gy = np.meshgrid(xs, ys)
    pts = np.column_stack([gx.ravel(), gy.ravel()])
    pts = pts + rng.uniform(-0.4, 0.4, pts.shape) * spacing
    pts = pts[shapely.contains_xy(outline_m, pts[:, 0], pts[:, 1])]
    return pts


def _largest_remainder(shares: _Floats, total: int, minimum: int = 0) -> npt.NDArray[np.int64]:
    """Integers proportional to ``shares`` that sum to ``total``, each at least ``minimum``."""
    base = np.full(len(shares), minimum, dtype=np.int64)
    rest = total - base.sum()
    raw = shares / shares.sum() * rest
    out: npt.NDArray[np.int64] = base + np.floor(raw).astype(np.int64)
    short = total - out.sum()
    order = np.argsort(-(raw - np.floor(raw)), kind="stable")
    out[order[:short]] += 1
    return out


def _label_faces(faces_deg: _Geoms, metric: _Metric, warp: WarpField, seeds_m: _Floats) -> _Ints:
    """The seed each face came from: its inner point, un-warped, nearest seed (metres)."""
    pts = shapely.get_coordinates(shapely.point_on_surface(faces_deg))
    unwarped = warp.unapply(metric.to_m(pts))
    return nearest(unwarped, seeds_m)


def _metric_area(metric: _Metric) -> Callable[[_Geoms], _Floats]:
    def area(geoms: _Geoms) -> _Floats:
        return shapely.area(metric.geom_to_m(geoms))

    return area


def _communities(
    outline: Polygon,
    outline_m: Polygon,
    samples: _Floats,
    weights: _Floats,
    rows: list[dict[str, str]],
    cfg: SynthConfig,
    metric: _Metric,
    rng: np.random.Generator,
) -> list[BaseGeometry]:
    """The community polygons (WGS84), one per row, in row order."""
    w = weights**cfg.community_weight_power
    # Known communities start at their anchor; any other (a different boundary set's codes)
    # starts where k-means++ puts it.
    start = plus_plus_init(samples, w, len(rows), rng)
    known = [i for i, r in enumerate(rows) if r["code"] in ANCHORS]
    if known:
        start[known] = metric.to_m(np.array([ANCHORS[rows[i]["code"]] for i in known]))
    seeds = weighted_lloyd(samples, w, start, iterations=8)
    warp = make_warp(rng, [(160.0, 2200.0), (35.0, 500.0)])
    lines = voronoi_lines(outline_m, seeds, warp, densify_m=20.0, simplify_m=0.6)
    lines_deg = metric.geom_to_deg(lines)
    all_lines = np.concatenate([lines_deg, [outline.exterior]])
    faces = polygonize(all_lines, cfg.grid_size_deg)
    labels = _label_faces(faces, metric, warp, seeds)
    zones = np.zeros(len(faces), dtype=np.int64)
    groups = group_faces(faces, labels, zones, area=_metric_area(metric))
    missing = sorted(set(range(len(rows))) - set(groups))
    if missing:
        raise RuntimeError(f"communities without a polygon: {[rows[i]['code'] for i in missing]}")
    return [groups[i] for i in range(len(rows))]


def synthesize(
    outline: Polygon, rows: list[dict[str, str]], cfg: SynthConfig = SynthConfig()
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Generate (communities, grids) GeoDataFrames in EPSG:4326 from the outline and rows."""
    rng = np.random.default_rng(cfg.seed)
    metric = _Metric()
    outline_m = metric.geom_to_m(outline)
    samples = _samples(outline_m, cfg.sample_spacing_m, rng)
    lonlat = metric.to_deg(samples)
    residents = density(lonlat[:, 0], lonlat[:, 1])  # per km²; each sample is one lattice cell

    comm_polys = _communities(outline, outline_m, samples, residents, rows, cfg, metric, rng)
    comm_m = metric.geom_to_m(np.array(comm_polys, dtype=object))
    tree = shapely.STRtree(comm_m)
    s_idx, c_idx = tree.query(shapely.points(samples), predicate="within")
    sample_comm = np.full(len(samples), -1)
    sample_comm[s_idx] = c_idx
    # numpy's stubs type every bincount as intp; with float weights it is float64.
    comm_people: _Floats = np.bincount(c_idx, weights=residents[s_idx], minlength=len(rows))  # type: ignore[assignment]
    k = _largest_remainder(comm_people, cfg.grid_count, minimum=6)

    grid_warp = make_warp(rng, [(5.0, 110.0), (14.0, 420.0)])
    seeds_by_comm: list[_Floats] = []
    lines_by_comm: list[_Geoms] = []
    for ci in range(len(rows)):
        seeds, lines = _grid_lines(
            ci,
            int(k[ci]),
            samples,
            residents,
            sample_comm,
            comm_m,
            grid_warp,
            cfg,
            np.random.default_rng([cfg.seed, ci, 0]),
            metric,
        )
        seeds_by_comm.append(seeds)
        lines_by_comm.append(lines)

    for attempt in range(1, 8):
        grids_geom, grid_comm = _grids(
            comm_polys, lines_by_comm, seeds_by_comm, grid_warp, metric, cfg
        )
        counts = np.bincount(grid_comm, minlength=len(rows))
        wrong = np.flatnonzero(counts != k)
        if len(wrong) == 0:
            break
        for ci in map(int, wrong):
            seeds_by_comm[ci], lines_by_comm[ci] = _grid_lines(
                ci,
                int(k[ci]),
                samples,
                residents,
                sample_comm,
                comm_m,
                grid_warp,
                cfg,
                np.random.default_rng([cfg.seed, ci, attempt]),
                metric,
            )

    return _assemble(rows, grids_geom, grid_comm, samples, residents, metric, cfg, rng)


def _grid_lines(
    ci: int,
    k: int,
    samples: _Floats,
    residents: _Floats,
    sample_comm: _Ints,
    comm_m: _Geoms,
    warp: WarpField,
    cfg: SynthConfig,
    rng: np.random.Generator,
    metric: _Metric,
) -> tuple[_Floats, _Geoms]:
    """Seeds (metres) and warped edge lines (WGS84) of community ``ci``'s ``k`` grids."""
    mask = sample_comm == ci
    pts, w = samples[mask], residents[mask] ** cfg.grid_weight_power
    start = plus_plus_init(pts, w, k, rng)
    seeds = weighted_lloyd(pts, w, start, iterations=40)
    lines = voronoi_lines(comm_m[ci], seeds, warp, densify_m=12.0, simplify_m=0.3)
    return seeds, metric.geom_to_deg(lines)


def _grids(
    comm_polys: list[BaseGeometry],
    lines_by_comm: list[_Geoms],
    seeds_by_comm: list[_Floats],
    warp: WarpField,
    metric: _Metric,
    cfg: SynthConfig,
) -> tuple[_Geoms, _Ints]:
    """Node all grid edges with the community boundaries at once, so every shared edge is exact."""
    boundaries = shapely.boundary(np.array(comm_polys, dtype=object))
    all_lines = np.concatenate([boundaries, *lines_by_comm])
    faces = polygonize(all_lines, cfg.grid_size_deg)
    tree = shapely.STRtree(np.array(comm_polys, dtype=object))
    inner = shapely.point_on_surface(faces)
    f_idx, c_idx = tree.query(inner, predicate="within")
    zones = np.full(len(faces), -1)
    zones[f_idx] = c_idx
    # A sliver along a community edge may have its inner point on the edge itself.
    lost = np.flatnonzero(zones < 0)
    if len(lost):
        zones[lost] = tree.query_nearest(inner[lost], all_matches=False)[1]
    labels = np.full(len(faces), -1)
    offsets = np.cumsum([0] + [len(s) for s in seeds_by_comm])
    for ci, seeds in enumerate(seeds_by_comm):
        members = np.flatnonzero(zones == ci)
        if len(members):
            labels[members] = offsets[ci] + _label_faces(faces[members], metric, warp, seeds)
    area = _metric_area(metric)
    comm_area = area(np.array(comm_polys, dtype=object))
    typical = comm_area / np.maximum(np.array([len(s) for s in seeds_by_comm]), 1)
    groups = group_faces(faces, labels, zones, area=area, min_area=lambda z: 0.12 * typical[z])
    order = sorted(groups)
    geoms = np.array([groups[g] for g in order], dtype=object)
    grid_comm = np.searchsorted(offsets, np.array(order), side="right") - 1
    return geoms, grid_comm


def _assemble(
    rows: list[dict[str, str]],
    grids_geom: _Geoms,
    grid_comm: _Ints,
    samples: _Floats,
    residents: _Floats,
    metric: _Metric,
    cfg: SynthConfig,
    rng: np.random.Generator,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Codes, names, population and households; communities as unions of their grids."""
    grids_m = metric.geom_to_m(grids_geom)
    tree = shapely.STRtree(grids_m)
    s_idx, g_idx = tree.query(shapely.points(samples), predicate="within")
    # numpy's stubs type every bincount as intp; with float weights it is float64.
    weight: _Floats = np.bincount(g_idx, weights=residents[s_idx], minlength=len(grids_geom))  # type: ignore[assignment]
    weight = np.maximum(weight, 1e-9)
    population = _largest_remainder(weight, cfg.population)
    hh_size = rng.uniform(*cfg.household_size, len(grids_geom))
    households = np.maximum(np.round(population / hh_size).astype(np.int64), 1)

    records: list[dict[str, object]] = []
    comm_records: list[dict[str, object]] = []
    for ci, row in enumerate(rows):
        members = np.flatnonzero(grid_comm == ci)
        pts = shapely.get_coordinates(shapely.point_on_surface(grids_geom[members]))
        numbering = committees_and_sequences(pts, np.random.default_rng([cfg.seed, ci, 99]))
        for local, gi in enumerate(members):
            committee, seq = numbering[local]
            records.append(
                {
                    "code": format_grid_code(row["code"], committee, seq),
                    "community_code": row["code"],
                    "name": f"{row['name']}{committee:03d}居委会{seq:03d}号网格",
                    "population": int(population[gi]),
                    "households": int(households[gi]),
                    "illustrative": True,
                    "geometry": grids_geom[gi],
                }
            )
        comm_records.append(
            {
                "code": row["code"],
                "name": row["name"],
                "full_name": row.get("full_name", ""),
                "pinyin": row.get("pinyin", ""),
                "population": int(population[members].sum()),
                "households": int(households[members].sum()),
                "illustrative": True,
                "geometry": shapely.union_all(grids_geom[members]),
            }
        )
    grids = gpd.GeoDataFrame(records, geometry="geometry", crs="EPSG:4326")
    grids = grids.sort_values("code", kind="stable").reset_index(drop=True)
    communities = gpd.GeoDataFrame(comm_records, geometry="geometry", crs="EPSG:4326")
    grids["geometry"] = shapely.orient_polygons(grids.geometry.values)
    communities["geometry"] = shapely.orient_polygons(communities.geometry.values)
    return communities, grids


def write_geojson(gdf: gpd.GeoDataFrame, path: Path) -> None:
    """Write ``gdf`` (EPSG:4326) as RFC 7946 GeoJSON, coordinates rounded to 1e-8° (~1 mm)."""
    features = []
    for row in gdf.itertuples(index=False):
        props = {k: v for k, v in row._asdict().items() if k != "geometry"}
        geom = shapely.transform(row.geometry, lambda xy: np.round(xy, 8))
        features.append(
            {"type": "Feature", "properties": props, "geometry": geom.__geo_interface__}
        )
    data = {"type": "FeatureCollection", "features": features}
    Path(path).write_text(
        json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8"
    )
