"""Report figures as people read them, for the command line's reports (printed JSON, CSV
and GeoJSON exports, summary lines): residents as whole numbers, shares and rates to 0.1 %
(fractions of 1 rounded to three decimals), coordinates to six decimals (about 0.1 m),
other measures (hours, cases per worker or per 1,000 residents, cv, gini) to two decimals.

The HTTP API's JSON keeps the raw figures; only the command line rounds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

RESIDENTS = frozenset({"population", "covered_population", "gain", "households"})
SHARES = frozenset({"threshold"})  # besides every key ending in _share or _rate
COORDINATES = frozenset({"lon", "lat"})


def figure(key: str, value: Any) -> Any:
    """``value`` of the report field ``key``, rounded for people (see the module doc);
    anything but a finite float or an int count of residents is returned as it is."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if isinstance(value, float) and not math.isfinite(value):
        return value
    if key in RESIDENTS:
        return int(round(value))
    if isinstance(value, int):
        return value
    if key in SHARES or key.endswith(("_share", "_rate")):
        return round(value, 3)
    if key in COORDINATES:
        return round(value, 6)
    return round(value, 2)


def rounded(report: Any, key: str = "") -> Any:
    """A report (dicts, lists and figures, as the report functions return them) with every
    figure rounded by :func:`figure`, keyed by the name it is found under."""
    if isinstance(report, Mapping):
        return {k: rounded(v, str(k)) for k, v in report.items()}
    if isinstance(report, list | tuple):
        return [rounded(v, key) for v in report]
    return figure(key, report)


def share_text(part: float, whole: float) -> str:
    """``part`` of ``whole`` as a percentage to 0.1 %, e.g. ``68.4 %`` (``–`` when whole
    is 0)."""
    return f"{100 * part / whole:.1f} %" if whole else "–"
