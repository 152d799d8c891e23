"""Workload KPIs per community, grid or worker, and how evenly work is spread.

The store counts (one GROUP BY in the database); this module turns the counts into rates:
on-time closure rate (按期结案率) = on-time closures ÷ (closures + cases overdue now); cases per
1,000 residents; open cases per worker; and, across the rows, the coefficient of variation and
the Gini coefficient of open cases per worker. Handling times are working hours.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, SupportsFloat, SupportsInt, TypeAlias

import numpy as np

LEVELS = ("community", "grid", "worker")
COUNTS = ("received", "open", "closed", "closed_on_time", "overdue", "returned", "reworked")

# One row of the store's counts: (code, the seven COUNTS, p50 and p90 handling hours), the
# numbers as the database driver gives them (int, Decimal, float; percentiles None when empty).
CountsRow: TypeAlias = tuple[
    object,
    SupportsInt,
    SupportsInt,
    SupportsInt,
    SupportsInt,
    SupportsInt,
    SupportsInt,
    SupportsInt,
    SupportsFloat | None,
    SupportsFloat | None,
]


@dataclass(frozen=True)
class WorkloadRow:
    code: str
    name: str | None
    received: int
    open: int
    closed: int
    closed_on_time: int
    on_time_rate: float | None
    overdue: int
    returned: int
    reworked: int
    handling_hours_p50: float | None
    handling_hours_p90: float | None
    per_1000_residents: float | None
    open_per_worker: float | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def gini(values: Iterable[float]) -> float | None:
    """Gini coefficient of non-negative values (0 = equal, → 1 = concentrated)."""
    x = np.sort(np.asarray(list(values), dtype=float))
    if len(x) == 0 or x.sum() == 0:
        return None if len(x) == 0 else 0.0
    n = len(x)
    return float((2 * np.arange(1, n + 1) - n - 1) @ x / (n * x.sum()))


def coefficient_of_variation(values: Iterable[float]) -> float | None:
    """Population standard deviation ÷ mean (None when the mean is 0 or no values)."""
    x = np.asarray(list(values), dtype=float)
    if len(x) == 0 or x.mean() == 0:
        return None
    return float(x.std() / x.mean())


def _round(value: SupportsFloat | None, digits: int = 4) -> float | None:
    return None if value is None or value != value else round(float(value), digits)


def build_rows(
    counts: Iterable[CountsRow],
    *,
    names: Mapping[str, str | None],
    population: Mapping[str, int],
    workers: Mapping[str, int],
    keys: Iterable[str] = (),
) -> list[WorkloadRow]:
    """Report rows from the store's counts.

    ``counts`` are tuples ``(code, received, open, closed, closed_on_time, overdue, returned,
    reworked, p50, p90)``; ``population`` and ``workers`` give residents and workers per code
    (absent: the rate is None). ``keys`` lists codes that get a row even with no cases.
    """
    by_code = {str(c[0]): c for c in counts}
    out = []
    for code in sorted(set(by_code) | set(keys)):
        empty: CountsRow = (code, 0, 0, 0, 0, 0, 0, 0, None, None)
        c = by_code.get(code, empty)
        received, open_, closed, on_time, overdue, returned, reworked = (int(v) for v in c[1:8])
        denominator = closed + overdue
        pop = population.get(code)
        staff = workers.get(code)
        out.append(
            WorkloadRow(
                code=code,
                name=names.get(code),
                received=received,
                open=open_,
                closed=closed,
                closed_on_time=on_time,
                on_time_rate=_round(on_time / denominator) if denominator else None,
                overdue=overdue,
                returned=returned,
                reworked=reworked,
                handling_hours_p50=_round(c[8], 2),
                handling_hours_p90=_round(c[9], 2),
                per_1000_residents=_round(received * 1000 / pop) if pop else None,
                open_per_worker=_round(open_ / staff) if staff else None,
            )
        )
    return out


def imbalance(rows: Iterable[WorkloadRow]) -> dict[str, float | None]:
    """CV and Gini of open cases per worker across ``rows`` (rows without workers left out)."""
    values = [r.open_per_worker for r in rows if r.open_per_worker is not None]
    return {"cv": _round(coefficient_of_variation(values)), "gini": _round(gini(values))}
