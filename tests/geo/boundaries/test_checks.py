"""Tests for geo.boundaries.checks: one defect per test, built in memory in EPSG:4326."""

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Polygon, box

from geo.boundaries.checks import CHINA, KINDS, Plausibility, Problem, validate_boundary_set
from geo.boundaries.read import BoundarySet
from geo.boundaries.report import format_report, report_to_dict
from geo.coords import METRIC_CRS

# Two communities side by side near (106.7, 26.6), each split into three vertical strips.
WEST, SOUTH, NORTH, WIDTH = 106.70, 26.60, 26.61, 0.01
STRIP = WIDTH / 3
COMMUNITIES = [("520103400", "中华社区"), ("520103401", "中环社区")]
# At latitude 26.6 one degree of longitude is about 99.6 km and of latitude about 110.9 km.
M_PER_DEG_LON, M_PER_DEG_LAT = 99_560.0, 110_860.0


def strip_edges(c: int) -> list[float]:
    x0 = WEST + c * WIDTH
    return [x0, x0 + STRIP, x0 + 2 * STRIP, x0 + WIDTH]


def clean_frames() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    rows, grids = [], []
    for c, (code, name) in enumerate(COMMUNITIES):
        xs = strip_edges(c)
        rows.append((code, name, 1000 + c, 400 + c, box(xs[0], SOUTH, xs[3], NORTH)))
        for s in range(3):
            grids.append((f"{code}001{s + 1:03d}", code, box(xs[s], SOUTH, xs[s + 1], NORTH)))
    communities = gpd.GeoDataFrame(
        [r[:4] for r in rows],
        columns=["code", "name", "population", "households"],
        geometry=[r[4] for r in rows],
        crs="EPSG:4326",
    )
    grid_frame = gpd.GeoDataFrame(
        {"code": [g[0] for g in grids], "community_code": [g[1] for g in grids]},
        geometry=[g[2] for g in grids],
        crs="EPSG:4326",
    )
    grid_frame["name"] = [f"网格{i + 1}" for i in range(len(grids))]
    grid_frame["population"] = 300
    grid_frame["households"] = 100
    return communities, grid_frame


def make_set(communities, grids, district=None) -> BoundarySet:
    return BoundarySet(communities, grids, district, source="memory", source_crs="wgs84")


def set_geometry(frame: gpd.GeoDataFrame, index: int, geom) -> gpd.GeoDataFrame:
    geoms = list(frame.geometry)
    geoms[index] = geom
    return frame.set_geometry(gpd.GeoSeries(geoms, crs=frame.crs))


def kinds(report) -> list[tuple[str, str, str]]:
    return [(p.layer, p.code, p.kind) for p in report.problems]


def grid_bounds(grids, index):
    return grids.geometry.iloc[index].bounds


# --- clean set -----------------------------------------------------------------------------


def test_clean_set_has_no_problems_and_a_summary():
    communities, grids = clean_frames()
    report = validate_boundary_set(make_set(communities, grids))
    assert report.problems == []
    assert report.ok
    summary = report.summary
    assert summary["communities"] == 2
    assert summary["grids"] == 6
    assert summary["grids_without_known_community"] == 0
    assert summary["population"] == {"communities": 2001, "grids": 1800}
    assert summary["households"] == {"communities": 801, "grids": 600}
    expected_km2 = WIDTH * M_PER_DEG_LON * (NORTH - SOUTH) * M_PER_DEG_LAT / 1e6
    assert [c["code"] for c in summary["per_community"]] == ["520103400", "520103401"]
    assert [c["name"] for c in summary["per_community"]] == ["中华社区", "中环社区"]
    assert [c["grids"] for c in summary["per_community"]] == [3, 3]
    assert [c["population"] for c in summary["per_community"]] == [1000, 1001]
    for c in summary["per_community"]:
        assert c["area_km2"] == pytest.approx(expected_km2, rel=0.01)
    assert summary["area_km2"] == pytest.approx(2 * expected_km2, rel=0.01)
    assert summary["district_area_km2"] is None
    assert summary["problems_by_kind"] == dict.fromkeys(KINDS, 0)
    assert summary["skipped_checks"] == []


def test_clean_set_with_district_layer_has_no_problems():
    communities, grids = clean_frames()
    district = gpd.GeoDataFrame(
        {"name": ["云岩区"]},
        geometry=[box(WEST, SOUTH, WEST + 2 * WIDTH, NORTH)],
        crs="EPSG:4326",
    )
    report = validate_boundary_set(make_set(communities, grids, district))
    assert report.problems == []
    assert report.summary["district_area_km2"] == pytest.approx(report.summary["area_km2"])


