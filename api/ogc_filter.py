"""OGC API – Features Part 3: the cases' queryables and their ``filter`` (CQL2).

``filter`` is CQL2 text (``filter-lang=cql2-text``, the default) or CQL2 JSON, parsed by the
``cql2`` library and compiled here into a :mod:`geo.cases.search` condition, which the store
runs with every value a bound parameter. Supported: ``=``, ``<>``, ``<``, ``>``, ``<=``, ``>=``,
``AND``, ``OR``, ``NOT``, ``IN``, ``BETWEEN``, ``LIKE`` and ``IS NULL`` on the queryables;
anything else is a 400 that names it. A time is an RFC 3339 timestamp with an offset, or a date
(that day's midnight in the district's zone).
"""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo
from typing import Any, cast

import cql2

from geo.cases.search import (
    SEARCHABLE,
    All,
    Any_,
    Compare,
    Condition,
    In,
    IsNull,
    Like,
    Not,
    Operator,
    Value,
)
from geo.errors import InputError

LANGUAGES = ("cql2-text", "cql2-json")
# The draft's name of CQL text, which GDAL before 3.7 sends (only comparisons, AND, OR, NOT,
# IS NULL, LIKE: the same in CQL2 text).
DRAFT_TEXT = "cql-text"
COMPARISONS: dict[str, Operator] = {
    "=": "=",
    "<>": "<>",
    "<": "<",
    ">": ">",
    "<=": "<=",
    ">=": ">=",
}
FLIPPED: dict[Operator, Operator] = {
    "=": "=",
    "<>": "<>",
    "<": ">",
    ">": "<",
    "<=": ">=",
    ">=": "<=",
}
SUPPORTED = "=, <>, <, >, <=, >=, AND, OR, NOT, IN, BETWEEN, LIKE, IS NULL"

DESCRIPTIONS = {
    "status": "Workflow status: reported, registered, dispatched, suspended, closed, rejected",
    "category": "Category (subclass) code, e.g. exposed_refuse",
    "community_code": "Community (9-digit code)",
    "grid_code": "Grid (15-digit code)",
    "source": "Where the case came from (hotline, app, patrol, ...)",
    "assignee_id": "The assigned worker's roster id",
    "reported_at": "When the case was reported",
    "due_at": "When the case is due",
    "closed_at": "When the case was closed",
    "closed_on_time": "Whether the case was closed by its due time",
}


def queryables(url: str) -> dict[str, Any]:
    """The cases' queryables as a JSON Schema (OGC API – Features Part 3); ``url`` is the
    document's own address."""
    props: dict[str, Any] = {}
    for name, kind in SEARCHABLE.items():
        schema: dict[str, Any] = (
            {"type": "string", "format": "date-time"} if kind == "date-time" else {"type": kind}
        )
        props[name] = {"title": name, "description": DESCRIPTIONS.get(name, name), **schema}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": url,
        "type": "object",
        "title": "事件 Cases",
        "properties": props,
        "additionalProperties": False,
        # The draft's list, which GDAL before 3.7 reads to know what it may send in a filter.
        "queryables": [{"id": name, "title": name} for name in SEARCHABLE],
    }


def _error(detail: str) -> InputError:
    return InputError(f"filter: {detail}", field="filter")


def parse(text: str, lang: str | None, tz: tzinfo) -> Condition:
    """The condition of a ``filter`` in ``lang`` (default CQL2 text); dates in zone ``tz``."""
    lang = "cql2-text" if lang in (None, "", DRAFT_TEXT) else lang
    if lang not in LANGUAGES:
        raise InputError(
            f"filter-lang {lang!r} is not offered; use {' or '.join(LANGUAGES)}",
            field="filter-lang",
        )
    try:
        expr = cql2.parse_text(text) if lang == "cql2-text" else cql2.parse_json(text)
        tree = expr.to_json()
    except Exception as exc:  # cql2 raises its own ParseError and ValueError
        first = str(exc).strip().splitlines()
        raise _error(f"{text!r} is not valid {lang}: {' '.join(first[:1])}") from None
    return _Compiler(tz).condition(tree)


