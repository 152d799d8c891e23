"""Parsing columns of text cells into instants and numbers: the accepted forms, offsets, the
zone of text without one, and which cells are flagged as bad."""

from __future__ import annotations

import math
import random
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from geo.importing.values import parse_floats, parse_times, present

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")


def _times(cells, tz=SHANGHAI):
    out, bad = parse_times(pa.array(cells, pa.string()), tz)
    assert isinstance(out, pd.Series) and len(out) == len(cells) == len(bad)
    assert str(out.dtype) == f"datetime64[ns, {tz}]"
    return out, bad


def _at(text_iso: str, tz=SHANGHAI) -> pd.Timestamp:
    return pd.Timestamp(text_iso).tz_localize(tz)


@pytest.mark.parametrize(
    ("cell", "wall"),
    [
        ("2023-05-01 08:30:00", "2023-05-01 08:30:00"),  # the fast path
        ("2023-05-01 08:30", "2023-05-01 08:30:00"),
        ("2023/5/1 8:30", "2023-05-01 08:30:00"),
        ("2023/05/01 08:30:15", "2023-05-01 08:30:15"),
        ("2023-05-01T08:30:00", "2023-05-01 08:30:00"),
        ("2023-05-01T08:30:00.250", "2023-05-01 08:30:00.250"),
        ("2023-05-01", "2023-05-01 00:00:00"),
        ("2023/5/1", "2023-05-01 00:00:00"),
        ("2023年5月1日 8时30分", "2023-05-01 08:30:00"),
        ("2023年5月1日8时30分", "2023-05-01 08:30:00"),
        ("2023年05月01日 08时30分15秒", "2023-05-01 08:30:15"),
        ("2023年5月1日", "2023-05-01 00:00:00"),
        ("2023年5月1日 08:30:00", "2023-05-01 08:30:00"),
    ],
)
def test_wall_clock_forms(cell, wall):
    out, bad = _times([cell])
    assert not bad[0]
    assert out[0] == _at(wall)


@pytest.mark.parametrize(
    ("cell", "utc"),
    [
        ("2023-05-01T08:30:00+08:00", "2023-05-01 00:30:00"),
        ("2023-05-01T00:30:00Z", "2023-05-01 00:30:00"),
        ("2023-05-01 08:30:00+0800", "2023-05-01 00:30:00"),
        ("2023-05-01 08:30:00+00:00", "2023-05-01 08:30:00"),
        ("2023-05-01T08:30:00-05:00", "2023-05-01 13:30:00"),
        ("2023/5/1 8:30:00+09:00", "2023-04-30 23:30:00"),
    ],
)
def test_an_offset_in_the_text_decides_the_instant(cell, utc):
    for tz in (SHANGHAI, UTC):
        out, bad = _times([cell], tz)
        assert not bad[0]
        assert out[0] == pd.Timestamp(utc, tz="UTC")
        assert str(out[0].tz) == str(tz)  # shown in the calendar's zone


def test_mixed_offsets_in_one_column():
    out, bad = _times(
        ["2023-05-01T08:30:00+08:00", "2023-05-01T08:30:00Z", "2023-05-01T08:30:00-03:00"]
    )
    assert not bad.any()
    assert [(t - out[0]) / pd.Timedelta(hours=1) for t in out] == [0, 8, 11]


@pytest.mark.parametrize("cell", ["2023-05-01 08:30:00", "2023/5/1 8:30", "2023年5月1日 8时30分"])
def test_text_without_an_offset_is_wall_clock_time_in_the_zone_given(cell):
    shanghai, _ = _times([cell], SHANGHAI)
    utc, _ = _times([cell], UTC)
    new_york, _ = _times([cell], ZoneInfo("America/New_York"))
    assert shanghai[0] == pd.Timestamp("2023-05-01 00:30:00", tz="UTC")
    assert utc[0] == pd.Timestamp("2023-05-01 08:30:00", tz="UTC")
    assert new_york[0] == pd.Timestamp("2023-05-01 12:30:00", tz="UTC")  # EDT, UTC-4
    assert shanghai[0].hour == utc[0].hour == new_york[0].hour == 8


def test_a_wall_clock_time_that_does_not_exist_in_the_zone_is_bad():
    berlin = ZoneInfo("Europe/Berlin")  # clocks went from 02:00 to 03:00 on 2024-03-31
    out, bad = _times(
        [
            "2024-03-31 02:30:00",
            "2024/3/31 2:30",
            "2024-03-31 01:30:00",
            "2024-03-31T02:30:00+01:00",
        ],
        berlin,
    )
    assert bad.tolist() == [True, True, False, False]
    assert out[2] == pd.Timestamp("2024-03-31 00:30:00", tz="UTC")
    assert out[3] == pd.Timestamp("2024-03-31 01:30:00", tz="UTC")


