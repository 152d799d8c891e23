"""geo.analytics.siting: greedy maximal covering on constructed clusters and the bundled set."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo import bundled, coords
from geo.analytics.coverage import coverage, prepare_grids
from geo.analytics.siting import demand_points, greedy_sites, grid_centroid_candidates
from geo.boundaries.read import read_boundary_set

X0, Y0 = 668_000.0, 2_945_000.0  # METRIC_CRS metres, inside Yunyan
RADIUS = 300.0


def lonlat(x: float, y: float) -> tuple[float, float]:
    p = coords.from_metric(shapely.Point(x, y))
    return p.x, p.y


def clusters(*specs: tuple[str, float, float, int]) -> gpd.GeoDataFrame:
    """Per (community code, centre x, centre y, population): a 2 x 2 block of 100 m squares
    around the centre, each with a quarter of the population. EPSG:4326."""
    rows, geoms = [], []
    for community, cx, cy, population in specs:
        for k, (dx, dy) in enumerate([(-100, -100), (0, -100), (-100, 0), (0, 0)]):
            rows.append(
                {
                    "code": f"{community}001{k + 1:03d}",
                    "community_code": community,
                    "population": population // 4,
                }
            )
            geoms.append(shapely.box(cx + dx, cy + dy, cx + dx + 100, cy + dy + 100))
    return gpd.GeoDataFrame(rows, geometry=coords.from_metric(np.array(geoms)), crs="EPSG:4326")


A = ("520103400", X0, Y0, 1000)
B = ("520103401", X0 + 5000, Y0, 500)
C = ("520103402", X0, Y0 + 5000, 100)
DECOY_1, DECOY_2 = lonlat(X0 + 2500, Y0 + 2500), lonlat(X0 - 3000, Y0 - 3000)
# Candidates: decoys (covering nobody) and the cluster centres, not in population order.
CANDIDATES = [DECOY_1, lonlat(C[1], C[2]), lonlat(A[1], A[2]), DECOY_2, lonlat(B[1], B[2])]


@pytest.fixture(scope="module")
def three():
    return clusters(A, B, C)


def test_greedy_picks_the_largest_clusters_first(three):
    result = greedy_sites(three, [], CANDIDATES, radius_m=RADIUS, count=2)
    sites = result.sites
    assert sites["candidate"].tolist() == [2, 4]
    assert sites["gain"].tolist() == pytest.approx([1000.0, 500.0], abs=1e-9)
    assert sites["objective"].tolist() == pytest.approx([1000.0, 1500.0], abs=1e-9)
    assert sites["community_code"].tolist() == [A[0], B[0]]
    assert sites["grid_code"].iloc[0] in set(three["code"][three["community_code"] == A[0]])
    assert (sites["lon"].iloc[0], sites["lat"].iloc[0]) == CANDIDATES[2]
    assert (result.objective_before, result.covered_before) == (0.0, 0.0)
    assert result.covered_after == pytest.approx(1500.0, abs=1e-6)
    exact = coverage(three, [(*CANDIDATES[2], RADIUS), (*CANDIDATES[4], RADIUS)])
    assert result.after.grids.equals(exact.grids)


def test_existing_coverage_is_the_starting_point(three):
    existing = [(*lonlat(A[1], A[2]), RADIUS)]
    result = greedy_sites(three, existing, CANDIDATES, radius_m=RADIUS, count=2)
    assert result.sites["candidate"].tolist() == [4, 1]
    assert result.sites["gain"].tolist() == pytest.approx([500.0, 100.0], abs=1e-9)
    assert result.objective_before == pytest.approx(1000.0, abs=1e-9)
    assert result.covered_before == pytest.approx(1000.0, abs=1e-6)
    assert result.covered_after == pytest.approx(1600.0, abs=1e-6)
    assert result.before.grids.equals(coverage(three, existing).grids)
    # An existing facility given without a radius serves radius_m.
    bare = greedy_sites(three, [lonlat(A[1], A[2])], CANDIDATES, radius_m=RADIUS, count=2)
    assert bare.sites["candidate"].tolist() == [4, 1]


def test_a_small_existing_radius_leaves_the_rest_of_the_cluster_to_gain(three):
    existing = [(*lonlat(A[1] - 50, A[2] - 50), 10.0)]  # centre of one square, tiny disc
    result = greedy_sites(three, existing, CANDIDATES, radius_m=RADIUS, count=1)
    assert result.sites["candidate"].tolist() == [2]
    assert 900.0 < result.sites["gain"].iloc[0] < 1000.0


def test_greedy_stops_when_nothing_is_left_to_cover(three):
    result = greedy_sites(three, [], CANDIDATES, radius_m=RADIUS, count=5)
    assert result.sites["candidate"].tolist() == [2, 4, 1]  # never a decoy
    assert result.covered_after == pytest.approx(1600.0, abs=1e-6)
    assert result.objective_after == pytest.approx(1600.0, abs=1e-9)
    none = greedy_sites(three, [], CANDIDATES, radius_m=RADIUS, count=0)
    assert none.sites.empty and none.covered_after == 0.0 and none.objective_after == 0.0
    assert list(none.sites.columns) == list(result.sites.columns)


def test_ties_go_to_the_earlier_candidate():
    twins = clusters(("520103400", X0, Y0, 500), ("520103401", X0 + 5000, Y0, 500))
    p, q = lonlat(X0, Y0), lonlat(X0 + 5000, Y0)
    for candidates in ([p, q], [q, p]):
        sites = greedy_sites(twins, [], candidates, radius_m=RADIUS, count=1).sites
        assert sites["candidate"].tolist() == [0]
        assert (sites["lon"].iloc[0], sites["lat"].iloc[0]) == candidates[0]
    # The same site twice: the first copy is taken, the second then adds nobody.
    sites = greedy_sites(twins, [], [DECOY_1, p, p, q], radius_m=RADIUS, count=3).sites
    assert sites["candidate"].tolist() == [1, 3]


def test_candidates_as_a_frame_and_invalid_arguments(three):
    frame = pd.DataFrame(CANDIDATES, columns=["lon", "lat"])
    result = greedy_sites(three, [], frame, radius_m=RADIUS, count=1)
    assert result.sites["candidate"].tolist() == [2]
    assert result.sites["grid_code"].tolist() != [None]
    decoy = greedy_sites(clusters(A), [], [DECOY_1, CANDIDATES[2]], radius_m=10_000, count=1)
    assert decoy.sites["grid_code"].tolist() == [None]  # outside every grid, covering all
    with pytest.raises(ValueError, match="radius_m"):
        greedy_sites(three, [], CANDIDATES, radius_m=-1.0, count=1)
    with pytest.raises(ValueError, match="count"):
        greedy_sites(three, [], CANDIDATES, radius_m=RADIUS, count=-1)


def test_centroid_candidates_lie_inside_their_grid():
    u_shape = shapely.Polygon(
        [
            (X0, Y0),
            (X0 + 300, Y0),
            (X0 + 300, Y0 + 300),
            (X0 + 200, Y0 + 300),
            (X0 + 200, Y0 + 100),
            (X0 + 100, Y0 + 100),
            (X0 + 100, Y0 + 300),
            (X0, Y0 + 300),
        ]
    )
    square = shapely.box(X0 + 1000, Y0, X0 + 1100, Y0 + 100)
    grids = gpd.GeoDataFrame(
        {
            "code": ["520103400001001", "520103400001002"],
            "community_code": ["520103400"] * 2,
            "population": [10, 20],
        },
        geometry=coords.from_metric(np.array([u_shape, square])),
        crs="EPSG:4326",
    )
    assert not u_shape.contains(u_shape.centroid)
    found = grid_centroid_candidates(grids)
    assert found["grid_code"].tolist() == grids["code"].tolist()
    points = coords.to_metric(shapely.points(found[["lon", "lat"]].to_numpy()))
    assert u_shape.contains(points[0])
    assert points[1].distance(square.centroid) < 1e-6


@pytest.fixture(scope="module")
def bset():
    return read_boundary_set(bundled.BOUNDARIES_DIR)


def test_demand_points_carry_every_resident(bset):
    metric = prepare_grids(bset.grids)
    demand = demand_points(metric)
    per_grid = np.bincount(demand.grid, minlength=len(metric.code))
    assert per_grid.min() >= 10 and per_grid.max() <= 40
    np.testing.assert_allclose(
        np.bincount(demand.grid, weights=demand.weight), metric.population, rtol=1e-12
    )
    inside = shapely.contains_xy(metric.geometry[demand.grid], demand.x, demand.y)
    assert inside.all()


def test_bundled_greedy_matches_coverage_and_has_diminishing_gains(bset):
    metric = prepare_grids(bset.grids)
    rng = np.random.default_rng(3)
    existing = bset.grids.geometry.sample(30, random_state=3).representative_point()
    existing = np.column_stack([existing.x, existing.y, rng.uniform(200, 600, 30)])
    candidates = grid_centroid_candidates(metric)
    result = greedy_sites(metric, existing, candidates, radius_m=500, count=6)
    gains = result.sites["gain"].to_numpy()
    assert len(gains) == 6 and (np.diff(gains) <= 1e-6).all() and gains[-1] > 0
    chosen = candidates.iloc[result.sites["candidate"]]
    assert result.sites["grid_code"].tolist() == chosen["grid_code"].tolist()
    new = np.column_stack([chosen[["lon", "lat"]].to_numpy(), np.full(6, 500.0)])
    assert result.covered_before == coverage(metric, existing).covered_population
    assert result.covered_after == coverage(metric, np.vstack([existing, new])).covered_population
    assert result.covered_after > result.covered_before
    # The demand-point estimate stays close to the exact figures.
    assert result.objective_before == pytest.approx(result.covered_before, rel=0.02)
    assert result.objective_after == pytest.approx(result.covered_after, rel=0.02)
