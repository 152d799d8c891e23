"""Values kept in memory for a while: one value (:class:`CachedValue`) or values by key
(:class:`Cache`), each loaded on first use and loaded again once older than ``ttl_s``.

Thread-safe. Loads run outside the cache's lock, so a slow load holds up only the callers
waiting for the same key (they share its result, the key is loaded once); other keys are
answered meanwhile. A value loaded before an :meth:`~Cache.invalidate` or
:meth:`~Cache.clear` is handed to its caller but not kept. Times are seconds of ``clock``
(``time.monotonic`` unless a test passes its own).
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
D = TypeVar("D")


class Cache(Generic[K, V]):
    """Values by key, each kept ``ttl_s`` seconds (forever when ``math.inf``) after its load.

    ``max_entries``: beyond this many keys the least recently used one is dropped.
    """

    def __init__(
        self,
        ttl_s: float = math.inf,
        *,
        max_entries: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not ttl_s >= 0:
            raise ValueError(f"ttl_s must be >= 0, not {ttl_s!r}")
        if max_entries is not None and max_entries < 1:
            raise ValueError(f"max_entries must be >= 1, not {max_entries!r}")
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()  # key -> (loaded at, value)
        self._loading: dict[K, threading.Lock] = {}
        self._epoch = 0  # counts invalidations: a load begun before one is not kept

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def _current(self, key: K, since: float) -> tuple[float, V] | None:
        """The entry for ``key`` if loaded after ``since`` and not expired (under the lock)."""
        entry = self._entries.get(key)
        if entry is None or entry[0] <= since or self._clock() - entry[0] > self.ttl_s:
            return None
        self._entries.move_to_end(key)
        return entry

    def get(self, key: K, load: Callable[[], V], *, fresh: bool = False) -> V:
        """The value kept for ``key``, or ``load()``'s (then kept) when there is none, it has
        expired, or ``fresh`` asks for one loaded after this call began."""
        since = self._clock() if fresh else -math.inf
        with self._lock:
            entry = self._current(key, since)
            if entry is not None:
                return entry[1]
            key_lock = self._loading.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                entry = self._current(key, since)  # loaded by another caller meanwhile?
                if entry is not None:
                    return entry[1]
                epoch, loaded_at = self._epoch, self._clock()
            try:
                value = load()
            finally:
                with self._lock:
                    if self._loading.get(key) is key_lock:
                        del self._loading[key]
            with self._lock:
                if epoch == self._epoch:
                    self._entries[key] = (loaded_at, value)
                    self._entries.move_to_end(key)
                    while self.max_entries is not None and len(self._entries) > self.max_entries:
                        self._entries.popitem(last=False)
            return value

    def peek(self, key: K, default: D) -> V | D:
        """The value kept for ``key`` if it has not expired, else ``default``; never loads."""
        with self._lock:
            entry = self._current(key, -math.inf)
            return default if entry is None else entry[1]

    def invalidate(self, key: K) -> None:
        """Forget ``key``'s value: the next :meth:`get` loads it again."""
        with self._lock:
            self._entries.pop(key, None)
            self._epoch += 1

    def clear(self) -> None:
        """Forget every value."""
        with self._lock:
            self._entries.clear()
            self._epoch += 1


class CachedValue(Generic[V]):
    """One value kept ``ttl_s`` seconds after its load (see :class:`Cache`)."""

    def __init__(
        self, ttl_s: float = math.inf, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._cache: Cache[None, V] = Cache(ttl_s, clock=clock)

    @property
    def ttl_s(self) -> float:
        return self._cache.ttl_s

    def get(self, load: Callable[[], V], *, fresh: bool = False) -> V:
        """The value kept, or ``load()``'s when there is none, it has expired, or ``fresh``
        asks for one loaded after this call began."""
        return self._cache.get(None, load, fresh=fresh)

    def invalidate(self) -> None:
        """Forget the value: the next :meth:`get` loads it again."""
        self._cache.invalidate(None)
