"""``gridmgr orgs import|list``: all rows or none, every problem with its line and field."""

import json

import pytest
from click.testing import CliRunner

from api.cli import main


@pytest.fixture(scope="module")
def env(tmp_path_factory, initialised_duckdb):
    folder = tmp_path_factory.mktemp("orgs")
    return {"GRIDMGR_DATABASE_URL": initialised_duckdb()}, folder


def test_bad_rows_are_all_named_and_nothing_is_stored(env):
    env, folder = env
    src = folder / "bad.csv"
    src.write_text(
        "code,name,kind,parent_code,lon,lat\n"
        "Q1,中华社区党委,党委,,106.7135,26.5895\n"
        "Q2,某支部,党组,Q1,,\n"
        "Q3,某小组,楼栋党小组,Q9,,\n"
        "Q4,某协会,社会组织,,106.7,\n"
        "Q1,重复,党支部,,,\n",
        encoding="utf-8",
    )
    r = CliRunner().invoke(main, ["orgs", "import", str(src)], env=env)
    assert r.exit_code == 1
    for expected in (
        "rejected line 3: kind",
        "rejected line 4: parent_code",
        "rejected line 5: lat",
        "rejected line 6: code",
        "nothing imported",
    ):
        assert expected in r.output, r.output
    assert "Q1" not in CliRunner().invoke(main, ["orgs", "list"], env=env).output


def test_csv_then_geojson_with_parents_across_files(env):
    env, folder = env
    src = folder / "orgs.csv"
    src.write_text(
        "code,name,kind,parent_code,lon,lat\n"
        "K1,中华社区党委,党委,,106.7135,26.5895\n"
        "K2,中华某企业党支部,branch,K1,,\n",
        encoding="utf-8",
    )
    r = CliRunner().invoke(main, ["orgs", "import", str(src)], env=env)
    assert r.exit_code == 0, r.output
    assert "2 imported (1 without a point, 0 outside every grid)" in r.output
    features = [
        {
            "type": "Feature",
            "properties": {
                "code": "K3",
                "name": "楼栋党小组甲",
                "kind": "楼栋党小组",
                "parent_code": "K2",
            },
            "geometry": {"type": "Point", "coordinates": [106.7135, 26.5895]},
        },
        {
            "type": "Feature",
            "properties": {"code": "K4", "name": "片区", "kind": "功能型党小组"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[106.7, 26.5], [106.8, 26.5], [106.8, 26.6], [106.7, 26.5]]],
            },
        },
    ]
    geo = folder / "orgs.geojson"
    geo.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    r = CliRunner().invoke(main, ["orgs", "import", str(geo)], env=env)
    assert r.exit_code == 1 and "rejected feature 2: geometry: a Polygon" in r.output
    geo.write_text(json.dumps({"type": "FeatureCollection", "features": features[:1]}))
    r = CliRunner().invoke(main, ["orgs", "import", str(geo), "--illustrative"], env=env)
    assert r.exit_code == 0, r.output
    listed = CliRunner().invoke(main, ["orgs", "list", "--community", "520103400"], env=env)
    lines = listed.output.splitlines()
    assert len(lines) == 2 and "K1" in lines[0] and "K3" in lines[1] and "楼栋党小组" in lines[1]


def test_party_figures_table_and_csv(env):
    env, folder = env
    src = folder / "fig.csv"
    src.write_text("code,name,kind,lon,lat\nF1,某协会,社会组织,106.7135,26.5895\n", "utf-8")
    assert CliRunner().invoke(main, ["orgs", "import", str(src)], env=env).exit_code == 0
    listed = CliRunner().invoke(main, ["orgs", "list", "--community", "520103400"], env=env)
    held = len(listed.output.splitlines())  # F1, and those of other tests run before
    r = CliRunner().invoke(main, ["party", "figures", "--community", "520103400"], env=env)
    assert r.exit_code == 0, r.output
    header, row = r.output.splitlines()
    assert row.split()[:3] == ["520103400", "中华社区", str(held)]
    out = folder / "party.csv"
    r = CliRunner().invoke(main, ["party", "figures", "--level", "grid", "-o", str(out)], env=env)
    assert r.exit_code == 0, r.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the Chinese names right
    first, *rows = raw.decode("utf-8-sig").splitlines()
    assert first.startswith("code,name,population,organisations,members,members_per_1000")
    assert len(rows) == 1254
    bad = CliRunner().invoke(main, ["party", "figures", "--from", "May"], env=env)
    assert bad.exit_code == 2 and "--from 'May' is not a date" in bad.output
