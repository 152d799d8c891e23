"""Community and grid codes.

A **community code** has 9 digits: the 6-digit district code (GB/T 2260, e.g. ``520103``
Yunyan) followed by a 3-digit community number (``400``..``425`` in Yunyan), e.g.
``520103400``.

A **grid code** has 15 digits: the community code, a 3-digit residents' committee number and
a 3-digit grid sequence number, e.g. ``520103417002013`` = community ``520103417``,
committee 2, grid 13.

Codes are text. Every function accepts a ``str`` (surrounding whitespace is stripped) or a
Python/NumPy integer, which is converted with ``str()``; an integer cannot carry leading
zeros, so a code that starts with ``0`` must be given as a string (administrative codes
never do). Floats, booleans and other types are rejected: a float such as ``5.20103e8`` may
already have lost digits. Only the ASCII digits ``0``-``9`` are accepted.

Every rule violation raises :class:`geo.errors.CodeError` with a message that names the
rule and shows the value.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

from geo.errors import CodeError

DISTRICT_CODE_LENGTH = 6
COMMUNITY_CODE_LENGTH = 9
GRID_CODE_LENGTH = 15
PART_MIN = 1
PART_MAX = 999

_DIGITS = frozenset("0123456789")


@dataclass(frozen=True, slots=True)
class GridCode:
    """A parsed 15-digit grid code.

    ``community_code`` is the 9-digit community code (a string); ``committee`` and
    ``sequence`` are integers in 1..999.
    """

    community_code: str
    committee: int
    sequence: int

    @property
    def district_code(self) -> str:
        """The 6-digit district code, e.g. ``"520103"``."""
        return self.community_code[:DISTRICT_CODE_LENGTH]

    @property
    def code(self) -> str:
        """The 15-digit code as a string."""
        return f"{self.community_code}{self.committee:03d}{self.sequence:03d}"

    def __str__(self) -> str:
        return self.code


def _as_text(code: object, what: str) -> str:
    """Return ``code`` as a stripped string, or raise CodeError for unsupported types."""
    if isinstance(code, str):
        return code.strip()
    if isinstance(code, bool):
        raise CodeError(f"{what} must be a string, got a boolean: {code!r}")
    if isinstance(code, numbers.Integral):
        return str(int(code))
    if isinstance(code, numbers.Real):
        raise CodeError(
            f"{what} must be a string, got a floating-point number {code!r} "
            "(digits may have been lost; store codes as text)"
        )
    raise CodeError(f"{what} must be a string, got {type(code).__name__}: {code!r}")


def _check_digits(text: str, length: int, what: str) -> None:
    """Check that ``text`` is exactly ``length`` ASCII digits."""
    if not text:
        raise CodeError(f"{what} is empty; expected {length} digits")
    for position, char in enumerate(text, start=1):
        if char not in _DIGITS:
            raise CodeError(
                f"{what} {text!r} has a non-digit character {char!r} at position {position}"
            )
    if len(text) != length:
        raise CodeError(f"{what} {text!r} has {len(text)} digits; expected {length}")


def _check_community_part(text: str, what: str) -> None:
    number = text[DISTRICT_CODE_LENGTH:COMMUNITY_CODE_LENGTH]
    if number == "000":
        raise CodeError(f"{what} {text!r} has community number 000 in digits 7-9; expected 001-999")


def validate_community_code(code: str | int) -> str:
    """Return the normalised 9-digit community code, or raise CodeError.

    Rules: 9 ASCII digits; the community number (digits 7-9) is not ``000``.
    """
    text = _as_text(code, "community code")
    _check_digits(text, COMMUNITY_CODE_LENGTH, "community code")
    _check_community_part(text, "community code")
    return text


def validate_grid_code(code: str | int, community_code: str | int | None = None) -> str:
    """Return the normalised 15-digit grid code, or raise CodeError.

    Rules: 15 ASCII digits; its first 9 digits form a valid community code; the committee
    (digits 10-12) and sequence (digits 13-15) numbers are not ``000``. When
    ``community_code`` is given it is validated too and must equal the code's 9-digit prefix.
    """
    text = _as_text(code, "grid code")
    _check_digits(text, GRID_CODE_LENGTH, "grid code")
    prefix = text[:COMMUNITY_CODE_LENGTH]
    _check_community_part(text, "grid code")
    if text[9:12] == "000":
        raise CodeError(
            f"grid code {text!r} has residents' committee number 000 in digits 10-12; "
            "expected 001-999"
        )
    if text[12:15] == "000":
        raise CodeError(
            f"grid code {text!r} has grid sequence number 000 in digits 13-15; expected 001-999"
        )
    if community_code is not None:
        community = validate_community_code(community_code)
        if prefix != community:
            raise CodeError(
                f"grid code {text!r} starts with {prefix!r}, "
                f"not with its community code {community!r}"
            )
    return text


def parse_grid_code(code: str | int) -> GridCode:
    """Parse a 15-digit grid code into a :class:`GridCode` (raises CodeError)."""
    text = validate_grid_code(code)
    return GridCode(
        community_code=text[:COMMUNITY_CODE_LENGTH],
        committee=int(text[9:12]),
        sequence=int(text[12:15]),
    )


def _check_part(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise CodeError(f"{what} must be an integer 1-999, got {value!r}")
    number = int(value)
    if not PART_MIN <= number <= PART_MAX:
        raise CodeError(f"{what} must be 1-999, got {number}")
    return number


def format_grid_code(community_code: str | int, committee: int, sequence: int) -> str:
    """Build a 15-digit grid code from its community code and two numbers in 1..999.

    >>> format_grid_code("520103417", 2, 13)
    '520103417002013'
    """
    community = validate_community_code(community_code)
    committee_number = _check_part(committee, "residents' committee number")
    sequence_number = _check_part(sequence, "grid sequence number")
    return f"{community}{committee_number:03d}{sequence_number:03d}"
