"""Working-time arithmetic for case deadlines (处置时限).

Time limits are set per subclass in working hours or working days. A :class:`WorkCalendar`
holds the daily working periods (default 08:30-12:00 and 14:00-17:30, 7 hours), the time zone
(an IANA name, :data:`DEFAULT_TZ` unless given; the server takes it from its settings) and the
day rules:

* a day is a working day if it is Monday-Friday and not a statutory holiday, or if it is a
  make-up working day (调休) on a weekend;
* holidays and make-up days come from the ``holidays`` package (country ``CN``, public
  category), except for years listed in a local override file (see :func:`load_overrides`),
  whose tables replace the package for those years entirely. For years after the last State
  Council notice the package knows, it only estimates the holidays and has no make-up days.

Time zone conventions: every datetime argument must be timezone-aware (a naive one raises
:class:`~geo.errors.CalendarError`); it is converted to the calendar's zone, and every result
is in that zone. Working periods are wall-clock times in that zone, and working time is
measured on the wall clock (the same as elapsed time in zones without daylight saving time,
such as ``Asia/Shanghai`` since 1991). An instant exactly on a period's start or end counts as
inside working time.
"""

from __future__ import annotations

import math
import numbers
import re
import threading
import tomllib
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from geo.errors import CalendarError

if TYPE_CHECKING:  # imported when a calendar is made: most commands need none
    import holidays

DEFAULT_HOURS = (("08:30", "12:00"), ("14:00", "17:30"))
# The district's time zone when none is configured: the one place this default is written
# (the settings' GRIDMGR_TIME_ZONE defaults to it too).
DEFAULT_TZ = "Asia/Shanghai"
_US_PER_HOUR = 3_600_000_000
_LIMIT_RE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([hd])\s*", re.IGNORECASE)


