"""A NUL character in a cell rejects that row (with its line and column), on both backends;
the rest of the file is imported and the reject file stays readable."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from geo.importing import import_cases
from tests.geo.importing.conftest import INSIDE, read_rejects, write_csv

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_a_nul_in_any_cell_rejects_its_row(store, tmp_path):
    prefix = uuid.uuid4().hex[:8]
    ids = [f"{prefix}-{i}" for i in range(4)]
    good = ["暴露垃圾", "垃圾堆放", "", *map(str, INSIDE), "2024-03-01 09:00:00", "", "", ""]
    rows = [
        [ids[0], *good],
        [ids[1], "暴露垃圾", "垃圾\x00堆放", *good[2:]],  # description
        [ids[2] + "\x00", *good],  # external id
        [ids[3], *good[:3], "106.71\x00", *good[4:]],  # longitude
    ]
    path = write_csv(tmp_path / "nul.csv", rows)
    summary = import_cases(store, path, now=NOW)
    assert summary.counts["imported"] == 1
    assert summary.counts["rejected"] == 3
    rejects = read_rejects(summary.rejects_path)
    nul = {(int(r["line"]), r["column"]) for r in rejects if "NUL" in r["reason"]}
    assert {(3, "问题描述"), (4, "事件编号"), (5, "经度")} <= nul
    assert all("\x00" not in r["value"] for r in rejects)
    assert store.case_id_by_external(ids[0]) is not None
    assert store.case_id_by_external(ids[1]) is None
