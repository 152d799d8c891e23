"""Cells of the CSV files gridmgr writes, made safe to open in a spreadsheet.

A spreadsheet program runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some
programs, a tab or a carriage return) as a formula: a file of cases, addresses or rejected
rows could then carry ``=HYPERLINK(...)`` or ``=cmd|...`` to whoever opens it. Following the
OWASP guidance on CSV injection, such a text cell is written with a single quote ``'`` in
front, which the spreadsheet shows and does not evaluate.

Numbers are left alone: a cell that is not text (an ``int`` or ``float``) is never touched,
and neither is a text cell that is a plain decimal number (``-12.5``, ``+3``, ``1e-5``),
which a spreadsheet reads as that number and not as a formula, so longitudes west of
Greenwich stay numbers.
"""

from __future__ import annotations

import re

# The characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_START = r"^[=+\-@\t\r]"
FORMULA_BYTES = b"=+-@\t\r"  # the same characters, as bytes (UTF-8 text starts so)
# A plain decimal number, optionally signed, optionally with an exponent.
NUMBER = r"^[ \t\r\n]*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[ \t\r\n]*$"
PREFIX = "'"

_FORMULA_START = re.compile(FORMULA_START)
_NUMBER = re.compile(NUMBER)


def neutralise(text: str) -> str:
    """``text`` with ``'`` in front if a spreadsheet would run it as a formula."""
    if _FORMULA_START.match(text) and not _NUMBER.fullmatch(text):
        return PREFIX + text
    return text


def neutralise_cell(value: object) -> object:
    """A cell value for a CSV writer: text neutralised, anything else unchanged."""
    return neutralise(value) if isinstance(value, str) else value
