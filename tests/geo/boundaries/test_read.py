"""Tests for geo.boundaries.read: reading boundary sets from files in several formats."""

import json
import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import box

from geo.boundaries.checks import validate_boundary_set
from geo.boundaries.read import BoundarySet, read_boundary_set
from geo.coords import METRIC_CRS, to_metric
from geo.errors import BoundaryReadError, CoordinateError, GridmgrError

# Two communities side by side near (106.7, 26.6), each split into three vertical strips.
WEST, SOUTH, NORTH, WIDTH = 106.70, 26.60, 26.61, 0.01
COMMUNITIES = [("520103400", "中华社区"), ("520103401", "中环社区")]


def clean_frames() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    communities, grids = [], []
    for c, (code, name) in enumerate(COMMUNITIES):
        x0 = WEST + c * WIDTH
        xs = [x0, x0 + WIDTH / 3, x0 + 2 * WIDTH / 3, x0 + WIDTH]
        communities.append((code, name, 1000 + c, box(xs[0], SOUTH, xs[3], NORTH)))
        for s in range(3):
            sequence = f"{code}001{s + 1:03d}"
            grids.append((sequence, code, f"网格{s + 1}", box(xs[s], SOUTH, xs[s + 1], NORTH)))
    return (
        gpd.GeoDataFrame(
            [c[:3] for c in communities],
            columns=["code", "name", "population"],
            geometry=[c[3] for c in communities],
            crs="EPSG:4326",
        ),
        gpd.GeoDataFrame(
            [g[:3] for g in grids],
            columns=["code", "community_code", "name"],
            geometry=[g[3] for g in grids],
            crs="EPSG:4326",
        ),
    )


def district_frame() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": ["云岩区"]},
        geometry=[box(WEST, SOUTH, WEST + 2 * WIDTH, NORTH)],
        crs="EPSG:4326",
    )


FORMATS = {
    "geojson": ("GeoJSON", ".geojson"),
    "json": ("GeoJSON", ".json"),
    "shapefile": ("ESRI Shapefile", ".shp"),
    "gpkg-files": ("GPKG", ".gpkg"),
    "flatgeobuf": ("FlatGeobuf", ".fgb"),
}


def write_set(root, fmt: str, layers: dict[str, gpd.GeoDataFrame]):
    """Write layers as one GeoPackage ("gpkg-single") or as files in a directory."""
    root.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Shapefile field-name truncation
        if fmt == "gpkg-single":
            path = root / "boundaries.gpkg"
            for name, frame in layers.items():
                frame.to_file(path, driver="GPKG", layer=name)
            return path
        driver, suffix = FORMATS[fmt]
        # A FlatGeobuf spatial index would store the features in spatial, not given, order.
        options = {"SPATIAL_INDEX": "NO"} if driver == "FlatGeobuf" else {}
        for name, frame in layers.items():
            frame.to_file(root / f"{name}{suffix}", driver=driver, **options)
    return root


def write_geojson(path, features, crs=None):
    collection = {"type": "FeatureCollection", "features": features}
    if crs:
        collection["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")


def feature(properties, geom):
    return {"type": "Feature", "properties": properties, "geometry": shapely.geometry.mapping(geom)}


def same_geometries(a, b) -> bool:
    return bool(
        np.all(
            shapely.equals_exact(
                shapely.normalize(np.asarray(a)), shapely.normalize(np.asarray(b)), 1e-9
            )
        )
    )


def near_geometries(a, b, metres: float) -> bool:
    """Whether each pair is within ``metres`` of each other (Hausdorff distance)."""
    distance = shapely.hausdorff_distance(to_metric(np.asarray(a)), to_metric(np.asarray(b)))
    return bool(np.all(distance <= metres))


