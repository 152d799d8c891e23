"""Tests for geo.worktime.calendar: working-time arithmetic for case deadlines."""

import time as clock
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from geo.errors import CalendarError, GridmgrError
from geo.worktime.calendar import DEFAULT_TZ, TimeLimit, WorkCalendar, load_overrides, load_zone

CST = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar.default()


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=CST)


# Mon 1 Jun 2026 09:00 + 4 h = 15:00 (09:00-12:00, 14:00-15:00).
FILED = at(2026, 6, 1, 9)


# --- 2026 national calendar (State Council notice, as shipped by `holidays`) ---------------

# Weekdays off in 2026: New Year, Spring Festival, Qingming, Labour Day, Dragon Boat,
# Mid-Autumn and National Day, including the days moved from make-up weekends.
WEEKDAYS_OFF_2026 = {
    date(2026, 1, 1),
    date(2026, 1, 2),
    *(date(2026, 2, d) for d in (16, 17, 18, 19, 20, 23)),
    date(2026, 4, 6),
    date(2026, 5, 1),
    date(2026, 5, 4),
    date(2026, 5, 5),
    date(2026, 6, 19),
    date(2026, 9, 25),
    *(date(2026, 10, d) for d in (1, 2, 5, 6, 7)),
}
MAKE_UP_DAYS_2026 = {
    date(2026, 1, 4),
    date(2026, 2, 14),
    date(2026, 2, 28),
    date(2026, 5, 9),
    date(2026, 9, 20),
    date(2026, 10, 10),
}


def test_2026_calendar_matches_the_state_council_notice():
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(365)]
    off = {d for d in days if d.weekday() < 5 and not CAL.is_working_day(d)}
    on = {d for d in days if d.weekday() >= 5 and CAL.is_working_day(d)}
    assert off == WEEKDAYS_OFF_2026
    assert on == MAKE_UP_DAYS_2026


def test_2026_national_day_is_oct_1_to_7():
    assert not any(CAL.is_working_day(date(2026, 10, d)) for d in range(1, 8))
    assert CAL.is_working_day(date(2026, 10, 8))  # Thursday after the holiday
    assert CAL.is_working_day(date(2026, 9, 20))  # make-up Sunday
    assert CAL.is_working_day(date(2026, 10, 10))  # make-up Saturday
    assert not CAL.is_working_day(date(2026, 10, 11))  # ordinary Sunday


def test_case_filed_before_national_day_with_4_working_hours():
    # Wed 30 Sep 16:00-17:30 uses 1.5 h; 1-7 Oct are off; Thu 8 Oct 08:30 + 2.5 h = 11:00.
    assert CAL.add_working_hours(at(2026, 9, 30, 16), 4) == at(2026, 10, 8, 11)
    assert CAL.add(at(2026, 9, 30, 16), "4h") == at(2026, 10, 8, 11)


def test_case_filed_before_national_day_with_1_working_day():
    assert CAL.add_working_days(at(2026, 9, 30, 16), 1) == at(2026, 10, 8, 16)
    # Thu 8 Oct, Fri 9 Oct, then the make-up Saturday 10 Oct.
    assert CAL.add_working_days(at(2026, 9, 30, 16), 3) == at(2026, 10, 10, 16)


def test_make_up_weekend_days_count():
    # Fri 9 Oct 16:00: 1.5 h on Friday, 2.5 h on the make-up Saturday from 08:30.
    assert CAL.add_working_hours(at(2026, 10, 9, 16), 4) == at(2026, 10, 10, 11)
    assert CAL.add_working_days(at(2026, 10, 9, 10), 1) == at(2026, 10, 10, 10)
    assert CAL.add_working_days(at(2026, 10, 10, 10), 1) == at(2026, 10, 12, 10)
    # Fri 18 Sep + 1 day: Saturday 19 Sep is off, Sunday 20 Sep is a make-up day.
    assert CAL.add_working_days(at(2026, 9, 18, 10), 1) == at(2026, 9, 20, 10)
    assert CAL.add_working_hours(at(2026, 9, 19, 10), 1) == at(2026, 9, 20, 9, 30)


