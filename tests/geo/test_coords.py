"""Tests for geo.coords: WGS84 / CGCS2000 / GCJ-02 / BD-09 and the metric CRS.

The GCJ-02 and BD-09 formulas are cross-checked against prcoords, an independent
implementation (its functions take and return (lat, lon)).
"""

import json
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import prcoords
import pytest
import shapely
from pyproj import Geod, Proj
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box, shape

from geo import coords
from geo.coords import (
    METRIC_CRS,
    from_metric,
    from_wgs84,
    geodesic_area_m2,
    metric_transformer,
    to_metric,
    to_wgs84,
)
from geo.errors import CoordinateError

GEOD = Geod(ellps="WGS84")
GUIYANG = (106.71, 26.58)
PARIS = (2.3522, 48.8566)
GUIZHOU = (103.6, 109.6, 24.6, 29.2)  # lon min, lon max, lat min, lat max
# China's box of the public formula, less a margin: right at its edge a GCJ-02 point may have
# its preimage outside the box, where the transform is the identity.
CHINA_INNER = (73.0, 135.0, 2.0, 55.0)
OUTLINE = Path(__file__).parents[2] / "data/boundaries/source/yunyan_520103_outline_gcj02.geojson"


def random_points(bounds, n, seed):
    rng = np.random.default_rng(seed)
    return rng.uniform(bounds[0], bounds[1], n), rng.uniform(bounds[2], bounds[3], n)


def prc(func, lon, lat, **kwargs):
    """Apply a prcoords (lat, lon) function point by point; return (lon, lat) arrays."""
    out = np.array([func((b, a), **kwargs) for a, b in zip(lon, lat, strict=True)])
    return out[:, 1], out[:, 0]


def metres(lon1, lat1, lon2, lat2):
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


# --- cross-checks against prcoords -----------------------------------------------------------

# Both implement the same public formulas; they differ only in the order of floating-point
# operations (and geo.coords derives some sines by multiple-angle formulas), about 1e-13
# degrees (10 nm). 1e-11 degrees is 1 micrometre.
FORMULA_TOL = 1e-11


def test_wgs84_to_gcj02_matches_prcoords_across_china():
    lon, lat = random_points(CHINA_INNER, 20_000, seed=1)
    ours = from_wgs84(lon, lat, "gcj02")
    ref = prc(prcoords.wgs_gcj, lon, lat)
    assert np.abs(ours[0] - ref[0]).max() < FORMULA_TOL
    assert np.abs(ours[1] - ref[1]).max() < FORMULA_TOL
    assert np.hypot(ours[0] - lon, ours[1] - lat).min() > 1e-5  # and nowhere the identity


def test_gcj02_to_bd09_matches_prcoords_across_china():
    lon, lat = random_points(CHINA_INNER, 20_000, seed=2)
    gcj = from_wgs84(lon, lat, "gcj02")
    bd = from_wgs84(lon, lat, "bd09")
    ref = prc(prcoords.gcj_bd, *gcj)
    assert np.abs(bd[0] - ref[0]).max() < FORMULA_TOL
    assert np.abs(bd[1] - ref[1]).max() < FORMULA_TOL


@pytest.mark.parametrize(
    ("crs", "forward", "inverse"),
    [
        ("gcj02", prcoords.wgs_gcj, prcoords.gcj_wgs_bored),
        ("bd09", prcoords.wgs_bd, prcoords.bd_wgs_bored),
    ],
)
def test_inverse_matches_prcoords_precise_inverse(monkeypatch, crs, forward, inverse):
    # prcoords' "bored" inverse stops once a step is below PRC_EPS = 1e-5 degrees, which leaves
    # errors up to about 2e-7 degrees (2 cm); with a tiny epsilon it runs to convergence.
    monkeypatch.setattr(prcoords, "PRC_EPS", 1e-13)
    lon, lat = random_points(CHINA_INNER, 3_000, seed=3)
    g_lon, g_lat = prc(forward, lon, lat)
    ours = to_wgs84(g_lon, g_lat, crs)
    ref = prc(inverse, g_lon, g_lat)
    assert np.abs(ours[0] - ref[0]).max() < 5e-9  # 0.5 mm
    assert np.abs(ours[1] - ref[1]).max() < 5e-9


# --- round trips -----------------------------------------------------------------------------