def centroid_shift_m(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> np.ndarray:
    return shapely.distance(
        shapely.centroid(to_metric(a.geometry.values)),
        shapely.centroid(to_metric(b.geometry.values)),
    )


# --- formats -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", [*FORMATS, "gpkg-single"])
def test_each_format_reads_back_identically_and_validates_clean(tmp_path, fmt):
    communities, grids = clean_frames()
    path = write_set(tmp_path / fmt, fmt, {"communities": communities, "grids": grids})
    bs = read_boundary_set(path)
    assert isinstance(bs, BoundarySet)
    assert bs.source == str(path)
    assert bs.source_crs == "EPSG:4326"
    assert bs.district is None
    assert bs.communities.crs == "EPSG:4326" and bs.grids.crs == "EPSG:4326"
    assert list(bs.communities["code"]) == list(communities["code"])
    assert list(bs.communities["name"]) == ["中华社区", "中环社区"]
    assert list(bs.communities["population"]) == [1000, 1001]
    assert list(bs.communities.columns[:4]) == ["code", "name", "population", "households"]
    assert list(bs.grids["code"]) == list(grids["code"])
    assert list(bs.grids["community_code"]) == list(grids["community_code"])
    assert list(bs.grids["name"]) == list(grids["name"])
    assert same_geometries(bs.communities.geometry, communities.geometry)
    assert same_geometries(bs.grids.geometry, grids.geometry)
    report = validate_boundary_set(bs)
    assert report.problems == []


@pytest.mark.parametrize("fmt", ["geojson", "gpkg-single"])
def test_district_layer_is_read_when_present(tmp_path, fmt):
    communities, grids = clean_frames()
    layers = {"communities": communities, "grids": grids, "district": district_frame()}
    bs = read_boundary_set(write_set(tmp_path, fmt, layers))
    assert bs.district is not None
    assert list(bs.district["name"]) == ["云岩区"]
    assert validate_boundary_set(bs).problems == []


def test_feature_order_is_kept(tmp_path):
    communities, grids = clean_frames()
    grids = grids.iloc[[4, 0, 5, 2, 1, 3]].reset_index(drop=True)
    bs = read_boundary_set(
        write_set(tmp_path, "geojson", {"communities": communities, "grids": grids})
    )
    assert list(bs.grids["code"]) == list(grids["code"])


# --- fields and codes ----------------------------------------------------------------------


def test_integer_codes_become_strings_and_community_code_is_derived(tmp_path):
    communities, grids = clean_frames()
    write_geojson(
        tmp_path / "communities.geojson",
        [
            feature({"code": int(r.code), "name": r.name}, r.geometry)
            for r in communities.itertuples()
        ],
    )
    grid_features = [feature({"code": int(r.code)}, r.geometry) for r in grids.itertuples()]
    grid_features[2]["properties"]["code"] = None  # an integer field with a null reads as float
    write_geojson(tmp_path / "grids.geojson", grid_features)
    bs = read_boundary_set(tmp_path)
    assert list(bs.communities["code"]) == ["520103400", "520103401"]
    expected = list(grids["code"])
    expected[2] = None
    assert list(bs.grids["code"]) == expected
    assert list(bs.grids["community_code"]) == [
        None if code is None else code[:9] for code in expected
    ]


def test_empty_community_code_is_derived_only_from_a_15_digit_code(tmp_path):
    communities, grids = clean_frames()
    grids["community_code"] = ["", None, " ", "520103401", None, None]
    grids.loc[4, "code"] = "52010340100"
    write_set(tmp_path, "geojson", {"communities": communities, "grids": grids})
    bs = read_boundary_set(tmp_path)
    assert list(bs.grids["community_code"]) == [
        "520103400",
        "520103400",
        "520103400",
        "520103401",
        None,
        "520103401",
    ]


def test_float_codes_are_refused(tmp_path):
    communities, grids = clean_frames()
    text = json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                feature({"code": 0}, communities.geometry.iloc[0]),
            ],
        }
    ).replace('"code": 0', '"code": 5.20103e8')
    (tmp_path / "communities.geojson").write_text(text)
    write_set(tmp_path, "geojson", {"grids": grids})
    with pytest.raises(BoundaryReadError) as info:
        read_boundary_set(tmp_path)
    message = str(info.value)
    assert "floating-point" in message
    assert "communities.geojson" in message and "'code'" in message
    assert "520103000.0" in message


def test_field_names_are_matched_case_insensitively(tmp_path):
    communities, grids = clean_frames()
    communities = communities.rename(columns={"code": "CODE", "name": "Name"})
    grids = grids.rename(columns={"code": "Code", "community_code": "COMMUNITY_CODE"})
    bs = read_boundary_set(
        write_set(tmp_path, "geojson", {"communities": communities, "grids": grids})
    )
    assert list(bs.communities["code"]) == ["520103400", "520103401"]
    assert list(bs.communities["name"]) == ["中华社区", "中环社区"]
    assert bs.grids["community_code"].iloc[0] == "520103400"