# --- working hours, lunch break, nights and weekends (Mon 1 Jun 2026 is an ordinary week) -----


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        (at(2026, 6, 1, 11), 2, at(2026, 6, 1, 15)),  # 11:00-12:00, 14:00-15:00
        (at(2026, 6, 1, 17), 1, at(2026, 6, 2, 9)),  # 17:00-17:30, 08:30-09:00
        (at(2026, 6, 1, 12, 30), 1, at(2026, 6, 1, 15)),  # lunch: counts from 14:00
        (at(2026, 6, 6, 10), 1, at(2026, 6, 8, 9, 30)),  # Saturday: counts from Monday
        (at(2026, 6, 1, 19), 1, at(2026, 6, 2, 9, 30)),  # evening
        (at(2026, 6, 1, 6), 1, at(2026, 6, 1, 9, 30)),  # before work
        (at(2026, 6, 1, 11), 1, at(2026, 6, 1, 12)),  # ends on the morning period's end
        (at(2026, 6, 1, 16, 30), 1, at(2026, 6, 1, 17, 30)),  # ends on the day's end
        (at(2026, 6, 1, 9), 2.5, at(2026, 6, 1, 11, 30)),
        (at(2026, 6, 1, 8, 30), 7, at(2026, 6, 1, 17, 30)),
        (at(2026, 6, 1, 8, 30), 7.5, at(2026, 6, 2, 9)),
        (at(2026, 6, 1, 10), 35, at(2026, 6, 8, 10)),  # five full days: next Monday 10:00
        (at(2026, 6, 1, 10), 0, at(2026, 6, 1, 10)),
        (at(2026, 6, 6, 10), 0, at(2026, 6, 8, 8, 30)),
    ],
)
def test_add_working_hours(start, hours, due):
    assert CAL.add_working_hours(start, hours) == due


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (at(2026, 6, 5, 10), 1, at(2026, 6, 8, 10)),  # Friday 10:00 -> Monday 10:00
        (at(2026, 6, 5, 18), 1, at(2026, 6, 9, 8, 30)),  # after hours: from Monday 08:30
        (at(2026, 6, 6, 11), 1, at(2026, 6, 9, 8, 30)),  # Saturday: from Monday 08:30
        (at(2026, 6, 1, 12, 30), 1, at(2026, 6, 2, 14)),  # lunch: from 14:00
        (at(2026, 6, 1, 17, 30), 1, at(2026, 6, 2, 17, 30)),  # the day's end is inside
        (at(2026, 6, 15, 10), 5, at(2026, 6, 23, 10)),  # Dragon Boat Fri 19 Jun is off
        (at(2026, 9, 1, 9), 20, at(2026, 9, 29, 9)),  # 20 days: Fri 25 Sep off, Sun 20 Sep on
        (at(2026, 6, 6, 11), 0, at(2026, 6, 8, 8, 30)),
    ],
)
def test_add_working_days(start, days, due):
    assert CAL.add_working_days(start, days) == due


def test_working_days_equal_seven_working_hours_each():
    start = at(2026, 9, 14, 9, 15)
    for days in (1, 3, 10, 20, 60):
        due = CAL.add_working_days(start, days)
        assert CAL.working_hours_between(start, due) == pytest.approx(7.0 * days)


def test_working_hours_between():
    assert CAL.working_hours_between(at(2026, 6, 1, 0), at(2026, 6, 2, 0)) == 7.0
    assert CAL.working_hours_between(at(2026, 6, 1, 8, 30), at(2026, 6, 1, 17, 30)) == 7.0
    assert CAL.working_hours_between(at(2026, 6, 5, 10), at(2026, 6, 8, 10)) == 7.0  # weekend
    assert CAL.working_hours_between(at(2026, 6, 1, 11), at(2026, 6, 1, 15)) == 2.0  # lunch
    assert CAL.working_hours_between(at(2026, 6, 1, 12, 10), at(2026, 6, 1, 13, 50)) == 0.0
    assert CAL.working_hours_between(at(2026, 9, 30, 16), at(2026, 10, 8, 11)) == 4.0
    assert CAL.working_hours_between(at(2026, 6, 1, 15), at(2026, 6, 1, 11)) == 0.0
    # A whole year: 2026 has 261 weekdays, 19 of them off, plus 6 make-up days.
    assert CAL.working_hours_between(at(2026, 1, 1, 0), at(2027, 1, 1, 0)) == 7.0 * 248


def test_add_and_between_are_inverse():
    start = at(2026, 9, 28, 7, 45)
    for i in range(300):
        s = start + timedelta(minutes=97 * i)
        hours = (i % 23) * 0.75 + 0.25
        assert CAL.working_hours_between(s, CAL.add_working_hours(s, hours)) == pytest.approx(hours)


