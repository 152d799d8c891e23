"""What dispatchers and workers do with cases: intake, workflow actions, reading, revealing.

Each operation is one store transaction: the guarded change, a version increment and an
append-only audit event land together or not at all. Rules come from
:mod:`geo.cases.workflow`, :mod:`geo.cases.assign` and :mod:`geo.worktime.calendar`; the store
only holds rows.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeAlias, Unpack

from geo.cache import CachedValue
from geo.cases.assign import Assignment, choose_assignee
from geo.cases.categories import Category
from geo.cases.media import check_media_url
from geo.cases.model import Case, CaseEvent
from geo.cases.preview import Preview
from geo.cases.search import CaseSearch
from geo.cases.selection import MapSelection
from geo.cases.workflow import INTAKE_ROLES, PLACE_ROLES, RULES, Actor, check, may_read, may_reveal
from geo.errors import (
    CoordinateError,
    DuplicateKeyError,
    IdempotencyConflictError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
    StaleVersionError,
    StoreError,
    WorkflowError,
)
from geo.gazetteer import Gazetteer
from geo.locate.locator import Locator
from geo.store import case_search
from geo.store.base import Store
from geo.store.casetx import CaseFilters, CaseTx
from geo.store.records import Located
from geo.worktime.calendar import WorkCalendar

CATEGORY_TTL_S = 30.0  # a changed time limit is used within this many seconds
SOURCES = ("hotline", "patrol", "app", "web", "video", "referral", "open311", "import")
MAX_DESCRIPTION = 4000
DUPLICATE_WINDOW = timedelta(hours=72)
EARTH_RADIUS_M = 6_371_008.8

# Intake fields added after fingerprints were first stored: hashed only when set.
_LATER = frozenset({"media_url"})

# Where a point falls: (generation, Located, WGS84 lon, lat, input lon, lat, input CRS).
Place: TypeAlias = tuple[int, Located, float, float, float, float, str]


@dataclass(frozen=True)
class Intake:
    """A new report. Location: (lon, lat) in ``crs``, or an ``address`` to be placed later."""

    category: str
    description: str = ""
    source: str = "hotline"
    lon: float | None = None
    lat: float | None = None
    crs: str = "wgs84"
    address: str | None = None
    reporter_name: str | None = None
    reporter_phone: str | None = None
    auto_dispatch: bool = False
    idempotency_key: str | None = None
    media_url: str | None = None  # a photo link (geo.cases.media)

    def fingerprint(self) -> str:
        """A hash of the content (not the key): the same key must come with the same one.
        A field added since fingerprints were first stored counts only when it is set, so a
        request without it hashes as it always did."""
        body = {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name != "idempotency_key"
            and not (f.name in _LATER and getattr(self, f.name) is None)
        }  # the fields are plain values: no deep copy
        return hashlib.sha256(
            json.dumps(body, sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()


def _distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres between two WGS84 points (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def _assigned_to(assignment: Assignment) -> dict[str, Any]:
    """The case columns that record ``assignment`` (someone was chosen)."""
    return {
        "assignee_id": assignment.worker_id,
        "assignee_name": assignment.worker_name,
        "assign_reason_code": assignment.reason_code,
        "assign_reason": assignment.reason,
    }


@dataclass
class CaseService:
    """Case operations over a store; ``now`` is injectable for tests (timezone-aware)."""

    store: Store
    locator: Locator
    calendar: WorkCalendar
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    # Where address-only reports are looked up; None: they all wait for a dispatcher.
    gazetteer: Callable[[], Gazetteer] | None = None
    _catalogue: CachedValue[dict[str, Category]] = field(
        default_factory=lambda: CachedValue(CATEGORY_TTL_S), init=False, repr=False
    )

    # -- catalogue ------------------------------------------------------------------------
    def load_categories(self, categories: list[Category]) -> None:
        with self.store.case_tx() as tx:
            tx.replace_categories(categories)
        self._catalogue.invalidate()

    def categories(self) -> dict[str, Category]:
        with self.store.case_tx() as tx:
            return {c.code: c for c in tx.categories()}

    def _category(self, tx: CaseTx, code: str) -> Category:
        """The category ``code``, from a copy of the catalogue kept for CATEGORY_TTL_S (an
        unknown code re-reads it at once, so a newly loaded category is found)."""

        def load() -> dict[str, Category]:
            return {c.code: c for c in tx.categories()}

        cats = self._catalogue.get(load)
        if code not in cats:
            cats = self._catalogue.get(load, fresh=True)
        if code not in cats:
            raise InputError(f"unknown category {code!r}", field="category")
        return cats[code]

    # -- intake ---------------------------------------------------------------------------
    def _check_intake(self, req: Intake) -> None:
        if req.source not in SOURCES:
            raise InputError(
                f"source {req.source!r} is not one of {', '.join(SOURCES)}", field="source"
            )
        if len(req.description or "") > MAX_DESCRIPTION:
            raise InputError(
                f"description has {len(req.description)} characters; at most {MAX_DESCRIPTION}",
                field="description",
            )
        if (req.lon is None) != (req.lat is None):
            raise InputError("give both lon and lat, or neither", field="location")
        if req.lon is None and not (req.address or "").strip():
            raise InputError("a case needs a location (lon, lat) or an address", field="location")
        check_media_url(req.media_url)

    def intake(self, req: Intake, actor: Actor) -> Case:
        """File a report as a case in ``reported`` (or further, with ``auto_dispatch``).

        A retry with the same idempotency key and content returns the same case; the same
        key with other content raises IdempotencyConflictError.
        """
        return self.file(req, actor)[0]

    def file(self, req: Intake, actor: Actor) -> tuple[Case, bool]:
        """:meth:`intake`, also saying whether an earlier request with the same idempotency
        key was replayed (True) rather than a case filed now (False)."""
        try:
            return self._intake(req, actor)
        except DuplicateKeyError:
            # Another request with this key committed between our look-up and our insert:
            # its transaction won; ours rolled back. Asking again returns (or refuses) it.
            return self._intake(req, actor)

    def _intake(self, req: Intake, actor: Actor) -> tuple[Case, bool]:
        if actor.role not in INTAKE_ROLES:
            raise PermissionDeniedError(f"a {actor.role} may not file cases")
        self._check_intake(req)
        now = self.now()
        fingerprint = req.fingerprint()  # of the report as it came, before any look-up
        if req.lon is None and self.gazetteer is not None:
            found = self.gazetteer().place(req.address or "")
            if found is not None:  # a confident match places the case; else it waits
                req = replace(req, lon=found.lon, lat=found.lat, crs="wgs84")
        place = (
            self._place(req.lon, req.lat, req.crs)
            if req.lon is not None and req.lat is not None  # both or neither (_check_intake)
            else None
        )
        with self.store.case_tx() as tx:
            category = self._category(tx, req.category)
            row: dict[str, Any] = {
                "status": "reported",
                "category": category.code,
                "description": req.description or "",
                "source": req.source,
                "address": req.address,
                "reporter_name": req.reporter_name,
                "reporter_phone": req.reporter_phone,
                "media_url": req.media_url,
                "reported_at": now,
                "idempotency_key": req.idempotency_key,
                "request_hash": fingerprint,
                **self._location_columns(place, req),
                "possible_duplicate_of": None,
                "assignee_id": None,
                "assignee_name": None,
                "assign_reason_code": None,
                "assign_reason": None,
                "registered_at": None,
                "due_at": None,
                "version": 1,
            }
            if place is not None:
                row["possible_duplicate_of"] = self._duplicate(tx, category, place, now)
            events = [self._event("intake", actor, None, "reported", now, req.source)]
            if req.auto_dispatch and place is not None:
                self._auto_dispatch(tx, row, category, actor, now, events)
            # The case is written as it ends up, with its trail: one statement on PostGIS.
            case_id = tx.insert_case(row, events)
            if case_id is None:  # the key was used before: that request's case, or refused
                key = req.idempotency_key
                earlier = None if key is None else tx.case_by_key(key)
                if earlier is None:  # only a stored key keeps a case from being written
                    raise StoreError(f"a case with idempotency key {key!r} was not written")
                if earlier.request_hash != fingerprint:
                    raise IdempotencyConflictError(
                        "this Idempotency-Key was used for a different request"
                    )
                return earlier, True
            return tx.inserted(case_id, row), False  # the row as written, not re-read

    @staticmethod
    def _event(
        action: str,
        actor: Actor,
        from_status: str | None,
        to_status: str | None,
        at: datetime,
        note: str | None,
    ) -> dict[str, Any]:
        return {
            "action": action,
            "actor_id": actor.id,
            "actor_role": actor.role,
            "from_status": from_status,
            "to_status": to_status,
            "at": at,
            "note": note,
        }

    def _place(self, lon: float, lat: float, crs: str) -> Place:
        """Where a point falls: (generation, Located, WGS84 lon, lat, input lon, lat, crs)."""
        generation = self.locator.generation()
        try:
            located, wlon, wlat = self.locator.locate_one(
                float(lon), float(lat), crs=crs, generation=generation
            )
        except (CoordinateError, TypeError, ValueError) as exc:
            raise InputError(f"location: {exc}", field="location") from exc
        return generation, located, wlon, wlat, float(lon), float(lat), crs

    def _location_columns(self, place: Place | None, req: Intake) -> dict[str, Any]:
        if place is None:
            return {
                "generation": None,
                "grid_code": None,
                "community_code": None,
                "lon": None,
                "lat": None,
                "input_lon": None,
                "input_lat": None,
                "input_crs": None,
                "unassigned": False,
                "needs_location": True,
            }
        generation, located, wlon, wlat, ilon, ilat, crs = place
        return {
            "generation": generation,
            "grid_code": located.grid_code,
            "community_code": located.community_code,
            "lon": wlon,
            "lat": wlat,
            "input_lon": ilon,
            "input_lat": ilat,
            "input_crs": crs,
            "unassigned": located.grid_code is None,
            "needs_location": False,
        }

    def _duplicate(self, tx: CaseTx, category: Category, place: Place, now: datetime) -> int | None:
        """The nearest open case of the same subclass within its radius, last 72 hours."""
        radius = category.duplicate_radius_m
        if radius <= 0:
            return None
        _, _, lon, lat, *_ = place
        dlat = radius / 111_000.0
        dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
        near = tx.recent_open(
            category=category.code,
            since=now - DUPLICATE_WINDOW,
            west=lon - dlon,
            east=lon + dlon,
            south=lat - dlat,
            north=lat + dlat,
        )
        best = min(((_distance_m(lon, lat, x, y), i) for i, x, y in near), default=None)
        return best[1] if best is not None and best[0] <= radius else None

    def preview(
        self,
        actor: Actor,
        *,
        lon: float,
        lat: float,
        crs: str = "wgs84",
        category: str | None = None,
    ) -> Preview:
        """What intake would decide for a report at (lon, lat) in ``crs``, writing nothing:
        the grid, the assignee auto-dispatch would choose now and the possible duplicate
        (these two only with a ``category``), by the same steps as :meth:`file`."""
        if actor.role not in INTAKE_ROLES:
            raise PermissionDeniedError(f"a {actor.role} may not file cases")
        now = self.now()
        place = self._place(lon, lat, crs)
        generation, located, wlon, wlat, *_ = place
        with self.store.case_tx() as tx:
            cat = self._category(tx, category) if category else None
            candidates = tx.candidates(located.community_code) if located.community_code else []
            assignment = (
                None
                if cat is None
                else choose_assignee(
                    grid_code=located.grid_code,
                    community_code=located.community_code,
                    class_code=cat.class_code,
                    candidates=candidates,
                )
            )
            duplicate = None if cat is None else self._duplicate(tx, cat, place, now)
        return Preview(generation, located, wlon, wlat, tuple(candidates), assignment, duplicate)

    def _auto_dispatch(
        self,
        tx: CaseTx,
        row: dict[str, Any],
        category: Category,
        actor: Actor,
        now: datetime,
        events: list[dict[str, Any]],
    ) -> None:
        """Register and dispatch (or queue) the new case ``row`` before it is written: its
        columns change in place, its audit events (register, then dispatch or queue) are
        appended to ``events``, and it counts as one change after intake (version 2)."""
        assignment = self._assignment(
            tx, row["grid_code"], row["community_code"], category, assignee_id=None
        )
        row.update(
            self._register(now, category),
            status="registered",
            version=2,
            assign_reason_code=assignment.reason_code,
            assign_reason=assignment.reason,
        )
        events.append(self._event("register", actor, "reported", "registered", now, None))
        if assignment.worker_id is None:  # nobody free: it waits in the community's queue
            events.append(
                self._event("queue", actor, "registered", "registered", now, assignment.reason)
            )
        else:
            row.update(status="dispatched", **_assigned_to(assignment))
            events.append(
                self._event("dispatch", actor, "registered", "dispatched", now, assignment.reason)
            )

    # -- actions --------------------------------------------------------------------------
    def act(
        self,
        case_id: int,
        action: str,
        actor: Actor,
        *,
        version: int,
        note: str | None = None,
        assignee_id: str | None = None,
    ) -> Case:
        """Take ``action`` on a case read at ``version``; a stale version is refused."""
        now = self.now()
        with self.store.case_tx() as tx:
            case = self._load(tx, case_id, actor, lock=True)
            if case.version != version:
                raise StaleVersionError(
                    f"case {case_id} is at version {case.version}, not {version}: reload it"
                )
            check(
                action,
                status=case.status,
                actor=actor,
                assignee_id=case.assignee_id,
                community_code=case.community_code,
                note=note,
            )
            category = self._category(tx, case.category)
            if action == "register" and case.needs_location:
                raise WorkflowError("place the case on the map before registering it")
            if action in ("dispatch", "reassign"):
                if action == "reassign" and assignee_id in (None, case.assignee_id):
                    raise InputError(
                        "name the worker to reassign the case to (not its current assignee)",
                        field="assignee_id",
                    )
                return self._dispatch(
                    tx,
                    case,
                    category,
                    actor,
                    now,
                    assignee_id=assignee_id,
                    note=note,
                    action=action,
                )
            decide: dict[str, Callable[[], dict[str, Any]]] = {
                "register": lambda: self._register(now, category),
                "reject": lambda: {},
                "return": lambda: {
                    "assignee_id": None,
                    "assign_reason_code": None,
                    "assign_reason": None,
                },
                "handle": lambda: {},
                "verify": lambda: {
                    "closed_at": now,
                    "closed_on_time": case.due_at is None or now <= case.due_at,
                    "handling_hours": self.calendar.working_hours_between(
                        case.registered_at or case.reported_at, now
                    ),
                },
                "rework": lambda: {},
                "suspend": lambda: {
                    "suspended_at": now,
                    "assignee_id": None,
                    "assign_reason_code": None,
                    "assign_reason": None,
                },
                "resume": lambda: self._resume(case, now),
            }
            changes = decide[action]()
            return self._transition(tx, case, action, actor, now, changes, note)

    def _register(self, now: datetime, category: Category) -> dict[str, Any]:
        return {"registered_at": now, "due_at": self.calendar.add(now, category.time_limit)}

    def _resume(self, case: Case, now: datetime) -> dict[str, Any]:
        """The clock stood still while suspended: push the due time by that working time."""
        due = case.due_at
        if due is not None and case.suspended_at is not None:
            due = self.calendar.resumed_due(due, case.suspended_at, now)
        return {"suspended_at": None, "due_at": due}

    def _transition(
        self,
        tx: CaseTx,
        case: Case,
        action: str,
        actor: Actor,
        now: datetime,
        changes: dict[str, Any],
        note: str | None,
    ) -> Case:
        target = RULES[action].target
        updated = tx.update_case(case, {**changes, "status": target})
        if updated is None:
            raise StaleVersionError(f"case {case.id} changed meanwhile: reload it")
        tx.add_event(
            case_id=case.id,
            action=action,
            actor_id=actor.id,
            actor_role=actor.role,
            from_status=case.status,
            to_status=target,
            at=now,
            note=note,
        )
        return updated

    def _assignment(
        self,
        tx: CaseTx,
        grid_code: str | None,
        community_code: str | None,
        category: Category,
        *,
        assignee_id: str | None,
    ) -> Assignment:
        """Who takes a case in ``grid_code`` of ``community_code``: the named worker (checked)
        or the policy's choice; holds the community's lock until the transaction ends, so caps
        are not overrun."""
        if assignee_id is None:
            candidates = (
                tx.assignment_candidates(community_code, grid_code, category.class_code)
                if community_code
                else []
            )
            return choose_assignee(
                grid_code=grid_code,
                community_code=community_code,
                class_code=category.class_code,
                candidates=candidates,
            )
        candidates = tx.candidates(community_code, lock=True) if community_code else []
        chosen = next((c for c in candidates if c.id == assignee_id), None)
        if chosen is None:
            worker = tx.worker(assignee_id)
            raise InputError(
                f"no worker {assignee_id!r}"
                if worker is None
                else f"{assignee_id} works in community {worker.community_code}, not "
                f"{community_code}",
                field="assignee_id",
            )
        if not chosen.has_room:
            raise WorkflowError(
                f"{chosen.name} is off duty"
                if not chosen.on_duty
                else f"{chosen.name} already has {chosen.open_cases} open cases (cap "
                f"{chosen.open_case_cap})"
            )
        return Assignment(
            chosen.id, chosen.name, "named", f"调度员指定 {chosen.name} / named by the dispatcher"
        )

    def _dispatch(
        self,
        tx: CaseTx,
        case: Case,
        category: Category,
        actor: Actor,
        now: datetime,
        *,
        assignee_id: str | None,
        note: str | None = None,
        action: str = "dispatch",
    ) -> Case:
        assignment = self._assignment(
            tx, case.grid_code, case.community_code, category, assignee_id=assignee_id
        )
        if assignment.worker_id is None:
            raise WorkflowError(f"nobody can take the case now: {assignment.reason}")
        return self._transition(
            tx, case, action, actor, now, _assigned_to(assignment), note or assignment.reason
        )

    def place(
        self,
        case_id: int,
        actor: Actor,
        *,
        version: int,
        lon: float,
        lat: float,
        crs: str = "wgs84",
    ) -> Case:
        """Put a case that came with only an address on the map (it stays ``reported``)."""
        if actor.role not in PLACE_ROLES:
            raise PermissionDeniedError(f"a {actor.role} may not place cases")
        now = self.now()
        place = self._place(lon, lat, crs)
        with self.store.case_tx() as tx:
            case = self._load(tx, case_id, actor, lock=True)
            if case.version != version:
                raise StaleVersionError(
                    f"case {case_id} is at version {case.version}, not {version}: reload it"
                )
            if case.status != "reported":
                raise WorkflowError(
                    f"only a reported case can be placed; this one is {case.status}"
                )
            changes = self._location_columns(place, Intake(category=case.category))
            changes["possible_duplicate_of"] = self._duplicate(
                tx, self._category(tx, case.category), place, now
            )
            updated = tx.update_case(case, changes)
            if updated is None:
                raise StaleVersionError(f"case {case.id} changed meanwhile: reload it")
            tx.add_event(
                case_id=case.id,
                action="place",
                actor_id=actor.id,
                actor_role=actor.role,
                from_status=case.status,
                to_status=case.status,
                at=now,
                note=f"{lon}, {lat} ({crs})",
            )
            return updated

    # -- reading --------------------------------------------------------------------------
    def _load(self, tx: CaseTx, case_id: int, actor: Actor, *, lock: bool = False) -> Case:
        """The case, if ``actor`` may see it; a case a worker may not see does not exist."""
        case = tx.case(case_id, lock=lock)
        if case is None or not may_read(actor, case.community_code):
            raise NotFoundError(f"there is no case {case_id}")
        return case

    def get(self, case_id: int, actor: Actor) -> Case:
        with self.store.case_tx() as tx:
            return self._load(tx, case_id, actor)

    def find(self, actor: Actor, **filters: Unpack[CaseFilters]) -> list[Case]:
        """Cases the actor may read matching ``filters`` (see CaseTx.cases)."""
        if actor.role == "worker":
            if filters.get("community") not in (None, actor.community_code):
                return []
            filters["community"] = actor.community_code
        filters.setdefault("now", self.now())
        with self.store.case_tx() as tx:
            return tx.cases(**filters)

    def map_cases(
        self,
        actor: Actor,
        *,
        community: str,
        since: datetime,
        until: datetime,
        limit: int,
        public_only: bool = False,
    ) -> MapSelection:
        """The cases of ``community`` a map shows ``actor`` (see CaseTx.map_cases): every
        open one first, then the latest finished ones, ``limit`` in all."""
        if not may_read(actor, community):
            return MapSelection([], 0, 0)
        with self.store.case_tx() as tx:
            return MapSelection(
                *tx.map_cases(
                    community=community,
                    since=since,
                    until=until,
                    limit=limit,
                    public_only=public_only,
                )
            )

    def search(
        self, actor: Actor, search: CaseSearch, *, after: int, limit: int
    ) -> tuple[list[Case], int]:
        """The first ``limit`` cases the actor may read matching ``search`` with an id above
        ``after`` (by id), and how many match in all (whatever ``after``)."""
        if actor.role == "worker":
            if search.community not in (None, actor.community_code):
                return [], 0
            search = replace(search, community=actor.community_code)
        with self.store.case_tx() as tx:
            page = case_search.find_page(tx, search, after=after, limit=limit)
            return page, case_search.count(tx, search)

    def events(self, case_id: int, actor: Actor) -> list[CaseEvent]:
        self.get(case_id, actor)
        with self.store.case_tx() as tx:
            return tx.events(case_id)

    def reveal_reporter(self, case_id: int, actor: Actor) -> tuple[str | None, str | None]:
        """The reporter's name and phone, unmasked, for roles that may see them; audited."""
        now = self.now()
        with self.store.case_tx() as tx:
            case = self._load(tx, case_id, actor)
            if not may_reveal(actor, assignee_id=case.assignee_id):
                raise PermissionDeniedError(
                    "only admins, dispatchers and the assigned worker may see the reporter"
                )
            tx.add_event(
                case_id=case.id,
                action="reveal_reporter",
                actor_id=actor.id,
                actor_role=actor.role,
                from_status=case.status,
                to_status=case.status,
                at=now,
                note=None,
            )
            return case.reporter_name, case.reporter_phone
