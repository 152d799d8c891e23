"""Synthetic cases follow the working calendar's time zone."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import geopandas as gpd
import pytest

from geo import bundled
from geo.cases.categories import read_catalogue
from geo.synth.cases import synth_cases
from geo.worktime.calendar import WorkCalendar


@pytest.fixture(scope="module")
def grids():
    return gpd.read_file(bundled.BOUNDARIES_DIR / "grids.geojson").head(40)


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Europe/Berlin"])
def test_report_times_are_on_the_calendars_wall_clock(grids, zone):
    tz = ZoneInfo(zone)
    calendar = WorkCalendar.from_settings(tz=zone)
    end = datetime(2026, 11, 1, 20, 0, tzinfo=UTC)  # 1 Nov in Berlin, 2 Nov in Shanghai
    cases, _ = synth_cases(grids, read_catalogue(), count=2000, end=end, calendar=calendar)
    reported = list(cases["reported_at"])
    assert {str(t.tzinfo) for t in reported} == {zone}
    local = [t.astimezone(tz) for t in reported]
    # Reports fall in the year of whole local days before the day ``end`` falls on there.
    last_day = end.astimezone(tz).date()
    assert max(t.date() for t in local) < last_day
    assert (last_day - min(t.date() for t in local)).days <= 365
    # The hour weights (busy by day, quiet at night) apply to the local wall clock.
    daytime = sum(8 <= t.hour < 18 for t in local) / len(local)
    night = sum(t.hour < 6 for t in local) / len(local)
    assert daytime > 0.6 and night < 0.1
    # Deadlines are the calendar's: registration plus the time limit in its working time.
    registered = cases.dropna(subset=["due_at"]).head(50)
    by_code = {c.code: c for c in read_catalogue()}
    for row in registered.itertuples():
        assert row.due_at == calendar.add(row.registered_at, by_code[row.category].time_limit)