def test_results_are_in_the_calendar_zone():
    utc = datetime(2026, 6, 1, 1, 0, tzinfo=ZoneInfo("UTC"))  # 09:00 in Guiyang
    due = CAL.add_working_hours(utc, 1)
    assert due == at(2026, 6, 1, 10)
    assert due.tzinfo == CST
    assert CAL.is_working_day(datetime(2026, 6, 6, 17, tzinfo=ZoneInfo("UTC"))) is False  # Sun


@pytest.mark.parametrize(
    "call",
    [
        lambda: CAL.add_working_hours(datetime(2026, 6, 1, 9), 1),
        lambda: CAL.add_working_days(datetime(2026, 6, 1, 9), 1),
        lambda: CAL.working_hours_between(datetime(2026, 6, 1, 9), at(2026, 6, 1, 10)),
        lambda: CAL.working_hours_between(at(2026, 6, 1, 9), datetime(2026, 6, 1, 10)),
        lambda: CAL.is_working_day(datetime(2026, 6, 1, 9)),
        lambda: CAL.resumed_due(at(2026, 6, 1, 15), datetime(2026, 6, 1, 10), at(2026, 6, 1, 11)),
        lambda: CAL.resumed_due(at(2026, 6, 1, 15), at(2026, 6, 1, 10), datetime(2026, 6, 1, 11)),
    ],
)
def test_naive_datetimes_are_rejected(call):
    with pytest.raises(CalendarError, match="timezone-aware"):
        call()


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf"), "1", True])
def test_bad_hour_counts_are_rejected(bad):
    with pytest.raises(CalendarError):
        CAL.add_working_hours(at(2026, 6, 1, 9), bad)


@pytest.mark.parametrize("bad", [-1, 1.5, "1", True])
def test_bad_day_counts_are_rejected(bad):
    with pytest.raises(CalendarError):
        CAL.add_working_days(at(2026, 6, 1, 9), bad)


# --- time limits ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [("4h", 4, "hours"), ("2.5h", 2.5, "hours"), (" 1 d ", 1, "days"), ("20D", 20, "days")],
)
def test_time_limit_parse(text, value, unit):
    limit = TimeLimit.parse(text)
    assert (limit.value, limit.unit) == (value, unit)
    assert TimeLimit.parse(str(limit)) == limit


@pytest.mark.parametrize("text", ["", "4", "h", "-1h", "0h", "0d", "1.5d", "4hours", "1e3h", "x"])
def test_bad_time_limits_name_the_string(text):
    with pytest.raises(CalendarError) as info:
        TimeLimit.parse(text)
    assert repr(text) in str(info.value)


def test_time_limit_rejects_non_strings():
    with pytest.raises(CalendarError):
        TimeLimit.parse(4)


@pytest.mark.parametrize(("value", "unit"), [(0, "hours"), (-1, "days"), (1.5, "days"), (1, "h")])
def test_time_limit_values_are_checked(value, unit):
    with pytest.raises(CalendarError):
        TimeLimit(value, unit)


# --- suspensions ------------------------------------------------------------------------------


def resumed(due, *suspensions):
    """``due`` after each (begin, end) suspension in turn, as a case goes through them."""
    for begin, end in suspensions:
        due = CAL.resumed_due(due, begin, end)
    return due


def test_two_working_hour_suspension_pushes_two_working_hours():
    due = CAL.add(FILED, "4h")
    assert due == at(2026, 6, 1, 15)
    assert resumed(due, (at(2026, 6, 1, 10), at(2026, 6, 1, 12))) == at(2026, 6, 1, 17)
    # Filed Mon 16:00 + 4 h: due Tue 11:00. Suspended Mon 16:30-17:30 and Tue 08:30-09:30,
    # 2 working hours across the night: due Tue 11:00-12:00, 14:00-15:00.
    due = CAL.add(at(2026, 6, 1, 16), "4h")
    assert due == at(2026, 6, 2, 11)
    night = (at(2026, 6, 1, 16, 30), at(2026, 6, 2, 9, 30))
    assert resumed(due, night) == at(2026, 6, 2, 15)


def test_suspension_outside_working_time_pushes_nothing():
    lunch = (at(2026, 6, 1, 12, 0), at(2026, 6, 1, 14, 0))
    night = (at(2026, 6, 1, 18), at(2026, 6, 2, 8))
    assert resumed(CAL.add(FILED, "4h"), lunch, night) == at(2026, 6, 1, 15)