def test_extra_fields_are_kept_and_codes_are_stripped(tmp_path):
    communities, grids = clean_frames()
    communities["code"] = [" 520103400 ", "520103401\t"]
    communities["note"] = ["a", "b"]
    bs = read_boundary_set(
        write_set(tmp_path, "geojson", {"communities": communities, "grids": grids})
    )
    assert list(bs.communities["code"]) == ["520103400", "520103401"]
    assert list(bs.communities["note"]) == ["a", "b"]


# --- coordinate reference systems ----------------------------------------------------------


def test_declared_gcj02_moves_the_set_by_about_540_m(tmp_path):
    communities, grids = clean_frames()
    path = write_set(tmp_path, "geojson", {"communities": communities, "grids": grids})
    as_wgs84 = read_boundary_set(path, crs="wgs84")
    as_gcj02 = read_boundary_set(path, crs="gcj02")
    assert as_gcj02.source_crs == "gcj02"
    shifts = centroid_shift_m(as_wgs84.grids, as_gcj02.grids)
    assert np.all((shifts > 500) & (shifts < 600))
    # The conversion is per vertex: areas change by well under 1 %.
    areas = shapely.area(to_metric(as_gcj02.grids.geometry.values))
    assert np.allclose(areas, shapely.area(to_metric(as_wgs84.grids.geometry.values)), rtol=0.01)
    assert validate_boundary_set(as_gcj02).problems == []


def test_declared_bd09_moves_the_set_further(tmp_path):
    communities, grids = clean_frames()
    path = write_set(tmp_path, "geojson", {"communities": communities, "grids": grids})
    shifts = centroid_shift_m(
        read_boundary_set(path).communities, read_boundary_set(path, crs="BD09").communities
    )
    assert np.all((shifts > 900) & (shifts < 1300))


def test_projected_file_is_reprojected_to_lon_lat(tmp_path):
    communities, grids = clean_frames()
    layers = {"communities": communities.to_crs("EPSG:4545"), "grids": grids.to_crs("EPSG:4545")}
    bs = read_boundary_set(write_set(tmp_path, "gpkg-single", layers))
    assert bs.source_crs == "EPSG:4545"
    assert bs.grids.crs == "EPSG:4326"
    # Edges straight in EPSG:4545 are densified, so they keep their (slightly curved) course.
    assert near_geometries(bs.grids.geometry, grids.geometry, metres=0.05)
    assert shapely.get_num_coordinates(bs.grids.geometry.values).min() > 40


def test_file_without_crs_needs_a_declared_one(tmp_path):
    communities, grids = clean_frames()
    layers = {
        "communities": communities.to_crs(METRIC_CRS).set_crs(None, allow_override=True),
        "grids": grids.to_crs(METRIC_CRS).set_crs(None, allow_override=True),
    }
    path = write_set(tmp_path, "shapefile", layers)
    with pytest.raises(BoundaryReadError, match="no coordinate reference system.*--crs"):
        read_boundary_set(path)
    bs = read_boundary_set(path, crs=METRIC_CRS)
    assert bs.source_crs == METRIC_CRS
    assert near_geometries(bs.grids.geometry, grids.geometry, metres=0.05)
    # Metres declared as lon/lat are caught, not stored.
    with pytest.raises(BoundaryReadError, match="outside lon/lat range"):
        read_boundary_set(path, crs="wgs84")
    with pytest.raises(BoundaryReadError, match="read as gcj02 gives coordinates outside"):
        read_boundary_set(path, crs="gcj02")


def test_unknown_crs_is_a_coordinate_error(tmp_path):
    communities, grids = clean_frames()
    path = write_set(tmp_path, "geojson", {"communities": communities, "grids": grids})
    with pytest.raises(CoordinateError, match="unknown CRS 'no-such-crs'"):
        read_boundary_set(path, crs="no-such-crs")


# --- unreadable input ----------------------------------------------------------------------


def test_missing_path(tmp_path):
    with pytest.raises(BoundaryReadError, match="not found.*does not exist"):
        read_boundary_set(tmp_path / "nowhere")


def test_empty_directory(tmp_path):
    with pytest.raises(BoundaryReadError) as info:
        read_boundary_set(tmp_path)
    message = str(info.value)
    assert "communities.* and grids.*" in message
    assert "found: nothing" in message


