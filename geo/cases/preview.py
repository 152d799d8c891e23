"""What intake would do with a report at a point, before it is filed (nothing is written).

:meth:`geo.cases.service.CaseService.preview` fills a :class:`Preview` with the same steps
intake and auto-dispatch take: the point located in the active generation, the community's
candidates, :func:`geo.cases.assign.choose_assignee` and the duplicate search.
"""

from __future__ import annotations

from dataclasses import dataclass

from geo.cases.assign import Assignment, Candidate
from geo.store.records import Located


@dataclass(frozen=True)
class Preview:
    """Where a point falls (WGS84 lon, lat) and what filing a case there would decide now.

    ``assignment`` and ``duplicate_of`` need a category; they are None without one.
    """

    generation: int
    located: Located
    lon: float
    lat: float
    candidates: tuple[Candidate, ...]
    assignment: Assignment | None
    duplicate_of: int | None

    @property
    def grid_workers(self) -> tuple[Candidate, ...]:
        """The workers whose home grid is the point's grid (usually one)."""
        code = self.located.grid_code
        return tuple(c for c in self.candidates if code is not None and c.home_grid_code == code)
