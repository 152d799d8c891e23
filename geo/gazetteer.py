"""Address → point lookup over a gazetteer of standard addresses.

A lookup is exact on the normalised address first (score 100), then fuzzy (rapidfuzz's
``fuzz.ratio`` on the normalised text, 0–100). Only a best score at or above ``threshold``
places a case; below it the case waits for a dispatcher, with the candidates to choose from.
Points are WGS84 (lon, lat degrees). Addresses are compared without the leading ``prefixes``
given (see :func:`geo.address.normalise`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from geo.address import normalise
from geo.cache import CachedValue

DEFAULT_THRESHOLD = 90.0


@dataclass(frozen=True)
class Entry:
    address: str
    lon: float
    lat: float


@dataclass(frozen=True)
class Match:
    address: str
    lon: float
    lat: float
    score: float


class Gazetteer:
    """An in-memory index of standard addresses, by their normalised form."""

    def __init__(self, entries: Iterable[Entry], *, prefixes: Sequence[str] = ()) -> None:
        self.prefixes = tuple(prefixes)
        self._by_key: dict[str, Entry] = {}
        for e in entries:
            key = normalise(e.address, self.prefixes)
            if key:
                self._by_key.setdefault(key, e)
        self._keys = list(self._by_key)

    def __len__(self) -> int:
        return len(self._keys)

    def lookup(self, address: str, *, limit: int = 5) -> list[Match]:
        """Up to ``limit`` candidates, best first (an exact match alone scores 100)."""
        key = normalise(address, self.prefixes)
        if not key:
            return []
        exact = self._by_key.get(key)
        if exact is not None:
            return [Match(exact.address, exact.lon, exact.lat, 100.0)]
        found = process.extract(key, self._keys, scorer=fuzz.ratio, limit=limit)
        return [
            Match(e.address, e.lon, e.lat, round(float(score), 1))
            for k, score, _ in found
            for e in (self._by_key[k],)
        ]

    def place(self, address: str, *, threshold: float = DEFAULT_THRESHOLD) -> Match | None:
        """The best candidate if it scores at least ``threshold``, else None."""
        best = self.lookup(address, limit=1)
        return best[0] if best and best[0].score >= threshold else None


class StoredGazetteer:
    """The current :class:`Gazetteer` over the entries ``read`` returns (e.g. a store's
    ``gazetteer``), read again once ``ttl_s`` seconds old; call it to get one."""

    def __init__(
        self,
        read: Callable[[], Iterable[Entry]],
        *,
        prefixes: Sequence[str] = (),
        ttl_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._read = read
        self.prefixes = tuple(prefixes)
        self._kept: CachedValue[Gazetteer] = CachedValue(ttl_s, clock=clock)

    def _load(self) -> Gazetteer:
        return Gazetteer(self._read(), prefixes=self.prefixes)

    def __call__(self, *, fresh: bool = False) -> Gazetteer:
        """The gazetteer, read at most ``ttl_s`` seconds ago (or now, if ``fresh``)."""
        return self._kept.get(self._load, fresh=fresh)
