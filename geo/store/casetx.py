"""Case operations inside one store transaction: the primitives the case service composes.

A :class:`CaseTx` wraps a cursor of an open transaction; everything done through it commits
or rolls back together. The rules (workflow, assignment, deadlines) live in ``geo.cases`` and
``geo.cases.assign``; this module only reads and writes rows.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import asdict, replace
from datetime import UTC, datetime
from typing import Any, TypedDict

from geo.cases.assign import NARROWING, Candidate
from geo.cases.categories import Category
from geo.cases.model import CASE_COLUMNS, Case, CaseEvent
from geo.errors import DuplicateKeyError
from geo.store import sql
from geo.store.records import Worker

EVENT_FIELDS = ("action", "actor_id", "actor_role", "from_status", "to_status", "at", "note")


_COMMENTED_PLACEHOLDER = re.compile(r"--[^\n]*\{\w+\}")


@functools.cache
def case_sql(backend: str, family: str, name: str) -> str:
    """The statement ``name`` of ``sql/<backend>/<family>.sql`` with its case column lists
    filled in from the definition (:meth:`geo.cases.columns.Columns.expand`): every statement
    that names the case's columns (here, and in bulk loads and imports) is read through this.
    ``{assignment_narrowing}`` becomes the assignment policy's rule (geo.cases.assign.NARROWING).
    Both are fixed text from code, never values."""
    text = sql.statements(backend, family)[name]
    if _COMMENTED_PLACEHOLDER.search(text):
        raise ValueError(f"{backend}/{family}.sql {name}: a placeholder inside a comment")
    return CASE_COLUMNS.expand(text, backend).replace("{assignment_narrowing}", NARROWING)


def _event_arrays(events: Sequence[dict[str, Any]]) -> dict[str, list[Any]]:
    """Events as one array per field (``actions``, ``ats``, ...) for an unnest on PostGIS."""
    return {f"{k}s": [e[k] for e in events] for k in EVENT_FIELDS}


class CaseFilters(TypedDict, total=False):
    """The filters of :meth:`CaseTx.cases`, by name (each optional)."""

    status: str | None
    community: str | None
    grid: str | None
    assignee: str | None
    category: str | None
    since: datetime | None
    until: datetime | None
    bbox: tuple[float, float, float, float] | None  # west, south, east, north (WGS84)
    overdue: bool | None
    now: datetime | None
    after: int
    limit: int
    newest: bool
    before: int | None


class CaseTx:
    """Row-level case operations on ``cur`` (a cursor inside a transaction)."""

    def __init__(self, cur: Any, backend: str, unique_violation: type[Exception]) -> None:
        self.cur = cur
        self.backend = backend
        self._unique_violation = unique_violation

    def _q(self, name: str) -> str:
        return case_sql(self.backend, "cases", name)

    def _run(self, *statements: tuple[str, dict[str, Any]]) -> None:
        """Run the named statements with their parameters in order, each a statement of its
        own (its own snapshot), in one round trip where the cursor can (PostGIS); the last
        one's rows are left to fetch."""
        run = getattr(self.cur, "run", None)
        if run is not None:
            run(
                [self._q(n) for n, _ in statements],
                {k: v for _, params in statements for k, v in params.items()},
            )
            return
        for name, params in statements:
            self.cur.execute(self._q(name), params)

    def _case_query(self, *where: str, lock: bool = False) -> str:
        """The case columns and then the named ``where`` statements, in order."""
        parts = [self._q("case_columns"), *(self._q(w) for w in where)]
        if lock:
            parts.append(self._q("for_update"))
        return "\n".join(parts)

    # catalogue
    def replace_categories(self, categories: Sequence[Category]) -> None:
        self.cur.execute(self._q("delete_categories"))
        self.cur.executemany(
            self._q("insert_category"),
            [{**asdict(c), "position": i} for i, c in enumerate(categories)],
        )

    def categories(self) -> list[Category]:
        self.cur.execute(self._q("categories"))
        return [Category(*row) for row in self.cur.fetchall()]

    # cases
    def insert_case(self, row: dict[str, Any], events: Sequence[dict[str, Any]]) -> int | None:
        """Insert a new case (``row``: at least the intake columns) with its first audit ``events``
        (dicts of add_event's arguments but case_id, in order); its id, or None when its
        idempotency key is already stored (then nothing is written).

        PostGIS does both in one statement that decides on the key itself (ON CONFLICT DO
        NOTHING: a concurrent request with the same key waits for the first to commit).
        DuckDB looks first; a concurrent insert that wins meanwhile raises DuplicateKeyError."""
        key = row["idempotency_key"]
        params = {k: row[k] for k in CASE_COLUMNS.intake}
        if self.backend == "postgis":
            params.update(_event_arrays(events))
        elif key and self.case_by_key(key) is not None:
            return None
        try:
            self.cur.execute(self._q("insert_case"), params)
        except self._unique_violation as exc:
            raise DuplicateKeyError(
                f"idempotency key {key!r} was just used by another request"
            ) from exc
        found = self.cur.fetchone()
        if found is None:
            return None
        case_id = int(found[0])
        if self.backend != "postgis":
            for e in events:
                self.add_event(case_id=case_id, **e)
        return case_id

    @staticmethod
    def inserted(case_id: int, row: dict[str, Any]) -> Case:
        """The case ``insert_case`` wrote from ``row``, without reading it back."""
        return CASE_COLUMNS.filled({**row, "id": case_id})

    def case(self, case_id: int, *, lock: bool = False) -> Case | None:
        self.cur.execute(self._case_query("where_id", lock=lock), {"id": case_id})
        row = self.cur.fetchone()
        return None if row is None else CASE_COLUMNS.record(row)

    def case_by_key(self, key: str) -> Case | None:
        self.cur.execute(self._case_query("where_key"), {"key": key})
        row = self.cur.fetchone()
        return None if row is None else CASE_COLUMNS.record(row)

    def cases(
        self,
        *,
        status: str | None = None,
        community: str | None = None,
        grid: str | None = None,
        assignee: str | None = None,
        category: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        bbox: tuple[float, float, float, float] | None = None,
        overdue: bool | None = None,
        now: datetime | None = None,
        after: int = 0,
        limit: int = 100,
        newest: bool = False,
        before: int | None = None,
    ) -> list[Case]:
        """Cases matching every filter given, by id, the first ``limit`` after id ``after``;
        with ``newest``, newest first instead (reported_at, then id, both descending), the
        first ``limit`` that follow case ``before`` in that order (``after`` is not used).

        ``bbox`` is (west, south, east, north) in WGS84 degrees; ``overdue`` compares due
        times with ``now`` (a suspended case's clock stopped when it was suspended).
        """
        west, south, east, north = bbox if bbox else (None, None, None, None)
        cursor = {"before": before} if newest else {"after": after}
        self.cur.execute(
            self._case_query("where_filters", "page_newest" if newest else "page_by_id"),
            {
                "status": status,
                "community": community,
                "grid": grid,
                "assignee": assignee,
                "category": category,
                "since": since,
                "until": until,
                "west": west,
                "south": south,
                "east": east,
                "north": north,
                "overdue": overdue,
                "now": now or datetime.now(UTC),
                **cursor,
                "limit": limit,
            },
        )
        return [CASE_COLUMNS.record(row) for row in self.cur.fetchall()]

    def map_cases(
        self,
        *,
        community: str,
        since: datetime,
        until: datetime,
        limit: int,
        public_only: bool = False,
    ) -> tuple[list[Case], int, int]:
        """What a community's map draws (``sql/common/map_cases.sql``): every case of
        ``community`` open now (reported before ``until``), then the finished ones reported
        or closed in [since, until), newest finish first, ``limit`` in all; with the numbers
        of open and finished cases chosen from. ``public_only``: cases of public categories
        only."""
        chosen = {"community": community, "since": since, "until": until}
        chosen["public_only"] = public_only
        where = case_sql(self.backend, "map_cases", "where_map")
        self.cur.execute("\n".join([self._q("case_columns"), where]), {**chosen, "limit": limit})
        cases = [CASE_COLUMNS.record(row) for row in self.cur.fetchall()]
        self.cur.execute(case_sql(self.backend, "map_cases", "map_counts"), chosen)
        open_count, finished = self.cur.fetchone()
        return cases, int(open_count), int(finished)

    def update_case(self, case: Case, changes: dict[str, Any]) -> Case | None:
        """Write ``changes`` if the row still has ``case.version``: the case as it now is, or
        None if it moved on. Only the columns declared for ``update`` are written; a value read
        through a join (``assignee_name`` with ``assignee_id``) may come along, for display."""
        unknown = set(changes) - set(CASE_COLUMNS.update) - set(CASE_COLUMNS.derived)
        if unknown:
            raise ValueError(f"cannot update {sorted(unknown)}")
        row = {k: changes.get(k, getattr(case, k)) for k in (*CASE_COLUMNS.update, "id", "version")}
        self.cur.execute(self._q("update_case"), row)
        if self.backend == "duckdb":  # DuckDB answers an UPDATE with a row: the count
            done = int(self.cur.fetchone()[0]) == 1
        else:
            done = self.cur.rowcount == 1
        if not done:
            return None
        if "assignee_id" in changes and "assignee_name" not in changes:
            changes = {
                **changes,
                "assignee_name": None if changes["assignee_id"] is None else case.assignee_name,
            }
        # The row is what was written: no need to read it back.
        return replace(case, **changes, version=case.version + 1)

    def add_event(
        self,
        *,
        case_id: int,
        action: str,
        actor_id: str,
        actor_role: str,
        from_status: str | None,
        to_status: str | None,
        at: datetime,
        note: str | None = None,
    ) -> None:
        self.cur.execute(
            self._q("insert_event"),
            {
                "case_id": case_id,
                "action": action,
                "actor_id": actor_id,
                "actor_role": actor_role,
                "from_status": from_status,
                "to_status": to_status,
                "at": at,
                "note": note,
            },
        )

    def events(self, case_id: int) -> list[CaseEvent]:
        self.cur.execute(self._q("events"), {"case_id": case_id})
        return [CaseEvent(*row) for row in self.cur.fetchall()]

    # people
    def candidates(self, community_code: str, *, lock: bool = False) -> list[Candidate]:
        """The community's workers with their open-case counts. ``lock``: first take the
        community's lock (held to the end of the transaction, so two transactions never both
        see a worker under their cap), then count: two statements, one round trip where the
        cursor can send them together."""
        where = {"community": community_code}
        self._run(*([("lock_community", where)] if lock else []), ("candidates", where))
        return self._candidates()

    def assignment_candidates(
        self, community_code: str, grid_code: str | None, class_code: str
    ) -> list[Candidate]:
        """Of the community's workers, only those the assignment policy can choose or name
        for a case in ``grid_code`` of major class ``class_code`` (see choose_assignee): the
        grid's own and the least-loaded fitting one with room. Takes the community's lock
        first, like ``candidates(lock=True)``."""
        self._run(
            ("lock_community", {"community": community_code}),
            (
                "assignment_candidates",
                {"community": community_code, "grid": grid_code, "class": class_code},
            ),
        )
        return self._candidates()

    def _candidates(self) -> list[Candidate]:
        return [
            Candidate(
                id=r[0],
                name=r[1],
                community_code=r[2],
                home_grid_code=r[3],
                on_duty=bool(r[4]),
                open_case_cap=int(r[5]),
                skills=tuple(s for s in (r[6] or "").split(",") if s),
                open_cases=int(r[7]),
            )
            for r in self.cur.fetchall()
        ]

    def worker(self, worker_id: str) -> Worker | None:
        self.cur.execute(self._q("worker"), {"id": worker_id})
        r = self.cur.fetchone()
        if r is None:
            return None
        return Worker(
            id=r[0],
            name=r[1],
            role=r[2],
            community_code=r[3],
            home_grid_code=r[4],
            phone=r[5],
            skills=tuple(s for s in (r[6] or "").split(",") if s),
            on_duty=bool(r[7]),
            open_case_cap=int(r[8]),
        )

    def recent_open(
        self,
        *,
        category: str,
        since: datetime,
        west: float,
        east: float,
        south: float,
        north: float,
    ) -> list[tuple[int, float, float]]:
        self.cur.execute(
            self._q("recent_open"),
            {
                "category": category,
                "since": since,
                "west": west,
                "east": east,
                "south": south,
                "north": north,
            },
        )
        return [(int(r[0]), float(r[1]), float(r[2])) for r in self.cur.fetchall()]
