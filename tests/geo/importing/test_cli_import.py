"""``gridmgr import cases`` on both backends: the summary, exit statuses, the rejects file,
dry runs, mapping files, --crs, and a file that cannot be imported at all."""

from __future__ import annotations

import re
import uuid
from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from api.cli import main
from geo import coords
from geo.store import open_store, parse_database_url
from tests.geo.importing.conftest import INSIDE, read_rejects, write_csv

CHINA_TIME = ZoneInfo("Asia/Shanghai")  # the district's default zone

COUNT_LINE = re.compile(r"^\s+\S+ ([a-z ]+?)\s*([\d,]+)$")


def _ids(n: int) -> list[str]:
    prefix = uuid.uuid4().hex[:8]
    return [f"cli-{prefix}-{i}" for i in range(n)]


def _row(
    external_id,
    *,
    category="暴露垃圾",
    lon=INSIDE[0],
    lat=INSIDE[1],
    reported="2024-03-01 09:00:00",
    closed="",
    status="",
):
    return [external_id, category, "", "", f"{lon}", f"{lat}", reported, "", closed, status]


def _invoke(db_url, *args):
    result = CliRunner().invoke(
        main, ["import", "cases", *map(str, args)], env={"GRIDMGR_DATABASE_URL": db_url}
    )
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def _counts(stdout: str) -> dict[str, int]:
    """The summary's counts by their English label ("rows read", "imported", ...)."""
    out = {}
    for line in stdout.splitlines():
        m = COUNT_LINE.match(line)
        if m:
            out[m.group(1)] = int(m.group(2).replace(",", ""))
    return out


@contextmanager
def _opened(db_url):
    """A store opened for a look, closed before the command runs again (DuckDB)."""
    store = open_store(parse_database_url(db_url))
    try:
        yield store
    finally:
        store.close()


def _case(store, external_id):
    case_id = store.case_id_by_external(external_id)
    assert case_id is not None, external_id
    with store.case_tx() as tx:
        return tx.case(case_id)


def _totals(db_url) -> tuple[int, int]:
    """(cases, import log entries) in the store."""
    with _opened(db_url) as store, store.transaction() as cur:
        cur.execute("SELECT count(*) FROM cases")
        cases = int(cur.fetchone()[0])
        cur.execute("SELECT count(*) FROM case_imports")
        return cases, int(cur.fetchone()[0])


def test_a_clean_file(db_url, tmp_path):
    ids = _ids(3)
    path = write_csv(
        tmp_path / "clean.csv",
        [
            _row(ids[0], closed="2024-03-01 15:00:00", status="已结案"),
            _row(ids[1], category="道路不洁"),
            _row(ids[2], lon=106.30, lat=26.30),  # outside every grid
        ],
    )
    result = _invoke(db_url, path)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert re.match(r"导入批次 import #\d+: .*clean\.csv$", lines[0]), lines
    counts = _counts(result.stdout)
    assert counts == {
        "rows read": 3,
        "imported": 3,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "located": 2,
        "unassigned": 1,
        "needs location": 0,
    }
    assert "rejected rows:" not in result.stdout
    assert not (tmp_path / "clean.csv.rejects.csv").exists()
    with _opened(db_url) as store:
        assert _case(store, ids[0]).status == "closed"
        assert _case(store, ids[1]).status == "reported"
        assert _case(store, ids[2]).unassigned

    again = _invoke(db_url, path)
    assert again.exit_code == 0, again.output
    assert _counts(again.stdout)["unchanged"] == 3
    assert "nothing new" in again.stdout


def test_a_rejected_row_exits_1_and_is_listed(db_url, tmp_path):
    good, bad = _ids(2)
    path = write_csv(tmp_path / "some-bad.csv", [_row(good), _row(bad, lon="106.7x")])
    rejects = tmp_path / "out" / "rejected.csv"
    rejects.parent.mkdir()
    result = _invoke(db_url, path, "--rejects", rejects)
    assert result.exit_code == 1, result.output
    counts = _counts(result.stdout)
    assert (counts["imported"], counts["rejected"]) == (1, 1)
    assert f"rejected rows: {rejects}" in result.stdout
    assert read_rejects(rejects) == [
        {"line": "3", "column": "经度", "value": "106.7x", "reason": "not a number"}
    ]
    with _opened(db_url) as store:
        assert store.case_id_by_external(good) is not None
        assert store.case_id_by_external(bad) is None


