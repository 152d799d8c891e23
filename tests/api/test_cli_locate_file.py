"""``gridmgr locate-file`` on files read in several chunks, and on an empty file."""

import csv
import importlib

import geopandas as gpd
import pytest
from click.testing import CliRunner

from api.cli import main
from geo import bundled

# The module, not the ``locate`` command that api.cli exports under the same name.
locate_cli = importlib.import_module("api.cli.locate")


@pytest.fixture(scope="module")
def db_url(tmp_path_factory):
    url = f"duckdb:///{tmp_path_factory.mktemp('locate-file') / 'g.duckdb'}"
    result = CliRunner().invoke(main, ["init"], env={"GRIDMGR_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    return url


def run(url, *args):
    return CliRunner().invoke(main, list(args), env={"GRIDMGR_DATABASE_URL": url})


@pytest.fixture(scope="module")
def points_csv(tmp_path_factory):
    """Six rows: one inside a grid, one outside every grid, four invalid."""
    grids = gpd.read_file(bundled.BOUNDARIES_DIR / "grids.geojson")
    inside = grids.iloc[100].geometry.representative_point()
    rows = [
        {"id": "1", "lon": str(inside.x), "lat": str(inside.y)},
        {"id": "2", "lon": "106.5", "lat": "26.3"},
        {"id": "3", "lon": "abc", "lat": "26.6"},
        {"id": "4", "lon": "", "lat": "26.6"},
        {"id": "5", "lon": "106.7", "lat": "91"},
        {"id": "6", "lon": "nan", "lat": "26.6"},
    ]
    path = tmp_path_factory.mktemp("points") / "in.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".geojson"])
def test_summary_counts_the_rows_of_every_chunk(db_url, points_csv, tmp_path, monkeypatch, suffix):
    monkeypatch.setattr(locate_cli, "CHUNK_ROWS", 2)  # three chunks of two rows
    out = tmp_path / f"out{suffix}"
    result = run(db_url, "locate-file", str(points_csv), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "6 row(s): 1 assigned, 1 unassigned, 4 invalid" in result.output
    if suffix == ".csv":
        ids = [r["id"] for r in csv.DictReader(out.read_text(encoding="utf-8").splitlines())]
    else:
        ids = list(gpd.read_file(out)["id"])
    assert ids == ["1", "2", "3", "4", "5", "6"]


def test_an_empty_csv_is_refused_with_a_message(db_url, tmp_path):
    src = tmp_path / "empty.csv"
    src.write_bytes(b"")
    out = tmp_path / "out.csv"
    result = run(db_url, "locate-file", str(src), "-o", str(out))
    assert result.exit_code == 2
    assert "the file is empty" in result.output
    assert not out.exists()
