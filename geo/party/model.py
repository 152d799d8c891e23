"""Party-building records: organisations, members, service posts, claims and hours.

Organisations are party organisations (党委 … 功能型党小组) or social organisations, with an
optional point in WGS84 (lon, lat degrees) and the grid and community that cover it. A member
reports to one community (到社区报到) and claims service posts that community publishes in one
of its grids; hours are logged per activity against a claimed post.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

# Organisation kinds: code -> (Chinese name, English name). A fixed list.
ORG_KINDS: dict[str, tuple[str, str]] = {
    "party_committee": ("党委", "party committee"),
    "general_branch": ("党总支", "general party branch"),
    "branch": ("党支部", "party branch"),
    "building_group": ("楼栋党小组", "building party group"),
    "functional_group": ("功能型党小组", "functional party group"),
    "social_org": ("社会组织", "social organisation"),
}

# Service post kinds: code -> (Chinese name, English name).
POST_KINDS: dict[str, tuple[str, str]] = {
    "policy_outreach": ("政策宣传", "policy and law outreach"),
    "assistance": ("帮困", "help for families in need"),
    "civility": ("文明劝导", "civility persuasion"),
    "volunteer": ("志愿服务", "volunteer service"),
}


@dataclass(frozen=True)
class Organisation:
    """``code`` is the organisation's own identifier (unique); ``parent_code`` another one's.
    ``lon``/``lat`` WGS84 degrees, or both None; grid and community from the generation
    ``generation`` (None when there is no point or it is outside every grid)."""

    id: int | None
    code: str
    name: str
    kind: str
    parent_code: str | None
    lon: float | None
    lat: float | None
    generation: int | None
    community_code: str | None
    grid_code: str | None
    illustrative: bool = False


@dataclass(frozen=True)
class Member:
    """A party member or volunteer. ``org_code`` is the home organisation (may be one not
    held here, e.g. a government body's branch); ``community_code`` the community reported
    to; ``skills`` a tuple of free words. Name and phone are personal data."""

    id: int | None
    name: str
    phone: str | None
    org_code: str | None
    community_code: str
    skills: tuple[str, ...]
    reported_on: date


@dataclass(frozen=True)
class Post:
    """A service post (岗位) a community publishes in one of its grids, with ``slots``
    places. ``claimed`` is how many members hold it (filled when ``claimed >= slots``)."""

    id: int | None
    community_code: str
    grid_code: str
    title: str
    kind: str
    slots: int
    published_at: datetime
    claimed: int = 0

    @property
    def filled(self) -> bool:
        return self.claimed >= self.slots


@dataclass(frozen=True)
class HoursEntry:
    """Hours (decimal hours, > 0) a member gave on ``day`` to a post they hold."""

    id: int | None
    post_id: int
    member_id: int
    day: date
    hours: float
    activity: str
