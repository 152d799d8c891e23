"""The records the store speaks in: boundary generations, communities and grids, workers,
locate answers, and sign-in records (API tokens, console sessions).

Geometries are shapely objects in EPSG:4326 (lon, lat degrees); times are timezone-aware. Of
sign-in secrets only hashes are stored; making and checking them is ``api.auth``'s work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from shapely.geometry.base import BaseGeometry


@dataclass(frozen=True)
class Generation:
    """A stored boundary set. ``activations`` lists when it became active, oldest first."""

    id: int
    label: str
    source: str
    created_at: datetime
    community_count: int
    grid_count: int
    activations: tuple[datetime, ...] = ()
    active: bool = False


@dataclass(frozen=True)
class CommunityRecord:
    generation: int
    code: str
    name: str
    population: int | None
    households: int | None
    geom: BaseGeometry
    illustrative: bool = False  # from the bundled demonstration set, not a district's own


@dataclass(frozen=True)
class GridRecord:
    generation: int
    code: str
    community_code: str
    name: str | None
    population: int | None
    households: int | None
    geom: BaseGeometry
    illustrative: bool = False  # from the bundled demonstration set, not a district's own


@dataclass(frozen=True)
class Worker:
    """A grid worker (``grid_worker``, one home grid) or community staff member."""

    id: str
    name: str
    role: str  # "grid_worker" | "community_staff"
    community_code: str
    home_grid_code: str | None = None
    phone: str | None = None
    skills: tuple[str, ...] = field(default_factory=tuple)  # category classes they handle
    on_duty: bool = True
    open_case_cap: int = 20


@dataclass(frozen=True)
class Located:
    """Where a point fell: the grid and community covering it, or none (``unassigned``)."""

    grid_code: str | None
    community_code: str | None
    community_name: str | None = None

    @property
    def status(self) -> str:
        return "assigned" if self.grid_code else "unassigned"


@dataclass(frozen=True)
class TokenRecord:
    """An API token: its id, role, and for a worker token the worker and community."""

    id: str
    role: str
    name: str
    community_code: str | None
    worker_id: str | None
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class SessionRecord:
    """A live console session: the token it acts as, its CSRF token and its lifetime."""

    token: TokenRecord
    csrf: str
    created_at: datetime
    expires_at: datetime
