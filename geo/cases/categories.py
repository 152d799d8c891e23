"""The case category catalogue: major classes, subclasses, time limits, duplicate radii.

The catalogue is a UTF-8 CSV (``data/categories/categories.csv`` is the bundled one) with the
columns ``class_code, class_zh, class_en, code, name_zh, name_en, time_limit,
duplicate_radius_m`` and, optionally, ``public``. ``time_limit`` is a working-time limit such
as ``4h`` or ``20d``; ``duplicate_radius_m`` is in metres (0: never flag duplicates).
``public`` (``true``/``false``, also ``yes``/``no``, ``1``/``0``) says whether cases of the
subclass may be shown to anonymous readers when ``GRIDMGR_PUBLIC_READ`` is on: city
appearance and facility matters, never matters about people (disputes, residents' services,
public security). A missing column or an empty cell means not public.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from geo.bundled import DATA_DIR
from geo.errors import CalendarError, InputError
from geo.worktime.calendar import TimeLimit

BUNDLED_CATALOGUE = DATA_DIR / "categories" / "categories.csv"
COLUMNS = (
    "class_code",
    "class_zh",
    "class_en",
    "code",
    "name_zh",
    "name_en",
    "time_limit",
    "duplicate_radius_m",
)
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0", ""})
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


@dataclass(frozen=True)
class Category:
    """A subclass of case, with its major class and working-time limit."""

    code: str
    class_code: str
    class_zh: str
    class_en: str
    name_zh: str
    name_en: str
    limit_value: float
    limit_unit: Literal["hours", "days"]  # working hours / working days
    duplicate_radius_m: float
    public: bool = False  # shown to anonymous readers (GRIDMGR_PUBLIC_READ); off by default

    @property
    def time_limit(self) -> TimeLimit:
        value = int(self.limit_value) if self.limit_unit == "days" else self.limit_value
        return TimeLimit(value, self.limit_unit)


def read_catalogue(path: Path | str = BUNDLED_CATALOGUE) -> list[Category]:
    """Read and check a catalogue file; every problem is reported at once, with its line."""
    path = Path(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise InputError(
                    f"{path}: missing column(s) {', '.join(missing)}; "
                    f"expected {', '.join(COLUMNS)}",
                    field="file",
                )
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{path}: cannot read the catalogue ({exc})", field="file") from exc
    problems: list[str] = []
    out: list[Category] = []
    seen: dict[str, int] = {}
    class_names: dict[str, tuple[str, str]] = {}
    for line, row in enumerate(rows, start=2):
        row = {k: (v or "").strip() for k, v in row.items() if k}
        where = f"line {line}"
        for key in ("class_code", "code"):
            if not _CODE.match(row[key]):
                problems.append(
                    f"{where}: {key} {row[key]!r} must be lower-case letters, digits and _"
                )
        for key in ("class_zh", "name_zh"):
            if not row[key]:
                problems.append(f"{where}: {key} is empty")
        if row["code"] in seen:
            problems.append(f"{where}: code {row['code']!r} repeats line {seen[row['code']]}")
        seen.setdefault(row["code"], line)
        names = (row["class_zh"], row["class_en"])
        if class_names.setdefault(row["class_code"], names) != names:
            problems.append(f"{where}: class {row['class_code']!r} is named differently above")
        try:
            limit = TimeLimit.parse(row["time_limit"])
            value, unit = float(limit.value), limit.unit
        except CalendarError as exc:
            problems.append(f"{where}: time_limit: {exc}")
            value, unit = 0.0, "hours"
        try:
            radius = float(row["duplicate_radius_m"] or 0)
            if not radius >= 0:
                raise ValueError
        except ValueError:
            problems.append(
                f"{where}: duplicate_radius_m {row['duplicate_radius_m']!r} is not "
                "a distance in metres"
            )
            radius = 0.0
        flag = row.get("public", "").lower()
        if flag not in _TRUE | _FALSE:
            problems.append(f"{where}: public {row.get('public')!r} is not true or false")
        out.append(
            Category(
                row["code"],
                row["class_code"],
                row["class_zh"],
                row["class_en"],
                row["name_zh"],
                row["name_en"],
                value,
                unit,
                radius,
                flag in _TRUE,
            )
        )
    if not out and not problems:
        problems.append("the catalogue has no categories")
    if problems:
        raise InputError(f"{path}: " + "; ".join(problems), field="file")
    return out