def _us_of(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


def _clock(value: time | str) -> time:
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise CalendarError(f"bad working-period time {value!r}; expected HH:MM") from None


def load_zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name`` (e.g. ``Asia/Shanghai``), from the system's zone database
    or the ``tzdata`` package; :class:`~geo.errors.CalendarError` for an unknown name."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise CalendarError(f"unknown time zone {name!r}; expected an IANA name") from None


def _file_date(value: object, path: Path, year: int, key: str) -> date:
    where = f"{path}: [{year}] {key}"
    text = value.isoformat() if type(value) is date else value  # TOML dates are welcome too
    try:
        if not isinstance(text, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(text)
        day = date.fromisoformat(text)
    except ValueError:
        raise CalendarError(f"{where}: bad date {value!r}; expected YYYY-MM-DD") from None
    if day.year != year:
        raise CalendarError(f"{where}: date {day} belongs to year {day.year}, not {year}")
    return day


def load_overrides(path: str | Path) -> dict[int, tuple[frozenset[date], frozenset[date]]]:
    """Read a calendar override file: ``{year: (holidays, workdays)}``.

    Each TOML table is named by a year and may hold ``holidays`` (days off) and ``workdays``
    (make-up working days on weekends), lists of ISO dates (strings or TOML dates). Holidays
    on weekends are allowed (the notice's full day-off ranges may be copied); a workday must be
    a Saturday or Sunday. Any other content raises :class:`CalendarError` naming the file, the
    year and the value.
    """
    path = Path(path)
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CalendarError(f"{path}: cannot read calendar file: {exc}") from None
    years: dict[int, tuple[frozenset[date], frozenset[date]]] = {}
    for name, table in data.items():
        if not re.fullmatch(r"\d{4}", name) or not isinstance(table, dict):
            raise CalendarError(f"{path}: {name!r} is not a year table like [2027]")
        year = int(name)
        unknown = sorted(set(table) - {"holidays", "workdays"})
        if unknown:
            raise CalendarError(
                f"{path}: [{year}] unknown key(s) {unknown}; expected 'holidays' and 'workdays'"
            )
        lists = {}
        for key in ("holidays", "workdays"):
            values = table.get(key, [])
            if not isinstance(values, list):
                raise CalendarError(f"{path}: [{year}] {key} must be a list, not {values!r}")
            lists[key] = frozenset(_file_date(v, path, year, key) for v in values)
        if both := sorted(lists["holidays"] & lists["workdays"]):
            raise CalendarError(
                f"{path}: [{year}] {both[0]} is listed in both holidays and workdays"
            )
        for d in sorted(lists["workdays"]):
            if d.weekday() < 5:
                raise CalendarError(
                    f"{path}: [{year}] workdays: {d} is a weekday, not a weekend make-up day"
                )
        years[year] = (lists["holidays"], lists["workdays"])
    return years


def _china_holidays() -> holidays.HolidayBase:
    import holidays

    return holidays.country_holidays("CN")


@dataclass(frozen=True, slots=True)
class TimeLimit:
    """A case time limit: ``value`` working hours or working days (days are whole)."""

    value: float
    unit: Literal["hours", "days"]

    def __post_init__(self) -> None:
        value: object = self.value  # checked as any object: callers may pass anything
        if (
            self.unit not in ("hours", "days")
            or isinstance(value, bool)
            or not (
                isinstance(value, numbers.Real)
                and math.isfinite(value)
                and float(value) > 0
                and (self.unit == "hours" or value == math.trunc(value))
            )
        ):
            raise CalendarError(
                f"bad time limit {self.value!r} {self.unit!r}: needs a value > 0 "
                "and unit 'hours' or 'days' (whole days)"
            )

    @staticmethod
    def parse(text: str) -> TimeLimit:
        """Parse ``"4h"``, ``"2.5h"``, ``"1d"``, ``"20d"`` (case-insensitive, > 0)."""
        if not isinstance(text, str):
            raise CalendarError(f"bad time limit {text!r}; expected e.g. '4h', '2.5h' or '20d'")
        return _parse_limit(text)

    def __str__(self) -> str:
        return f"{self.value:g}{'h' if self.unit == 'hours' else 'd'}"


@dataclass(frozen=True, eq=False)
class WorkCalendar:
    """Working periods, time zone and day rules.

    Build with :meth:`default` or :meth:`from_settings`. The working days of each year are
    computed once, on first use, and kept.
    """

    periods: tuple[tuple[time, time], ...]
    tz: ZoneInfo
    overrides: dict[int, tuple[frozenset[date], frozenset[date]]] = field(default_factory=dict)
    _source: holidays.HolidayBase = field(
        default_factory=lambda: _china_holidays(), init=False, repr=False
    )
    _years: dict[int, list[int]] = field(default_factory=dict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    # set by __post_init__: periods as (start, end) microseconds after local midnight, and
    # the working microseconds of a day
    _spans: tuple[tuple[int, int], ...] = field(init=False, repr=False)
    _day_us: int = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.periods:
            raise CalendarError("at least one working period is needed")
        prev = -1
        for start, end in self.periods:
            if not prev <= _us_of(start) < _us_of(end):
                raise CalendarError(
                    f"bad working periods {self.periods}: each must start "
                    "before it ends and after the previous one ends"
                )
            prev = _us_of(end)
        spans = tuple((_us_of(s), _us_of(e)) for s, e in self.periods)
        object.__setattr__(self, "_spans", spans)
        object.__setattr__(self, "_day_us", sum(e - s for s, e in spans))

    @classmethod
    def from_settings(
        cls,
        hours: Iterable[Sequence[time | str]] = DEFAULT_HOURS,
        tz: str | ZoneInfo = DEFAULT_TZ,
        override_file: str | Path | None = None,
    ) -> WorkCalendar:
        """Build a calendar from settings: ``hours`` as ``("08:30", "12:00")`` pairs (or
        :class:`~datetime.time` pairs), ``tz`` an IANA zone name (or the zone itself),
        ``override_file`` a TOML file read by :func:`load_overrides`."""
        zone = tz if isinstance(tz, ZoneInfo) else load_zone(tz)
        periods = []
        for pair in hours:
            if len(pair) != 2:
                raise CalendarError(f"bad working period {pair!r}; expected (start, end)")
            periods.append((_clock(pair[0]), _clock(pair[1])))
        overrides = load_overrides(override_file) if override_file is not None else {}
        return cls(tuple(periods), zone, overrides)

    @staticmethod
    def default() -> WorkCalendar:
        """The shared calendar with default hours, :data:`DEFAULT_TZ` and no override file."""
        return _default()

    # --- day rules -------------------------------------------------------------------------
    def _year(self, year: int) -> list[int]:
        """Sorted ordinals of the working days of ``year`` (computed once per year)."""
        days = self._years.get(year)
        if days is not None:
            return days
        if not 1 <= year <= 9998:
            raise CalendarError(f"year {year} is outside the supported range")
        first, count = date(year, 1, 1), (date(year + 1, 1, 1) - date(year, 1, 1)).days
        dates = [first + timedelta(days=i) for i in range(count)]
        if year in self.overrides:
            off, extra = self.overrides[year]
            days = [
                d.toordinal() for d in dates if d in extra or (d.weekday() < 5 and d not in off)
            ]
        else:
            with self._lock:  # the package fills in each year on first use
                days = [d.toordinal() for d in dates if self._source.is_working_day(d)]
        self._years[year] = days
        return days

    def working_days(self, year: int) -> list[int]:
        """Proleptic ordinals (``date.toordinal``) of the working days of ``year``, sorted."""
        return list(self._year(year))

    @property
    def spans_us(self) -> tuple[tuple[int, int], ...]:
        """The daily working periods as (start, end) microseconds after local midnight."""
        return self._spans

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a working day (an aware datetime is taken in the calendar's zone)."""
        if isinstance(day, datetime):
            day = self._local(day)
        return self._works(day.toordinal(), day.year)

    def _works(self, ordinal: int, year: int) -> bool:
        days = self._year(year)
        i = bisect_left(days, ordinal)
        return i < len(days) and days[i] == ordinal

    def _count(self, lo: int, hi: int) -> int:
        """Number of working days with ordinal in ``[lo, hi)``."""
        total = 0
        for year in range(date.fromordinal(lo).year, date.fromordinal(hi).year + 1):
            days = self._year(year)
            total += bisect_left(days, hi) - bisect_left(days, lo)
        return total

    def _nth_after(self, ordinal: int, n: int) -> int:
        """Ordinal of the ``n``-th (``n >= 1``) working day strictly after ``ordinal``."""
        year = date.fromordinal(ordinal).year
        days = self._year(year)
        i = bisect_right(days, ordinal)
        while i + n > len(days):
            n -= len(days) - i
            year, i = year + 1, 0
            days = self._year(year)
        return days[i + n - 1]

    # --- instants ----------------------------------------------------------------------------
    def _local(self, dt: datetime) -> datetime:
        if not isinstance(dt, datetime) or dt.tzinfo is None or dt.utcoffset() is None:
            raise CalendarError(f"{dt!r} is not a timezone-aware datetime")
        return dt.astimezone(self.tz)

    def _offset(self, us: int) -> int:
        """Working microseconds of a working day before clock time ``us``."""
        total = 0
        for s, e in self._spans:
            if us <= s:
                break
            total += min(us, e) - s
        return total

    def _at(self, ordinal: int, offset: int) -> datetime:
        """Instant when ``offset`` (``0 < offset <= day``) working time of the day has passed;
        an offset ending a period gives that period's end."""
        for s, e in self._spans:
            if offset <= e - s:
                break
            offset -= e - s
        return self._instant(ordinal, s + offset)

    def _start(self, dt: datetime) -> tuple[int, int]:
        """(ordinal, clock microseconds) of ``dt``, or of the next working-period start if
        ``dt`` is outside working time."""
        local = self._local(dt)
        ordinal, us = local.toordinal(), _us_of(local.time())
        if self._works(ordinal, local.year):
            for s, e in self._spans:
                if us <= e:
                    return ordinal, max(us, s)
        return self._nth_after(ordinal, 1), self._spans[0][0]

    def _instant(self, ordinal: int, us: int) -> datetime:
        hour, us = divmod(us, _US_PER_HOUR)
        minute, us = divmod(us, 60_000_000)
        return datetime.combine(
            date.fromordinal(ordinal), time(hour, minute, *divmod(us, 1_000_000)), self.tz
        )

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The instant when ``hours`` of working time have elapsed after ``start``.

        A start outside working time counts from the next working-period start (which is
        returned for ``hours == 0``). A result exactly on a period's end is that end, e.g.
        16:30 + 1 h is 17:30 on the same day, not 08:30 the next working day.
        """
        value: object = hours  # checked as any object: callers may pass anything
        if (
            isinstance(value, bool)
            or not isinstance(value, numbers.Real)
            or not (math.isfinite(value) and float(value) >= 0)
        ):
            raise CalendarError(f"bad number of working hours {hours!r}")
        return self._add_us(start, round(hours * _US_PER_HOUR))

    def _add_us(self, start: datetime, amount: int) -> datetime:
        ordinal, us = self._start(start)
        total = self._offset(us) + amount
        if amount == 0:
            return self._instant(ordinal, us)
        if total <= self._day_us:
            return self._at(ordinal, total)
        n = -(-(total - self._day_us) // self._day_us)
        return self._at(self._nth_after(ordinal, n), total - n * self._day_us)

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """Deadline ``days`` working days after ``start``: the same clock time on the
        ``days``-th working day after the start's date.

        A start inside working time (a period's start and end included) keeps its clock time:
        Friday 10:00 + 1 day is 10:00 on the next working day. Any other start is first moved
        to the next working-period start: Friday 18:00 or Saturday 11:00 + 1 day is Tuesday
        08:30 in a normal week, lunchtime 12:30 + 1 day is 14:00 on the next working day.
        ``days == 0`` returns the (moved) start. The result always lies ``days`` x the daily
        working hours of working time after the start; where that instant is both a day's end
        and the next working day's start, the start (same clock time) is returned.
        """
        if isinstance(days, bool) or not isinstance(days, int) or days < 0:
            raise CalendarError(f"bad number of working days {days!r}; expected an int >= 0")
        ordinal, us = self._start(start)
        return self._instant(self._nth_after(ordinal, days) if days else ordinal, us)

    def working_hours_between(self, start: datetime, end: datetime) -> float:
        """Working hours between two instants (0.0 if ``end <= start``)."""
        return self._between_us(start, end) / _US_PER_HOUR

    def _between_us(self, start: datetime, end: datetime) -> int:
        a, b = self._local(start), self._local(end)
        if end <= start:
            return 0
        oa, ob = a.toordinal(), b.toordinal()
        off_a = self._offset(_us_of(a.time())) if self._works(oa, a.year) else 0
        off_b = self._offset(_us_of(b.time())) if self._works(ob, b.year) else 0
        return self._count(oa, ob) * self._day_us - off_a + off_b

    def add(self, start: datetime, limit: TimeLimit | str) -> datetime:
        """``start`` plus a :class:`TimeLimit` (or its text form, e.g. ``"4h"``)."""
        limit = TimeLimit.parse(limit) if isinstance(limit, str) else limit
        if not isinstance(limit, TimeLimit):
            raise CalendarError(f"bad time limit {limit!r}; expected a TimeLimit or e.g. '4h'")
        if limit.unit == "days":
            return self.add_working_days(start, int(limit.value))
        return self.add_working_hours(start, limit.value)

    def resumed_due(self, due: datetime, suspended_at: datetime, resumed_at: datetime) -> datetime:
        """The due time of a case suspended (延期/挂起) at ``suspended_at`` and resumed at
        ``resumed_at``: its clock stood still meanwhile, so a suspension that began before
        ``due`` pushes it by the working time suspended; one that began at or after ``due``
        (the case was already late) pushes nothing, nor does a resume at or before the
        suspension. All three instants are timezone-aware."""
        if self._local(suspended_at) >= self._local(due):
            return due
        return self.add_working_hours(due, self.working_hours_between(suspended_at, resumed_at))


@lru_cache(maxsize=1024)
def _parse_limit(text: str) -> TimeLimit:
    m = _LIMIT_RE.fullmatch(text)
    if m is None:
        raise CalendarError(f"bad time limit {text!r}; expected e.g. '4h', '2.5h' or '20d'")
    value = float(m[1])
    unit: Literal["hours", "days"] = "hours" if m[2].lower() == "h" else "days"
    if value <= 0 or (unit == "days" and not value.is_integer()):
        raise CalendarError(f"bad time limit {text!r}; needs a value > 0 (whole days for 'd')")
    return TimeLimit(int(value) if unit == "days" else value, unit)


@cache
def _default() -> WorkCalendar:
    return WorkCalendar.from_settings()
