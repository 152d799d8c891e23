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


# -- figures rounded for people; grid rows named ----------------------------------------------


def _decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def test_report_figures_are_rounded_and_grid_rows_named(env):
    """Residents are whole numbers, shares three decimals (0.1 %); every grid row names its
    grid and community (CSV exports and the printed JSON alike)."""
    env, folder = env
    station = folder / "round.csv"
    station.write_text(  # a 1 km circle crossing grid edges: fractional covered residents
        "kind,name,lon,lat,radius_m,capacity\nhealth_station,中华卫生站,106.7135,26.5895,,\n",
        encoding="utf-8",
    )
    assert CliRunner().invoke(main, ["facilities", "import", str(station)], env=env).exit_code == 0
    grids_csv, comms_csv = folder / "g.csv", folder / "c.csv"
    for level, out in (("grid", grids_csv), ("community", comms_csv)):
        r = CliRunner().invoke(
            main,
            ["report", "coverage", "health_station", "--level", level, "-o", str(out)],
            env=env,
        )
        assert r.exit_code == 0, r.output
        assert "residents covered (" in r.output and " %)" in r.output
    grids = list(csv.DictReader(grids_csv.read_bytes().decode("utf-8-sig").splitlines()))
    assert list(grids[0])[:4] == ["code", "name", "community_code", "community_name"]
    assert all(g["name"] and g["community_name"].endswith("社区") for g in grids)
    partly = [g for g in grids if 0 < float(g["covered_area_share"]) < 1]
    assert partly  # the circle cuts some grids: their raw figures have many decimals
    for g in grids:
        assert g["covered_population"].isdigit() and g["population"].isdigit()
        assert _decimals(g["covered_area_share"]) <= 3
    comms = list(csv.DictReader(comms_csv.read_bytes().decode("utf-8-sig").splitlines()))
    assert all(c["covered_population"].isdigit() for c in comms)
    assert all(_decimals(c["covered_share"]) <= 3 for c in comms)

    printed = CliRunner().invoke(main, ["report", "coverage", "health_station"], env=env)
    rep = json.loads(printed.stdout)
    assert isinstance(rep["covered_population"], int) and isinstance(rep["population"], int)
    assert all({"name", "community_name"} <= set(g) for g in rep["grids"])

    r = CliRunner().invoke(
        main,
        ["report", "workload", "--level", "grid", "--from", "2026-01-01", "--to", "2027-01-01"],
        env=env,
    )
    rows = json.loads(r.stdout)["rows"]
    assert all(row["community_name"].endswith("社区") for row in rows)
    assert all(row["code"].startswith(row["community_code"]) for row in rows)

    sites = folder / "round-sites.csv"
    r = CliRunner().invoke(
        main, ["report", "siting", "health_station", "--count", "2", "-o", str(sites)], env=env
    )
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(sites.read_bytes().decode("utf-8-sig").splitlines()))
    assert all(row["gain"].isdigit() and row["grid_name"] and row["community_name"] for row in rows)
    assert all(_decimals(row["lon"]) <= 6 for row in rows)


def test_figures_round_for_people():
    from api.cli.figures import figure, rounded, share_text

    assert figure("covered_population", 73540.92) == 73541
    assert figure("population", 1056819.0) == 1056819
    assert figure("covered_share", 0.99274982) == 0.993
    assert figure("on_time_rate", 0.87654) == 0.877
    assert figure("lon", 106.70919358488271) == 106.709194
    assert figure("handling_hours_p50", 12.3456) == 12.35
    assert figure("underserved", True) is True
    assert figure("received", 7) == 7
    assert figure("on_time_rate", None) is None
    assert rounded({"rows": [{"gain": 46031.5}], "code": "520103"}) == {
        "rows": [{"gain": 46032}],
        "code": "520103",
    }
    assert share_text(723038, 1056819) == "68.4 %"
    assert share_text(1, 0) == "–"
