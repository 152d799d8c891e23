"""Point → grid and community over a store, answered in process.

The database stays the source of truth: a :class:`Locator` reads a generation's grids from
the store once and builds a :class:`~geo.locate.index.LocateIndex` over them (generations never
change once stored, so an index never goes stale; a newly activated generation simply gets
its own). Which generation is active is asked of the store at most once a second.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from geo import coords
from geo.cache import Cache, CachedValue
from geo.errors import NotFoundError
from geo.locate.index import LocateIndex
from geo.store.base import Store
from geo.store.records import Located


@dataclass(frozen=True)
class GenerationIndex:
    """A generation's index and what an index position means (codes, communities)."""

    generation: int
    index: LocateIndex
    grid_codes: np.ndarray  # object array of str
    community_codes: np.ndarray  # object array of str, per grid
    community_names: dict[str, str]

    def located(self, position: int) -> Located:
        if position < 0:
            return Located(None, None, None)
        cc = self.community_codes[position]
        return Located(self.grid_codes[position], cc, self.community_names.get(cc))


class Locator:
    """Locates WGS84, CGCS2000, GCJ-02 or BD-09 points in a store's boundary generations."""

    def __init__(
        self,
        store: Store,
        *,
        keep: int = 4,
        recheck_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``keep``: generations whose index is kept (the least recently used goes first);
        ``recheck_s``: seconds the active generation is taken as known."""
        self.store = store
        self._indexes: Cache[int, GenerationIndex] = Cache(max_entries=keep, clock=clock)
        self._active: CachedValue[int | None] = CachedValue(recheck_s, clock=clock)

    def generation(self, *, generation: int | None = None, at: datetime | None = None) -> int:
        """The generation asked for, or the one active at ``at``, or the active one now."""
        if generation is not None:
            return generation
        if at is not None:
            found = self.store.active_generation(at=at)
        else:
            found = self._active.get(self.store.active_generation)
        if found is None:
            when = f" at {at.isoformat()}" if at else ""
            raise NotFoundError(f"no boundary generation was active{when}; run `gridmgr init`")
        return found

    def index(self, generation: int) -> GenerationIndex:
        """The index of ``generation``, built on first use (a few seconds for ~1,250 grids)."""
        return self._indexes.get(generation, lambda: self._build(generation))

    def _build(self, generation: int) -> GenerationIndex:
        grids = self.store.grids(generation)
        names = {c.code: c.name for c in self.store.communities(generation)}
        return GenerationIndex(
            generation=generation,
            index=LocateIndex.build([g.code for g in grids], [g.geom for g in grids]),
            grid_codes=np.array([g.code for g in grids], dtype=object),
            community_codes=np.array([g.community_code for g in grids], dtype=object),
            community_names=names,
        )

    def locate_one(
        self,
        lon: float,
        lat: float,
        *,
        crs: str = "wgs84",
        generation: int | None = None,
        at: datetime | None = None,
    ) -> tuple[Located, float, float]:
        """The grid covering one point, and the point in WGS84 (lon, lat degrees).

        Raises CoordinateError for a NaN, infinite or out-of-range coordinate.
        """
        wlon, wlat = coords.to_wgs84(float(lon), float(lat), crs)
        gi = self.index(self.generation(generation=generation, at=at))
        return gi.located(gi.index.locate_one(wlon, wlat)), wlon, wlat

    def locate(
        self,
        lon: np.ndarray,
        lat: np.ndarray,
        *,
        generation: int | None = None,
        at: datetime | None = None,
    ) -> tuple[GenerationIndex, np.ndarray]:
        """Index positions (-1 unassigned) for WGS84 (lon, lat) arrays, vectorised."""
        gi = self.index(self.generation(generation=generation, at=at))
        return gi, gi.index.locate(lon, lat)