def guizhou_sample():
    """200,000 random points and a 0.02-degree grid over Guizhou."""
    lon, lat = random_points(GUIZHOU, 200_000, seed=4)
    grid_lon, grid_lat = np.meshgrid(
        np.arange(GUIZHOU[0], GUIZHOU[1] + 1e-9, 0.02),
        np.arange(GUIZHOU[2], GUIZHOU[3] + 1e-9, 0.02),
    )
    return np.concatenate([lon, grid_lon.ravel()]), np.concatenate([lat, grid_lat.ravel()])


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_round_trip_over_guizhou_within_a_millimetre(crs):
    lon, lat = guizhou_sample()
    back = to_wgs84(*from_wgs84(lon, lat, crs), crs)
    error = metres(lon, lat, *back)
    # The requirement is 1 cm; the inverse converges to well under 1 mm, so hold it to that.
    assert error.max() < 1e-3, error.max()


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_inverse_reproduces_the_input_across_china(crs):
    # Start from GCJ-02 / BD-09 points: the forward transform of the result gives them back.
    g_lon, g_lat = random_points(CHINA_INNER, 200_000, seed=5)
    again = from_wgs84(*to_wgs84(g_lon, g_lat, crs), crs)
    assert metres(g_lon, g_lat, *again).max() < 1e-3


def test_single_step_inverse_would_fail_the_round_trip():
    # Shows the 1 mm tolerance above is discriminating: the closed-form one-step inverse
    # (prcoords.gcj_wgs) is metres off in Guizhou.
    lon, lat = random_points(GUIZHOU, 5_000, seed=6)
    rough = prc(prcoords.gcj_wgs, *from_wgs84(lon, lat, "gcj02"))
    assert metres(lon, lat, *rough).max() > 1.0


def test_not_converging_raises(monkeypatch):
    monkeypatch.setattr(coords, "_MAX_ITER", 1)
    with pytest.raises(CoordinateError) as info:
        to_wgs84([106.7, 106.71], [26.6, 26.61], "gcj02")
    assert str(info.value) == "gcj02 point at index 0 (106.7, 26.6): inverse did not converge"
    assert info.value.index == 0


# --- magnitudes and identities ---------------------------------------------------------------


def test_offsets_near_guiyang_have_the_known_magnitude():
    gcj = from_wgs84(*GUIYANG, "gcj02")
    bd = from_wgs84(*GUIYANG, "bd09")
    assert 500 < metres(*GUIYANG, *gcj) < 600  # about 540 m
    assert 850 < metres(*gcj, *bd) < 1000  # about 930 m further
    assert gcj[0] > GUIYANG[0] and gcj[1] < GUIYANG[1]  # east and south here


def test_gcj02_is_identity_outside_china():
    assert from_wgs84(*PARIS, "gcj02") == PARIS
    assert to_wgs84(*PARIS, "gcj02") == PARIS
    # BD-09 shifts everywhere (Baidu's formula has no box), and still inverts.
    bd = from_wgs84(*PARIS, "bd09")
    assert metres(*PARIS, *bd) > 100
    assert metres(*PARIS, *to_wgs84(*bd, "bd09")) < 1e-3


def test_gcj02_box_edges_follow_the_public_formula():
    lon = np.array([72.004, 72.0039, 137.8347, 137.8348, 100.0, 100.0, 100.0, 100.0])
    lat = np.array([30.0, 30.0, 30.0, 30.0, 0.8293, 0.8292, 55.8271, 55.8272])
    g_lon, g_lat = from_wgs84(lon, lat, "gcj02")
    shifted = (g_lon != lon) | (g_lat != lat)
    assert shifted.tolist() == [True, False, True, False, True, False, True, False]


@pytest.mark.parametrize(
    "crs", ["wgs84", "WGS84", "EPSG:4326", "epsg:4326", "cgcs2000", "CGCS2000", "EPSG:4490"]
)
def test_wgs84_and_cgcs2000_are_identity(crs):
    lon, lat = random_points(GUIZHOU, 100, seed=7)
    for func in (to_wgs84, from_wgs84):
        out = func(lon, lat, crs)
        assert np.array_equal(out[0], lon) and np.array_equal(out[1], lat)
        assert not np.shares_memory(out[0], lon)  # a copy, not the caller's array


def test_crs_names_are_case_insensitive():
    assert from_wgs84(*GUIYANG, "GCJ02") == from_wgs84(*GUIYANG, "gcj02")
    assert to_wgs84(*GUIYANG, "Bd09") == to_wgs84(*GUIYANG, "bd09")


