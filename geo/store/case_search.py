"""Case searches in SQL: :class:`geo.cases.search.CaseSearch` as one page and its count.

A condition becomes SQL text made only of fixed pieces (column names from
:data:`geo.cases.search.SEARCHABLE`, operators from a fixed set) and named placeholders; each
value is a bound parameter (``w0``, ``w1``, ...), never formatted into the text.
"""

from __future__ import annotations

from typing import Any

from geo.cases.model import CASE_COLUMNS, Case
from geo.cases.search import (
    SEARCHABLE,
    All,
    Any_,
    CaseSearch,
    Compare,
    Condition,
    In,
    IsNull,
    Like,
    Not,
)
from geo.store import sql
from geo.store.casetx import CaseTx, case_sql

OPERATORS = frozenset({"=", "<>", "<", ">", "<=", ">="})


class _Renderer:
    """Renders a condition as common SQL (``%(w0)s`` placeholders), collecting the values."""

    def __init__(self) -> None:
        self.params: dict[str, Any] = {}

    def _param(self, value: Any) -> str:
        name = f"w{len(self.params)}"
        self.params[name] = value
        return f"%({name})s"

    @staticmethod
    def _column(prop: str) -> str:
        if prop not in SEARCHABLE:
            raise ValueError(f"cases cannot be searched on {prop!r}")
        return f"c.{prop}"

    def render(self, cond: Condition) -> str:
        match cond:
            case Compare(prop, op, value):
                if op not in OPERATORS:
                    raise ValueError(f"unknown operator {op!r}")
                return f"{self._column(prop)} {op} {self._param(value)}"
            case In(prop, values):
                if not values:
                    return "FALSE"
                listed = ", ".join(self._param(v) for v in values)
                return f"{self._column(prop)} IN ({listed})"
            case Like(prop, pattern):
                return f"{self._column(prop)} LIKE {self._param(pattern)}"
            case IsNull(prop):
                return f"{self._column(prop)} IS NULL"
            case All(parts):
                return "(" + " AND ".join(self.render(p) for p in parts) + ")" if parts else "TRUE"
            case Any_(parts):
                return "(" + " OR ".join(self.render(p) for p in parts) + ")" if parts else "FALSE"
            case Not(part):
                return f"(NOT {self.render(part)})"
        raise TypeError(f"not a condition: {cond!r}")


def _where(backend: str, search: CaseSearch) -> tuple[str, dict[str, Any]]:
    """The WHERE clause of ``search`` in ``backend``'s placeholder style, and its values."""
    west, south, east, north = search.bbox if search.bbox else (None, None, None, None)
    params: dict[str, Any] = {
        "status": search.status,
        "community": search.community,
        "grid": search.grid,
        "category": search.category,
        "since": search.since,
        "until": search.until,
        "west": west,
        "south": south,
        "east": east,
        "north": north,
    }
    text = case_sql(backend, "case_search", "filters")
    if search.where is not None:
        renderer = _Renderer()
        text += "\n  AND " + sql.for_backend(renderer.render(search.where), backend)
        params.update(renderer.params)
    return text, params


def find_page(tx: CaseTx, search: CaseSearch, *, after: int, limit: int) -> list[Case]:
    """The first ``limit`` cases matching ``search`` with an id above ``after``, by id."""
    where, params = _where(tx.backend, search)
    query = "\n".join(
        [
            case_sql(tx.backend, "cases", "case_columns"),
            where,
            case_sql(tx.backend, "case_search", "page"),
        ]
    )
    tx.cur.execute(query, {**params, "after": after, "limit": limit})
    return [CASE_COLUMNS.record(row) for row in tx.cur.fetchall()]


def count(tx: CaseTx, search: CaseSearch) -> int:
    """How many cases match ``search``."""
    where, params = _where(tx.backend, search)
    tx.cur.execute(case_sql(tx.backend, "case_search", "count") + "\n" + where, params)
    return int(tx.cur.fetchone()[0])