def test_directory_lacking_grids_lists_what_it_found(tmp_path):
    communities, _ = clean_frames()
    write_set(tmp_path, "geojson", {"communities": communities})
    (tmp_path / "readme.txt").write_text("x")
    with pytest.raises(BoundaryReadError) as info:
        read_boundary_set(tmp_path)
    message = str(info.value)
    assert "no grids.*" in message
    assert "found: communities.geojson, readme.txt" in message


def test_two_files_for_one_layer_are_ambiguous(tmp_path):
    communities, grids = clean_frames()
    write_set(tmp_path, "geojson", {"communities": communities, "grids": grids})
    write_set(tmp_path, "flatgeobuf", {"grids": grids})
    with pytest.raises(BoundaryReadError, match="several grids files"):
        read_boundary_set(tmp_path)


def test_renamed_text_file(tmp_path):
    communities, _ = clean_frames()
    write_set(tmp_path, "geojson", {"communities": communities})
    (tmp_path / "grids.geojson").write_text("code,name\n520103400001001,x\n")
    with pytest.raises(BoundaryReadError) as info:
        read_boundary_set(tmp_path)
    message = str(info.value)
    assert "grids.geojson" in message
    assert "\n" not in message


def test_text_file_given_as_the_set(tmp_path):
    path = tmp_path / "boundaries.gpkg"
    path.write_text("not a database")
    with pytest.raises(BoundaryReadError, match="boundaries.gpkg is not a readable vector file"):
        read_boundary_set(path)


def test_layer_without_code_field(tmp_path):
    communities, grids = clean_frames()
    communities = communities.rename(columns={"code": "id"})
    write_set(tmp_path, "geojson", {"communities": communities, "grids": grids})
    with pytest.raises(BoundaryReadError) as info:
        read_boundary_set(tmp_path)
    message = str(info.value)
    assert "communities layer has no 'code' field" in message
    assert "its fields: id, name, population" in message


def test_geopackage_lacking_a_layer(tmp_path):
    communities, _ = clean_frames()
    path = write_set(tmp_path, "gpkg-single", {"communities": communities, "areas": communities})
    with pytest.raises(BoundaryReadError) as info:
        read_boundary_set(path)
    message = str(info.value)
    assert "no layer 'grids'" in message
    assert "its layers: communities, areas" in message


def test_single_geojson_file_is_not_a_set(tmp_path):
    communities, _ = clean_frames()
    path = tmp_path / "set.geojson"
    communities.to_file(path, driver="GeoJSON")
    with pytest.raises(BoundaryReadError, match="no layer 'communities' or 'grids'"):
        read_boundary_set(path)


def test_read_errors_are_domain_errors(tmp_path):
    with pytest.raises(GridmgrError):
        read_boundary_set(tmp_path / "nowhere")


# --- NaN vertices --------------------------------------------------------------------------


def with_nan_vertex(frame: gpd.GeoDataFrame, index: int) -> gpd.GeoDataFrame:
    coords = list(frame.geometry.iloc[index].exterior.coords)
    coords[2] = (coords[2][0], float("nan"))
    geoms = list(frame.geometry)
    with np.errstate(invalid="ignore"):
        geoms[index] = shapely.Polygon(coords)
    return frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=frame.crs))


@pytest.mark.parametrize(
    ("crs", "declared"), [("EPSG:4326", None), ("EPSG:4326", "gcj02"), ("EPSG:4545", None)]
)
def test_nan_vertex_is_read_and_left_for_the_validation(tmp_path, crs, declared):
    """Neither a read error nor lost while densifying: the feature is reported by code."""
    communities, grids = clean_frames()
    layers = {
        "communities": communities.to_crs(crs),
        "grids": with_nan_vertex(grids.to_crs(crs), 1),
    }
    bs = read_boundary_set(write_set(tmp_path, "gpkg-single", layers), crs=declared)
    assert np.isnan(shapely.get_coordinates(bs.grids.geometry.iloc[1])).any()
    report = validate_boundary_set(bs)
    invalid = [p for p in report.problems if p.kind == "invalid_geometry"]
    assert [p.code for p in invalid] == [bs.grids["code"].iloc[1]]
    assert "has a NaN coordinate" in invalid[0].detail
    if crs == "EPSG:4326":  # boxes whose edges stay straight: nothing else to report
        assert report.problems == invalid
