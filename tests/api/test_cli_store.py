"""``gridmgr init``, ``boundaries``, ``locate`` and ``locate-file`` on both backends."""

import csv
import json
import shutil

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner

from api.cli import main
from geo import bundled, coords

BACKENDS = [pytest.param("duckdb"), pytest.param("postgis", marks=pytest.mark.postgis)]


@pytest.fixture(scope="module", params=BACKENDS)
def db_url(request, tmp_path_factory):
    """An initialised database (shared by the module's read-only tests)."""
    if request.param == "duckdb":
        url = f"duckdb:///{tmp_path_factory.mktemp('cli') / 'g.duckdb'}"  # absolute: 4 slashes
    else:
        url = request.getfixturevalue("postgis_schemas")()
    result = CliRunner().invoke(main, ["init"], env={"GRIDMGR_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    assert "generation 1" in result.output and "1332 worker(s) added" in result.output
    return url


def run(url, *args):
    return CliRunner().invoke(main, list(args), env={"GRIDMGR_DATABASE_URL": url})


@pytest.fixture(scope="module")
def sample_grid():
    grids = gpd.read_file(bundled.BOUNDARIES_DIR / "grids.geojson")
    row = grids.iloc[100]
    point = row.geometry.representative_point()
    return row["code"], row["community_code"], point.x, point.y


def test_init_twice_changes_nothing(db_url):
    result = run(db_url, "init")
    assert result.exit_code == 0, result.output
    assert "already stored" in result.output
    assert "0 worker(s) added, 1332 in all" in result.output
    listed = json.loads(run(db_url, "boundaries", "list", "--json").output)
    assert [g["id"] for g in listed] == [1] and listed[0]["active"]
    assert listed[0]["grids"] == 1254


def test_locate_json(db_url, sample_grid):
    code, community, lon, lat = sample_grid
    result = run(db_url, "locate", str(lon), str(lat), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["status"] == "assigned"
    assert (data["grid_code"], data["community_code"]) == (code, community)
    assert data["community_name"].endswith("社区")
    assert (data["lon"], data["lat"]) == pytest.approx((lon, lat))


def test_locate_gcj02_point_lands_in_the_same_grid(db_url, sample_grid):
    code, _, lon, lat = sample_grid
    glon, glat = coords.from_wgs84(lon, lat, "gcj02")
    data = json.loads(
        run(db_url, "locate", str(glon), str(glat), "--crs", "gcj02", "--json").output
    )
    assert data["grid_code"] == code
    assert data["lon"] == pytest.approx(lon, abs=1e-8)
    # The same numbers read as WGS84 are about 540 m away: another grid.
    plain = json.loads(run(db_url, "locate", str(glon), str(glat), "--json").output)
    assert plain["grid_code"] != code


def test_locate_outside_is_unassigned_and_bad_input_is_refused(db_url):
    data = json.loads(run(db_url, "locate", "106.5", "26.3", "--json").output)
    assert data == {
        "status": "unassigned",
        "grid_code": None,
        "community_code": None,
        "community_name": None,
        "lon": 106.5,
        "lat": 26.3,
    }
    bad = run(db_url, "locate", "106.7", "95")
    assert bad.exit_code == 2 and "lat" in bad.output and "95" in bad.output
    before = run(db_url, "locate", "106.7", "26.6", "--date", "2000-01-01")
    assert before.exit_code == 2 and "no boundary generation was active" in before.output


def test_locate_file_keeps_every_row(db_url, sample_grid, tmp_path):
    code, community, lon, lat = sample_grid
    src = tmp_path / "in.csv"
    rows = [
        {"id": "1", "lon": str(lon), "lat": str(lat), "note": "ok"},
        {"id": "2", "lon": "106.5", "lat": "26.3", "note": "outside"},
        {"id": "3", "lon": "abc", "lat": "26.6", "note": "text"},
        {"id": "4", "lon": "", "lat": "26.6", "note": "empty"},
        {"id": "5", "lon": "106.7", "lat": "91", "note": "range"},
        {"id": "6", "lon": "nan", "lat": "26.6", "note": "nan"},
    ]
    with open(src, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    out = tmp_path / "out.csv"
    result = run(db_url, "locate-file", str(src), "-o", str(out))
    assert result.exit_code == 0, result.output
    with open(out, encoding="utf-8-sig") as fh:
        got = list(csv.DictReader(fh))
    assert [r["id"] for r in got] == [r["id"] for r in rows]
    assert [r["status"] for r in got] == [
        "assigned",
        "unassigned",
        "invalid",
        "invalid",
        "invalid",
        "invalid",
    ]
    assert (got[0]["grid_code"], got[0]["community_code"]) == (code, community)
    assert got[0]["error"] == "" and got[1]["grid_code"] == ""
    assert "not a number" in got[2]["error"] and "missing" in got[3]["error"]
    assert "outside [-90, 90]" in got[4]["error"]
    assert got[2]["note"] == "text"  # original columns pass through untouched
    assert "1 assigned, 1 unassigned, 4 invalid" in result.output


def test_locate_file_geojson_points_and_wrong_columns(db_url, sample_grid, tmp_path):
    code, _, lon, lat = sample_grid
    pts = gpd.GeoDataFrame(
        {"name": ["a", "b", "c"]},
        geometry=[
            shapely.Point(lon, lat),
            shapely.Point(0, 0),
            shapely.LineString([(0, 0), (1, 1)]),
        ],
        crs="EPSG:4326",
    )
    src = tmp_path / "pts.geojson"
    pts.to_file(src)
    out = tmp_path / "pts_out.gpkg"
    result = run(db_url, "locate-file", str(src), "-o", str(out))
    assert result.exit_code == 0, result.output
    got = gpd.read_file(out)
    assert list(got["name"]) == ["a", "b", "c"]
    assert list(got["status"]) == ["assigned", "unassigned", "invalid"]
    assert got["grid_code"][0] == code and "LineString" in got["error"][2]
    csv_src = tmp_path / "xy.csv"
    csv_src.write_text("x,y\n106.7,26.6\n", encoding="utf-8")
    wrong = run(db_url, "locate-file", str(csv_src), "-o", str(tmp_path / "o.csv"))
    assert wrong.exit_code == 2 and "'x', 'y'" in wrong.output
    assert not (tmp_path / "o.csv").exists()


def test_invalid_set_is_refused_and_stores_nothing(db_url, tmp_path):
    for name in ("communities", "grids"):
        shutil.copy(bundled.BOUNDARIES_DIR / f"{name}.geojson", tmp_path)
    grids = gpd.read_file(tmp_path / "grids.geojson")
    grids.loc[3, "code"] = grids.loc[4, "code"]
    grids.to_file(tmp_path / "grids.geojson", driver="GeoJSON")
    result = run(db_url, "boundaries", "load", str(tmp_path))
    assert result.exit_code == 1
    assert "duplicate_code" in result.output and "nothing was stored" in result.output
    listed = json.loads(run(db_url, "boundaries", "list", "--json").output)
    assert [g["id"] for g in listed] == [1]


def test_set_in_the_wrong_crs_is_refused_and_stores_nothing(db_url):
    result = run(db_url, "boundaries", "load", str(bundled.BOUNDARIES_DIR), "--crs", "EPSG:3857")
    assert result.exit_code == 1
    assert "implausible_extent" in result.output and "nothing was stored" in result.output
    assert "grids 520103400001001 (中华社区): implausible_extent" in result.output
    listed = json.loads(run(db_url, "boundaries", "list", "--json").output)
    assert [g["id"] for g in listed] == [1]
