from pathlib import Path

import pytest
from pydantic import ValidationError

from api.settings import Settings
from geo.store.target import parse_database_url


def test_unset_means_embedded_file_in_cwd(tmp_path):
    t = parse_database_url(None, cwd=tmp_path)
    assert t.backend == "duckdb"
    assert t.path == tmp_path / "gridmgr.duckdb"


def test_duckdb_relative_and_absolute(tmp_path):
    rel = parse_database_url("duckdb:///data/g.duckdb", cwd=tmp_path)
    assert rel.path == tmp_path / "data" / "g.duckdb"
    ab = parse_database_url("duckdb:////var/lib/gridmgr/g.duckdb", cwd=tmp_path)
    assert ab.path == Path("/var/lib/gridmgr/g.duckdb")


def test_postgresql_url_kept_as_dsn():
    t = parse_database_url("postgresql://u:p@127.0.0.1:5433/grid")
    assert t.backend == "postgis"
    assert t.dsn == "postgresql://u:p@127.0.0.1:5433/grid"
    assert parse_database_url("postgres://h/db").dsn == "postgresql://h/db"


@pytest.mark.parametrize("bad", ["mysql://x/y", "duckdb://x.duckdb", "duckdb:///", "file.duckdb"])
def test_bad_urls_say_what_is_accepted(bad):
    with pytest.raises(ValueError, match="GRIDMGR_DATABASE_URL"):
        parse_database_url(bad)


def test_settings_read_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("GRIDMGR_DATABASE_URL", "duckdb:///x.duckdb")
    assert Settings().database(cwd=tmp_path).path == tmp_path / "x.duckdb"
    monkeypatch.setenv("GRIDMGR_DATABASE_URL", "oracle://nope")
    with pytest.raises(ValidationError, match="GRIDMGR_DATABASE_URL"):
        Settings()


def test_calendar_settings(monkeypatch, tmp_path):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from geo.errors import CalendarError

    monkeypatch.setenv("GRIDMGR_WORK_HOURS", "09:00-12:00,13:00-18:00")
    cal = Settings().calendar()
    start = datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert cal.working_hours_between(start, start.replace(hour=18)) == 8.0
    override = tmp_path / "cal.toml"
    override.write_text('[2027]\nholidays = ["2027-03-03"]\nworkdays = []\n', encoding="utf-8")
    monkeypatch.setenv("GRIDMGR_CALENDAR_FILE", str(override))
    assert not Settings().calendar().is_working_day(datetime(2027, 3, 3).date())
    monkeypatch.setenv("GRIDMGR_WORK_HOURS", "nine to five")
    with pytest.raises(CalendarError, match="GRIDMGR_WORK_HOURS"):
        Settings().calendar()


def test_connection_pool_is_two_per_core_shared_among_processes(monkeypatch):
    monkeypatch.setattr("api.settings.os.cpu_count", lambda: 8)
    assert Settings().pool_size() == 16
    assert Settings(processes=4).pool_size() == 4
    assert Settings(processes=16).pool_size() == 2  # never fewer than two
    assert Settings(processes=4, db_pool=7).pool_size() == 7
    monkeypatch.setenv("GRIDMGR_PROCESSES", "2")
    monkeypatch.setenv("GRIDMGR_DB_POOL", "3")
    assert Settings().pool_size() == 3
    with pytest.raises(ValidationError):
        Settings(db_pool=0)


def test_district_names_and_address_prefixes_come_from_the_environment(monkeypatch):
    s = Settings()
    assert s.district_name == "云岩区"
    assert s.address_prefix_list() == ("贵州省", "贵阳市", "云岩区")
    monkeypatch.setenv("GRIDMGR_DISTRICT_NAME", "武侯区")
    monkeypatch.setenv("GRIDMGR_DISTRICT_NAME_EN", "Wuhou District, Chengdu")
    monkeypatch.setenv("GRIDMGR_ADDRESS_PREFIXES", " 四川省, 成都市,,武侯区 ")
    s = Settings()
    assert (s.district_name, s.district_name_en) == ("武侯区", "Wuhou District, Chengdu")
    assert s.address_prefix_list() == ("四川省", "成都市", "武侯区")


def test_time_zone_comes_from_the_environment(monkeypatch):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    s = Settings()
    assert s.time_zone == "Asia/Shanghai" and s.zone() == ZoneInfo("Asia/Shanghai")
    assert s.calendar().tz == ZoneInfo("Asia/Shanghai")
    monkeypatch.setenv("GRIDMGR_TIME_ZONE", "Europe/Berlin")
    s = Settings()
    assert s.zone() == ZoneInfo("Europe/Berlin") and s.calendar().tz == s.zone()
    # Working hours are Berlin's wall clock, in summer time (+02:00) as in winter (+01:00).
    cal = s.calendar()
    summer = datetime(2026, 7, 6, 8, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    assert cal.add_working_hours(summer, 1).isoformat() == "2026-07-06T09:30:00+02:00"
    winter = datetime(2026, 1, 5, 6, 0, tzinfo=ZoneInfo("UTC"))  # 07:00 in Berlin
    assert cal.add_working_hours(winter, 1).isoformat() == "2026-01-05T09:30:00+01:00"


@pytest.mark.parametrize("bad", ["Mars/Olympus", "", "+08:00", "Asia", "../etc/passwd"])
def test_an_unknown_time_zone_is_refused_naming_the_variable(monkeypatch, bad):
    with pytest.raises(ValidationError, match="GRIDMGR_TIME_ZONE .* is not a known IANA"):
        Settings(time_zone=bad)
    monkeypatch.setenv("GRIDMGR_TIME_ZONE", bad)
    with pytest.raises(ValidationError, match="GRIDMGR_TIME_ZONE"):
        Settings()


def test_an_unknown_time_zone_stops_the_app_before_it_serves(monkeypatch):
    from api.app import create_app

    monkeypatch.setenv("GRIDMGR_TIME_ZONE", "Asia/Peking")
    with pytest.raises(ValidationError, match="GRIDMGR_TIME_ZONE 'Asia/Peking'"):
        create_app()


def test_time_zones_work_without_the_systems_zone_database(tmp_path):
    """The ``tzdata`` package is a dependency: zone names resolve where the system has no
    /usr/share/zoneinfo (slim containers), here simulated by an empty zone path."""
    import os
    import subprocess
    import sys

    code = (
        "from datetime import datetime\n"
        "from api.settings import Settings\n"
        "s = Settings(time_zone='Asia/Urumqi')\n"
        "print(datetime(2026, 11, 2, 12, tzinfo=s.zone()).isoformat())\n"
    )
    env = {**os.environ, "PYTHONTZPATH": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "2026-11-02T12:00:00+06:00"
