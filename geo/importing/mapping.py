"""How a file's columns and values map onto case fields: defaults for common Chinese
headers, overridden by a small TOML file.

A mapping file looks like::

    crs = "gcj02"                 # CRS of the coordinates when no column says (optional)
    source = "hotline"            # source of every row when no column says (optional)
    defaults = true               # also recognise the common headers (default true)

    [columns]                     # file column = field
    "工单号" = "external_id"
    "诉求分类" = "category"

    [categories]                  # file value = category code (see `gridmgr categories list`)
    "道路破损" = "FA01"

    [statuses]                    # file value = workflow state
    "办理完毕" = "closed"
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from geo.cases.service import SOURCES
from geo.cases.workflow import STATES
from geo.errors import InputError
from geo.importing.fields import (
    CRS_ALIASES,
    FIELDS,
    HEADER_ALIASES,
    REQUIRED,
    SOURCE_ALIASES,
    STATUS_ALIASES,
    header_key,
)

_KEYS = {"crs", "source", "defaults", "columns", "categories", "statuses", "sources"}


@dataclass(frozen=True)
class Mapping:
    """Column and value mappings; :meth:`resolve` applies them to a file's headers."""

    columns: dict[str, str] = field(default_factory=dict)  # file header -> field
    categories: dict[str, str] = field(default_factory=dict)  # file value -> category code
    statuses: dict[str, str] = field(default_factory=dict)  # file value -> state
    sources: dict[str, str] = field(default_factory=dict)  # file value -> source
    crs: str = "wgs84"
    source: str = "import"
    defaults: bool = True

    def resolve(self, headers: list[str]) -> dict[str, str]:
        """``{field: file header}`` for ``headers``; InputError naming what does not fit."""
        by_key: dict[str, str] = {}
        clashes: dict[str, list[str]] = {}
        for h in headers:
            key = header_key(h)
            if key in by_key:
                clashes.setdefault(key, [by_key[key]]).append(h)
            by_key.setdefault(key, h)

        def header(name: str) -> str | None:
            key = header_key(name)
            if key in clashes:
                raise InputError(
                    f"columns {' and '.join(map(repr, clashes[key]))} differ only "
                    "in case, width or spaces; rename one",
                    field="mapping",
                )
            return by_key.get(key)

        out: dict[str, str] = {}
        for column, fld in self.columns.items():
            found = header(column)
            if found is None:
                raise InputError(
                    f"mapping: column {column!r} is not in the file; its columns "
                    f"are {', '.join(headers)}",
                    field="mapping",
                )
            if fld in out:
                raise InputError(
                    f"mapping: field {fld!r} is mapped from both {out[fld]!r} and {found!r}",
                    field="mapping",
                )
            out[fld] = found
        if self.defaults:
            taken = set(out.values())
            for fld in FIELDS:
                if fld in out:
                    continue
                for alias in (fld, *HEADER_ALIASES.get(fld, ())):
                    found = header(alias)
                    if found is not None and found not in taken:
                        out[fld] = found
                        taken.add(found)
                        break
        missing = [f for f in REQUIRED if f not in out]
        if missing:
            raise InputError(
                f"no column for {', '.join(missing)}: the file's columns are "
                f'{", ".join(headers)}; map them in a mapping file ([columns] "列名" = '
                f'"{missing[0]}")',
                field="mapping",
            )
        if ("lon" in out) != ("lat" in out):
            given, lacking = ("lon", "lat") if "lon" in out else ("lat", "lon")
            raise InputError(
                f"column {out[given]!r} gives the {given} but no column gives the "
                f"{lacking}: a longitude column needs a latitude column and the "
                "other way round",
                field="mapping",
            )
        return out

    def status_of(self, value: str) -> str | None:
        text = value.strip()
        if text in self.statuses:
            return self.statuses[text]
        if text.lower() in STATES:
            return text.lower()
        return STATUS_ALIASES.get(text)

    def source_of(self, value: str) -> str | None:
        text = value.strip()
        if not text:
            return self.source
        return (
            self.sources.get(text)
            or SOURCE_ALIASES.get(header_key(text))
            or (header_key(text) if header_key(text) in _SOURCE_CODES else None)
        )


_SOURCE_CODES = frozenset(SOURCES)


def crs_of(value: str) -> str | None:
    """A CRS name from a file value ("GCJ-02", "百度", "EPSG:4326"), or None if unknown."""
    return CRS_ALIASES.get(header_key(value))


def load_mapping(path: str | Path | None) -> Mapping:
    """The mapping in TOML file ``path`` (the defaults alone when ``path`` is None)."""
    if path is None:
        return Mapping()
    path = Path(path)
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:  # TOML is UTF-8
        raise InputError(f"{path}: cannot read mapping file: {exc}", field="mapping") from None
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise InputError(
            f"{path}: unknown key(s) {unknown}; expected {sorted(_KEYS)}", field="mapping"
        )
    tables = {}
    for name in ("columns", "categories", "statuses", "sources"):
        table = data.get(name, {})
        if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
            raise InputError(f"{path}: [{name}] must map text to text", field="mapping")
        tables[name] = {str(k): v for k, v in table.items()}
    for column, fld in tables["columns"].items():
        if fld not in FIELDS:
            raise InputError(
                f"{path}: [columns] {column!r} = {fld!r}: unknown field; fields "
                f"are {', '.join(FIELDS)}",
                field="mapping",
            )
    for value, state in tables["statuses"].items():
        if state not in STATES:
            raise InputError(
                f"{path}: [statuses] {value!r} = {state!r}: unknown state; states "
                f"are {', '.join(STATES)}",
                field="mapping",
            )
    for value, src in tables["sources"].items():
        if src not in _SOURCE_CODES:
            raise InputError(
                f"{path}: [sources] {value!r} = {src!r}: unknown source; sources "
                f"are {', '.join(sorted(_SOURCE_CODES))}",
                field="mapping",
            )
    crs = data.get("crs", "wgs84")
    known_crs = crs_of(crs) if isinstance(crs, str) else None
    if known_crs is None:
        raise InputError(
            f"{path}: crs {crs!r} is not one of wgs84, cgcs2000, gcj02, bd09", field="mapping"
        )
    source = data.get("source", "import")
    if source not in _SOURCE_CODES:
        raise InputError(
            f"{path}: source {source!r} is not one of {', '.join(sorted(_SOURCE_CODES))}",
            field="mapping",
        )
    defaults = data.get("defaults", True)
    if not isinstance(defaults, bool):
        raise InputError(f"{path}: defaults must be true or false", field="mapping")
    return Mapping(
        tables["columns"],
        tables["categories"],
        tables["statuses"],
        tables["sources"],
        known_crs,
        source,
        defaults,
    )
