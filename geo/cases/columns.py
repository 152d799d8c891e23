"""How a record's fields are stored: one definition that every column list derives from.

The definition of a case's columns is the :class:`geo.cases.model.Case` dataclass itself: each
field is declared with :func:`column`, which says which writes include it and how it is
selected. :class:`Columns` reads those declarations once (``CASE_COLUMNS`` in
``geo.cases.model``) and derives everything else from them:

* the column tuples each write uses (``intake``: a new case; ``update``: what a workflow step
  may change; ``import``: what an import writes, new or changed; ``bulk``: what a bulk load
  copies), in field order;
* the SQL column lists, filled into the statements of ``geo/store/sql/<backend>/`` where they
  say ``{case_select}``, ``{case_insert_columns}`` and so on (see :meth:`Columns.expand`);
* the mapping of a selected row to the dataclass, by name (:meth:`Columns.record`): the select
  list and the mapping come from the same tuple, so no position can drift.

Why the dataclass and not a separate table of columns: the dataclass must exist anyway (with
its types, for readers and the type checker), and a second list beside it would be one more
thing to keep in step. So adding a case column is one field in ``Case`` (with its ``column``
declaration) and one migration per backend; a test checks that every declared column exists
in ``cases`` on both backends with a compatible type.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields
from typing import Any, Generic, Literal, TypeVar

Write = Literal["intake", "update", "import", "bulk"]
EVERY_WRITE: tuple[Write, ...] = ("intake", "update", "import", "bulk")
_KEY = "column"

T = TypeVar("T")


@dataclass(frozen=True)
class Column:
    """How one field is stored: the writes that include it, and the SQL expression it is
    selected by when it is not the stored column of that name (then it is not stored)."""

    writes: frozenset[str]
    select: str | None = None

    @property
    def stored(self) -> bool:
        return self.select is None


def column(*writes: Write, select: str | None = None, default: Any = MISSING) -> Any:
    """A dataclass field that is a stored column included in ``writes`` (any of
    ``EVERY_WRITE``), or, with ``select``, a value read through that SQL expression (over the
    statement's own aliases) and never written."""
    unknown = set(writes) - set(EVERY_WRITE)
    if unknown:
        raise ValueError(f"unknown writes {sorted(unknown)}")
    if select is not None and writes:
        raise ValueError("a selected expression is not stored, so no write includes it")
    spec = Column(frozenset(writes), select)
    if default is MISSING:
        return field(metadata={_KEY: spec})
    return field(default=default, metadata={_KEY: spec})


# Parameter placeholders in each backend's own style (see geo.store.sql).
_PARAMETER = {"postgis": "%({})s", "duckdb": "${}"}
_PLACEHOLDER = re.compile(r"\{(case_\w+)\}")


class Columns(Generic[T]):
    """The column lists of the dataclass ``record`` (declared with :func:`column`), for SQL
    over its table aliased ``alias``."""

    def __init__(self, record: type[T], *, alias: str = "c") -> None:
        self.record_type = record
        self._make: Callable[..., T] = record
        self.alias = alias
        self.spec: dict[str, Column] = {}
        for f in fields(record):  # type: ignore[arg-type]
            spec = f.metadata.get(_KEY)
            if spec is None:
                raise TypeError(f"{record.__name__}.{f.name} is not declared with column()")
            self.spec[f.name] = spec
        hints = typing.get_type_hints(record)
        self.types: dict[str, Any] = {name: hints[name] for name in self.spec}
        self.names: tuple[str, ...] = tuple(self.spec)
        self.defaults: dict[str, Any] = {
            f.name: f.default
            for f in fields(record)  # type: ignore[arg-type]
            if f.default is not MISSING
        }
        self.stored: tuple[str, ...] = tuple(n for n, c in self.spec.items() if c.stored)
        self.derived: tuple[str, ...] = tuple(n for n, c in self.spec.items() if not c.stored)
        self.intake = self._writing("intake")
        self.update = self._writing("update")
        self.imported = self._writing("import")
        self.bulk = self._writing("bulk")

    def _writing(self, write: Write) -> tuple[str, ...]:
        return tuple(n for n, c in self.spec.items() if write in c.writes)

    def selection(self) -> str:
        """The select list: every field, each named for its field (``AS name``)."""
        return ", ".join(f"{c.select or f'{self.alias}.{n}'} AS {n}" for n, c in self.spec.items())

    def record(self, row: typing.Sequence[Any]) -> T:
        """The dataclass for one row selected with :meth:`selection`, mapped by name."""
        return self._make(**dict(zip(self.names, row, strict=True)))

    def filled(self, values: typing.Mapping[str, Any]) -> T:
        """The dataclass from ``values`` by name; fields not among them take their declared
        default (what the table's default gives), else None."""
        return self._make(**{n: values.get(n, self.defaults.get(n)) for n in self.names})

    def expand(self, text: str, backend: str) -> str:
        """``text`` with its ``{case_...}`` placeholders replaced by column lists:

        ``{case_select}``           every field, as :meth:`selection`
        ``{case_insert_columns}``   the intake columns, and ``{case_insert_values}`` their
                                    parameters (named for the columns)
        ``{case_update_set}``       ``col = <parameter>`` for each column an update writes
        ``{case_bulk_columns}``     the columns a bulk load copies
        ``{case_import_columns}``   the columns an import writes, and ``{case_import_set}``
                                    ``col = s.col`` for each (from a staged row ``s``)

        Only identifiers from the fixed definition above (field names and the ``select``
        expressions declared in code) are put into SQL here, never a value: values stay
        bound parameters. An unknown placeholder is an error.
        """
        param = _PARAMETER[backend].format
        lists: dict[str, Callable[[], str]] = {
            "case_select": self.selection,
            "case_insert_columns": lambda: ", ".join(self.intake),
            "case_insert_values": lambda: ", ".join(param(n) for n in self.intake),
            "case_update_set": lambda: ", ".join(f"{n} = {param(n)}" for n in self.update),
            "case_bulk_columns": lambda: ", ".join(self.bulk),
            "case_import_columns": lambda: ", ".join(self.imported),
            "case_import_set": lambda: ", ".join(f"{n} = s.{n}" for n in self.imported),
        }

        def fill(match: re.Match[str]) -> str:
            if match[1] not in lists:
                raise KeyError(f"no column list {match[0]}")
            return lists[match[1]]()

        return _PLACEHOLDER.sub(fill, text)


def python_type(hint: Any) -> type:
    """The plain type of a field's annotation (``int`` for ``int | None``)."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    found = args[0] if args else hint
    if not isinstance(found, type):
        raise TypeError(f"unsupported column type {hint!r}")
    return found