def test_the_rejects_file_goes_beside_the_file_by_default(db_url, tmp_path):
    (a,) = _ids(1)
    path = write_csv(
        tmp_path / "late.csv",
        [_row(a, reported="2024-03-01 09:00:00"), _row("", reported="2024-03-02 09:00:00")],
    )
    result = _invoke(db_url, path)
    assert result.exit_code == 1
    rejects = tmp_path / "late.csv.rejects.csv"
    assert [(r["line"], r["column"]) for r in read_rejects(rejects)] == [("3", "事件编号")]


def test_dry_run_writes_nothing_and_a_real_run_then_imports(db_url, tmp_path):
    ids = _ids(2)
    path = write_csv(tmp_path / "dry.csv", [_row(i) for i in ids])
    before = _totals(db_url)
    dry = _invoke(db_url, path, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.startswith("试运行（未写入）dry run, nothing written")
    assert _counts(dry.stdout)["imported"] == 2
    assert _totals(db_url) == before  # no case, no entry in the import log
    with _opened(db_url) as store:
        assert all(store.case_id_by_external(i) is None for i in ids)

    real = _invoke(db_url, path)
    assert real.exit_code == 0, real.output
    assert _counts(real.stdout)["imported"] == 2
    assert _totals(db_url) == (before[0] + 2, before[1] + 1)
    with _opened(db_url) as store:
        assert all(store.case_id_by_external(i) is not None for i in ids)


def test_a_mapping_file_for_other_headers_and_values(db_url, tmp_path):
    with _opened(db_url) as store, store.case_tx() as tx:
        code = next(c.code for c in tx.categories() if c.name_zh == "暴露垃圾")
    a, b, c = _ids(3)
    mapping = tmp_path / "hotline.toml"
    mapping.write_text(
        f"""
source = "hotline"
defaults = false

[columns]
"工单号" = "external_id"
"诉求分类" = "category"
"受理时间" = "reported_at"
"办结日期" = "closed_at"
"X" = "lon"
"Y" = "lat"
"处理情况" = "status"
"渠道" = "source"
"事件编号" = "description"

[categories]
"乱扔垃圾" = "{code}"

[statuses]
"办理完毕" = "closed"
"办理中" = "dispatched"

[sources]
"市长信箱" = "web"
""",
        encoding="utf-8",
    )
    header = [
        "工单号",
        "诉求分类",
        "受理时间",
        "办结日期",
        "X",
        "Y",
        "处理情况",
        "渠道",
        "事件编号",
    ]
    path = write_csv(
        tmp_path / "hotline.csv",
        header=header,
        rows=[
            [
                a,
                "乱扔垃圾",
                "2024/3/1 9:00",
                "2024/3/1 15:00",
                *map(str, INSIDE),
                "办理完毕",
                "",
                "not an id here",
            ],
            [b, "乱扔垃圾", "2024/3/2 9:00", "", *map(str, INSIDE), "办理中", "市长信箱", ""],
            [c, "暴露垃圾", "2024/3/3 9:00", "", *map(str, INSIDE), "", "", ""],
        ],
    )
    result = _invoke(db_url, path, "--mapping", mapping)
    assert result.exit_code == 0, result.output
    assert _counts(result.stdout)["imported"] == 3
    with _opened(db_url) as store:
        closed, moving, named = (_case(store, x) for x in (a, b, c))
    assert closed.category == code and closed.status == "closed"
    assert closed.closed_at == datetime(2024, 3, 1, 15, 0, tzinfo=CHINA_TIME)
    assert closed.description == "not an id here" and closed.source == "hotline"
    assert moving.status == "dispatched" and moving.source == "web"
    assert named.category == code  # the catalogue's own name still works


def test_a_mapping_value_that_is_unknown_is_rejected_per_row(db_url, tmp_path):
    (a,) = _ids(1)
    mapping = tmp_path / "m.toml"
    mapping.write_text('[categories]\n"乱扔垃圾" = "HJ01"\n', encoding="utf-8")
    path = write_csv(tmp_path / "u.csv", [_row(a, category="乱扔东西")])
    result = _invoke(db_url, path, "--mapping", mapping)
    assert result.exit_code == 1
    (reject,) = read_rejects(tmp_path / "u.csv.rejects.csv")
    assert (reject["column"], reject["value"]) == ("事件类型", "乱扔东西")


def test_a_bad_mapping_file_exits_2_before_anything(db_url, tmp_path):
    (a,) = _ids(1)
    mapping = tmp_path / "bad.toml"
    mapping.write_text('[columns]\n"工单号" = "ticket"\n', encoding="utf-8")
    path = write_csv(tmp_path / "b.csv", [_row(a)])
    before = _totals(db_url)
    result = _invoke(db_url, path, "--mapping", mapping)
    assert result.exit_code == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("gridmgr: ") and "'ticket'" in line and "unknown field" in line
    assert _totals(db_url) == before


@pytest.mark.parametrize("crs", ["gcj02", "GCJ02"])
def test_crs_option(db_url, tmp_path, crs):
    (a,) = _ids(1)
    glon, glat = coords.from_wgs84(INSIDE[0], INSIDE[1], "gcj02")
    path = write_csv(tmp_path / "gcj.csv", [_row(a, lon=f"{glon:.7f}", lat=f"{glat:.7f}")])
    result = _invoke(db_url, path, "--crs", crs)
    assert result.exit_code == 0, result.output
    assert _counts(result.stdout)["located"] == 1
    with _opened(db_url) as store:
        case = _case(store, a)
    assert case.input_crs == "gcj02"
    assert case.lon == pytest.approx(INSIDE[0], abs=1e-6)
    assert case.lat == pytest.approx(INSIDE[1], abs=1e-6)
    assert case.input_lon == pytest.approx(glon, abs=1e-7)


def test_an_unknown_crs_is_a_usage_error(db_url, tmp_path):
    path = write_csv(tmp_path / "x.csv", [_row(_ids(1)[0])])
    result = _invoke(db_url, path, "--crs", "utm50n")
    assert result.exit_code == 2 and "utm50n" in result.stderr


def test_a_file_without_the_id_column_exits_2_and_writes_nothing(db_url, tmp_path):
    ids = _ids(2)
    header = ["工单流水", "事件类型", "经度", "纬度", "上报时间"]
    path = write_csv(
        tmp_path / "noid.csv",
        header=header,
        rows=[[i, "暴露垃圾", *map(str, INSIDE), "2024-03-01 09:00:00"] for i in ids],
    )
    before = _totals(db_url)
    result = _invoke(db_url, path)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    message = [line for line in result.stderr.splitlines() if line.startswith("gridmgr:")]
    assert len(message) == 1, result.stderr
    assert "external_id" in message[0] and "工单流水" in message[0]
    assert "Traceback" not in result.output
    assert _totals(db_url) == before
    assert not (tmp_path / "noid.csv.rejects.csv").exists()
    with _opened(db_url) as store:
        assert all(store.case_id_by_external(i) is None for i in ids)


def test_a_row_with_too_many_cells_is_rejected_not_fatal(db_url, tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text(
        "事件编号,事件类型,上报时间\nA,暴露垃圾,2024-03-01 09:00:00,extra\n", encoding="utf-8"
    )
    before = _totals(db_url)
    result = _invoke(db_url, path)
    assert result.exit_code == 1, result.output
    rejects = (tmp_path / "ragged.csv.rejects.csv").read_text(encoding="utf-8-sig")
    assert "4 cells where the header has 3" in rejects
    assert _totals(db_url)[0] == before[0]  # no case written
