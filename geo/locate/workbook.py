"""Located rows written to an Excel workbook (.xlsx), a chunk at a time.

The sheet holds the same cells as the CSV output: text cells a spreadsheet would run as a
formula already carry their leading ``'`` (the caller neutralises them, see
:mod:`geo.csv_safety`), and characters a workbook cannot hold (control characters other
than tab and line breaks) are dropped. Excel opens at most :data:`MAX_ROWS` rows a sheet,
header included; more is refused rather than cut short.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geo.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

MAX_ROWS = 1_048_576  # rows in an Excel sheet, the header included


def _cell(value: Any) -> Any:
    """A value as openpyxl writes it: text without illegal characters, NaN as empty."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None:
        return None
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):  # a numpy scalar
        return _cell(value.item())
    return value


class SheetWriter:
    """A one-sheet workbook at ``path``: a header row, then the rows of each frame written."""

    def __init__(self, path: Path, sheet: str = "located") -> None:
        from openpyxl import Workbook

        self.path = path
        self.book = Workbook(write_only=True)
        self.sheet = self.book.create_sheet(sheet)
        self.rows = 0  # rows written, the header included

    def write(self, frame: pd.DataFrame, *, header: bool) -> None:
        """Append ``frame``'s rows (and its column names first, if ``header``)."""
        more = len(frame) + (1 if header else 0)
        if self.rows + more > MAX_ROWS:
            raise InputError(
                f"{self.path}: an Excel sheet holds at most {MAX_ROWS:,} rows with its header; "
                "write .csv instead",
                field="output",
            )
        if header:
            self.sheet.append([_cell(str(c)) for c in frame.columns])
        for row in frame.itertuples(index=False, name=None):
            self.sheet.append([_cell(v) for v in row])
        self.rows += more

    def close(self) -> None:
        self.book.save(self.path)