def test_suspension_after_the_due_time_pushes_nothing():
    later = (at(2026, 6, 1, 15), at(2026, 6, 1, 17))
    assert resumed(CAL.add(FILED, "4h"), later) == at(2026, 6, 1, 15)


def test_suspension_across_the_end_of_the_working_day():
    # Mon 08:30 + 1 day is due Tue 08:30, i.e. at the end of Monday's working time.
    due = CAL.add(at(2026, 6, 1, 8, 30), "1d")
    assert due == at(2026, 6, 2, 8, 30)
    monday = (at(2026, 6, 1, 17), at(2026, 6, 2, 9))  # 0.5 h on Monday, 0.5 h on Tuesday
    assert resumed(due, monday) == at(2026, 6, 2, 9, 30)


def test_push_can_bring_a_later_suspension_before_the_due_time():
    first = (at(2026, 6, 1, 10), at(2026, 6, 1, 11))  # 1 h: due 15:00 -> 16:00
    second = (at(2026, 6, 1, 15, 30), at(2026, 6, 1, 16, 30))  # now before 16:00: -> 17:00
    assert resumed(CAL.add(FILED, "4h"), first, second) == at(2026, 6, 1, 17)


def test_suspension_running_past_the_due_time():
    # Suspended Mon 14:00 until Wed 10:00 with 1 h left: resumes then, due Wed 11:00.
    long = (at(2026, 6, 1, 14), at(2026, 6, 3, 10))
    assert resumed(CAL.add(FILED, "4h"), long) == at(2026, 6, 3, 11)


def test_suspension_with_a_day_limit():
    # 1 day: due Tue 09:00; a 3.5 h suspension on Monday afternoon pushes it by 3.5 working
    # hours: 09:00-12:00 (3 h), 14:00-14:30.
    s = (at(2026, 6, 1, 14), at(2026, 6, 1, 17, 30))
    assert resumed(CAL.add(FILED, TimeLimit(1, "days")), s) == at(2026, 6, 2, 14, 30)


def test_resume_before_the_suspension_pushes_nothing():
    due = CAL.add(FILED, "4h")
    assert resumed(due, (at(2026, 6, 1, 11), at(2026, 6, 1, 10))) == due


# --- override file ----------------------------------------------------------------------------

OVERRIDE_2027 = """\
# Example State Council notice for 2027.
[2027]
holidays = ["2027-01-01", "2027-02-05", "2027-02-08", "2027-03-03"]
workdays = ["2027-02-14", 2027-02-20]
"""


@pytest.fixture
def cal_2027(tmp_path):
    path = tmp_path / "calendar.toml"
    path.write_text(OVERRIDE_2027, encoding="utf-8")
    return WorkCalendar.from_settings(override_file=path)


def test_override_replaces_the_package_for_its_year(cal_2027):
    assert not cal_2027.is_working_day(date(2027, 3, 3))  # Wednesday listed as a holiday
    assert cal_2027.is_working_day(date(2027, 2, 14))  # Sunday listed as a workday
    assert cal_2027.is_working_day(date(2027, 2, 20))  # TOML date value
    assert not cal_2027.is_working_day(date(2027, 2, 13))  # unlisted Saturday
    # The package's estimate has Tue 9 Feb and Mon 4 Oct 2027 off; the file does not.
    assert not CAL.is_working_day(date(2027, 2, 9))
    assert cal_2027.is_working_day(date(2027, 2, 9))
    assert cal_2027.is_working_day(date(2027, 10, 4))
    # Other years still come from the package.
    assert cal_2027.is_working_day(date(2026, 10, 10))
    assert not cal_2027.is_working_day(date(2026, 10, 7))


