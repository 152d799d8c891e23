"""Party-building figures for one community or grid.

``members_per_1000`` is members per 1,000 residents (the boundary set's ``population``);
None when the population is unknown or zero. Hours are decimal hours.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PartyFigures:
    """For a community: members reported to it. For a grid: distinct members holding a
    post in it."""

    level: str  # "community" | "grid"
    code: str
    name: str | None
    population: int | None
    organisations: int
    members: int
    posts: int
    posts_filled: int
    hours: float

    @property
    def members_per_1000(self) -> float | None:
        if not self.population:
            return None
        return round(self.members * 1000 / self.population, 3)


LEVELS = ("community", "grid")