# --- one test per kind ---------------------------------------------------------------------


def test_bow_tie_grid_is_invalid_geometry():
    communities, grids = clean_frames()
    x0, y0, x1, y1 = grid_bounds(grids, 1)
    grids = set_geometry(grids, 1, Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)]))
    report = validate_boundary_set(make_set(communities, grids))
    assert kinds(report) == [("grids", "520103400001002", "invalid_geometry")]
    assert "self-intersection" in report.problems[0].detail.lower()
    # The hole the bow-tie leaves is not reported as a gap: that check is skipped instead.
    assert report.summary["skipped_checks"] == [
        "gap check of community 520103400: grid(s) unusable"
    ]


def test_invalid_community_is_reported_once_without_cascade():
    communities, grids = clean_frames()
    x0, y0, x1, y1 = communities.geometry.iloc[0].bounds
    communities = set_geometry(communities, 0, Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)]))
    report = validate_boundary_set(make_set(communities, grids))
    assert kinds(report) == [("communities", "520103400", "invalid_geometry")]
    assert report.summary["skipped_checks"] == [
        "outside_community for grids of 520103400: community geometry unusable",
        "gap check of the district: community geometry unusable",
    ]


def test_malformed_community_code_of_a_grid():
    communities, grids = clean_frames()
    grids.loc[1, "community_code"] = "52010340"
    report = validate_boundary_set(make_set(communities, grids))
    assert kinds(report) == [("grids", "520103400001002", "bad_code")]
    assert report.problems[0].detail.startswith("community_code: community code '52010340'")


@pytest.mark.parametrize(("geom", "word"), [(Polygon(), "empty"), (None, "missing")])
def test_empty_or_missing_geometry(geom, word):
    communities, grids = clean_frames()
    grids = set_geometry(grids, 4, geom)
    report = validate_boundary_set(make_set(communities, grids))
    assert kinds(report) == [("grids", "520103401001002", "empty_geometry")]
    assert word in report.problems[0].detail


def test_linestring_is_wrong_geometry_type():
    communities, grids = clean_frames()
    x0, y0, x1, y1 = grid_bounds(grids, 1)
    grids = set_geometry(grids, 1, LineString([(x0, y0), (x1, y1)]))
    report = validate_boundary_set(make_set(communities, grids))
    assert kinds(report) == [("grids", "520103400001002", "wrong_geometry_type")]
    assert "LineString" in report.problems[0].detail


def test_duplicate_code_names_the_first_feature():
    communities, grids = clean_frames()
    grids.loc[2, "code"] = grids.loc[1, "code"]
    report = validate_boundary_set(make_set(communities, grids))
    assert kinds(report) == [("grids", "520103400001002", "duplicate_code")]
    assert report.problems[0].detail == "feature #2 repeats the code of feature #1"


def test_duplicate_community_code():
    communities, grids = clean_frames()
    communities.loc[1, "code"] = "520103400"
    grids["community_code"] = "520103400"
    grids["code"] = [f"520103400001{i + 1:03d}" for i in range(6)]
    report = validate_boundary_set(make_set(communities, grids))
    assert kinds(report) == [("communities", "520103400", "duplicate_code")]
    assert "feature #0" in report.problems[0].detail


def test_fourteen_digit_grid_code_is_bad_code():
    communities, grids = clean_frames()
    grids.loc[1, "code"] = "52010340000100"
    report = validate_boundary_set(make_set(communities, grids))
    assert kinds(report) == [("grids", "52010340000100", "bad_code")]
    assert "14 digits" in report.problems[0].detail


def test_grid_prefix_not_its_community_is_bad_code():
    communities, grids = clean_frames()
    grids.loc[1, "code"] = "520103401001009"  # community_code stays 520103400
    report = validate_boundary_set(make_set(communities, grids))
    assert kinds(report) == [("grids", "520103401001009", "bad_code")]
    assert "'520103401'" in report.problems[0].detail
    assert "'520103400'" in report.problems[0].detail


def test_bad_community_code_and_missing_code():
    communities, grids = clean_frames()
    communities.loc[0, "code"] = "5201034OO"
    grids.loc[0, "code"] = None
    grids.loc[0, "community_code"] = None
    report = validate_boundary_set(make_set(communities, grids))
    problems = {(p.layer, p.code, p.kind) for p in report.problems}
    assert ("communities", "5201034OO", "bad_code") in problems
    assert ("grids", "#0", "bad_code") in problems
    # The grids of 520103400 now name a community that is not in the layer.
    assert ("grids", "520103400001002", "unknown_community") in problems


