"""``gridmgr check-boundaries`` and ``gridmgr demo`` through the real command."""

import json
import shutil

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner

from api.cli import main
from geo import bundled


@pytest.fixture
def runner():
    return CliRunner()


def test_bundled_set_is_clean(runner):
    result = runner.invoke(main, ["check-boundaries", str(bundled.BOUNDARIES_DIR)])
    assert result.exit_code == 0, result.output
    assert "No problems found." in result.output
    assert "金龙社区" in result.output


def test_json_report_shape(runner):
    result = runner.invoke(main, ["check-boundaries", str(bundled.BOUNDARIES_DIR), "--json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["ok"] is True and data["problems"] == []
    assert data["summary"]["grids"] == 1254


@pytest.fixture
def broken_set(tmp_path):
    """The bundled set with one grid moved 2 km east and another's code mangled."""
    for name in ("communities", "grids"):
        shutil.copy(bundled.BOUNDARIES_DIR / f"{name}.geojson", tmp_path)
    grids = gpd.read_file(tmp_path / "grids.geojson")
    grids.loc[0, "geometry"] = shapely.affinity.translate(grids.geometry[0], xoff=0.02)
    grids.loc[5, "code"] = "52010340000100X"
    grids.to_file(tmp_path / "grids.geojson", driver="GeoJSON")
    return tmp_path, grids.loc[0, "code"]


def test_problems_exit_1_with_every_problem(runner, broken_set):
    path, moved = broken_set
    result = runner.invoke(main, ["check-boundaries", str(path), "--json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["ok"] is False
    kinds = {(p["code"], p["kind"]) for p in data["problems"]}
    assert (moved, "outside_community") in kinds
    assert (moved, "overlap") in kinds
    assert ("52010340000100X", "bad_code") in kinds
    assert any(p["kind"] == "gap" for p in data["problems"])  # where the grid moved from
    assert {"layer", "code", "kind", "detail"} <= set(data["problems"][0])


def test_unreadable_path_exits_2_with_one_line(runner, tmp_path):
    result = runner.invoke(main, ["check-boundaries", str(tmp_path / "nope")])
    assert result.exit_code == 2
    bogus = tmp_path / "bogus"
    bogus.mkdir()
    (bogus / "communities.geojson").write_text("this is not GeoJSON", encoding="utf-8")
    (bogus / "grids.geojson").write_text("neither is this", encoding="utf-8")
    result = runner.invoke(main, ["check-boundaries", str(bogus)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_declared_crs_is_used(runner, tmp_path):
    """The same files declared as GCJ-02 land about 500 m away: the set no longer fits."""
    for name in ("communities", "grids"):
        shutil.copy(bundled.BOUNDARIES_DIR / f"{name}.geojson", tmp_path)
    clean = runner.invoke(main, ["check-boundaries", str(tmp_path), "--crs", "gcj02", "--json"])
    assert clean.exit_code == 0  # moved as a whole, the set is still consistent
    bad = runner.invoke(main, ["check-boundaries", str(tmp_path), "--crs", "EPSG:9999"])
    assert bad.exit_code == 2


def test_bundled_set_read_as_web_mercator_is_refused(runner):
    """Degrees declared as EPSG:3857 land off West Africa: every feature is implausible."""
    result = runner.invoke(
        main, ["check-boundaries", str(bundled.BOUNDARIES_DIR), "--crs", "EPSG:3857", "--json"]
    )
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["ok"] is False
    assert {p["kind"] for p in data["problems"]} == {"implausible_extent"}
    grids = gpd.read_file(bundled.BOUNDARIES_DIR / "grids.geojson")
    reported = {p["code"] for p in data["problems"] if p["layer"] == "grids"}
    assert reported == set(grids["code"])
    assert data["summary"]["problems_by_kind"]["implausible_extent"] == 26 + 1254 + 1
    text = runner.invoke(
        main, ["check-boundaries", str(bundled.BOUNDARIES_DIR), "--crs", "EPSG:3857"]
    )
    assert text.exit_code == 1
    assert "problems by kind: implausible_extent 1281" in text.output
    assert "communities 520103400 (中华社区): implausible_extent: lies outside" in text.output