class _Compiler:
    def __init__(self, tz: tzinfo) -> None:
        self.tz = tz

    def condition(self, node: Any) -> Condition:
        if not isinstance(node, dict) or "op" not in node:
            raise _error(f"{_show(node)} is not a condition")
        op = str(node["op"]).lower()
        args = node.get("args") or []
        if op in ("and", "or"):
            parts = tuple(self.condition(a) for a in args)
            return All(parts) if op == "and" else Any_(parts)
        if op == "not" and len(args) == 1:
            return Not(self.condition(args[0]))
        if op in COMPARISONS and len(args) == 2:
            operator = COMPARISONS[op]
            if _is_property(args[1]) and not _is_property(args[0]):
                args, operator = [args[1], args[0]], FLIPPED[operator]
            prop = self.prop(args[0], op)
            return Compare(prop, operator, self.value(prop, args[1]))
        if op == "in" and len(args) == 2 and isinstance(args[1], list):
            prop = self.prop(args[0], op)
            return In(prop, tuple(self.value(prop, v) for v in args[1]))
        if op == "between" and len(args) == 3:
            prop = self.prop(args[0], op)
            low, high = self.value(prop, args[1]), self.value(prop, args[2])
            return All((Compare(prop, ">=", low), Compare(prop, "<=", high)))
        if op == "like" and len(args) == 2:
            prop = self.prop(args[0], op)
            if SEARCHABLE[prop] != "string" or not isinstance(args[1], str):
                raise _error(f"LIKE takes a text queryable and a text pattern, not {prop!r}")
            return Like(prop, args[1])
        if op == "isnull" and len(args) == 1:
            return IsNull(self.prop(args[0], op))
        raise _error(f"the operator {node['op']!r} is not supported here; supported: {SUPPORTED}")

    @staticmethod
    def prop(node: Any, op: str) -> str:
        if not _is_property(node):
            raise _error(f"{op.upper()} needs a queryable on its left, not {_show(node)}")
        name = str(node["property"])
        if name not in SEARCHABLE:
            raise _error(
                f"{name!r} is not a queryable of cases; queryables: {', '.join(SEARCHABLE)}"
            )
        return name

    def value(self, prop: str, node: Any) -> Value:
        kind = SEARCHABLE[prop]
        if kind == "string":
            if isinstance(node, str):
                return node
            raise _error(f"{prop} is text: compare it with a quoted value, not {_show(node)}")
        if kind == "boolean":
            if isinstance(node, bool):
                return node
            raise _error(f"{prop} is true or false, not {_show(node)}")
        return self.instant(prop, node)

    def instant(self, prop: str, node: Any) -> datetime:
        """A time for ``prop``: TIMESTAMP('…'), DATE('…') or a quoted RFC 3339 text."""
        text = node
        if isinstance(node, dict) and len(node) == 1:
            text = node.get("timestamp", node.get("date"))
        if isinstance(text, str):
            text = text.removesuffix("T")  # GDAL before 3.7 writes a date as 2025-06-01T
            try:
                if len(text) == 10:
                    return datetime.combine(date.fromisoformat(text), time(), self.tz)
                value = datetime.fromisoformat(text)
            except ValueError:
                value = None
            if value is not None and value.tzinfo is not None:
                return value
        raise _error(
            f"{prop} is a time: give TIMESTAMP('2025-06-01T08:00:00+08:00') (with Z or an "
            f"offset) or DATE('2025-06-01'), not {_show(node)}"
        )


def _is_property(node: Any) -> bool:
    return isinstance(node, dict) and set(node) == {"property"}


def _show(node: Any) -> str:
    if _is_property(node):
        return str(cast(dict[str, Any], node)["property"])
    return repr(node)
