"""Choosing who handles a case: a pure function with an explained result.

Policy, in order:
1. the worker whose home grid is the case's grid, when on duty and under their open-case cap;
2. otherwise the community's least-loaded on-duty worker or staff member whose skills include
   the case's major class and who is under their cap (ties: the smaller id, in code-point
   order);
3. otherwise nobody: the case waits in the community's queue (or the district's, when the
   case has no community).
"Open cases" are the cases now dispatched to a person.

This module is the policy's one home. :func:`choose_assignee` applies it to candidates; a store
on the intake path fetches only the candidates it can name, by :data:`NARROWING` below, the
same rule stated once in SQL that both backends run (they differ only in how they count open
cases). A contract test checks, on both backends, that the choice from the narrowed
candidates is the choice from the whole roster: change the policy and the rule together.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    id: str
    name: str
    community_code: str
    home_grid_code: str | None
    on_duty: bool
    open_case_cap: int
    skills: tuple[str, ...]
    open_cases: int

    @property
    def has_room(self) -> bool:
        """On duty and under the open-case cap."""
        return self.on_duty and self.open_cases < self.open_case_cap

    def fits(self, class_code: str) -> bool:
        """Skilled in the major class ``class_code``."""
        return class_code in self.skills

    @property
    def load_order(self) -> tuple[int, str]:
        """Less loaded first; ties: the smaller id (Python compares text by code point)."""
        return (self.open_cases, self.id)


# The candidates a store may narrow a community's roster to, for a case in grid ``asked.grid_code``
# of major class ``asked.class_code``, without changing what choose_assignee picks: the grid's own
# workers (chosen first, or named in the reason they were passed over) and the first fitting
# worker with room in load order. SQL over two relations the statement defines before it:
# ``people`` (one row per worker of the community: id, name, community_code, home_grid_code,
# on_duty, open_case_cap, skills as comma-separated text, n = open cases) and ``asked`` (one
# row: grid_code, class_code). Portable as it is to PostgreSQL and DuckDB: strpos, and COLLATE "C"
# orders text by code point on both, like Python.
NARROWING = """(SELECT p.* FROM people p, asked a WHERE p.home_grid_code = a.grid_code)
UNION ALL
(SELECT p.* FROM people p, asked a
 WHERE p.on_duty AND p.n < p.open_case_cap
   AND strpos(',' || p.skills || ',', ',' || a.class_code || ',') > 0
 ORDER BY p.n, p.id COLLATE "C" LIMIT 1)"""


@dataclass(frozen=True)
class Assignment:
    """Who (or nobody) and why: a reason code and a sentence (Chinese, then English)."""

    worker_id: str | None
    worker_name: str | None
    reason_code: str
    reason: str


def choose_assignee(
    *,
    grid_code: str | None,
    community_code: str | None,
    class_code: str,
    candidates: Iterable[Candidate],
) -> Assignment:
    """Apply the policy above to ``candidates`` (any order; others' communities ignored)."""
    if community_code is None:
        return Assignment(
            None,
            None,
            "district_queue",
            "位置不在任何网格内，进入区级待派队列 / outside every grid: district queue",
        )
    local = sorted(
        (c for c in candidates if c.community_code == community_code), key=lambda c: c.id
    )
    own = [c for c in local if grid_code is not None and c.home_grid_code == grid_code]
    for c in own:
        if c.has_room:
            return Assignment(
                c.id,
                c.name,
                "grid_worker",
                f"本网格网格员 {c.name}（在办 {c.open_cases}/{c.open_case_cap}）"
                f" / the grid's own worker",
            )
    why_not = ""
    if own:
        c = own[0]
        why_not = (
            "本网格网格员不在岗"
            if not c.on_duty
            else f"本网格网格员已满额 {c.open_cases}/{c.open_case_cap}"
        )
        why_not += "；"
    fit = [c for c in local if c.has_room and c.fits(class_code)]
    if fit:
        best = min(fit, key=lambda c: c.load_order)
        return Assignment(
            best.id,
            best.name,
            "community_least_loaded",
            f"{why_not}社区内在办最少且擅长此类的 {best.name}"
            f"（在办 {best.open_cases}/{best.open_case_cap}）"
            " / least-loaded fitting person in the community",
        )
    return Assignment(
        None,
        None,
        "community_queue",
        f"{why_not}社区内暂无可派人员，进入社区待派队列 / nobody available: community queue",
    )
