"""How case times are shown: ISO 8601 in the zone the caller passes."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from geo.cases.model import iso


def test_iso_shows_an_instant_in_the_given_zone():
    instant = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    assert iso(instant, ZoneInfo("Asia/Shanghai")) == "2026-11-02T18:00:00+08:00"
    assert iso(instant, ZoneInfo("Asia/Urumqi")) == "2026-11-02T16:00:00+06:00"
    assert iso(instant, ZoneInfo("Europe/Berlin")) == "2026-11-02T11:00:00+01:00"
    assert iso(datetime(2026, 7, 1, 10, tzinfo=UTC), ZoneInfo("Europe/Berlin")).endswith("+02:00")
    assert iso(None, ZoneInfo("Asia/Shanghai")) is None
