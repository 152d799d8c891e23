"""``gridmgr categories load|list`` on both backends: the listing says which are public."""

import pytest
from click.testing import CliRunner

from api.cli import main

BACKENDS = [pytest.param("duckdb"), pytest.param("postgis", marks=pytest.mark.postgis)]

CATALOGUE = """\
class_code,class_zh,class_en,code,name_zh,name_en,time_limit,duplicate_radius_m,public
env,环境,Environment,exposed_refuse,暴露垃圾,Exposed refuse,4h,50,true
social,社会,Social,neighbour_dispute,邻里纠纷,Neighbour dispute,2d,0,false
"""


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path):
    if request.param == "duckdb":
        url = f"duckdb:///{tmp_path / 'g.duckdb'}"
    else:
        url = request.getfixturevalue("postgis_schemas")()
    result = CliRunner().invoke(main, ["init"], env={"GRIDMGR_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    return url


def test_list_marks_public_categories(db_url, tmp_path):
    path = tmp_path / "categories.csv"
    path.write_text(CATALOGUE, encoding="utf-8")
    env = {"GRIDMGR_DATABASE_URL": db_url}
    loaded = CliRunner().invoke(main, ["categories", "load", str(path)], env=env)
    assert loaded.exit_code == 0, loaded.output
    listed = CliRunner().invoke(main, ["categories", "list"], env=env)
    assert listed.exit_code == 0, listed.output
    lines = {line.split()[0]: line for line in listed.output.splitlines()}
    assert "公开 public" in lines["exposed_refuse"]
    assert "公开" not in lines["neighbour_dispute"]
