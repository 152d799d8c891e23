"""The boundary generator: exact coverages, requested counts, determinism."""

import itertools

import numpy as np
import pytest
import shapely

from geo import bundled, coords
from geo.boundaries.checks import validate_boundary_set
from geo.boundaries.read import BoundarySet, read_boundary_set
from geo.synth.yunyan import SynthConfig, load_communities, load_outline, synthesize

ROWS = [
    {"code": "520199401", "name": "甲社区"},
    {"code": "520199402", "name": "乙社区"},
    {"code": "520199403", "name": "丙社区"},
]


def _square_outline():
    """A 3 km × 2.5 km rectangle near Guiyang, made in metres, returned in WGS84."""
    m = shapely.box(0, 0, 3000, 2500)
    x0, y0 = shapely.get_coordinates(coords.to_metric(shapely.Point(106.70, 26.60)))[0]
    return coords.from_metric(shapely.affinity.translate(m, x0, y0))


@pytest.fixture(scope="module")
def small():
    cfg = SynthConfig(seed=7, grid_count=40, population=50_000, sample_spacing_m=15.0)
    # Surveyed outlines have short segments; snap rounding of nodes to 1e-8° then moves
    # an edge by far less than a square metre.
    outline = shapely.set_precision(shapely.segmentize(_square_outline(), 1e-4), 1e-8)
    return outline, cfg, synthesize(outline, ROWS, cfg)


def test_requested_counts_and_population(small):
    _, cfg, (communities, grids) = small
    assert list(communities["code"]) == [r["code"] for r in ROWS]
    assert len(grids) == cfg.grid_count
    assert int(grids["population"].sum()) == cfg.population
    assert set(grids["community_code"]) == {r["code"] for r in ROWS}


def test_exact_partition_of_the_outline(small):
    outline, _, (communities, grids) = small
    union = shapely.union_all(grids.geometry.values)
    assert coords.to_metric(shapely.symmetric_difference(union, outline)).area < 0.05  # m²
    geoms = grids.geometry.values
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    pairs = left < right
    overlaps = shapely.area(shapely.intersection(geoms[left[pairs]], geoms[right[pairs]]))
    assert overlaps.max() == 0.0  # neighbours share vertices exactly: no overlap at all
    for code, comm in zip(communities["code"], communities.geometry, strict=True):
        mine = shapely.union_all(grids.loc[grids["community_code"] == code].geometry.values)
        assert shapely.symmetric_difference(mine, comm).area == 0.0


def test_output_validates_clean(small):
    _, _, (communities, grids) = small
    report = validate_boundary_set(
        BoundarySet(
            communities=communities,
            grids=grids,
            district=None,
            source="synth",
            source_crs="EPSG:4326",
        )
    )
    assert report.problems == []


def test_same_seed_same_result_other_seed_differs(small):
    outline, cfg, (_, grids) = small
    _, again = synthesize(outline, ROWS, cfg)
    assert list(again["code"]) == list(grids["code"])
    assert all(a.equals_exact(b, 0) for a, b in zip(again.geometry, grids.geometry, strict=True))
    _, other = synthesize(outline, ROWS, SynthConfig(**{**cfg.__dict__, "seed": 8}))
    assert not all(
        a.equals_exact(b, 1e-6) for a, b in zip(other.geometry, grids.geometry, strict=False)
    )


def test_bundled_set_is_what_the_generator_makes():
    """`gridmgr synth boundaries` with the default seed re-creates data/boundaries."""
    bundled_set = read_boundary_set(bundled.BOUNDARIES_DIR)
    outline = load_outline(bundled.OUTLINE_GCJ02)
    communities, grids = synthesize(outline, load_communities(bundled.COMMUNITY_LIST))
    assert list(grids["code"]) == list(bundled_set.grids["code"])
    assert list(grids["population"]) == list(bundled_set.grids["population"])
    metric_new = coords.to_metric(grids.geometry).to_numpy()
    metric_old = coords.to_metric(bundled_set.grids.geometry).to_numpy()
    moved = shapely.area(shapely.symmetric_difference(metric_new, metric_old))
    assert moved.max() < 1.0  # m²: the files keep 8 decimals of a degree


def test_no_two_communities_share_a_name_or_code(small):
    _, _, (communities, _) = small
    for a, b in itertools.combinations(communities.itertuples(), 2):
        assert a.code != b.code and a.name != b.name
    assert np.all(communities.geom_type == "Polygon")


def test_load_outline_refuses_an_outline_without_a_polygon(tmp_path):
    path = tmp_path / "outline.geojson"
    path.write_text(
        '{"type": "LineString", "coordinates": [[106.70, 26.60], [106.71, 26.61]]}',
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="LineString, not a polygon"):
        load_outline(path)
