"""geo.analytics.coverage: hand-computed cases built in the metric CRS, and the bundled set."""

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo import bundled, coords
from geo.analytics.coverage import (
    coverage,
    prepare_grids,
    underserved,
)
from geo.boundaries.read import read_boundary_set

X0, Y0 = 668_000.0, 2_945_000.0  # METRIC_CRS metres, inside Yunyan
COMMUNITY = "520103400"


def grids_frame(*grids: tuple[str, int, shapely.Geometry], community: str = COMMUNITY):
    """A grids GeoDataFrame in EPSG:4326 from (code suffix, population, metric polygon)."""
    geometry = coords.from_metric(np.array([g[2] for g in grids], dtype=object))
    return gpd.GeoDataFrame(
        {
            "code": [community + "001" + g[0] for g in grids],
            "community_code": [community] * len(grids),
            "population": [g[1] for g in grids],
        },
        geometry=geometry,
        crs="EPSG:4326",
    )


def site(x: float, y: float, radius: float | None = None) -> tuple[float, ...]:
    """(lon, lat[, radius]) of a point given in METRIC_CRS metres."""
    p = coords.from_metric(shapely.Point(x, y))
    return (p.x, p.y) if radius is None else (p.x, p.y, radius)


SQUARE = shapely.box(X0, Y0, X0 + 200, Y0 + 200)


@pytest.fixture
def square():
    return grids_frame(("001", 1000, SQUARE))


@pytest.mark.parametrize(
    ("point", "fraction"),
    [
        ((X0 + 100, Y0), 0.5),  # midpoint of the south side: half the disc
        ((X0 + 200, Y0 + 100), 0.5),  # midpoint of the east side
        ((X0, Y0), 0.25),  # a corner: a quarter of the disc
        ((X0 + 100, Y0 + 100), 1.0),  # the middle: the whole disc
    ],
)
def test_disc_on_a_side_covers_its_share_of_the_square(square, point, fraction):
    result = coverage(square, [site(*point, 50.0)])
    expected = fraction * math.pi * 50.0**2 / 200.0**2
    share = result.grids["covered_area_share"].iloc[0]
    assert share == pytest.approx(expected, rel=2e-3)
    assert result.grids["covered_population"].iloc[0] == pytest.approx(1000 * share)
    assert result.covered_population == pytest.approx(1000 * share)


def test_disc_containing_one_square_and_missing_the_other():
    far = shapely.box(X0 + 1100, Y0, X0 + 1200, Y0 + 100)  # 1 km east of the first
    grids = grids_frame(("001", 300, shapely.box(X0, Y0, X0 + 100, Y0 + 100)), ("002", 300, far))
    result = coverage(
        grids,
        [site(X0 + 50, Y0 + 50, 100.0)],
        communities=pd.DataFrame({"code": [COMMUNITY], "name": ["中华社区"]}),
    )
    assert result.grids["covered_area_share"].tolist() == [1.0, 0.0]
    assert result.grids["covered_population"].tolist() == [300.0, 0.0]
    row = result.communities.iloc[0]
    assert (row["code"], row["name"], row["population"]) == (COMMUNITY, "中华社区", 600)
    assert row["covered_population"] == 300.0
    assert row["covered_share"] == 0.5
    assert result.covered_share == 0.5


def test_overlapping_discs_are_not_counted_twice(square):
    one = coverage(square, [site(X0 + 100, Y0 + 100, 50.0)]).grids["covered_area_share"][0]
    same = coverage(square, [site(X0 + 100, Y0 + 100, 50.0)] * 2)
    assert same.grids["covered_area_share"][0] == pytest.approx(one, rel=1e-9)
    # Two discs of radius r whose centres are d apart: 2 pi r^2 minus the lens they share.
    r, d = 50.0, 60.0
    lens = 2 * r * r * math.acos(d / (2 * r)) - d / 2 * math.sqrt(4 * r * r - d * d)
    both = coverage(square, [site(X0 + 70, Y0 + 100, r), site(X0 + 130, Y0 + 100, r)])
    expected = (2 * math.pi * r * r - lens) / 200.0**2
    assert both.grids["covered_area_share"][0] == pytest.approx(expected, rel=2e-3)


def test_radius_override_replaces_every_facility_radius(square):
    facilities = [site(X0 + 100, Y0 + 100, 10.0), site(X0 + 100, Y0 + 100, 20.0)]
    own = coverage(square, facilities).grids["covered_area_share"][0]
    assert own == pytest.approx(math.pi * 20.0**2 / 200.0**2, rel=2e-3)
    override = coverage(square, facilities, radius_m=50.0).grids["covered_area_share"][0]
    assert override == pytest.approx(math.pi * 50.0**2 / 200.0**2, rel=2e-3)
    # Rows without a radius need the override; a DataFrame works as well as rows.
    frame = pd.DataFrame([site(X0 + 100, Y0 + 100)], columns=["lon", "lat"])
    by_frame = coverage(square, frame, radius_m=50.0).grids["covered_area_share"][0]
    assert by_frame == pytest.approx(override, rel=1e-12)
    with pytest.raises(ValueError, match="radius"):
        coverage(square, frame)