def test_override_applies_across_the_year_boundary(cal_2027):
    # Thu 31 Dec 2026 10:00 + 1 day: Fri 1 Jan 2027 is a holiday in the file -> Mon 4 Jan.
    assert cal_2027.add_working_days(at(2026, 12, 31, 10), 1) == at(2027, 1, 4, 10)
    assert cal_2027.working_hours_between(at(2027, 2, 12, 17), at(2027, 2, 14, 9)) == 1.0


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        ('[2027]\nholidays = ["2027-02-30"]\n', ["[2027]", "'2027-02-30'"]),
        ('[2027]\nholidays = ["27-1-1"]\n', ["[2027]", "'27-1-1'"]),
        ('[2027]\nholidays = ["20270101"]\n', ["[2027]", "'20270101'"]),
        ("[2027]\nholidays = [2027-01-01T08:00:00]\n", ["[2027]", "2027, 1, 1, 8, 0"]),
        ("[2027]\nworkdays = [20270214]\n", ["[2027]", "20270214"]),
        ('[2027]\nholidays = ["2026-12-31"]\n', ["[2027]", "2026-12-31", "2026"]),
        (
            '[2027]\nholidays = ["2027-02-14"]\nworkdays = ["2027-02-14"]\n',
            ["[2027]", "2027-02-14", "both"],
        ),
        ('[2027]\nholiday = ["2027-01-01"]\n', ["[2027]", "unknown", "'holiday'"]),
        ('[2027]\nworkdays = ["2027-03-03"]\n', ["[2027]", "2027-03-03", "weekday"]),
        ('[2027]\nholidays = "2027-01-01"\n', ["[2027]", "must be a list"]),
        ("[next]\nholidays = []\n", ["'next'", "year table"]),
        ('holidays = ["2027-01-01"]\n', ["'holidays'", "year table"]),
        ("[2027\n", ["cannot read"]),
    ],
)
def test_bad_override_files(tmp_path, content, fragments):
    path = tmp_path / "bad.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CalendarError) as info:
        load_overrides(path)
    message = str(info.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message


def test_missing_override_file(tmp_path):
    with pytest.raises(CalendarError, match="cannot read"):
        WorkCalendar.from_settings(override_file=tmp_path / "none.toml")


# --- settings ---------------------------------------------------------------------------------


def test_custom_hours():
    cal = WorkCalendar.from_settings(hours=[("09:00", "17:00")])
    assert cal.working_hours_between(at(2026, 6, 1, 0), at(2026, 6, 2, 0)) == 8.0
    assert cal.add_working_hours(at(2026, 6, 1, 16), 2) == at(2026, 6, 2, 10)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"hours": []},
        {"hours": [("12:00", "08:30")]},
        {"hours": [("08:30", "12:00"), ("11:00", "17:30")]},
        {"hours": [("14:00", "17:30"), ("08:30", "12:00")]},
        {"hours": [("8h30", "12:00")]},
        {"hours": [("08:30", "12:00", "14:00")]},
        {"tz": "Mars/Olympus"},
    ],
)
def test_bad_settings(kwargs):
    with pytest.raises(CalendarError):
        WorkCalendar.from_settings(**kwargs)


def test_the_calendar_works_on_the_wall_clock_of_its_zone():
    urumqi = ZoneInfo("Asia/Urumqi")  # +06:00: two hours behind Shanghai
    cal = WorkCalendar.from_settings(tz="Asia/Urumqi")
    assert cal.tz == urumqi and WorkCalendar.from_settings(tz=urumqi).tz == urumqi
    # Mon 1 Jun 2026 09:00 Shanghai is 07:00 in Urumqi, before work: the 4 hours run from
    # 08:30 there (08:30-12:00, 14:00-14:30), not from 09:00 Shanghai time.
    due = cal.add_working_hours(FILED, 4)
    assert due.tzinfo == urumqi and due.isoformat() == "2026-06-01T14:30:00+06:00"
    assert CAL.add_working_hours(FILED, 4) == at(2026, 6, 1, 15)
    # Whether a day is worked is decided by the date on the calendar's own wall clock.
    friday_night = datetime(2026, 6, 5, 23, 0, tzinfo=urumqi)  # already Saturday in Shanghai
    assert cal.is_working_day(friday_night) and not CAL.is_working_day(friday_night)


def test_zones_are_iana_names():
    assert DEFAULT_TZ == "Asia/Shanghai" and CAL.tz == ZoneInfo(DEFAULT_TZ)
    assert load_zone("Europe/Berlin") == ZoneInfo("Europe/Berlin")
    for bad in ("Mars/Olympus", "", "Asia", "/etc/passwd", "../zoneinfo/UTC"):
        with pytest.raises(CalendarError, match="unknown time zone"):
            load_zone(bad)


def test_errors_are_domain_errors():
    assert issubclass(CalendarError, GridmgrError)
    assert issubclass(CalendarError, ValueError)
    assert WorkCalendar.default() is WorkCalendar.default()


def test_many_deadlines_are_fast():
    starts = [at(2026, 1, 5, 9) + timedelta(minutes=37 * i) for i in range(20_000)]
    CAL.add(starts[-1], "20d")  # classify the years once
    t0 = clock.perf_counter()
    for i, s in enumerate(starts):
        CAL.add(s, "4h" if i % 2 else "20d")
    assert clock.perf_counter() - t0 < 2.0