# --- shapes and types ------------------------------------------------------------------------


@pytest.mark.parametrize("crs", ["gcj02", "bd09", "wgs84"])
def test_scalar_in_gives_floats_out(crs):
    for func in (to_wgs84, from_wgs84):
        out = func(106.71, 26.58, crs)
        assert isinstance(out, tuple) and len(out) == 2
        assert type(out[0]) is float and type(out[1]) is float
        assert type(func(np.float32(106.71), np.int64(26), crs)[0]) is float


@pytest.mark.parametrize("crs", ["gcj02", "bd09", "cgcs2000"])
@pytest.mark.parametrize("shape", [(0,), (7,), (3, 4), (2, 3, 2)])
def test_arrays_keep_their_shape(crs, shape):
    lon, lat = random_points(GUIZHOU, int(np.prod(shape)), seed=8)
    lon, lat = lon.reshape(shape).astype(np.float32), lat.reshape(shape)
    for func in (to_wgs84, from_wgs84):
        out = func(lon, lat, crs)
        assert isinstance(out, tuple)
        assert out[0].shape == shape and out[1].shape == shape
        assert out[0].dtype == np.float64 and out[1].dtype == np.float64
        # Element by element the same as scalar conversion.
        if lon.size:
            first = func(float(lon.flat[0]), float(lat.flat[0]), crs)
            assert (out[0].flat[0], out[1].flat[0]) == pytest.approx(first, abs=1e-12, rel=0)


def test_lists_and_large_inputs_are_accepted():
    lon, lat = [106.71, 106.72, 106], [26.58, 26.59, 27]  # the last one is int
    out = from_wgs84(lon, lat, "gcj02")
    assert out[0].shape == (3,)
    assert out[0][0] == pytest.approx(from_wgs84(106.71, 26.58, "gcj02")[0], abs=1e-12, rel=0)
    # More points than one internal block, to cover the block boundaries.
    big_lon, big_lat = random_points(GUIZHOU, 3 * coords._BLOCK + 5, seed=9)
    big = to_wgs84(big_lon, big_lat, "bd09")
    assert not np.isnan(big[0]).any()
    last = to_wgs84(big_lon[-1], big_lat[-1], "bd09")
    assert (big[0][-1], big[1][-1]) == pytest.approx(last, abs=1e-12, rel=0)


def test_input_is_not_modified():
    lon, lat = random_points(GUIZHOU, 1000, seed=10)
    saved = lon.copy(), lat.copy()
    to_wgs84(lon, lat, "bd09")
    from_wgs84(lon, lat, "gcj02")
    assert np.array_equal(lon, saved[0]) and np.array_equal(lat, saved[1])


# --- errors ----------------------------------------------------------------------------------

BAD_VALUES = [
    ("lat", np.nan, "nan"),
    ("lon", np.inf, "inf"),
    ("lat", -np.inf, "-inf"),
    ("lat", 91.0, "91.0"),
    ("lon", -181.0, "-181.0"),
]


@pytest.mark.parametrize(("axis", "value", "text"), BAD_VALUES)
@pytest.mark.parametrize("func", [to_wgs84, from_wgs84])
def test_bad_scalar_names_axis_and_value(func, axis, value, text):
    lon, lat = (value, 26.58) if axis == "lon" else (106.71, value)
    with pytest.raises(CoordinateError) as info:
        func(lon, lat, "gcj02")
    err = info.value
    assert str(err).startswith(f"{axis} is {text} (")
    assert err.axis == axis and err.index is None
    assert err.value == value or (np.isnan(value) and np.isnan(err.value))


@pytest.mark.parametrize(("axis", "value", "text"), BAD_VALUES)
def test_bad_value_in_1d_array_names_its_index(axis, value, text):
    lon, lat = np.full(6, 106.7), np.full(6, 26.6)
    (lon if axis == "lon" else lat)[3] = value
    with pytest.raises(CoordinateError, match=rf"^{axis} at index 3 is {text} \(") as info:
        to_wgs84(lon, lat, "bd09")
    assert info.value.index == 3 and info.value.axis == axis


@pytest.mark.parametrize(("axis", "value", "text"), BAD_VALUES)
def test_bad_value_in_2d_array_names_its_index_tuple(axis, value, text):
    lon, lat = np.full((3, 4), 106.7), np.full((3, 4), 26.6)
    (lon if axis == "lon" else lat)[2, 1] = value
    (lon if axis == "lon" else lat)[2, 3] = value  # only the first is reported
    with pytest.raises(CoordinateError, match=rf"^{axis} at index \(2, 1\) is {text} \(") as info:
        from_wgs84(lon, lat, "gcj02")
    assert info.value.index == (2, 1)


