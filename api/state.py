"""What the running app holds: the store (its connection pool), the locator, the case service.

Opened once in the app's lifespan and closed at shutdown; nothing here runs at import time.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from api.auth.tokens import hash_token
from api.boundary_cache import BoundaryCache
from api.errors import InFlight
from api.settings import Settings
from geo.cases.model import Case
from geo.cases.service import CaseService, Intake
from geo.cases.workflow import Actor
from geo.gazetteer import Gazetteer
from geo.locate.locator import Locator
from geo.store import Store, open_store
from geo.store.records import TokenRecord

TOKEN_CACHE_S = 5.0  # a revoked token stops working within this many seconds
GAZETTEER_TTL_S = 60.0  # a new gazetteer import is used within this many seconds
MISS = object()  # cached_token's answer when the store must be asked


@dataclass
class AppState:
    settings: Settings
    store: Store
    locator: Locator
    cases: CaseService
    boundaries: BoundaryCache
    in_flight: set[str] = field(default_factory=set)
    in_flight_lock: threading.Lock = field(default_factory=threading.Lock)
    _tokens: dict[str, tuple[float, TokenRecord | None]] = field(default_factory=dict)

    _gazetteer: tuple[float, Gazetteer] | None = None

    @classmethod
    def open(cls, settings: Settings) -> AppState:
        store = open_store(settings.database(), connections=settings.pool_size())
        locator = Locator(store)
        state = cls(
            settings,
            store,
            locator,
            CaseService(store, locator, settings.calendar()),
            BoundaryCache(store),
        )
        state.cases.gazetteer = state.gazetteer
        return state

    def gazetteer(self, *, fresh: bool = False) -> Gazetteer:
        """The gazetteer as stored, re-read at most once a minute (or now, if ``fresh``)."""
        now = time.monotonic()
        if fresh or self._gazetteer is None or now - self._gazetteer[0] > GAZETTEER_TTL_S:
            self._gazetteer = (now, Gazetteer(self.store.gazetteer()))
        return self._gazetteer[1]

    def warm_up(self) -> None:
        """Build the active generation's locate index now, not on the first request."""
        active = self.store.active_generation()
        if active is not None:
            self.locator.index(active)

    def close(self) -> None:
        self.store.close()

    def file_case(self, req: Intake, actor: Actor) -> tuple[Case, bool]:
        """File ``req``; True when an earlier request with its Idempotency-Key is replayed.

        A second request with a key whose first is still running is refused (409), so one
        process never files two cases for one key.
        """
        key = req.idempotency_key
        if key:
            with self.in_flight_lock:
                if key in self.in_flight:
                    raise InFlight("a request with this Idempotency-Key is still in progress")
                self.in_flight.add(key)
        try:
            return self.cases.file(req, actor)
        finally:
            if key:
                with self.in_flight_lock:
                    self.in_flight.discard(key)

    def cached_token(self, token: str):
        """The cached answer for ``token`` (a record or None), or MISS when stale or absent."""
        hit = self._tokens.get(hash_token(token))
        if hit is None or time.monotonic() - hit[0] > TOKEN_CACHE_S:
            return MISS
        return hit[1]

    def token(self, token: str) -> TokenRecord | None:
        """The active token record for ``token``, looked up by hash (cached briefly)."""
        digest = hash_token(token)
        now = time.monotonic()
        hit = self._tokens.get(digest)
        if hit is None or now - hit[0] > TOKEN_CACHE_S:
            record = self.store.token_by_hash(digest)
            hit = (now, record if record is not None and record.active else None)
            if len(self._tokens) > 10_000:
                self._tokens.clear()
            self._tokens[digest] = hit
        return hit[1]
