"""Tests for geo.locate.index: LocateIndex gives exactly GEOS covers + smallest code, or -1.

The reference is brute force: shapely.covers of every point against every grid whose
envelope contains it (an STRtree envelope query, no predicate: covers is impossible outside
the envelope), then the smallest code. The bundled grids are indexed in shuffled order, so
that "smallest code" and "first position" differ. Coordinates are lon, lat in EPSG:4326.
"""

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, MultiPolygon, Polygon, box

from geo import bundled
from geo.boundaries.read import read_boundary_set
from geo.locate.index import LocateIndex

LEFT, RIGHT = "520103400001002", "520103400001001"  # the right square has the smaller code


def reference(codes, geoms, lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """(position of the smallest code among grids covering each point or -1, cover count)."""
    codes, geoms = np.asarray(codes), np.asarray(geoms, dtype=object)
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    finite = np.flatnonzero(np.isfinite(lon) & np.isfinite(lat))
    points = shapely.points(lon[finite], lat[finite])
    point, grid = shapely.STRtree(geoms).query(points)
    covered = shapely.covers(geoms[grid], points[point])
    point, grid = finite[point[covered]], grid[covered]
    by = np.lexsort((codes[grid], point))
    point, grid = point[by], grid[by]
    first = np.r_[True, point[1:] != point[:-1]] if point.size else point.astype(bool)
    expected = np.full(lon.shape, -1)
    expected[point[first]] = grid[first]
    return expected, np.bincount(point, minlength=lon.size)


def assert_matches(index, codes, geoms, lon, lat) -> np.ndarray:
    """Bulk and scalar answers both equal the reference; returns the cover counts."""
    expected, count = reference(codes, geoms, lon, lat)
    got = index.locate(lon, lat)
    assert got.dtype == np.int64
    mismatch = np.flatnonzero(got != expected)
    assert mismatch.size == 0, f"{mismatch.size} mismatches, first at {mismatch[:5]}"
    one = np.array([index.locate_one(x, y) for x, y in zip(lon, lat, strict=True)])
    assert np.array_equal(one, expected)
    return count


@pytest.fixture(scope="module")
def grids() -> tuple[list[str], np.ndarray]:
    frame = read_boundary_set(bundled.BOUNDARIES_DIR).grids
    shuffle = np.random.default_rng(7).permutation(len(frame))
    return list(frame["code"].to_numpy()[shuffle]), frame.geometry.to_numpy()[shuffle]


@pytest.fixture(scope="module")
def index(grids) -> LocateIndex:
    return LocateIndex.build(*grids)


def test_codes_kept_in_given_order(index, grids):
    assert index.codes.tolist() == grids[0]


def test_random_points_in_bbox(index, grids):
    xmin, ymin, xmax, ymax = shapely.total_bounds(grids[1])
    rng = np.random.default_rng(1)
    lon, lat = rng.uniform(xmin, xmax, 5000), rng.uniform(ymin, ymax, 5000)
    assert_matches(index, *grids, lon, lat)
    assigned = (index.locate(lon, lat) >= 0).mean()
    assert 0.2 < assigned < 0.6  # the district fills about a third of its bounding box


def test_every_vertex_of_sampled_grids(index, grids):
    sample = np.random.default_rng(2).choice(len(grids[1]), 150, replace=False)
    xy = shapely.get_coordinates(grids[1][sample])
    count = assert_matches(index, *grids, xy[:, 0], xy[:, 1])
    assert (count >= 1).all()
    assert (count >= 2).mean() > 0.5 and (count >= 3).any()  # shared by two or three grids


def test_points_interpolated_on_edges(index, grids):
    # Mostly a rounding error off the edge: GEOS decides which side, and so must we.
    sample = np.random.default_rng(3).choice(len(grids[1]), 150, replace=False)
    rings = np.repeat(shapely.boundary(grids[1][sample]), 20)
    at = np.random.default_rng(4).uniform(0, 1, len(rings))
    xy = shapely.get_coordinates(shapely.line_interpolate_point(rings, at, normalized=True))
    assert_matches(index, *grids, xy[:, 0], xy[:, 1])


def test_exact_midpoints_of_shared_edges(index, grids):
    # Where a + b is exact in floating point, (a + b) / 2 lies exactly on the segment.
    sample = np.random.default_rng(5).choice(len(grids[1]), 150, replace=False)
    xy, ring = shapely.get_coordinates(shapely.boundary(grids[1][sample]), return_index=True)
    same = np.flatnonzero(ring[1:] == ring[:-1])
    a, b = xy[same], xy[same + 1]
    total = a + b
    back = total - a
    exact = (((a - (total - back)) + (b - back)) == 0).all(axis=1)  # TwoSum error term
    mid = total[exact] / 2
    count = assert_matches(index, *grids, mid[:, 0], mid[:, 1])
    assert len(mid) > 500 and (count == 2).mean() > 0.8  # on the edge, covered by both


@pytest.mark.parametrize("distance", [1e-5, 1e-7, 1e-9])
def test_points_just_outside_the_district(index, grids, distance):
    outline = shapely.coverage_union_all(grids[1])
    xy = shapely.get_coordinates(outline.buffer(distance, quad_segs=2).exterior)
    lon, lat = xy[:, 0], xy[:, 1]
    expected, _ = reference(*grids, lon, lat)
    assert (expected == -1).all()  # never snapped to the nearest grid
    assert (index.locate(lon, lat) == -1).all()
    assert all(index.locate_one(x, y) == -1 for x, y in xy.tolist())


def test_nan_and_inf_are_unassigned(index, grids):
    inside = shapely.get_coordinates(shapely.point_on_surface(grids[1][0]))[0]
    bad = [np.nan, np.inf, -np.inf]
    lon = [inside[0], *bad, inside[0], inside[0], inside[0], np.nan]
    lat = [inside[1], inside[1], inside[1], inside[1], *bad, np.nan]
    assert index.locate(lon, lat).tolist() == [0] + [-1] * 7
    assert [index.locate_one(x, y) for x, y in zip(lon, lat, strict=True)] == [0] + [-1] * 7


@pytest.mark.parametrize("codes", [[LEFT, RIGHT], [RIGHT, LEFT]])
def test_shared_edge_goes_to_smallest_code(codes):
    squares = {LEFT: box(0, 0, 1, 1), RIGHT: box(1, 0, 2, 1)}
    geoms = [squares[c] for c in codes]
    index = LocateIndex.build(codes, geoms)
    right = codes.index(RIGHT)
    lon, lat = [1.0, 1.0, 1.0, 1.0, 0.5, 1.5, 1.0 - 1e-12], [0.0, 0.3, 0.5, 1.0, 0.5, 0.5, 0.5]
    assert index.locate(lon, lat).tolist() == [right] * 4 + [1 - right, right, 1 - right]
    assert_matches(index, codes, geoms, np.array(lon), np.array(lat))


def test_shared_vertex_of_four_goes_to_smallest_code():
    squares = [box(x, y, x + 1, y + 1) for x, y in [(0, 0), (1, 0), (0, 1), (1, 1)]]
    codes = ["520103400001004", "520103400001002", "520103400001003", "520103400001001"]
    lon, lat = np.array([1.0, 1.0, 0.5, 1.0, 1.5]), np.array([1.0, 0.5, 1.0, 1.5, 1.0])
    orders = [[(i + k) % 4 for i in range(4)] for k in range(4)]
    for order in orders + [o[::-1] for o in orders]:
        index = LocateIndex.build([codes[i] for i in order], [squares[i] for i in order])
        got = index.codes[index.locate(lon, lat)].tolist()
        assert got == [codes[3], codes[1], codes[2], codes[3], codes[3]]
        assert index.codes[index.locate_one(1.0, 1.0)] == codes[3]


def test_hole_multipolygon_and_overlap():
    ring = Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], [[(1, 1), (3, 1), (3, 3), (1, 3)]])
    island = box(1.5, 1.5, 2.5, 2.5)
    pair = MultiPolygon([box(10, 0, 11, 1), box(12, 0, 13, 1)])
    over = box(3.5, 3.5, 5, 5)  # overlaps the ring, and has the smallest code
    codes = ["520103400001002", "520103400001003", "520103400001004", "520103400001001"]
    geoms = [ring, island, pair, over]
    index = LocateIndex.build(codes, geoms)
    lon = np.array([0.5, 2.0, 1.2, 1.0, 2.0, 10.5, 12.5, 11.5, 3.75, 4.0, 3.5, 1.5, 13.0])
    lat = np.array([0.5, 2.0, 1.2, 2.0, 1.5, 0.5, 0.5, 0.5, 3.75, 4.0, 2.0, 1.5, 1.0])
    # ring, island, hole, hole edge, island edge, both parts, gap, overlap, overlap corner,
    # outer edge, island corner, multipolygon corner
    assert index.locate(lon, lat).tolist() == [0, 1, -1, 0, 1, 2, 2, -1, 3, 3, 0, 1, 2]
    assert_matches(index, codes, geoms, lon, lat)