def test_first_bad_position_wins_across_axes():
    lon = [106.7, 106.7, 200.0]
    lat = [26.6, 95.0, 26.6]
    with pytest.raises(CoordinateError, match=r"^lat at index 1 is 95.0 \(outside \[-90, 90\]\)"):
        to_wgs84(lon, lat, "wgs84")


def test_range_limits_are_inclusive():
    assert from_wgs84(-180.0, -90.0, "wgs84") == (-180.0, -90.0)
    assert from_wgs84(180, 90, "gcj02") == (180.0, 90.0)


@pytest.mark.parametrize("name", ["gcj-02", "EPSG:3857", "", "mars", None, 4326])
def test_unknown_crs_raises_naming_it_and_the_accepted_ones(name):
    with pytest.raises(CoordinateError) as info:
        to_wgs84(106.71, 26.58, name)
    message = str(info.value)
    assert repr(name) in message
    for accepted in ("wgs84", "cgcs2000", "gcj02", "bd09", "EPSG:4326", "EPSG:4490"):
        assert accepted in message


@pytest.mark.parametrize(
    ("lon", "lat"),
    [([1.0, 2.0], [1.0, 2.0, 3.0]), (np.zeros((2, 3)), np.zeros((3, 2))), (106.7, [26.6, 26.7])],
)
def test_mismatched_shapes_raise(lon, lat):
    with pytest.raises(CoordinateError, match="shapes differ"):
        from_wgs84(lon, lat, "gcj02")


@pytest.mark.parametrize("bad", ["106.7", [106.7, None], True])
def test_non_numeric_input_raises(bad):
    with pytest.raises(CoordinateError, match="lon must be numeric"):
        from_wgs84(bad, 26.6 if np.ndim(bad) == 0 else [26.6, 26.7], "gcj02")


# --- metric CRS and areas --------------------------------------------------------------------


def test_metric_crs_is_utm_48n_with_small_distortion_over_yunyan():
    assert METRIC_CRS == "EPSG:32648"
    lon, lat = np.meshgrid(np.linspace(106.59, 106.79, 11), np.linspace(26.54, 26.68, 8))
    ours = np.asarray(Proj(METRIC_CRS).get_factors(lon, lat).meridional_scale) - 1
    gk = np.asarray(Proj("EPSG:4545").get_factors(lon, lat).meridional_scale) - 1
    assert np.abs(ours).max() < 1e-4
    assert np.abs(ours).max() < np.abs(gk).min()


def test_metric_transformer_is_cached_and_lon_lat_ordered():
    t = metric_transformer()
    assert t is metric_transformer()
    x, y = t.transform(*GUIYANG)
    assert 600_000 < x < 700_000 and 2_900_000 < y < 3_000_000  # east of CM 105E, 26.6N
    assert np.allclose(t.transform(x, y, direction="INVERSE"), GUIYANG, atol=1e-12, rtol=0)


def test_to_metric_and_back_round_trip():
    poly = Polygon([(106.70, 26.57), (106.72, 26.57), (106.72, 26.59), (106.70, 26.58)])
    m = to_metric(poly)
    assert 600_000 < m.bounds[0] < 700_000
    back = from_metric(m)
    assert np.abs(shapely.get_coordinates(back) - shapely.get_coordinates(poly)).max() < 1e-9
    # Distances in the metric CRS agree with geodesic ones to the scale error, -5e-5.
    a, b = to_metric(Point(106.70, 26.57)), to_metric(Point(106.72, 26.59))
    assert abs(a.distance(b) / metres(106.70, 26.57, 106.72, 26.59) - 1) < 1e-4


def test_to_metric_keeps_z_and_accepts_arrays():
    pts = [Point(106.71, 26.58, 1234.5), Point(106.72, 26.59)]
    out = to_metric(pts)
    assert isinstance(out, np.ndarray) and out.shape == (2,)
    assert out[0].has_z and out[0].z == 1234.5 and not out[1].has_z
    assert out[1].equals_exact(to_metric(Point(106.72, 26.59)), 1e-9)


