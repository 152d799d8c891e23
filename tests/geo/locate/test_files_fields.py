"""CSV fields of the streaming locate-file writer, as the csv module and pandas write them."""

from __future__ import annotations

import csv
import io
import re

import pyarrow as pa
import pytest

from geo.csv_safety import FORMULA_BYTES, FORMULA_START, neutralise
from geo.locate import files

VALUES = [
    "",
    "plain",
    "-106.5",
    "=1+2",
    "",
    "@SUM(A1)",
    "a,b",
    'say "hi"',
    "two\nlines",
    "+",
    "\tx",
    "-",
    "贵阳,市",
    "-1e5",
    "",
    "=",
]


def test_formula_bytes_are_the_formula_characters() -> None:
    for code in range(128):
        starts = re.match(FORMULA_START, chr(code)) is not None
        assert starts == (bytes([code]) in FORMULA_BYTES), repr(chr(code))


def _expected(values: list[str]) -> list[str]:
    out = []
    for value in values:
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerow([neutralise(value)])
        out.append(text.getvalue().removesuffix("\n") or "")
    return out


@pytest.mark.parametrize("start", range(0, len(VALUES), 3))
@pytest.mark.parametrize("length", [0, 1, 2, 5, len(VALUES)])
def test_csv_column_of_a_slice_matches_the_csv_module(start: int, length: int) -> None:
    """Sliced columns (as chunks of a record batch are), empty values at the edges."""
    column = pa.array(VALUES, pa.string()).slice(start, length)
    got = files._csv_column(column).to_pylist()
    want = _expected(VALUES[start : start + length])
    # The csv module writes a lone empty field as "" (quoted); in a row it is nothing.
    assert got == [w if w != '""' else "" for w in want]


def test_rows_holding_and_starting_with_bytes() -> None:
    column = pa.array(["", "a,", "", ",", "b", "", "=x", "c\n"], pa.string()).slice(1, 6)
    assert files._holding(column, b",").tolist() == [True, False, True, False, False, False]
    assert files._starting_with(column, b"=,").tolist() == [
        False,
        False,
        True,
        False,
        False,
        True,
    ]


@pytest.mark.parametrize("rows", [1, 2, 3, 7, 100])
def test_chunks_regroup_batches_in_order(rows: int) -> None:
    sizes = [0, 3, 1, 0, 5, 2]
    values = iter(range(sum(sizes)))
    batches = [
        pa.RecordBatch.from_pydict(
            {"id": pa.array([str(next(values)) for _ in range(n)], pa.string())}
        )
        for n in sizes
    ]
    chunks = list(files._chunks(batches, rows))
    assert [c.num_rows for c in chunks[:-1]] == [rows] * (len(chunks) - 1)
    assert 0 < chunks[-1].num_rows <= rows
    assert [v for c in chunks for v in c.column("id").to_pylist()] == [
        str(i) for i in range(sum(sizes))
    ]
