"""``gridmgr facilities import`` and ``gridmgr report workload`` exports."""

import csv
import json

import pytest
from click.testing import CliRunner

from api.cli import main


@pytest.fixture(scope="module")
def env(tmp_path_factory, initialised_duckdb):
    folder = tmp_path_factory.mktemp("reports")
    env = {"GRIDMGR_DATABASE_URL": initialised_duckdb()}
    return env, folder


def test_facilities_import_reports_every_bad_row(env):
    env, folder = env
    src = folder / "fac.csv"
    src.write_text(
        "kind,name,lon,lat,radius_m,capacity\n"
        "elderly_care,中华养老站,106.7135,26.5895,,30\n"
        "castle,城堡,106.7,26.6,,\n"
        "health_station,卫生站,abc,26.6,,\n",
        encoding="utf-8",
    )
    strict = CliRunner().invoke(main, ["facilities", "import", str(src), "--strict"], env=env)
    assert strict.exit_code == 1 and "nothing imported" in strict.output
    r = CliRunner().invoke(main, ["facilities", "import", str(src)], env=env)
    assert r.exit_code == 0, r.output
    assert "rejected line 3: kind" in r.output and "rejected line 4: lon" in r.output
    assert "1 imported" in r.output
    listed = CliRunner().invoke(main, ["facilities", "list"], env=env).output
    assert "中华养老站" in listed and "城堡" not in listed


def test_workload_report_exports(env):
    env, folder = env
    out = folder / "w.csv"
    r = CliRunner().invoke(
        main,
        ["report", "workload", "--from", "2026-01-01", "--to", "2027-01-01", "-o", str(out)],
        env=env,
    )
    assert r.exit_code == 0, r.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens the Chinese names right
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert len(rows) == 26 and rows[0]["name"].endswith("社区")
    geo = folder / "w.geojson"
    r = CliRunner().invoke(
        main,
        [
            "report",
            "workload",
            "--level",
            "grid",
            "--from",
            "2026-01-01",
            "--to",
            "2027-01-01",
            "-o",
            str(geo),
        ],
        env=env,
    )
    assert r.exit_code == 0
    data = json.loads(geo.read_text(encoding="utf-8"))
    assert len(data["features"]) == 1254
    assert data["features"][0]["geometry"]["type"] == "MultiPolygon"
    assert "received" in data["features"][0]["properties"]
    bad = CliRunner().invoke(
        main, ["report", "workload", "--from", "2027-01-01", "--to", "2026-01-01"], env=env
    )
    assert bad.exit_code == 2 and "after" in bad.output


def test_coverage_and_siting_exports(env):
    env, folder = env
    station = folder / "station.csv"  # its own facility: no reliance on another test's import
    station.write_text(
        "kind,name,lon,lat,radius_m,capacity\nelderly_care,中华养老站,106.7135,26.5895,,30\n",
        encoding="utf-8",
    )
    r = CliRunner().invoke(main, ["facilities", "import", str(station)], env=env)
    assert r.exit_code == 0, r.output
    cov = folder / "cov.geojson"
    r = CliRunner().invoke(main, ["report", "coverage", "elderly_care", "-o", str(cov)], env=env)
    assert r.exit_code == 0, r.output
    feats = json.loads(cov.read_text(encoding="utf-8"))["features"]
    assert len(feats) == 1254 and "underserved" in feats[0]["properties"]
    covered = [f for f in feats if f["properties"]["covered_area_share"] > 0]
    assert covered  # the imported 中华养老站 reaches some grids
    sites = folder / "sites.csv"
    r = CliRunner().invoke(
        main, ["report", "siting", "elderly_care", "--count", "2", "-o", str(sites)], env=env
    )
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(sites.read_bytes().decode("utf-8-sig").splitlines()))
    assert [r["rank"] for r in rows] == ["1", "2"] and all(r["grid_code"] for r in rows)
    assert float(rows[0]["gain"]) >= float(rows[1]["gain"]) > 0