def test_unknown_community():
    communities, grids = clean_frames()
    grids.loc[1, ["code", "community_code"]] = ["520103499001001", "520103499"]
    report = validate_boundary_set(make_set(communities, grids))
    assert kinds(report) == [("grids", "520103499001001", "unknown_community")]
    assert "520103499" in report.problems[0].detail
    assert report.summary["grids_without_known_community"] == 1


def test_grid_poking_50_m_outside_its_community():
    communities, grids = clean_frames()
    x0, y0, x1, y1 = grid_bounds(grids, 0)  # the westmost strip, on the set's outer edge
    grids = set_geometry(grids, 0, box(x0 - 50 / M_PER_DEG_LON, y0, x1, y1))
    report = validate_boundary_set(make_set(communities, grids))
    assert kinds(report) == [("grids", "520103400001001", "outside_community")]
    area = float(report.problems[0].detail.split(" m²")[0])
    assert area == pytest.approx(50 * (NORTH - SOUTH) * M_PER_DEG_LAT, rel=0.02)
    assert "520103400" in report.problems[0].detail


def test_two_overlapping_grids():
    communities, grids = clean_frames()
    x0, y0, x1, y1 = grid_bounds(grids, 1)
    grids = set_geometry(grids, 1, box(x0, y0, x1 + 0.0005, y1))
    report = validate_boundary_set(make_set(communities, grids))
    assert kinds(report) == [("grids", "520103400001002", "overlap")]
    detail = report.problems[0].detail
    assert "520103400001003 (feature #2)" in detail
    area = float(detail.split(" by ")[1].split(" m²")[0])
    assert area == pytest.approx(0.0005 * M_PER_DEG_LON * 0.01 * M_PER_DEG_LAT, rel=0.02)


def test_overlapping_communities():
    communities, grids = clean_frames()
    x0, y0, x1, y1 = communities.geometry.iloc[1].bounds
    communities = set_geometry(communities, 1, box(x0 - 0.001, y0, x1, y1))
    report = validate_boundary_set(make_set(communities, grids))
    assert ("communities", "520103400", "overlap") in kinds(report)


def test_hole_between_grids_is_a_gap_of_the_community():
    communities, grids = clean_frames()
    x0, y0, x1, y1 = grid_bounds(grids, 1)
    grids = set_geometry(grids, 1, box(x0, y0, x1 - 0.001, y1))
    report = validate_boundary_set(make_set(communities, grids))
    assert kinds(report) == [("communities", "520103400", "gap")]
    detail = report.problems[0].detail
    area = float(detail.split(" m²")[0])
    assert area == pytest.approx(0.001 * M_PER_DEG_LON * 0.01 * M_PER_DEG_LAT, rel=0.02)
    lon = float(detail.split("lon ")[1].split(",")[0])
    lat = float(detail.split("lat ")[1])
    assert x1 - 0.001 < lon < x1
    assert y0 < lat < y1


def test_community_without_grids_is_one_gap():
    communities, grids = clean_frames()
    grids = grids.iloc[:3].reset_index(drop=True)
    report = validate_boundary_set(make_set(communities, grids))
    assert kinds(report) == [("communities", "520103401", "gap")]
    assert report.summary["per_community"][1]["grids"] == 0


def test_hole_between_communities_is_a_gap_of_the_district():
    communities, grids = clean_frames()
    shift = 0.001  # move the eastern community and its grids east, leaving a strip
    communities = set_geometry(
        communities, 1, shapely.affinity.translate(communities.geometry.iloc[1], xoff=shift)
    )
    for i in range(3, 6):
        grids = set_geometry(grids, i, shapely.affinity.translate(grids.geometry.iloc[i], shift))
    district = gpd.GeoDataFrame(
        {"name": ["云岩区"]},
        geometry=[box(WEST, SOUTH, WEST + 2 * WIDTH + shift, NORTH)],
        crs="EPSG:4326",
    )
    report = validate_boundary_set(make_set(communities, grids, district))
    assert kinds(report) == [("district", "#0", "gap")]
    area = float(report.problems[0].detail.split(" m²")[0])
    assert area == pytest.approx(shift * M_PER_DEG_LON * 0.01 * M_PER_DEG_LAT, rel=0.02)


