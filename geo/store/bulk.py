"""Column layouts for loading many cases at once (imports, the demo): set-based, not a row at a
time. Case ids are given by the caller (from ``next_case_id``) so events can refer to them."""

from __future__ import annotations

import pandas as pd

CASE_COLUMNS = (
    "id",
    "status",
    "category",
    "description",
    "source",
    "generation",
    "grid_code",
    "community_code",
    "lon",
    "lat",
    "input_lon",
    "input_lat",
    "input_crs",
    "address",
    "assignee_id",
    "assign_reason_code",
    "assign_reason",
    "reported_at",
    "registered_at",
    "due_at",
    "closed_at",
    "closed_on_time",
    "suspended_at",
    "unassigned",
    "needs_location",
    "version",
    "handling_hours",
)
EVENT_COLUMNS = (
    "case_id",
    "seq",
    "action",
    "actor_id",
    "actor_role",
    "from_status",
    "to_status",
    "occurred_at",
    "note",
)


def ordered(frame: pd.DataFrame, columns: tuple[str, ...], what: str) -> pd.DataFrame:
    """``frame`` with exactly ``columns`` in that order (missing optional ones as null)."""
    out = frame.copy()
    for col in columns:
        if col not in out.columns:
            if col in ("id", "case_id", "status", "category", "reported_at", "seq", "action"):
                raise ValueError(f"{what}: column {col!r} is required")
            out[col] = None
    return out[list(columns)]
