"""The GCJ-02 display shift on Gaode's basemap: overlays move by geo.coords' offset exactly."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geo import coords
from maps import community_map, display_shift, workload_map
from maps.simplify import TOLERANCE, simplify_coverage

GRID = "520103400001001"


def _pages(boundaries, layer_features):
    out = {}
    for basemap in ("osm", "gaode", "none"):
        m = workload_map(boundaries.communities, boundaries.grids, {}, basemap=basemap)
        out[basemap] = layer_features(m.get_root().render())
    return out


def test_a_grid_vertex_moves_by_exactly_the_gcj02_offset(boundaries, layer_features):
    i = int(np.flatnonzero(boundaries.grids["code"].to_numpy() == GRID)[0])
    shown = simplify_coverage(boundaries.grids.geometry.values, TOLERANCE)[i]
    lon, lat = shapely.get_coordinates(shown)[0]  # the first vertex of its outer ring
    gcj_lon, gcj_lat = coords.from_wgs84(lon, lat, "gcj02")
    pages = _pages(boundaries, layer_features)

    def vertex(basemap):
        feature = next(f for f in pages[basemap]["grids"] if f["properties"]["code"] == GRID)
        return feature["geometry"]["coordinates"][0][0]

    assert vertex("osm") == pytest.approx([round(lon, 6), round(lat, 6)], abs=1e-9)
    assert vertex("none") == vertex("osm")
    assert vertex("gaode") == pytest.approx([round(gcj_lon, 6), round(gcj_lat, 6)], abs=1e-9)
    moved = np.subtract(vertex("gaode"), vertex("osm"))
    assert moved == pytest.approx([gcj_lon - lon, gcj_lat - lat], abs=1.1e-6)
    assert 0.003 < np.hypot(*moved) < 0.008  # about 540 m here, in degrees


def test_every_vertex_of_the_gaode_page_is_shifted(boundaries, layer_features):
    pages = _pages(boundaries, layer_features)
    for layer in ("communities", "grids"):
        osm = np.array([c for f in pages["osm"][layer] for c in f["geometry"]["coordinates"][0]])
        gaode = np.array(
            [c for f in pages["gaode"][layer] for c in f["geometry"]["coordinates"][0]]
        )
        x, y = coords.from_wgs84(osm[:, 0], osm[:, 1], "gcj02")
        assert np.abs(gaode - np.column_stack([x, y])).max() < 1.1e-6  # rounding only


def test_markers_and_circles_are_shifted(community_data, row_layers):
    c = community_data
    pages = {}
    for basemap in ("osm", "gaode"):
        m = community_map(c.community, c.grids, c.grid_rows, c.cases, c.facilities, basemap=basemap)
        pages[basemap] = row_layers(m.get_root().render())
    case = c.cases[0]["location"]
    x, y = coords.from_wgs84(case["lon"], case["lat"], "gcj02")
    osm_case, gaode_case = pages["osm"][0][0], pages["gaode"][0][0]
    assert osm_case[:2] == pytest.approx([case["lat"], case["lon"]], abs=6e-7)
    assert gaode_case[:2] == pytest.approx([y, x], abs=6e-7)
    facility = c.facilities[0]
    fx, fy = coords.from_wgs84(facility.lon, facility.lat, "gcj02")
    osm_rows = [r for group in pages["osm"][1:] for r in group]
    gaode_rows = [r for group in pages["gaode"][1:] for r in group]
    assert [facility.lat, facility.lon] == pytest.approx(osm_rows[0][:2], abs=6e-7)
    assert [fy, fx] == pytest.approx(gaode_rows[0][:2], abs=6e-7)
    assert osm_rows[0][2] == gaode_rows[0][2] == 1000.0  # radius in metres, unchanged


def test_display_shift_leaves_the_data_alone(boundaries):
    geom = boundaries.grids.geometry.values[0]
    feature = {
        "type": "Feature",
        "properties": {"code": GRID},
        "geometry": shapely.geometry.mapping(geom),
    }
    before = shapely.geometry.shape(feature["geometry"])
    shifted = display_shift(feature, "gaode")
    assert shapely.equals_exact(shapely.geometry.shape(feature["geometry"]), before, 0)
    assert shifted["properties"] == {"code": GRID}
    x, y = shapely.get_coordinates(geom)[0]
    gx, gy = coords.from_wgs84(x, y, "gcj02")
    assert shifted["geometry"]["coordinates"][0][0] == pytest.approx((gx, gy), abs=1e-12)
    assert display_shift(feature, "osm") == feature
    assert display_shift(feature, "osm") is not feature
    assert shapely.equals_exact(display_shift(geom, "none"), geom, 0)
    arr = display_shift(boundaries.grids.geometry.values[:3], "gaode")
    assert len(arr) == 3 and not shapely.equals_exact(arr[0], geom, 1e-4)
    collection = display_shift({"type": "FeatureCollection", "features": [feature]}, "gaode")
    assert collection["features"][0]["geometry"] == shifted["geometry"]
