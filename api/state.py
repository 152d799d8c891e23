"""What the running app holds: the store (its connection pool), the locator, the case service,
the district's time zone.

Opened once in the app's lifespan and closed at shutdown; nothing here runs at import time.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo

from api.auth.throttle import Throttle
from api.auth.tokens import hash_token
from api.boundary_cache import BoundaryCache
from api.errors import InFlight
from api.settings import Settings
from geo.cases.model import Case
from geo.cases.service import CaseService, Intake
from geo.cases.workflow import Actor
from geo.gazetteer import StoredGazetteer
from geo.locate.locator import Locator
from geo.store import Store, open_store
from geo.store.records import TokenRecord

GAZETTEER_TTL_S = 60.0  # a new gazetteer import is used within this many seconds


def scoped_key(owner: str | None, key: str | None) -> str | None:
    """The stored form of an Idempotency-Key sent by the token ``owner`` (None: unscoped).

    Token ids are hex and never hold ``:``, so two owners' keys never meet.
    """
    if not key:
        return None
    scope = owner or "*"
    if ":" in scope:
        raise ValueError(f"an owner id holds no ':' ({scope!r})")
    return f"{scope}:{key}"


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
    # Failed sign-ins per client address (api.auth.throttle), in this process.
    throttle: Throttle = field(default_factory=Throttle)
    in_flight: set[str] = field(default_factory=set)
    in_flight_lock: threading.Lock = field(default_factory=threading.Lock)

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

    def file_case(
        self, req: Intake, actor: Actor, *, owner: str | None = None
    ) -> tuple[Case, bool]:
        """File ``req``; True when an earlier request with its Idempotency-Key is replayed.

        A key belongs to its caller: it is stored as ``owner:key`` with ``owner`` the id of
        the API token that sent it (a console session's token included), so the same key
        from another token is another request and never returns the first caller's case.
        Requests without an owner share the ``*`` scope. A second request with a key whose
        first is still running is refused (409), so one process never files two cases for
        one key.
        """
        key = scoped_key(owner, req.idempotency_key)
        if key:
            req = replace(req, idempotency_key=key)
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

    def token(self, token: str) -> TokenRecord | None:
        """The active token record for ``token``, looked up by hash in the store.

        Not cached: a revocation (by any process, or the CLI) refuses the very next request.
        The look-up is one indexed read (about 0.5 ms on a local PostGIS).
        """
        record = self.store.token_by_hash(hash_token(token))
        return record if record is not None and record.active else None
