"""A search over cases: fixed filters and an optional condition tree, for the OGC API.

The condition tree (:class:`Compare`, :class:`In`, :class:`Like`, :class:`IsNull`,
:class:`All`, :class:`Any_`, :class:`Not`) names case properties from :data:`SEARCHABLE` and
holds values; the store renders it as SQL with every value a bound parameter
(``geo.store.case_search``). Times are aware datetimes; a bbox is (west, south, east, north)
in WGS84 degrees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

# Property -> its type, for the properties a condition may name.
SEARCHABLE: dict[str, Literal["string", "date-time", "boolean"]] = {
    "status": "string",
    "category": "string",
    "community_code": "string",
    "grid_code": "string",
    "source": "string",
    "assignee_id": "string",
    "reported_at": "date-time",
    "due_at": "date-time",
    "closed_at": "date-time",
    "closed_on_time": "boolean",
}

Operator = Literal["=", "<>", "<", ">", "<=", ">="]
Value = str | datetime | bool


@dataclass(frozen=True)
class Compare:
    prop: str
    op: Operator
    value: Value


@dataclass(frozen=True)
class In:
    prop: str
    values: tuple[Value, ...]


@dataclass(frozen=True)
class Like:
    """SQL LIKE: ``%`` any run of characters, ``_`` one character (case-sensitive)."""

    prop: str
    pattern: str


@dataclass(frozen=True)
class IsNull:
    prop: str


@dataclass(frozen=True)
class All:
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class Any_:
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    part: Condition


Condition = Compare | In | Like | IsNull | All | Any_ | Not


@dataclass(frozen=True)
class CaseSearch:
    """Cases matching every filter given (None: not filtered on) and ``where``."""

    status: str | None = None
    community: str | None = None
    grid: str | None = None
    category: str | None = None
    since: datetime | None = None  # reported at or after
    until: datetime | None = None  # reported before
    bbox: tuple[float, float, float, float] | None = None
    where: Condition | None = field(default=None)
