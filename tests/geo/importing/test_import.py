"""Importing case files into a store, on both backends: what lands, what is reported, re-runs,
changed rows, other encodings and formats, and imports stopped half-way."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from geo import coords
from geo.cases.workflow import Actor
from geo.importing import import_cases
from geo.locate.locator import Locator
from geo.worktime.calendar import WorkCalendar
from tests.geo.importing.conftest import HEADER, INSIDE, read_rejects, write_csv

CHINA_TIME = ZoneInfo("Asia/Shanghai")  # the district's default zone

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=CHINA_TIME)


def _ids(n: int) -> list[str]:
    prefix = uuid.uuid4().hex[:8]
    return [f"{prefix}-{i}" for i in range(n)]


def _case(store, external_id):
    case_id = store.case_id_by_external(external_id)
    assert case_id is not None, external_id
    with store.case_tx() as tx:
        return tx.case(case_id)


def _open_counts(store, community) -> tuple[dict[str, int], dict[str, int]]:
    """Open cases per worker of ``community`` as the store counts them for assignment, and
    as counted here from its dispatched cases."""
    with store.case_tx() as tx:
        workers = tx.candidates(community)
        cases = tx.cases(status="dispatched", community=community, limit=100_000)
    ids = {w.id for w in workers}
    return (
        {w.id: w.open_cases for w in workers if w.open_cases},
        dict(Counter(c.assignee_id for c in cases if c.assignee_id in ids)),
    )


def _run(store, path, **kw):
    kw.setdefault("now", NOW)
    return import_cases(store, path, **kw)


def test_rows_land_with_their_history(store, tmp_path):
    a, b, c = _ids(3)
    path = write_csv(
        tmp_path / "cases.csv",
        [
            [
                a,
                "暴露垃圾",
                "垃圾堆放",
                "",
                *map(str, INSIDE),
                "2024-03-01 09:00:00",
                "2024-03-01 09:30:00",
                "2024-03-01 15:00:00",
                "已结案",
            ],
            [
                b,
                "道路不洁",
                "路面脏",
                "",
                *map(str, INSIDE),
                "2024-03-04 10:00:00",
                "",
                "",
                "待受理",
            ],
            [
                c,
                "暴露垃圾",
                "",
                "",
                "106.30",
                "26.30",
                "2024-03-05 10:00:00",
                "2024-03-05 10:10:00",
                "",
                "处置中",
            ],
        ],
    )
    summary = _run(store, path)
    counts = summary.counts
    assert (counts["rows_read"], counts["imported"], counts["rejected"]) == (3, 3, 0)
    assert (counts["located"], counts["unassigned"], counts["needs_location"]) == (2, 1, 0)
    assert summary.rejects_path is None

    closed = _case(store, a)
    cal = WorkCalendar.default()
    registered = datetime(2024, 3, 1, 9, 30, tzinfo=CHINA_TIME)
    assert closed.status == "closed" and closed.external_id == a
    assert closed.reported_at == datetime(2024, 3, 1, 9, 0, tzinfo=CHINA_TIME)
    assert closed.closed_at == datetime(2024, 3, 1, 15, 0, tzinfo=CHINA_TIME)
    assert closed.due_at == cal.add(registered, "4h")  # 暴露垃圾: 4 working hours
    assert closed.closed_on_time is True
    assert closed.handling_hours == pytest.approx(
        cal.working_hours_between(registered, closed.closed_at)
    )
    gi, pos = Locator(store).locate(*[[v] for v in INSIDE])
    assert closed.grid_code == gi.grid_codes[pos[0]]
    assert closed.assignee_id is not None and closed.assign_reason_code == "import_grid_worker"

    waiting = _case(store, b)
    assert waiting.status == "reported" and waiting.assignee_id is None
    assert waiting.closed_at is None and waiting.closed_on_time is None

    outside = _case(store, c)
    assert outside.status == "dispatched" and outside.unassigned and outside.grid_code is None


def test_every_kind_of_bad_row_is_reported(store, tmp_path):
    ids = _ids(20)
    good = ["暴露垃圾", "", "", *map(str, INSIDE), "2024-03-01 09:00:00", "", "", ""]
    rows = [
        [ids[0], *good],  # fine
        ["", *good],  # empty id
        [ids[0], *good],  # repeated id
        [ids[3], "不存在的类型", *good[1:]],
        [ids[4], "暴露垃圾", "", "", "106.7x", "26.58", "2024-03-01 09:00:00", "", "", ""],
        [ids[5], "暴露垃圾", "", "", "106.71", "", "2024-03-01 09:00:00", "", "", ""],
        [ids[6], "暴露垃圾", "", "", "26.58", "106.71", "2024-03-01 09:00:00", "", "", ""],
        [ids[7], "暴露垃圾", "", "", "206.71", "26.58", "2024-03-01 09:00:00", "", "", ""],
        [ids[8], "暴露垃圾", "", "", *map(str, INSIDE), "昨天下午", "", "", ""],
        [ids[9], "暴露垃圾", "", "", *map(str, INSIDE), "2099-01-01 08:00:00", "", "", ""],
        [ids[10], "暴露垃圾", "", "", *map(str, INSIDE), "", "", "", ""],
        [ids[11], "暴露垃圾", "", "", *map(str, INSIDE), "2024-03-01 09:00:00", "", "", "已结案"],
        [
            ids[12],
            "暴露垃圾",
            "",
            "",
            *map(str, INSIDE),
            "2024-03-01 09:00:00",
            "",
            "2024-02-01 09:00:00",
            "已结案",
        ],
        [ids[13], "暴露垃圾", "", "", *map(str, INSIDE), "2024-03-01 09:00:00", "", "", "神秘状态"],
        [ids[14], "暴露垃圾", "x" * 4001, "", *map(str, INSIDE), "2024-03-01 09:00:00", "", "", ""],
    ]
    path = write_csv(tmp_path / "bad.csv", rows)
    summary = _run(store, path)
    assert summary.counts["imported"] == 1
    assert summary.counts["rejected"] == len(rows) - 1
    rejects = read_rejects(summary.rejects_path)
    by_line = {}
    for r in rejects:
        by_line.setdefault(int(r["line"]), []).append(r)
    assert sorted(by_line) == list(range(3, len(rows) + 2))  # every bad row, none of the good

    def one(line, column, reason_part, value=None):
        found = [r for r in by_line[line] if r["column"] == column and reason_part in r["reason"]]
        assert found, (line, by_line[line])
        if value is not None:
            assert found[0]["value"] == value

    one(3, "事件编号", "empty")
    one(4, "事件编号", "earlier in the file, on line 2", ids[0])
    one(5, "事件类型", "unknown category", "不存在的类型")
    one(6, "经度", "not a number", "106.7x")
    one(7, "纬度", "longitude without a latitude")
    one(8, "经度", "swapped", "26.58")
    one(9, "经度", "outside the range", "206.71")
    one(10, "上报时间", "not a date", "昨天下午")
    one(11, "上报时间", "in the future")
    one(12, "上报时间", "empty")
    one(13, "结案时间", "needs its closing time")
    one(14, "结案时间", "before the report time", "2024-02-01 09:00:00")
    one(15, "状态", "unknown state", "神秘状态")
    one(16, "问题描述", "longer than 4000")
    for bad in ids[3:15]:
        assert store.case_id_by_external(bad) is None


def test_a_rerun_imports_nothing_and_a_changed_row_updates_its_case(store, tmp_path):
    a, b = _ids(2)
    rows = [
        [
            a,
            "暴露垃圾",
            "垃圾",
            "",
            *map(str, INSIDE),
            "2024-05-06 09:00:00",
            "2024-05-06 09:10:00",
            "",
            "处置中",
        ],
        [b, "道路不洁", "", "", *map(str, INSIDE), "2024-05-06 10:00:00", "", "", ""],
    ]
    path = write_csv(tmp_path / "x.csv", rows)
    first = _run(store, path)
    assert first.counts["imported"] == 2
    again = _run(store, path)
    assert (again.counts["imported"], again.counts["updated"], again.counts["unchanged"]) == (
        0,
        0,
        2,
    )
    assert any("nothing new" in line for line in again.lines())
    before = _case(store, a)
    stored, counted = _open_counts(store, before.community_code)
    assert stored == counted and stored[before.assignee_id] >= 1

    rows[0][8], rows[0][9] = "2024-05-07 11:00:00", "已结案"  # closed since
    path = write_csv(tmp_path / "x.csv", rows)
    changed = _run(store, path)
    assert (changed.counts["imported"], changed.counts["updated"], changed.counts["unchanged"]) == (
        0,
        1,
        1,
    )
    after = _case(store, a)
    assert after.id == before.id and after.version == before.version + 1
    assert after.status == "closed"
    assert after.closed_at == datetime(2024, 5, 7, 11, 0, tzinfo=CHINA_TIME)
    stored_after, counted_after = _open_counts(store, after.community_code)
    assert stored_after == counted_after  # the case closed by the import counts no more
    assert stored_after.get(before.assignee_id, 0) == stored[before.assignee_id] - 1
    with store.case_tx() as tx:
        events = tx.events(after.id)
    assert [e.action for e in events] == ["import_update"]
    assert (events[0].from_status, events[0].to_status) == ("dispatched", "closed")
    assert "x.csv line 2" in events[0].note and "status changed" in events[0].note


def test_a_case_acted_on_since_is_not_overwritten(store, tmp_path):
    (a,) = _ids(1)
    rows = [[a, "暴露垃圾", "", "", *map(str, INSIDE), "2024-05-06 09:00:00", "", "", "待受理"]]
    path = write_csv(tmp_path / "y.csv", rows)
    _run(store, path)
    case = _case(store, a)
    from geo.cases.service import CaseService

    service = CaseService(store, Locator(store), WorkCalendar.default())
    service.act(case.id, "register", Actor("d1", "dispatcher"), version=case.version)
    rows[0][2] = "描述改了"
    path = write_csv(tmp_path / "y.csv", rows)
    summary = _run(store, path)
    assert summary.counts["updated"] == 0 and summary.counts["rejected"] == 1
    (reject,) = read_rejects(summary.rejects_path)
    assert reject["line"] == "2" and reject["value"] == a
    assert "acted on in gridmgr" in reject["reason"]
    kept = _case(store, a)
    assert kept.status == "registered" and kept.description == ""


def test_gb18030_csv_and_gcj02_coordinates(store, tmp_path):
    (a,) = _ids(1)
    glon, glat = coords.from_wgs84(INSIDE[0], INSIDE[1], "gcj02")
    path = write_csv(
        tmp_path / "gbk.csv",
        [
            [
                a,
                "暴露垃圾",
                "井盖缺失，請處理",
                "云岩区中华中路",
                f"{glon:.7f}",
                f"{glat:.7f}",
                "2024/3/1 9:00",
                "",
                "",
                "已上报",
            ]
        ],
        encoding="gb18030",
    )
    summary = _run(store, path, crs="gcj02")
    assert summary.encoding == "gb18030" and summary.counts["imported"] == 1
    case = _case(store, a)
    assert case.description == "井盖缺失，請處理" and case.address == "云岩区中华中路"
    assert case.lon == pytest.approx(INSIDE[0], abs=1e-7)
    assert case.lat == pytest.approx(INSIDE[1], abs=1e-7)
    assert case.input_crs == "gcj02"


def test_excel_workbook(store, tmp_path):
    a, b = _ids(2)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(
        [
            a,
            "暴露垃圾",
            "excel",
            None,
            INSIDE[0],
            INSIDE[1],
            datetime(2024, 3, 1, 9, 0),
            None,
            None,
            "已上报",
        ]
    )
    sheet.append(
        [b, "暴露垃圾", None, None, "abc", INSIDE[1], datetime(2024, 3, 1, 9, 0), None, None, None]
    )
    book.save(tmp_path / "cases.xlsx")
    summary = _run(store, tmp_path / "cases.xlsx")
    assert (summary.counts["imported"], summary.counts["rejected"]) == (1, 1)
    case = _case(store, a)
    assert case.reported_at == datetime(2024, 3, 1, 9, 0, tzinfo=CHINA_TIME)
    assert case.description == "excel" and not case.unassigned
    (reject,) = read_rejects(summary.rejects_path)
    assert (reject["line"], reject["column"], reject["value"]) == ("3", "经度", "abc")


def test_geojson_points(store, tmp_path):
    a, b = _ids(2)
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": list(INSIDE)},
                "properties": {
                    "事件编号": a,
                    "事件类型": "暴露垃圾",
                    "上报时间": "2024-03-01 09:00:00",
                },
            },
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [list(INSIDE), list(INSIDE)]},
                "properties": {
                    "事件编号": b,
                    "事件类型": "暴露垃圾",
                    "上报时间": "2024-03-01 09:00:00",
                },
            },
        ],
    }
    path = tmp_path / "cases.geojson"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    summary = _run(store, path)
    assert (summary.counts["imported"], summary.counts["rejected"]) == (1, 1)
    assert _case(store, a).grid_code is not None
    (reject,) = read_rejects(summary.rejects_path)
    assert reject["line"] == "3" and "LineString" in reject["value"]


def test_address_only_rows_use_the_gazetteer(store, tmp_path):
    from geo.gazetteer import Entry

    store.replace_gazetteer([Entry("云岩区中华中路100号", *INSIDE)])
    a, b = _ids(2)
    path = write_csv(
        tmp_path / "addr.csv",
        [
            [a, "暴露垃圾", "", "中华中路１００號", "", "", "2024-03-01 09:00:00", "", "", ""],
            [b, "暴露垃圾", "", "不知道在哪里", "", "", "2024-03-01 09:00:00", "", "", ""],
        ],
    )
    summary = _run(store, path, address_prefixes=("贵阳市", "云岩区"))
    assert (summary.counts["located"], summary.counts["needs_location"]) == (1, 1)
    placed, waiting = _case(store, a), _case(store, b)
    assert placed.lon == pytest.approx(INSIDE[0]) and placed.grid_code is not None
    assert placed.input_lon is None  # placed by its address, not by given coordinates
    assert waiting.needs_location and waiting.lon is None


def test_dry_run_writes_nothing(store, tmp_path):
    (a,) = _ids(1)
    path = write_csv(
        tmp_path / "d.csv",
        [[a, "暴露垃圾", "", "", *map(str, INSIDE), "2024-03-01 09:00:00", "", "", ""]],
    )
    summary = _run(store, path, dry_run=True)
    assert summary.counts["imported"] == 1 and summary.import_id is None
    assert store.case_id_by_external(a) is None


def test_a_failure_inside_a_chunk_leaves_no_part_of_it(store, tmp_path, monkeypatch):
    monkeypatch.setattr("geo.importing.run.WRITERS", 1)  # chunks in turn: the first is in
    ids = _ids(7)
    rows = [
        [i, "暴露垃圾", "", "", *map(str, INSIDE), "2024-03-01 09:00:00", "", "", ""] for i in ids
    ]
    path = write_csv(tmp_path / "k.csv", rows)
    original = type(store)._import_insert
    calls = []

    def insert_then_fail(self, cur, frame, import_id):
        original(self, cur, frame, import_id)  # the rows are in, inside the transaction
        calls.append(len(frame))
        if len(calls) == 2:
            raise RuntimeError("power cut")

    monkeypatch.setattr(type(store), "_import_insert", insert_then_fail)
    with pytest.raises(RuntimeError, match="power cut"):
        _run(store, path, chunk_rows=3)
    monkeypatch.setattr(type(store), "_import_insert", original)
    landed = [i for i in ids if store.case_id_by_external(i) is not None]
    assert landed == ids[:3]  # the first chunk whole, nothing of the second
    rerun = _run(store, path, chunk_rows=3)
    assert (rerun.counts["unchanged"], rerun.counts["imported"]) == (3, 4)
    assert all(store.case_id_by_external(i) is not None for i in ids)


def test_rows_with_the_wrong_number_of_cells_are_reported_not_fatal(store, tmp_path):
    a, b, c = _ids(3)
    path = tmp_path / "ragged.csv"
    inside = ",".join(map(str, INSIDE))
    path.write_text(
        "事件编号,事件类型,上报时间,经度,纬度\n"
        f"{a},暴露垃圾,2024-03-01 09:00:00,{inside}\n"
        f"{b},暴露垃圾,2024-03-01 09:00:00,106.71\n"
        f"{c},暴露垃圾,2024-03-01 09:00:00,{inside}\n",
        encoding="utf-8",
    )
    summary = _run(store, path)
    assert (
        summary.counts["rows_read"],
        summary.counts["imported"],
        summary.counts["rejected"],
    ) == (3, 2, 1)
    (reject,) = read_rejects(summary.rejects_path)
    assert reject["value"].startswith(b) and "4 cells where the header has 5" in reject["reason"]
    assert store.case_id_by_external(b) is None
    assert store.case_id_by_external(a) and store.case_id_by_external(c)


def test_rerun_finds_its_rows_whichever_way_ids_are_looked_up(store, tmp_path, monkeypatch):
    # PostGIS looks a chunk's ids up by their range, or one by one when the range holds many
    # more stored ids than the chunk; with no slack, a sparse re-run takes the second way.
    monkeypatch.setattr(type(store), "import_range_slack", 0, raising=False)
    ids = sorted(_ids(10))
    row = ["暴露垃圾", "", "", *map(str, INSIDE), "2024-03-01 09:00:00", "", "", ""]
    _run(store, write_csv(tmp_path / "all.csv", [[i, *row] for i in ids]))
    changed = [ids[0], "暴露垃圾", "改了", *row[2:]]
    fresh = f"{ids[0]}-new"
    summary = _run(
        store, write_csv(tmp_path / "some.csv", [changed, [ids[9], *row], [fresh, *row]])
    )
    assert (summary.counts["updated"], summary.counts["unchanged"], summary.counts["imported"]) == (
        1,
        1,
        1,
    )
    assert _case(store, ids[0]).description == "改了"


def test_excel_rows_without_values_are_passed_over_and_lines_stay_right(store, tmp_path):
    a, b = _ids(2)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append([a, "暴露垃圾", None, None, INSIDE[0], INSIDE[1], "2024-03-01 09:00:00"])
    sheet.append([None] * len(HEADER))  # an empty row (formatted, in real workbooks)
    sheet["C3"].number_format = "@"
    sheet.append([b, "暴露垃圾", None, None, "abc", INSIDE[1], "2024-03-01 09:00:00"])
    book.save(tmp_path / "gaps.xlsx")
    summary = _run(store, tmp_path / "gaps.xlsx")
    assert (
        summary.counts["rows_read"],
        summary.counts["imported"],
        summary.counts["rejected"],
    ) == (2, 1, 1)
    (reject,) = read_rejects(summary.rejects_path)
    assert (reject["line"], reject["value"]) == ("4", "abc")  # its row in the sheet


def test_rejected_formula_cells_are_neutralised(store, tmp_path):
    """Text cells of the rejects file that a spreadsheet would run get a leading quote; the
    line number and plain numbers (a longitude of -206.5) stay as they are."""
    ids = _ids(3)
    when = "2024-03-01 09:00:00"
    rows = [
        [ids[0], '=HYPERLINK("http://evil")', "", "", *map(str, INSIDE), when, "", "", ""],
        [ids[1], "暴露垃圾", "", "", "-206.5", "26.58", when, "", "", ""],
        [ids[2], "暴露垃圾", "", "", "@SUM(A1)", "26.58", when, "", "", ""],
    ]
    summary = _run(store, write_csv(tmp_path / "hostile.csv", rows))
    assert summary.counts["rejected"] == 3
    rejects = {int(r["line"]): r for r in read_rejects(summary.rejects_path)}
    assert rejects[2]["value"] == '\'=HYPERLINK("http://evil")'
    assert rejects[3]["value"] == "-206.5"
    assert rejects[4]["value"] == "'@SUM(A1)"
    assert all(not r["reason"].startswith(("=", "+", "-", "@")) for r in rejects.values())