@pytest.mark.parametrize(
    "facilities", [[], np.empty((0, 3)), pd.DataFrame(columns=["lon", "lat", "radius_m"])]
)
def test_no_facilities_cover_nothing(square, facilities):
    result = coverage(square, facilities)
    assert result.grids["covered_area_share"].tolist() == [0.0]
    assert result.grids["covered_population"].tolist() == [0.0]
    assert result.communities["covered_share"].tolist() == [0.0]
    assert (result.population, result.covered_population) == (1000.0, 0.0)


def test_invalid_radius_is_refused(square):
    with pytest.raises(ValueError, match="radius"):
        coverage(square, [site(X0, Y0, -1.0)])
    with pytest.raises(ValueError, match="radius"):
        coverage(square, [site(X0, Y0, 10.0)], radius_m=float("nan"))


def test_underserved_lists_grids_below_the_threshold():
    grids = grids_frame(
        ("001", 100, shapely.box(X0, Y0, X0 + 200, Y0 + 200)),  # fully covered
        ("002", 500, shapely.box(X0 + 200, Y0, X0 + 400, Y0 + 200)),  # a quarter disc
        ("003", 900, shapely.box(X0 + 2000, Y0, X0 + 2200, Y0 + 200)),  # nothing
        ("004", 700, shapely.box(X0 + 3000, Y0, X0 + 3200, Y0 + 200)),
    )  # nothing
    result = coverage(grids, [site(X0 + 100, Y0 + 100, 150.0), site(X0 + 400, Y0, 50.0)])
    shares = result.grids["covered_area_share"].tolist()
    assert shares[0] == 1.0 and 0.0 < shares[1] < 0.5 and shares[2:] == [0.0, 0.0]
    codes = result.grids["code"].tolist()
    assert underserved(result, 0.5) == codes[1:]
    assert underserved(result, 0.0) == []
    assert underserved(result, 1.0) == codes[1:]
    with pytest.raises(ValueError, match="threshold"):
        underserved(result, 1.5)


@pytest.fixture(scope="module")
def bset():
    return read_boundary_set(bundled.BOUNDARIES_DIR)


def test_bundled_district_fully_covered_by_a_huge_radius(bset):
    centre = shapely.centroid(shapely.union_all(bset.grids.geometry.values))
    result = coverage(bset.grids, [(centre.x, centre.y, 50_000.0)], communities=bset.communities)
    assert result.population == 1_056_819
    assert result.covered_population == pytest.approx(1_056_819, abs=1e-6)
    assert (result.grids["covered_area_share"] == 1.0).all()
    assert len(result.communities) == 26
    assert result.communities["name"].notna().all()
    assert (result.communities["covered_share"] == 1.0).all()


def test_bundled_shares_agree_with_a_geopandas_overlay(bset):
    metric = prepare_grids(bset.grids)
    rng = np.random.default_rng(7)
    lon0, lat0, lon1, lat1 = bset.grids.total_bounds
    facilities = np.column_stack(
        [rng.uniform(lon0, lon1, 40), rng.uniform(lat0, lat1, 40), rng.uniform(100, 800, 40)]
    )
    result = coverage(metric, facilities)
    assert coverage(bset.grids, facilities).grids.equals(result.grids)
    projected = bset.grids.to_crs(coords.METRIC_CRS)  # a frame already in METRIC_CRS is kept
    np.testing.assert_allclose(
        coverage(projected, facilities).grids["covered_area_share"],
        result.grids["covered_area_share"],
        atol=1e-12,
    )
    centres = coords.to_metric(shapely.points(facilities[:, :2]))
    union = shapely.union_all(shapely.buffer(centres, facilities[:, 2], quad_segs=32))
    frame = gpd.GeoDataFrame(
        {"i": np.arange(len(metric.code))}, geometry=metric.geometry, crs=coords.METRIC_CRS
    )
    pieces = gpd.overlay(
        frame, gpd.GeoDataFrame(geometry=[union], crs=coords.METRIC_CRS), how="intersection"
    )
    area = np.bincount(pieces["i"], weights=pieces.area, minlength=len(frame))
    shares = result.grids["covered_area_share"].to_numpy()
    assert 0.0 < shares.mean() < 1.0
    np.testing.assert_allclose(shares, area / metric.area, atol=1e-9)
