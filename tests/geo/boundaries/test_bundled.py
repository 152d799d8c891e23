"""The bundled Yunyan boundary set: what PROVENANCE.md and the README promise of it."""

import csv

import numpy as np
import pytest
import shapely

from geo import bundled, coords
from geo.boundaries.checks import validate_boundary_set
from geo.boundaries.read import read_boundary_set
from geo.codes import parse_grid_code
from geo.synth.numbering import reading_order


@pytest.fixture(scope="module")
def bset():
    return read_boundary_set(bundled.BOUNDARIES_DIR)


def test_bundled_set_validates_clean(bset):
    report = validate_boundary_set(bset)
    assert report.problems == []
    assert report.summary["communities"] == 26
    assert report.summary["grids"] == 1254


def test_communities_are_the_official_26(bset):
    with open(bundled.COMMUNITY_LIST, encoding="utf-8") as fh:
        official = {r["code"]: r["name"] for r in csv.DictReader(fh)}
    got = dict(zip(bset.communities["code"], bset.communities["name"], strict=True))
    assert got == official


def test_population_sums_to_census(bset):
    assert int(bset.grids["population"].sum()) == 1_056_819
    by_comm = bset.grids.groupby("community_code")["population"].sum()
    comm = bset.communities.set_index("code")["population"]
    assert (by_comm.sort_index() == comm.sort_index()).all()
    assert (bset.grids["households"] > 0).all()
    ratio = bset.grids["population"] / bset.grids["households"]
    assert ratio.between(2.3, 3.2).all()


def test_every_feature_is_labelled_illustrative(bset):
    assert bset.grids["illustrative"].astype(bool).all()
    assert bset.communities["illustrative"].astype(bool).all()


def test_single_polygons_without_slivers(bset):
    assert set(bset.grids.geom_type) == {"Polygon"}
    assert set(bset.communities.geom_type) == {"Polygon"}
    metric = coords.to_metric(bset.grids.geometry)
    area, perimeter = metric.area.to_numpy(), metric.length.to_numpy()
    compactness = 4 * np.pi * area / perimeter**2
    assert compactness.min() > 0.15
    assert area.min() > 5_000  # m²
    # Surveyed-looking outlines: tens of vertices, not four.
    assert np.median(shapely.get_num_coordinates(bset.grids.geometry.values)) >= 20


def test_grids_smaller_in_the_dense_centre(bset):
    metric = coords.to_metric(bset.grids.geometry)
    by_comm = metric.area.groupby(bset.grids["community_code"]).median()
    # 中华 (old centre) against 三桥 (western edge).
    assert by_comm["520103400"] * 4 < by_comm["520103419"]


def test_codes_number_grids_in_reading_order(bset):
    for code, group in bset.grids.groupby("community_code"):
        parsed = [parse_grid_code(c) for c in group["code"]]
        assert all(p.community_code == code for p in parsed)
        committees = {}
        for p, geom in zip(parsed, group.geometry, strict=True):
            committees.setdefault(p.committee, []).append((p.sequence, geom))
        assert sorted(committees) == list(range(1, len(committees) + 1))
        for members in committees.values():
            members.sort(key=lambda m: m[0])
            assert [m[0] for m in members] == list(range(1, len(members) + 1))
            pts = shapely.get_coordinates(shapely.point_on_surface([m[1] for m in members]))
            assert list(reading_order(pts)) == list(range(len(members)))


def test_district_is_the_converted_real_outline(bset):
    source = shapely.from_geojson(bundled.OUTLINE_GCJ02.read_text(encoding="utf-8"))
    src_xy = shapely.get_coordinates(source)
    lon, lat = coords.to_wgs84(src_xy[:, 0], src_xy[:, 1], "gcj02")
    converted = np.column_stack([lon, lat])
    district = bset.district.geometry.iloc[0]
    district_xy = shapely.get_coordinates(district)
    # Every source vertex is there, converted; the extra ones only split long edges.
    tree = shapely.STRtree(shapely.points(district_xy))
    _, dist = tree.query_nearest(shapely.points(converted), return_distance=True)
    assert dist.max() < 1e-7
    metric = coords.to_metric(shapely.Polygon(converted))
    assert abs(coords.to_metric(district).area - metric.area) < 50  # m², of 91.7 km²
    area_km2 = coords.geodesic_area_m2(district) / 1e6
    assert area_km2 == pytest.approx(91.7, abs=0.1)