def test_to_metric_geoseries_and_geodataframe():
    geoms = [Point(106.71, 26.58), box(106.70, 26.57, 106.72, 26.59)]
    expected = to_metric(np.array(geoms))
    series = gpd.GeoSeries(geoms, crs="EPSG:4326")
    for obj in (
        series,
        gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=series),
        gpd.GeoSeries(geoms),
    ):  # no CRS: taken as EPSG:4326
        out = to_metric(obj)
        assert type(out) is type(obj) and out.crs == METRIC_CRS
        assert all(g.equals_exact(e, 1e-6) for g, e in zip(out.geometry, expected, strict=True))
        back = from_metric(out)
        assert back.crs == "EPSG:4326"
        assert (
            np.abs(
                shapely.get_coordinates(back.geometry.values)
                - shapely.get_coordinates(np.array(geoms))
            ).max()
            < 1e-9
        )
    assert to_metric(gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=series))["name"].tolist() == [
        "a",
        "b",
    ]


def test_to_metric_rejects_coordinates_that_are_not_degrees():
    already_metric = Point(670_298.98, 2_941_055.08)
    with pytest.raises(CoordinateError, match=r"lon at coordinate 0 is 670298.98 \(outside"):
        to_metric(already_metric)
    with np.errstate(invalid="ignore"):  # shapely warns about the NaN it is given
        line = LineString([(106.7, 26.6), (106.8, np.nan)])
    with pytest.raises(CoordinateError, match="lat at coordinate 1 is nan"):
        to_metric(line)
    with pytest.raises(CoordinateError):
        to_metric(gpd.GeoSeries([already_metric], crs="EPSG:4326"))


def test_one_km_square_in_metric_crs_has_the_right_geodesic_area():
    centre = to_metric(Point(*GUIYANG))
    square = from_metric(box(centre.x - 500, centre.y - 500, centre.x + 500, centre.y + 500))
    area = geodesic_area_m2(square)
    assert abs(area / 1e6 - 1) < 1e-3
    # More precisely: 1e6 m2 on the map is 1e6 / (areal scale) m2 on the ellipsoid.
    areal_scale = Proj(METRIC_CRS).get_factors(*GUIYANG).areal_scale
    assert area == pytest.approx(1e6 / areal_scale, rel=1e-8)
    assert area > 1e6  # UTM 48N shrinks distances here (k < 1)


def test_geodesic_area_ignores_orientation_and_subtracts_holes():
    outer = [(106.70, 26.57), (106.72, 26.57), (106.72, 26.59), (106.70, 26.59)]
    hole = [(106.705, 26.575), (106.715, 26.575), (106.715, 26.585), (106.705, 26.585)]
    full, inner = geodesic_area_m2(Polygon(outer)), geodesic_area_m2(Polygon(hole))
    assert geodesic_area_m2(Polygon(outer[::-1])) == pytest.approx(full, rel=1e-12)
    for shell, ring in ((outer, hole), (outer[::-1], hole), (outer, hole[::-1])):
        assert geodesic_area_m2(Polygon(shell, [ring])) == pytest.approx(full - inner, rel=1e-9)
    other = box(106.80, 26.60, 106.81, 26.61)
    both = MultiPolygon([Polygon(outer), other])
    assert geodesic_area_m2(both) == pytest.approx(full + geodesic_area_m2(other), rel=1e-12)
    assert 4.40e6 < full < 4.43e6  # 0.02 x 0.02 degrees at 26.6N: about 1.99 km x 2.22 km


def test_geodesic_area_rejects_non_polygons_and_bad_coordinates():
    with pytest.raises(TypeError):
        geodesic_area_m2(LineString([(106.7, 26.6), (106.8, 26.6)]))
    with pytest.raises(CoordinateError):
        geodesic_area_m2(box(600_000, 2_900_000, 601_000, 2_901_000))


def test_district_outline_area_after_conversion_from_gcj02():
    # The real district outline is published in GCJ-02; converted to WGS84 its geodesic area is
    # about 91.7 km2 (the reference figure). Left in GCJ-02 it would come out ~0.2 km2 larger.
    outline = shape(json.loads(OUTLINE.read_text()))
    wgs = shapely.transform(outline, lambda xy: np.column_stack(to_wgs84(*xy.T, "gcj02")))
    area_km2 = geodesic_area_m2(wgs) / 1e6
    assert area_km2 == pytest.approx(91.7, abs=0.05)
    assert geodesic_area_m2(outline) / 1e6 - area_km2 > 0.1
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no numpy warnings on the way
        to_wgs84(*shapely.get_coordinates(outline).T, "bd09")
