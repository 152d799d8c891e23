"""Settings from the environment (prefix ``GRIDMGR_``), read when asked, never at import.

``GRIDMGR_DATABASE_URL`` chooses the store: ``postgresql://…`` for PostGIS,
``duckdb:///relative.duckdb`` or ``duckdb:////absolute.duckdb`` for the embedded database;
unset means ``gridmgr.duckdb`` in the working directory (see :mod:`geo.store.target`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from geo.errors import CalendarError
from geo.store.target import DatabaseTarget, parse_database_url
from geo.worktime.calendar import DEFAULT_TZ, WorkCalendar, load_zone


class Settings(BaseSettings):
    """gridmgr's configuration; every field can be set as ``GRIDMGR_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="GRIDMGR_", extra="ignore")

    database_url: str | None = None
    # Working hours for deadlines, "08:30-12:00,14:00-17:30", and a TOML file of holiday
    # years that overrides the built-in national calendar (see data/calendar/README.md).
    work_hours: str = "08:30-12:00,14:00-17:30"
    calendar_file: Path | None = None
    # The district's time zone, an IANA name: times are shown in it (API, Open311, console,
    # command line), a date or time without an offset is read in it, and working hours are
    # wall-clock times there.
    time_zone: str = DEFAULT_TZ
    # The district served: its name heads the map pages, the OGC API landing page and the
    # Open311 discovery document, and is the Open311 agency of cases outside every community.
    district_name: str = "云岩区"
    district_name_en: str = "Yunyan District, Guiyang"
    # Leading names of the administrative areas every address lies in (province, city,
    # district), comma-separated: stripped before addresses are compared with the gazetteer.
    address_prefixes: str = "贵州省,贵阳市,云岩区"
    # Map basemap: osm, tianditu (needs tianditu_key), gaode (GCJ-02 tiles; overlays are
    # shifted for display) or none (an intranet without a tile server).
    basemap: Literal["osm", "tianditu", "gaode", "none"] = "osm"
    tianditu_key: str | None = None
    # What anonymous callers may read. Off (default): Open311 GET of requests needs an api_key
    # and map pages without a signed-in user show aggregates only. On: they show cases of
    # public categories, locations rounded to about 100 m, without names or descriptions.
    public_read: bool = False
    # PostGIS connections each server process keeps open. Unset: two per CPU core, shared
    # among the server's processes, at least two. With more connections than the cores can
    # serve, transactions wait for a core while holding their locks and the tail latency
    # grows; with fewer, requests queue for a connection instead, which costs nothing.
    # Route code runs in as many threads per process (see ``api.app``).
    db_pool: int | None = Field(default=None, ge=1)
    # PostGIS cancels a statement that runs longer than this, in seconds (0: no limit); a
    # request cut off so is answered 503. Also how long a request waits for a free connection
    # beyond the connect timeout (5 s).
    db_statement_timeout: float = Field(default=30.0, ge=0)
    # How many server processes share this machine (set by ``gridmgr serve --workers``).
    processes: int = Field(default=1, ge=1)

    @field_validator("database_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        parse_database_url(value)
        return value

    @field_validator("time_zone")
    @classmethod
    def _check_time_zone(cls, value: str) -> str:
        name = value.strip()
        try:
            load_zone(name)
        except CalendarError:
            raise ValueError(
                f"GRIDMGR_TIME_ZONE {value!r} is not a known IANA time zone "
                f"(e.g. {DEFAULT_TZ}, Asia/Urumqi, Europe/Berlin)"
            ) from None
        return name

    def zone(self) -> ZoneInfo:
        """The district's time zone (``time_zone``)."""
        return load_zone(self.time_zone)

    def database(self, *, cwd: Path | None = None) -> DatabaseTarget:
        """The store this configuration points at."""
        return parse_database_url(self.database_url, cwd=cwd)

    def pool_size(self) -> int:
        """Connections per server process (see ``db_pool``)."""
        if self.db_pool is not None:
            return self.db_pool
        return max(2, 2 * (os.cpu_count() or 1) // self.processes)

    def address_prefix_list(self) -> tuple[str, ...]:
        """``address_prefixes`` as a tuple of names, blanks dropped."""
        return tuple(p.strip() for p in self.address_prefixes.split(",") if p.strip())

    def calendar(self) -> WorkCalendar:
        """The working calendar for deadlines, in the district's time zone."""
        try:
            hours = [tuple(p.strip().split("-")) for p in self.work_hours.split(",") if p.strip()]
            if any(len(h) != 2 for h in hours):
                raise ValueError
        except ValueError:
            raise CalendarError(
                f"GRIDMGR_WORK_HOURS {self.work_hours!r}: expected periods "
                "like 08:30-12:00,14:00-17:30"
            ) from None
        return WorkCalendar.from_settings(
            hours=hours, tz=self.zone(), override_file=self.calendar_file
        )
