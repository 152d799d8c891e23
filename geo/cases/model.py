"""A case as stored, and as the API and exports show it.

Times are timezone-aware; shown in ISO 8601 with the offset of the district's time zone,
which callers pass in (see :func:`iso`). Locations are WGS84 (lon, lat degrees), with the CRS
and coordinates the report arrived in kept beside them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from geo.cases.columns import EVERY_WRITE, Columns, column
from geo.cases.workflow import FINAL_STATES


@dataclass(frozen=True)
class Case:
    """A case as stored. Each field is a column of ``cases`` (or, with ``select``, read
    through a join), declared with the writes that include it: this class is the one
    definition of the case's columns (see :mod:`geo.cases.columns`)."""

    id: int = column("bulk")
    status: str = column(*EVERY_WRITE)
    category: str = column("intake", "import", "bulk")
    description: str = column("intake", "import", "bulk")
    source: str = column("intake", "import", "bulk")
    generation: int | None = column(*EVERY_WRITE)
    grid_code: str | None = column(*EVERY_WRITE)
    community_code: str | None = column(*EVERY_WRITE)
    lon: float | None = column(*EVERY_WRITE)  # WGS84 degrees
    lat: float | None = column(*EVERY_WRITE)
    input_lon: float | None = column(*EVERY_WRITE)  # as reported, in input_crs
    input_lat: float | None = column(*EVERY_WRITE)
    input_crs: str | None = column(*EVERY_WRITE)
    address: str | None = column("intake", "import", "bulk")
    assignee_id: str | None = column(*EVERY_WRITE)
    assignee_name: str | None = column(select="w.name")  # display only, from workers
    assign_reason_code: str | None = column(*EVERY_WRITE)
    assign_reason: str | None = column(*EVERY_WRITE)
    reporter_name: str | None = column("intake", "import")
    reporter_phone: str | None = column("intake", "import")
    reported_at: datetime = column("intake", "import", "bulk")
    registered_at: datetime | None = column(*EVERY_WRITE)
    due_at: datetime | None = column(*EVERY_WRITE)
    closed_at: datetime | None = column("update", "import", "bulk")
    closed_on_time: bool | None = column("update", "import", "bulk")
    suspended_at: datetime | None = column("update", "bulk")
    unassigned: bool = column(*EVERY_WRITE)
    needs_location: bool = column(*EVERY_WRITE)
    possible_duplicate_of: int | None = column("intake", "update")
    version: int = column("intake", "bulk")  # an update adds one; an import counts its own
    idempotency_key: str | None = column("intake")
    request_hash: str | None = column("intake")
    # working hours from registration to closing
    handling_hours: float | None = column("update", "import", "bulk")
    # its id in the system it was imported from (事件编号)
    external_id: str | None = column("import", default=None)
    # a link to a photo of the problem (http or https), as reported
    media_url: str | None = column("intake", default=None)
    # closed in the system it was imported from, which gave no closing time: closed_at,
    # closed_on_time and handling_hours are None, and on-time figures leave it out
    closing_time_unknown: bool = column("import", default=False)

    def overdue(self, now: datetime) -> bool:
        """Past its due time and not finished; a suspended case's clock stopped when it was."""
        if self.due_at is None or self.status in FINAL_STATES:
            return False
        clock = self.suspended_at if self.status == "suspended" and self.suspended_at else now
        return clock > self.due_at


CASE_COLUMNS: Columns[Case] = Columns(Case)


@dataclass(frozen=True)
class CaseEvent:
    case_id: int
    seq: int
    action: str
    actor_id: str
    actor_role: str
    from_status: str | None
    to_status: str | None
    at: datetime
    note: str | None


def iso(value: datetime | None, tz: tzinfo) -> str | None:
    """``value`` (timezone-aware) as ISO 8601 in zone ``tz``, e.g. ``2026-11-02T09:00:00+08:00``
    for ``Asia/Shanghai``; None stays None."""
    return None if value is None else value.astimezone(tz).isoformat()