def test_hole_in_union_of_communities_without_district_layer():
    communities, grids = clean_frames()
    x0, y0, x1, y1 = grid_bounds(grids, 1)
    hole = box(x0 + 0.001, y0 + 0.003, x1 - 0.001, y1 - 0.003)
    grids = set_geometry(grids, 1, grids.geometry.iloc[1].difference(hole))
    communities = set_geometry(communities, 0, communities.geometry.iloc[0].difference(hole))
    report = validate_boundary_set(make_set(communities, grids))
    assert kinds(report) == [("district", "520103", "gap")]
    assert "no district layer" in report.problems[0].detail


# --- tolerance -----------------------------------------------------------------------------


def metric_set(overlap_m: float) -> BoundarySet:
    """One 1 km square community with two grids overlapping by a 1 km x ``overlap_m`` strip.

    Built in METRIC_CRS with vertices every 5 m, then converted to lon/lat.
    """
    forward = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
    back = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)
    x, y = forward.transform(106.70, 26.60)

    def to_lon_lat(geom):
        dense = shapely.segmentize(geom, 5.0)
        return shapely.transform(dense, lambda xy: np.column_stack(back.transform(*xy.T)))

    community = box(x, y, x + 1000, y + 1000)
    west = box(x, y, x + 500 + overlap_m, y + 1000)
    east = box(x + 500, y, x + 1000, y + 1000)
    communities = gpd.GeoDataFrame(
        {"code": ["520103400"], "name": ["中华社区"]},
        geometry=[to_lon_lat(community)],
        crs="EPSG:4326",
    )
    grids = gpd.GeoDataFrame(
        {"code": ["520103400001001", "520103400001002"], "community_code": ["520103400"] * 2},
        geometry=[to_lon_lat(west), to_lon_lat(east)],
        crs="EPSG:4326",
    )
    return make_set(communities, grids)


def test_half_square_metre_overlap_is_tolerated():
    report = validate_boundary_set(metric_set(overlap_m=0.0005))  # 0.5 m²
    assert report.problems == []


def test_five_square_metre_overlap_is_reported():
    report = validate_boundary_set(metric_set(overlap_m=0.005))  # 5 m²
    assert kinds(report) == [("grids", "520103400001001", "overlap")]
    area = float(report.problems[0].detail.split(" by ")[1].split(" m²")[0])
    assert area == pytest.approx(5.0, abs=0.2)


# --- several defects, output formats -------------------------------------------------------


def several_defects() -> BoundarySet:
    communities, grids = clean_frames()
    x0, y0, x1, y1 = grid_bounds(grids, 1)
    grids = set_geometry(grids, 1, Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)]))
    grids.loc[3, "code"] = "52010340100101"
    x0, y0, x1, y1 = grid_bounds(grids, 4)
    grids = set_geometry(grids, 4, box(x0, y0, x1 + 0.0005, y1))
    grids.loc[5, "code"] = grids.loc[4, "code"]
    extra = gpd.GeoDataFrame(
        {"code": ["520103499001001"], "community_code": ["520103499"]},
        geometry=[box(106.73, SOUTH, 106.731, SOUTH + 0.001)],
        crs="EPSG:4326",
    )
    grids = gpd.GeoDataFrame(gpd.pd.concat([grids, extra], ignore_index=True), crs="EPSG:4326")
    return make_set(communities, grids)


def test_several_defects_are_all_reported():
    report = validate_boundary_set(several_defects())
    assert kinds(report) == [
        ("grids", "520103400001002", "invalid_geometry"),
        ("grids", "52010340100101", "bad_code"),
        ("grids", "520103401001002", "overlap"),
        ("grids", "520103401001002", "duplicate_code"),
        ("grids", "520103499001001", "unknown_community"),
    ]
    by_kind = report.summary["problems_by_kind"]
    assert sum(by_kind.values()) == 5
    assert by_kind["overlap"] == 1
    assert not report.ok


def test_report_to_dict_is_json_serialisable():
    report = validate_boundary_set(several_defects())
    data = report_to_dict(report)
    assert set(data) == {"ok", "problems", "summary"}
    assert data["ok"] is False
    assert data["problems"][0] == {
        "layer": "grids",
        "code": "520103400001002",
        "kind": "invalid_geometry",
        "detail": report.problems[0].detail,
    }
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data


