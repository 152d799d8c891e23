"""A sample of a community's cases for a map, with what it was chosen from."""

from __future__ import annotations

from dataclasses import dataclass

from geo.cases.model import Case
from geo.cases.workflow import FINAL_STATES


@dataclass(frozen=True)
class MapSelection:
    """Cases chosen for a community's map: every open case first, then the latest finished
    (closed or rejected) ones, up to a cap. ``open_total`` and ``finished_total`` count the
    cases they were chosen from, so a legend can say how many of each are shown."""

    cases: list[Case]
    open_total: int
    finished_total: int

    @property
    def open_shown(self) -> int:
        return sum(1 for c in self.cases if c.status not in FINAL_STATES)

    @property
    def finished_shown(self) -> int:
        return len(self.cases) - self.open_shown
