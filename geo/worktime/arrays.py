"""Working-time arithmetic over arrays of instants, for bulk work (imports of many cases).

The same rules as :class:`geo.worktime.calendar.WorkCalendar` (whose results these equal, to the
microsecond), computed with numpy instead of one call per instant: a million deadlines take
a fraction of a second. Instants are pandas ``datetime64[ns, tz]`` series (any zone; taken on
the calendar's wall clock, which suits zones without daylight saving time such as
``Asia/Shanghai``); results are in the calendar's zone. Missing instants (NaT) give NaT/NaN.

The idea: ``W(t)``, the working time elapsed from a fixed origin to ``t``, is a
non-decreasing function; a deadline ``n`` working hours after ``t`` is the first instant
where ``W`` reaches ``W(t) + n``, and working time between two instants is a difference of
``W``.
"""

from __future__ import annotations

from datetime import date
from typing import Literal, Self, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.worktime.calendar import WorkCalendar

_DAY_US = 86_400_000_000
_US_PER_HOUR = 3_600_000_000
_EPOCH = date(1970, 1, 1).toordinal()

_Ints: TypeAlias = npt.NDArray[np.int64]
_Bools: TypeAlias = npt.NDArray[np.bool_]


class WorkClock:
    """A calendar's working days over a span of years, as arrays (built per bulk job)."""

    def __init__(self, calendar: WorkCalendar, first_year: int, last_year: int) -> None:
        self.calendar = calendar
        days = [d for y in range(first_year, last_year + 1) for d in calendar.working_days(y)]
        self.days = np.asarray(days, dtype=np.int64) - _EPOCH  # days since 1970-01-01
        self.first_day = date(first_year, 1, 1).toordinal() - _EPOCH
        spans = np.asarray(calendar.spans_us, dtype=np.int64)
        self.starts, self.ends = spans[:, 0], spans[:, 1]
        self.lengths = self.ends - self.starts
        self.cum = np.cumsum(self.lengths)  # working time at each period's end
        self.day_us = int(self.cum[-1])

    @classmethod
    def covering(cls, calendar: WorkCalendar, *series: pd.Series, days_ahead: int = 0) -> Self:
        """A clock for the years of ``series``, reaching ``days_ahead`` working days beyond."""
        years = [s.dt.year for s in series if s.notna().any()]
        lo = int(min(y.min() for y in years)) if years else 2000
        hi = int(max(y.max() for y in years)) if years else 2000
        return cls(calendar, lo, hi + 1 + days_ahead // 200)

    # --- instants <-> local wall-clock microseconds ----------------------------------------
    def _local_us(self, series: pd.Series) -> tuple[_Ints, _Bools]:
        wall = series.dt.tz_convert(self.calendar.tz).dt.tz_localize(None)
        ok = wall.notna().to_numpy()
        us = wall.to_numpy(dtype="datetime64[us]").astype(np.int64)
        return np.where(ok, us, 0), ok

    def _instants(self, us: _Ints, ok: _Bools, index: pd.Index) -> pd.Series:
        values = np.where(ok, us, np.iinfo(np.int64).min).astype("datetime64[us]")
        wall = pd.Series(values, index=index).astype("datetime64[ns]")
        return wall.dt.tz_localize(self.calendar.tz)

    def _day_index(self, day: _Ints, side: Literal["left", "right"] = "left") -> _Ints:
        k = np.searchsorted(self.days, day, side=side)
        if (k >= len(self.days)).any() or (day < self.first_day).any():
            raise ValueError("instant outside the clock's years; build it with covering()")
        return k

    def _offset(self, clock: _Ints) -> _Ints:
        """Working time of a working day before wall-clock time ``clock`` (µs)."""
        offset: _Ints = np.clip(clock[:, None] - self.starts, 0, self.lengths).sum(axis=1)
        return offset

    def _elapsed(self, us: _Ints) -> _Ints:
        """W(t): working µs from the clock's first working day to local instant ``us``."""
        day, clock = np.divmod(us, _DAY_US)
        k = self._day_index(day)
        works = self.days[np.minimum(k, len(self.days) - 1)] == day
        return k * self.day_us + np.where(works, self._offset(clock), 0)

    def _at(self, total: _Ints) -> _Ints:
        """The first local instant where W reaches ``total`` (> 0) µs."""
        j = (total - 1) // self.day_us
        if (j >= len(self.days)).any():
            raise ValueError("deadline beyond the clock's years; build it with covering()")
        rest = total - j * self.day_us  # in (0, day]
        period = np.searchsorted(self.cum, rest, side="left")
        before = np.where(period > 0, self.cum[np.maximum(period - 1, 0)], 0)
        return self.days[j] * _DAY_US + self.starts[period] + (rest - before)

    # --- public ---------------------------------------------------------------------------
    def add_hours(self, start: pd.Series, hours: npt.ArrayLike) -> pd.Series:
        """``start`` plus ``hours`` (> 0) working hours, as ``WorkCalendar.add_working_hours``."""
        us, ok = self._local_us(start)
        amount = np.round(np.asarray(hours, dtype=float) * _US_PER_HOUR).astype(np.int64)
        out = self._at(np.where(ok, self._elapsed(np.where(ok, us, self._first_us())) + amount, 1))
        return self._instants(out, ok, start.index)

    def add_days(self, start: pd.Series, days: npt.ArrayLike) -> pd.Series:
        """``start`` plus ``days`` (>= 1) working days, as ``WorkCalendar.add_working_days``:
        the same clock time, after moving a start outside working time to the next period's
        start."""
        us, ok = self._local_us(start)
        us = np.where(ok, us, self._first_us())
        day, clock = np.divmod(us, _DAY_US)
        k = self._day_index(day)
        works = self.days[np.minimum(k, len(self.days) - 1)] == day
        period = np.searchsorted(self.ends, clock, side="left")  # first period ending >= clock
        inside = works & (period < len(self.ends))
        moved_clock = np.where(
            inside,
            np.maximum(clock, self.starts[np.minimum(period, len(self.starts) - 1)]),
            self.starts[0],
        )
        base = np.where(inside, k, self._day_index(day, side="right"))
        target = base + np.asarray(days, dtype=np.int64)
        if (target >= len(self.days)).any():
            raise ValueError("deadline beyond the clock's years; build it with covering()")
        return self._instants(self.days[target] * _DAY_US + moved_clock, ok, start.index)

    def hours_between(self, start: pd.Series, end: pd.Series) -> npt.NDArray[np.float64]:
        """Working hours from ``start`` to ``end`` (0 when end <= start; NaN when either is
        missing), as ``WorkCalendar.working_hours_between``."""
        a, ok_a = self._local_us(start)
        b, ok_b = self._local_us(end)
        ok = ok_a & ok_b
        first = self._first_us()
        diff = self._elapsed(np.where(ok, b, first)) - self._elapsed(np.where(ok, a, first))
        hours = np.maximum(diff, 0) / _US_PER_HOUR
        return np.where(ok, hours, np.nan)

    def _first_us(self) -> int:
        return int(self.days[0]) * _DAY_US
