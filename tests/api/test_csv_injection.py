"""CSV files gridmgr writes (locate-file, report exports) neutralise formula-like text cells."""

import csv
import importlib

import pytest
from click.testing import CliRunner

from api.cli import main
from geo.analytics.export import write_csv

files = importlib.import_module("geo.locate.files")


@pytest.fixture(scope="module")
def db_url(tmp_path_factory):
    url = f"duckdb:///{tmp_path_factory.mktemp('csv-injection') / 'g.duckdb'}"
    result = CliRunner().invoke(main, ["init"], env={"GRIDMGR_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    return url


def _locate(url, src, out):
    r = CliRunner().invoke(
        main, ["locate-file", str(src), "-o", str(out)], env={"GRIDMGR_DATABASE_URL": url}
    )
    assert r.exit_code == 0, r.output
    return out.read_bytes()


HOSTILE = (
    "id,lon,lat,=note\n"
    '1,106.7125,26.5842,=HYPERLINK("http://evil")\n'
    "2,-12.5,26.6,@SUM(A1)\n"
    "3,=1+2,26.6,\"+cmd|' /C calc'!A0\"\n"
    "4,106.7,-91,-2+3\n"
    '5,106.7,"\t26.6","\t=1"\n'
    "6,-inf,26.6,plain\n"
)


def test_locate_file_neutralises_text_cells_on_both_paths(db_url, tmp_path, monkeypatch):
    src = tmp_path / "hostile.csv"
    src.write_text(HOSTILE, encoding="utf-8")
    fast = _locate(db_url, src, tmp_path / "fast.csv")

    def general_only(path, encoding="utf8"):
        raise files.NeedsGeneralReader("forced")

    monkeypatch.setattr(files, "csv_header", general_only)
    ref = _locate(db_url, src, tmp_path / "ref.csv")
    assert fast == ref
    rows = list(csv.reader(fast.decode("utf-8-sig").splitlines(keepends=True)))
    assert rows[0] == [
        "id",
        "lon",
        "lat",
        "'=note",
        "grid_code",
        "community_code",
        "status",
        "error",
    ]
    got = {r[0]: r for r in rows[1:]}
    assert got["1"][3] == '\'=HYPERLINK("http://evil")' and got["1"][6] == "assigned"
    assert got["2"][1] == "-12.5" and got["2"][3] == "'@SUM(A1)"  # numbers stay numbers
    assert got["3"][1] == "'=1+2" and got["3"][3] == "'+cmd|' /C calc'!A0"
    assert got["3"][7] == "lon '=1+2' is not a number"
    assert got["4"][2] == "-91" and got["4"][3] == "'-2+3"
    assert got["5"][2] == "\t26.6" and got["5"][3] == "'\t=1"
    assert got["6"][1] == "'-inf" and got["6"][6] == "invalid"


def test_locate_file_from_geojson_to_csv_neutralises_properties(db_url, tmp_path):
    src = tmp_path / "p.geojson"
    src.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", '
        '"properties": {"label": "=1+2", "n": -4}, '
        '"geometry": {"type": "Point", "coordinates": [-12.5, 26.6]}}]}',
        encoding="utf-8",
    )
    r = CliRunner().invoke(
        main,
        ["locate-file", str(src), "-o", str(tmp_path / "p.csv"), "--crs", "wgs84"],
        env={"GRIDMGR_DATABASE_URL": db_url},
    )
    assert r.exit_code == 0, r.output
    (row,) = list(csv.DictReader((tmp_path / "p.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert row["label"] == "'=1+2" and row["n"] == "-4" and row["lon"] == "-12.5"


def test_report_csv_neutralises_text_not_numbers(tmp_path):
    out = tmp_path / "r.csv"
    write_csv([{"code": "=1+2", "name": "@x", "delta": -3, "share": -0.25, "t": "-1"}], out)
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert rows == [["code", "name", "delta", "share", "t"], ["'=1+2", "'@x", "-3", "-0.25", "-1"]]


def test_report_command_writes_neutralised_csv(db_url, tmp_path, monkeypatch):
    """``gridmgr report siting -o FILE.csv`` goes through the same writer."""
    report_cli = importlib.import_module("api.cli.report")
    site = {"lon": -12.5, "lat": 26.6, "name": "=1+2", "gain": 10.0}
    rep = {"sites": [site], "before": {"covered_population": 1}, "after": {"covered_population": 2}}
    monkeypatch.setattr(report_cli, "siting_report", lambda *a, **k: rep)
    out = tmp_path / "s.csv"
    r = CliRunner().invoke(
        main,
        ["report", "siting", "elderly_care", "-o", str(out)],
        env={"GRIDMGR_DATABASE_URL": db_url},
    )
    assert r.exit_code == 0, r.output
    (row,) = csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines())
    # residents reached (gain) are a whole number, as the report rounds them for people
    assert row == {"rank": "1", "lon": "-12.5", "lat": "26.6", "name": "'=1+2", "gain": "10"}