def test_format_report_lists_problems_and_summary():
    text = format_report(validate_boundary_set(several_defects()))
    lines = text.splitlines()
    assert "5 problem(s):" in lines
    assert any("grids 520103499001001" in line and "unknown_community" in line for line in lines)
    assert any("grids 520103400001002 (中华社区): invalid_geometry" in line for line in lines)
    assert "中环社区" in text
    assert "Summary" in lines
    assert "problems by kind: invalid_geometry 1" in text


def test_format_report_of_clean_set():
    communities, grids = clean_frames()
    text = format_report(validate_boundary_set(make_set(communities, grids)))
    assert "No problems found." in text
    assert "520103400" in text and "中华社区" in text
    assert "problems by kind: none" in text


def test_problem_is_a_frozen_value():
    problem = Problem("grids", "520103400001001", "overlap", "x")
    assert problem == Problem(layer="grids", code="520103400001001", kind="overlap", detail="x")
    with pytest.raises(AttributeError):
        problem.kind = "gap"


# --- plausibility: extent, grid area, non-finite coordinates --------------------------------


def test_defaults_are_china_and_100_m2_to_100_km2():
    assert (CHINA.lon_min, CHINA.lon_max, CHINA.lat_min, CHINA.lat_max) == (73, 136, 3, 54)
    assert (CHINA.grid_area_min_m2, CHINA.grid_area_max_m2) == (100.0, 100e6)


def test_tiny_grid_is_implausible():
    """A grid of 8 m x 8 m (about 64 m²) cut out of another one."""
    communities, grids = clean_frames()
    x0, y0, x1, y1 = grid_bounds(grids, 1)
    tiny = box(x0, y0, x0 + 8 / M_PER_DEG_LON, y0 + 8 / M_PER_DEG_LAT)
    grids = set_geometry(grids, 1, box(x0, y0, x1, y1).difference(tiny))
    extra = grids.iloc[[1]].copy()
    extra["code"] = "520103400001004"
    extra = extra.set_geometry(gpd.GeoSeries([tiny], index=extra.index, crs=grids.crs))
    grids = gpd.GeoDataFrame(pd.concat([grids, extra], ignore_index=True), crs=grids.crs)
    report = validate_boundary_set(make_set(communities, grids))
    assert kinds(report) == [("grids", "520103400001004", "implausible_extent")]
    detail = report.problems[0].detail
    assert "under the plausible 100..100,000,000 m²" in detail
    area = float(detail.split("area ")[1].split(" m²")[0].replace(",", ""))
    assert area == pytest.approx(64, rel=0.02)


def huge_set(km: float) -> BoundarySet:
    """One community of ``km`` x ``km`` covered by a single grid."""
    east, north = WEST + km * 1000 / M_PER_DEG_LON, SOUTH + km * 1000 / M_PER_DEG_LAT
    shape = shapely.segmentize(box(WEST, SOUTH, east, north), 0.001)
    communities = gpd.GeoDataFrame({"code": ["520103400"]}, geometry=[shape], crs="EPSG:4326")
    grids = gpd.GeoDataFrame(
        {"code": ["520103400001001"], "community_code": ["520103400"]},
        geometry=[shape],
        crs="EPSG:4326",
    )
    return make_set(communities, grids)


def test_huge_grid_is_implausible_unless_the_bounds_allow_it():
    report = validate_boundary_set(huge_set(12))  # about 144 km²
    assert kinds(report) == [("grids", "520103400001001", "implausible_extent")]
    assert "over the plausible" in report.problems[0].detail
    assert report.summary["problems_by_kind"]["implausible_extent"] == 1
    allowed = Plausibility(grid_area_max_m2=200e6)
    assert validate_boundary_set(huge_set(12), plausible=allowed).problems == []
    assert validate_boundary_set(huge_set(9)).problems == []  # about 81 km²


def moved_set(lon: float, lat: float) -> BoundarySet:
    communities, grids = clean_frames()
    dx, dy = lon - WEST, lat - SOUTH
    return make_set(
        communities.set_geometry(communities.translate(dx, dy)),
        grids.set_geometry(grids.translate(dx, dy)),
    )


def test_set_outside_the_extent_is_implausible_feature_by_feature():
    """The clean set moved to Paris: every feature is reported, and nothing else."""
    bs = moved_set(2.30, 48.85)
    report = validate_boundary_set(bs)
    expected = [("communities", c, "implausible_extent") for c in bs.communities["code"]] + [
        ("grids", g, "implausible_extent") for g in bs.grids["code"]
    ]
    assert kinds(report) == expected
    assert "outside the expected extent (lon 73..136, lat 3..54)" in report.problems[0].detail
    assert "lon 2.3..2.31" in report.problems[0].detail
    assert report.summary["problems_by_kind"]["implausible_extent"] == len(expected)
    assert (
        "gap check of the district: community geometry unusable"
        in (report.summary["skipped_checks"])
    )
    france = Plausibility(lon_min=-5.0, lon_max=10.0, lat_min=41.0, lat_max=52.0)
    assert validate_boundary_set(bs, plausible=france).problems == []


