"""An initialised store per backend (boundaries, roster, categories) and file writers."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from geo.store import open_store, parse_database_url

BACKENDS = [
    pytest.param("duckdb", id="duckdb"),
    pytest.param("postgis", id="postgis", marks=pytest.mark.postgis),
]
HEADER = [
    "事件编号",
    "事件类型",
    "问题描述",
    "地址",
    "经度",
    "纬度",
    "上报时间",
    "立案时间",
    "结案时间",
    "状态",
]
# A WGS84 point inside grid 520103400001's community (中华社区), found by the tests' store.
INSIDE = (106.7125, 26.5842)


@pytest.fixture(scope="module", params=BACKENDS)
def db_url(request):
    """A private copy of the session's initialised database of each backend."""
    return request.getfixturevalue(f"initialised_{request.param}")()


@pytest.fixture
def store(db_url):
    s = open_store(parse_database_url(db_url))
    yield s
    s.close()


def write_csv(path: Path, rows: list[list[str]], *, header=HEADER, encoding="utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        out = csv.writer(f)
        out.writerow(header)
        out.writerows(rows)
    return path


def read_rejects(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [
            {"line": r[0], "column": r[1], "value": r[2], "reason": r[3]}
            for r in list(csv.reader(f))[1:]
        ]
