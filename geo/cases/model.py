"""A case as stored, and as the API and exports show it.

Times are timezone-aware; shown in ISO 8601 with the +08:00 offset. Locations are WGS84
(lon, lat degrees), with the CRS and coordinates the report arrived in kept beside them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta, timezone

from geo.cases.workflow import FINAL_STATES

CHINA_TIME = timezone(timedelta(hours=8), "Asia/Shanghai")


@dataclass(frozen=True)
class Case:
    id: int
    status: str
    category: str
    description: str
    source: str
    generation: int | None
    grid_code: str | None
    community_code: str | None
    lon: float | None
    lat: float | None
    input_lon: float | None
    input_lat: float | None
    input_crs: str | None
    address: str | None
    assignee_id: str | None
    assignee_name: str | None
    assign_reason_code: str | None
    assign_reason: str | None
    reporter_name: str | None
    reporter_phone: str | None
    reported_at: datetime
    registered_at: datetime | None
    due_at: datetime | None
    closed_at: datetime | None
    closed_on_time: bool | None
    suspended_at: datetime | None
    unassigned: bool
    needs_location: bool
    possible_duplicate_of: int | None
    version: int
    idempotency_key: str | None
    request_hash: str | None
    handling_hours: float | None  # working hours from registration to closing
    external_id: str | None = None  # its id in the system it was imported from (事件编号)

    COLUMNS = ()  # filled below: the stored columns, in order

    def overdue(self, now: datetime) -> bool:
        """Past its due time and not finished; a suspended case's clock stopped when it was."""
        if self.due_at is None or self.status in FINAL_STATES:
            return False
        clock = self.suspended_at if self.status == "suspended" and self.suspended_at else now
        return clock > self.due_at


Case.COLUMNS = tuple(f.name for f in fields(Case))


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


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(CHINA_TIME).isoformat()
