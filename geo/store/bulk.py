"""Column layouts for loading many cases at once (imports, the demo): set-based, not a row at a
time. Case ids are given by the caller (from ``next_case_id``) so events can refer to them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from geo.cases.model import CASE_COLUMNS as CASE

if TYPE_CHECKING:
    import pandas as pd

# The case columns a bulk load copies, as declared on geo.cases.model.Case.
CASE_COLUMNS = CASE.bulk
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