@pytest.mark.parametrize(
    "cell",
    [
        "x",
        "昨天下午",
        "2023-13-01 00:00:00",
        "2023-02-30",
        "2023-05-01 25:00:00",
        "5/1/2023",
        "1700000000",
        "2023年13月1日",
    ],
)
def test_text_that_is_not_a_time_is_bad(cell):
    out, bad = _times(["2023-05-01 08:30:00", cell, ""])
    assert bad.tolist() == [False, True, False]
    assert out.isna().tolist() == [False, True, True]


def test_empty_cells_are_missing_not_bad():
    out, bad = _times(["", "", ""])
    assert out.isna().all() and not bad.any()
    out, bad = _times([])
    assert len(out) == 0 and len(bad) == 0


def test_a_column_mixing_fast_and_slow_forms_keeps_each_cell_in_place():
    rng = random.Random(8)
    forms = [
        lambda t: t.strftime("%Y-%m-%d %H:%M:%S"),
        lambda t: f"{t.year}/{t.month}/{t.day} {t.hour}:{t.minute:02d}",
        lambda t: f"{t.year}年{t.month}月{t.day}日 {t.hour}时{t.minute}分",
        lambda t: (t - pd.Timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    ]
    cells, expected = [], []
    for _ in range(3000):
        wall = pd.Timestamp(2020, 1, 1) + pd.Timedelta(minutes=rng.randrange(3 * 525_600))
        kind = rng.randrange(6)
        if kind == 4:
            cells.append("")
            expected.append(None)
        elif kind == 5:
            cells.append(f"bad-{rng.randrange(100)}")
            expected.append("bad")
        else:
            cells.append(forms[kind](wall))
            expected.append(wall.tz_localize(SHANGHAI))
    out, bad = _times(cells)
    assert bad.tolist() == [e == "bad" for e in expected]
    for cell, got, want in zip(cells, out, expected, strict=True):
        if isinstance(want, pd.Timestamp):
            assert got == want, cell
        else:
            assert pd.isna(got), cell


def test_present():
    assert present(pa.array(["a", "", " ", "0"])).tolist() == [True, False, True, True]


# -- numbers ---------------------------------------------------------------------------------


def _floats(cells):
    values, bad = parse_floats(pa.array(cells, pa.string()))
    assert values.dtype == np.float64 and bad.dtype == np.bool_
    assert len(values) == len(bad) == len(cells)
    return values, bad


def test_plain_numbers_take_the_fast_path():
    values, bad = _floats(["106.7125", "-26.5", "1e3", "0", ""])
    assert not bad.any()
    assert values[:4].tolist() == [106.7125, -26.5, 1000.0, 0.0]
    assert math.isnan(values[4])


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("１０６．７１２５", 106.7125),  # full-width digits and point
        ("－２６．５", -26.5),  # full-width minus
        ("１2.5", 12.5),  # half full-width
        ("+5", 5.0),
        (".5", 0.5),
    ],
)
def test_numbers_in_other_forms(cell, value):
    values, bad = _floats([cell, "abc", ""])  # "abc" sends the column down the slow path
    assert bad.tolist() == [False, True, False]
    assert values[0] == value
    assert math.isnan(values[1]) and math.isnan(values[2])


@pytest.mark.parametrize(
    "cell",
    [
        "nan",
        "NaN",
        "inf",
        "-inf",
        "Infinity",
        "1e400",
        "abc",
        "106,7",
        "1,000",
        "0x10",
        "106.7°",
        "东经106",
    ],
)
def test_not_finite_or_not_a_number_is_bad(cell):
    values, bad = _floats(["1.5", cell, ""])
    assert bad.tolist() == [False, True, False]
    assert values[0] == 1.5 and np.isnan(values[1:]).all()


def test_bad_only_where_present():
    values, bad = _floats(["", "", ""])
    assert not bad.any() and np.isnan(values).all()


def test_both_paths_agree():
    cells = [f"{i * 0.37 - 50:.6f}" for i in range(500)]
    fast, fast_bad = _floats(cells)
    slow, slow_bad = _floats([*cells, "x"])
    assert not fast_bad.any() and slow_bad.tolist() == [False] * 500 + [True]
    assert np.array_equal(fast, slow[:500])
    assert fast.tolist() == [float(c) for c in cells]