def test_feature_partly_outside_the_extent_is_implausible():
    communities, grids = clean_frames()
    plausible = Plausibility(lon_max=WEST + 1.5 * WIDTH)  # cuts community 2's middle strip
    report = validate_boundary_set(make_set(communities, grids), plausible=plausible)
    assert kinds(report) == [
        ("communities", "520103401", "implausible_extent"),
        ("grids", "520103401001002", "implausible_extent"),
        ("grids", "520103401001003", "implausible_extent"),
    ]


def test_district_outside_the_extent_is_implausible():
    communities, grids = clean_frames()
    district = gpd.GeoDataFrame(
        {"code": ["520103"]}, geometry=[box(WEST, SOUTH, WEST + 2 * WIDTH, 60.0)], crs="EPSG:4326"
    )
    report = validate_boundary_set(make_set(communities, grids, district))
    assert kinds(report) == [("district", "520103", "implausible_extent")]


@pytest.mark.parametrize(("value", "word"), [(np.nan, "NaN"), (np.inf, "infinite")])
def test_non_finite_vertex_is_its_own_invalid_geometry_problem(value, word):
    communities, grids = clean_frames()
    x0, y0, x1, y1 = grid_bounds(grids, 1)
    ring = [(x0, y0), (x1, y0), (x1, value), (x1, y1), (x0, y1)]
    with np.errstate(invalid="ignore"):
        broken = Polygon(ring)
    grids = set_geometry(grids, 1, broken)
    report = validate_boundary_set(make_set(communities, grids))
    assert kinds(report) == [("grids", "520103400001002", "invalid_geometry")]
    assert f"vertex #2 has a {word} coordinate" in report.problems[0].detail
    assert report.summary["skipped_checks"] == [
        "gap check of community 520103400: grid(s) unusable"
    ]
    assert "grids 520103400001002 (中华社区): invalid_geometry: vertex #2 has a" in (
        format_report(report)
    )


def test_nan_vertex_in_a_community_is_reported_without_a_crash():
    communities, grids = clean_frames()
    x0, y0, x1, y1 = communities.geometry.iloc[1].bounds
    with np.errstate(invalid="ignore"):
        broken = Polygon([(x0, y0), (np.nan, np.nan), (x1, y1), (x0, y1)])
    communities = set_geometry(communities, 1, broken)
    report = validate_boundary_set(make_set(communities, grids))
    assert kinds(report) == [("communities", "520103401", "invalid_geometry")]
    assert "vertex #1 has a NaN coordinate (nan, nan)" in report.problems[0].detail


# --- speed ---------------------------------------------------------------------------------


def large_set() -> BoundarySet:
    """26 communities (2 x 13) of 48 grids each (1,248 grids), about 100 vertices per grid."""
    size, cols, rows = 0.02, 6, 8
    communities, grids = [], []
    for n in range(26):
        cx, cy = 106.60 + (n % 13) * size, 26.55 + (n // 13) * size
        code = f"520103{400 + n}"
        communities.append((code, shapely.segmentize(box(cx, cy, cx + size, cy + size), 1e-4)))
        for k in range(cols * rows):
            gx, gy = cx + (k % cols) * size / cols, cy + (k // cols) * size / rows
            cell = box(gx, gy, gx + size / cols, gy + size / rows)
            grids.append((f"{code}001{k + 1:03d}", code, shapely.segmentize(cell, 1.2e-4)))
    return make_set(
        gpd.GeoDataFrame(
            {"code": [c[0] for c in communities]},
            geometry=[c[1] for c in communities],
            crs="EPSG:4326",
        ),
        gpd.GeoDataFrame(
            {"code": [g[0] for g in grids], "community_code": [g[1] for g in grids]},
            geometry=[g[2] for g in grids],
            crs="EPSG:4326",
        ),
    )


def test_district_sized_set_validates_clean():
    bs = large_set()
    vertices = shapely.get_num_coordinates(bs.grids.geometry.values)
    assert 80 <= vertices.mean() <= 120
    report = validate_boundary_set(bs)
    assert report.problems == []
    assert report.summary["grids"] == 1248
