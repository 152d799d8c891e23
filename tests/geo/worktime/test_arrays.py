"""The array clock gives exactly what the one-at-a-time calendar gives."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from geo.worktime.arrays import WorkClock
from geo.worktime.calendar import WorkCalendar

TZ = "Asia/Shanghai"


def _instants(n: int, seed: int) -> pd.Series:
    """Random instants over 2023-2025, a third of them exactly on period edges."""
    rng = np.random.default_rng(seed)
    base = pd.Timestamp("2023-01-01", tz=TZ)
    minutes = rng.integers(0, 3 * 365 * 24 * 60, n)
    out = base + pd.to_timedelta(minutes, unit="min")
    edges = rng.choice(["08:30", "12:00", "14:00", "17:30", "00:00", "13:00"], n)
    snap = rng.random(n) < 0.33
    snapped = pd.to_datetime(out.strftime("%Y-%m-%d ") + edges).tz_localize(TZ)
    return pd.Series(np.where(snap, snapped, out)).astype(f"datetime64[ns, {TZ}]")


@pytest.fixture(scope="module")
def calendar():
    return WorkCalendar.default()


@pytest.mark.parametrize("hours", [0.5, 1.0, 4.0, 7.0, 24.0, 100.5])
def test_add_hours_equals_calendar(calendar, hours):
    starts = _instants(600, seed=int(hours * 10))
    clock = WorkClock.covering(calendar, starts, days_ahead=30)
    got = clock.add_hours(starts, np.full(len(starts), hours))
    want = [calendar.add_working_hours(t.to_pydatetime(), hours) for t in starts]
    assert [g.to_pydatetime() for g in got] == want


@pytest.mark.parametrize("days", [1, 3, 5, 20])
def test_add_days_equals_calendar(calendar, days):
    starts = _instants(600, seed=days)
    clock = WorkClock.covering(calendar, starts, days_ahead=days)
    got = clock.add_days(starts, np.full(len(starts), days))
    want = [calendar.add_working_days(t.to_pydatetime(), days) for t in starts]
    assert [g.to_pydatetime() for g in got] == want


def test_hours_between_equals_calendar(calendar):
    a = _instants(800, seed=7)
    rng = np.random.default_rng(8)
    b = a + pd.to_timedelta(rng.integers(-3 * 24 * 60, 40 * 24 * 60, len(a)), unit="min")
    clock = WorkClock.covering(calendar, a, b)
    got = clock.hours_between(a, b)
    want = [
        calendar.working_hours_between(x.to_pydatetime(), y.to_pydatetime())
        for x, y in zip(a, b, strict=True)
    ]
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)
    assert (got == 0).any() and (got > 7).any()  # both cases occur


def test_missing_instants_stay_missing(calendar):
    starts = pd.Series(
        [pd.Timestamp("2024-05-06 09:00", tz=TZ), pd.NaT], dtype=f"datetime64[ns, {TZ}]"
    )
    clock = WorkClock.covering(calendar, starts)
    got = clock.add_hours(starts, np.array([2.0, 2.0]))
    assert got.iloc[0].to_pydatetime() == datetime(2024, 5, 6, 11, 0, tzinfo=calendar.tz)
    assert pd.isna(got.iloc[1])
    assert np.isnan(clock.hours_between(starts, starts + timedelta(hours=1))[1])


def test_a_holiday_week_is_skipped(calendar):
    # 2024-09-30 (Monday) 10:00 + 1 working day: the National Day holiday runs to 7 October.
    start = pd.Series([pd.Timestamp("2024-09-30 10:00", tz=TZ)])
    clock = WorkClock.covering(calendar, start, days_ahead=1)
    got = clock.add_days(start, np.array([1]))
    assert got.iloc[0].to_pydatetime() == calendar.add_working_days(
        start.iloc[0].to_pydatetime(), 1
    )
    assert got.iloc[0].date().isoformat() == "2024-10-08"


def test_out_of_range_is_refused(calendar):
    start = pd.Series([pd.Timestamp("2024-12-30 10:00", tz=TZ)])
    clock = WorkClock(calendar, 2024, 2024)
    with pytest.raises(ValueError, match="covering"):
        clock.add_days(start, np.array([20]))