def test_input_shapes(index, grids):
    xy = shapely.get_coordinates(shapely.point_on_surface(grids[1][:6]))
    expected = np.arange(6)
    assert index.locate(xy[:, 0].tolist(), xy[:, 1].tolist()).tolist() == expected.tolist()
    assert index.locate(xy[:, 0], xy[:, 1]).shape == (6,)
    assert index.locate(xy[:, 0].reshape(2, 3), xy[:, 1].reshape(2, 3)).tolist() == [
        [0, 1, 2],
        [3, 4, 5],
    ]
    assert index.locate(float(xy[4, 0]), float(xy[4, 1])).shape == ()
    assert index.locate([], []).shape == (0,)
    assert index.locate_one(float(xy[5, 0]), float(xy[5, 1])) == 5
    assert index.locate_one(xy[5, 0], xy[5, 1]) == 5  # numpy scalars too


def test_empty_and_missing_geometries_cover_nothing():
    index = LocateIndex.build(
        ["520103400001001", "520103400001002", "520103400001003"],
        [None, Polygon(), box(0, 0, 1, 1)],
    )
    assert index.locate([0.5, 2.0], [0.5, 0.5]).tolist() == [2, -1]
    assert LocateIndex.build([], []).locate([0.0], [0.0]).tolist() == [-1]


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match="codes"):
        LocateIndex.build(["520103400001001"], [box(0, 0, 1, 1), box(1, 0, 2, 1)])
    with pytest.raises(ValueError, match="Polygon"):
        LocateIndex.build(["520103400001001"], [LineString([(0, 0), (1, 1)])])
    with pytest.raises(ValueError, match="invalid"):
        LocateIndex.build(["520103400001001"], [Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])])
