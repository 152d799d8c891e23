"""What the running app holds: the store (its connection pool), the locator, the case service,
the district's time zone.

Opened once in the app's lifespan and closed at shutdown; nothing here runs at import time.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from api.auth.tokens import hash_token
from api.boundary_cache import BoundaryCache
from api.errors import InFlight
from api.settings import Settings
from geo.cache import Cache
from geo.cases.model import Case
from geo.cases.service import CaseService, Intake
from geo.cases.workflow import Actor
from geo.gazetteer import StoredGazetteer
from geo.locate.locator import Locator
from geo.store import Store, open_store
from geo.store.records import TokenRecord

TOKEN_CACHE_S = 5.0  # a revoked token stops working within this many seconds
TOKENS_KEPT = 10_000  # token answers cached at most
GAZETTEER_TTL_S = 60.0  # a new gazetteer import is used within this many seconds
MISS = object()  # cached_token's answer when the store must be asked


@dataclass
class AppState:
    settings: Settings
    store: Store
    locator: Locator
    cases: CaseService
    boundaries: BoundaryCache
    gazetteer: StoredGazetteer  # call it for the current Gazetteer
    # The district's time zone (GRIDMGR_TIME_ZONE): times are shown in it, and a date or time
    # without an offset in a query means its wall clock. The case service's calendar uses it.
    tz: ZoneInfo
    in_flight: set[str] = field(default_factory=set)
    in_flight_lock: threading.Lock = field(default_factory=threading.Lock)
    # Token hash -> its active record, or None for an unknown or revoked token.
    tokens: Cache[str, TokenRecord | None] = field(
        default_factory=lambda: Cache(TOKEN_CACHE_S, max_entries=TOKENS_KEPT)
    )

    @classmethod
    def open(cls, settings: Settings) -> AppState:
        calendar = settings.calendar()  # a bad setting fails before the store is opened
        store = open_store(
            settings.database(),
            connections=settings.pool_size(),
            statement_timeout_s=settings.db_statement_timeout,
        )
        locator = Locator(store)
        gazetteer = StoredGazetteer(
            store.gazetteer, prefixes=settings.address_prefix_list(), ttl_s=GAZETTEER_TTL_S
        )
        return cls(
            settings=settings,
            store=store,
            locator=locator,
            cases=CaseService(store, locator, calendar, gazetteer=gazetteer),
            boundaries=BoundaryCache(store),
            gazetteer=gazetteer,
            tz=calendar.tz,
        )

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

    def cached_token(self, token: str) -> TokenRecord | None | object:
        """The cached answer for ``token`` (a record or None), or MISS when stale or absent."""
        return self.tokens.peek(hash_token(token), MISS)

    def token(self, token: str) -> TokenRecord | None:
        """The active token record for ``token``, looked up by hash (cached briefly)."""
        digest = hash_token(token)

        def load() -> TokenRecord | None:
            record = self.store.token_by_hash(digest)
            return record if record is not None and record.active else None

        return self.tokens.get(digest, load)
