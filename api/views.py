"""How a case is shown: the JSON the API, exports and maps read, with personal data masked.

Reporters' names keep their first character (``张*``, ``欧***``); phone numbers keep the first
three and last four digits (``138****5678``). Unmasked only with ``reveal`` (an audited action
that ``geo.cases.workflow.may_reveal`` allows). Locations are WGS84 (lon, lat degrees); times
ISO 8601 in the district's time zone (``tz``, from GRIDMGR_TIME_ZONE).
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from geo.cases.model import Case, CaseEvent, iso


def mask_name(name: str | None) -> str | None:
    if not name:
        return name
    return name[0] + "*" * (len(name) - 1)


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return phone
    digits = phone.strip()
    if len(digits) <= 4:
        return "*" * len(digits)
    if len(digits) < 8:
        return "*" * (len(digits) - 4) + digits[-4:]
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def case_view(case: Case, *, now: datetime, tz: tzinfo, reveal: bool = False) -> dict[str, Any]:
    """The case as the API and exports show it, times in zone ``tz``; reporter masked unless
    ``reveal``."""
    name, phone = case.reporter_name, case.reporter_phone
    return {
        "id": case.id,
        "status": case.status,
        "category": case.category,
        "description": case.description,
        "source": case.source,
        "external_id": case.external_id,
        "grid_code": case.grid_code,
        "community_code": case.community_code,
        "location": None
        if case.lon is None
        else {
            "lon": case.lon,
            "lat": case.lat,
            "crs": case.input_crs,
            "input_lon": case.input_lon,
            "input_lat": case.input_lat,
        },
        "address": case.address,
        "media_url": case.media_url,
        "assignee": None
        if case.assignee_id is None
        else {
            "id": case.assignee_id,
            "name": case.assignee_name,
            "reason": case.assign_reason,
            "reason_code": case.assign_reason_code,
        },
        "reported_at": iso(case.reported_at, tz),
        "due_at": iso(case.due_at, tz),
        "overdue": case.overdue(now),
        "closed_at": iso(case.closed_at, tz),
        "closed_on_time": case.closed_on_time,
        "version": case.version,
        "flags": {
            "unassigned": case.unassigned,
            "needs_location": case.needs_location,
            "possible_duplicate_of": case.possible_duplicate_of,
            # imported closed from a file with no closing time: not in on-time figures
            "closing_time_unknown": case.closing_time_unknown,
        },
        "reporter": {
            "name": name if reveal else mask_name(name),
            "phone": phone if reveal else mask_phone(phone),
        },
    }


def event_view(event: CaseEvent, *, tz: tzinfo) -> dict[str, Any]:
    """An audit event as the API shows it, its time in zone ``tz``."""
    return {
        "seq": event.seq,
        "action": event.action,
        "actor": event.actor_id,
        "role": event.actor_role,
        "from": event.from_status,
        "to": event.to_status,
        "at": iso(event.at, tz),
        "note": event.note,
    }
