"""The behaviour both SQL backends share; each supplies connections and its SQL files.

Backends differ in drivers, placeholder style and spatial function names, which live in
``geo/store/sql/<backend>/``; what a method means is written here once.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import asdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import shapely

from geo.address import normalise
from geo.errors import NotFoundError, SchemaTooNewError
from geo.facilities.model import Facility
from geo.gazetteer import Entry
from geo.store import sql
from geo.store.casetx import CaseTx
from geo.store.imports import ImportWrites
from geo.store.party import PartyWrites
from geo.store.records import (
    CommunityRecord,
    Generation,
    GridRecord,
    Located,
    SessionRecord,
    TokenRecord,
    Worker,
)

if TYPE_CHECKING:  # geopandas: imported by the commands that read boundary files
    from geo.boundaries.read import BoundarySet


def _opt_int(value: Any) -> int | None:
    if value is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if f != f else int(round(f))  # NaN -> None


def _opt_str(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    return str(value)


def _column(frame: Any, name: str, convert: Callable[[Any], Any]) -> list[Any]:
    """``frame[name]`` converted item by item; all None when the frame has no such column."""
    if name not in frame.columns:
        return [None] * len(frame)
    return [convert(v) for v in frame[name]]


def _illustrative(frame: Any) -> list[bool]:
    """Each feature's ``illustrative`` property (the bundled set marks every feature true);
    False where the frame has no such column or the value is not true."""
    if "illustrative" not in frame.columns:
        return [False] * len(frame)
    return [str(v).strip().lower() in ("true", "1") for v in frame["illustrative"]]


def _wkb(frame: Any) -> list[bytes]:
    """The geometries of ``frame`` as WKB (as stored: EPSG:4326, lon/lat)."""
    return [bytes(b) for b in shapely.to_wkb(frame.geometry.values)]


def _community_records(generation: int, rows: Sequence[Any]) -> list[CommunityRecord]:
    """Rows of the ``communities`` statements as records (geometry from WKB, EPSG:4326)."""
    return [
        CommunityRecord(
            generation, r[0], r[1], r[2], r[3], shapely.from_wkb(bytes(r[4])), bool(r[5])
        )
        for r in rows
    ]


def _grid_records(generation: int, rows: Sequence[Any]) -> list[GridRecord]:
    """Rows of the ``grids`` statements as records (geometry from WKB, EPSG:4326)."""
    return [
        GridRecord(
            generation, r[0], r[1], r[2], r[3], r[4], shapely.from_wkb(bytes(r[5])), bool(r[6])
        )
        for r in rows
    ]


class SqlStore(ImportWrites, PartyWrites, ABC):
    """A store over a DB-API connection; subclasses open it and run transactions."""

    backend: str
    unique_violation: type[Exception] = Exception  # the driver's error for a duplicate key

    # -- what a backend provides -------------------------------------------------------
    @abstractmethod
    def transaction(self) -> AbstractContextManager[Any]:
        """A cursor inside one transaction: committed on success, rolled back on error."""

    @abstractmethod
    def close(self) -> None: ...

    def _before_aggregate(self, cur: Any) -> None:
        """Set up ``cur``'s transaction for a report that sorts many rows (a backend's hook)."""

    def writer(self) -> AbstractContextManager[Any]:
        """Held around write transactions that must not interleave (see DuckStore)."""
        return nullcontext()

    @contextmanager
    def case_tx(self) -> Iterator[CaseTx]:
        """One transaction for case work: everything done through it lands together."""
        with self.writer(), self._case_transaction() as cur:
            yield CaseTx(cur, self.backend, self.unique_violation)

    def _case_transaction(self) -> AbstractContextManager[Any]:
        """The transaction case work runs in: :meth:`transaction` unless a backend has one
        made for the many small statements of case work."""
        return self.transaction()

    def _sql(self, family: str, name: str) -> str:
        return sql.statements(self.backend, family)[name]

    # -- schema ------------------------------------------------------------------------
    def migrate(self, scripts: Sequence[tuple[int, str, str]] | None = None) -> int:
        """Create or upgrade the schema; refuse a database written by a newer gridmgr.

        Returns the schema version now in force.
        """
        scripts = sql.migrations(self.backend) if scripts is None else scripts
        latest = max(v for v, _, _ in scripts)
        with self.transaction() as cur:
            cur.execute(self._sql("schema", "create_version_table"))
            cur.execute(self._sql("schema", "lock"))
            cur.execute(self._sql("schema", "current_version"))
            current = int(cur.fetchone()[0])
            if current > latest:
                raise SchemaTooNewError(
                    f"the {self.backend} database has schema version {current}, newer than "
                    f"the {latest} this gridmgr knows; upgrade gridmgr rather than downgrade "
                    "the database"
                )
            for version, _name, script in scripts:
                if version > current:
                    cur.execute(script)
                    cur.execute(self._sql("schema", "record_version"), {"version": version})
        return max(current, latest)

    def schema_version(self) -> int:
        with self.transaction() as cur:
            cur.execute(self._sql("schema", "current_version"))
            return int(cur.fetchone()[0])

    # -- boundary generations ------------------------------------------------------------
    def stage_generation(self, bset: BoundarySet, *, label: str = "") -> int:
        """Store a (validated) boundary set as a new, inactive generation; return its id.

        Communities and grids go in one statement each (columns as arrays), not one per row.
        """
        communities = bset.communities
        grids = bset.grids
        with self.transaction() as cur:
            cur.execute(
                self._sql("generations", "insert_generation"),
                {
                    "label": label,
                    "source": str(bset.source),
                    "community_count": len(communities),
                    "grid_count": len(grids),
                },
            )
            generation = int(cur.fetchone()[0])
            if len(communities):
                codes = [str(c) for c in communities["code"]]
                names = _column(communities, "name", _opt_str)
                cur.execute(
                    self._sql("generations", "insert_communities"),
                    {
                        "generation": generation,
                        "code": codes,
                        "name": [n or c for n, c in zip(names, codes, strict=True)],
                        "population": _column(communities, "population", _opt_int),
                        "households": _column(communities, "households", _opt_int),
                        "wkb": _wkb(communities),
                        "illustrative": _illustrative(communities),
                    },
                )
            if len(grids):
                cur.execute(
                    self._sql("generations", "insert_grids"),
                    {
                        "generation": generation,
                        "code": [str(c) for c in grids["code"]],
                        "community_code": [str(c) for c in grids["community_code"]],
                        "name": _column(grids, "name", _opt_str),
                        "population": _column(grids, "population", _opt_int),
                        "households": _column(grids, "households", _opt_int),
                        "wkb": _wkb(grids),
                        "illustrative": _illustrative(grids),
                    },
                )
        return generation

    def _require_generation(self, cur: Any, generation: int) -> None:
        cur.execute(self._sql("generations", "generation_exists"), {"generation": generation})
        if int(cur.fetchone()[0]) == 0:
            raise NotFoundError(f"there is no boundary generation {generation}")

    def activate_generation(self, generation: int, *, at: datetime | None = None) -> None:
        """Make ``generation`` the active one from ``at`` (default: now) on."""
        when = at or datetime.now(UTC)
        with self.transaction() as cur:
            self._require_generation(cur, generation)
            cur.execute(
                self._sql("generations", "insert_activation"),
                {"generation": generation, "at": when},
            )

    def active_generation(self, *, at: datetime | None = None) -> int | None:
        """The generation in force at ``at`` (default: now), or None before any activation."""
        with self.transaction() as cur:
            cur.execute(self._sql("generations", "active_at"), {"at": at or datetime.now(UTC)})
            row = cur.fetchone()
        return None if row is None else int(row[0])

    def list_generations(self) -> list[Generation]:
        active = self.active_generation()
        with self.transaction() as cur:
            cur.execute(self._sql("generations", "list_generations"))
            gens = cur.fetchall()
            cur.execute(self._sql("generations", "list_activations"))
            acts = cur.fetchall()
        by_gen: dict[int, list[datetime]] = {}
        for gen, when in acts:
            by_gen.setdefault(int(gen), []).append(when)
        return [
            Generation(
                id=int(g[0]),
                label=g[1],
                source=g[2],
                created_at=g[3],
                community_count=int(g[4]),
                grid_count=int(g[5]),
                activations=tuple(by_gen.get(int(g[0]), ())),
                active=int(g[0]) == active,
            )
            for g in gens
        ]

    def communities(self, generation: int) -> list[CommunityRecord]:
        with self.transaction() as cur:
            self._require_generation(cur, generation)
            cur.execute(self._sql("generations", "communities"), {"generation": generation})
            rows = cur.fetchall()
        return _community_records(generation, rows)

    def grids(self, generation: int) -> list[GridRecord]:
        with self.transaction() as cur:
            self._require_generation(cur, generation)
            cur.execute(self._sql("generations", "grids"), {"generation": generation})
            rows = cur.fetchall()
        return _grid_records(generation, rows)

    def active_boundaries(self) -> tuple[int, list[CommunityRecord], list[GridRecord]] | None:
        """The generation active now with its communities and grids, read in one transaction
        (one snapshot, one clock reading) without a bound parameter; None before any
        activation. For one-shot commands: see the statements' comment."""
        with self.transaction() as cur:
            cur.execute(self._sql("generations", "active_now"))
            row = cur.fetchone()
            if row is None:
                return None
            generation = int(row[0])
            cur.execute(self._sql("generations", "active_communities"))
            comms = cur.fetchall()
            cur.execute(self._sql("generations", "active_grids"))
            grids = cur.fetchall()
        return generation, _community_records(generation, comms), _grid_records(generation, grids)

    # -- the database's own locate -------------------------------------------------------
    def locate_in_database(
        self, lon: Sequence[float], lat: Sequence[float], *, generation: int
    ) -> list[Located]:
        """ST_Covers in the database for WGS84 (lon, lat) points; smallest code on a tie."""
        lons = [float(x) for x in lon]
        lats = [float(y) for y in lat]
        if not lons:
            return []
        with self.transaction() as cur:
            self._require_generation(cur, generation)
            cur.execute(
                self._sql("locate", "locate_many"),
                {"lon": lons, "lat": lats, "generation": generation},
            )
            rows = cur.fetchall()
        return [Located(r[1], r[2], r[3]) for r in rows]

    # -- service facilities -----------------------------------------------------------------
    def add_facilities(self, facilities: Sequence[Facility]) -> list[int]:
        """Insert facilities in one transaction; their new ids, in order."""
        ids = []
        with self.writer(), self.transaction() as cur:
            for f in facilities:
                row = {k: v for k, v in asdict(f).items() if k != "id"}
                cur.execute(self._sql("facilities", "insert"), row)
                ids.append(int(cur.fetchone()[0]))
        return ids

    def facilities(
        self,
        *,
        kind: str | None = None,
        community: str | None = None,
        facility_id: int | None = None,
    ) -> list[Facility]:
        with self.transaction() as cur:
            cur.execute(
                self._sql("facilities", "select"),
                {"id": facility_id, "kind": kind, "community": community},
            )
            return [Facility(*row) for row in cur.fetchall()]

    def _count_change(self, cur: Any) -> int:
        return int(cur.fetchone()[0]) if self.backend == "duckdb" else cur.rowcount

    def update_facility(self, facility: Facility) -> bool:
        with self.writer(), self.transaction() as cur:
            cur.execute(self._sql("facilities", "update"), asdict(facility))
            return self._count_change(cur) == 1

    def delete_facility(self, facility_id: int) -> bool:
        with self.writer(), self.transaction() as cur:
            cur.execute(self._sql("facilities", "delete"), {"id": facility_id})
            return self._count_change(cur) == 1

    # -- analytics ---------------------------------------------------------------------------
    def workload_rows(
        self,
        *,
        level: str,
        since: datetime,
        until: datetime,
        now: datetime,
        category_class: str | None = None,
        community: str | None = None,
    ) -> list[tuple[Any, ...]]:
        """Per key of ``level`` (community, grid, worker): received, open, closed,
        closed_on_time, overdue, returned, reworked, handling_hours p50, p90 — for cases
        reported/closed/acted on in [since, until); open and overdue as of ``now``.

        ``community`` (a community code) counts that community's cases only, at the cost of
        its own cases rather than the district's."""
        if level not in ("community", "grid", "worker"):
            raise ValueError(f"level {level!r}")
        with self.transaction() as cur:
            self._before_aggregate(cur)
            cur.execute(
                self._sql("workload", "workload"),
                {
                    "level": level,
                    "since": since,
                    "until": until,
                    "now": now,
                    "class": category_class,
                    "community": community,
                },
            )
            return [tuple(r) for r in cur.fetchall()]

    # -- gazetteer ---------------------------------------------------------------------------
    def replace_gazetteer(self, entries: Sequence[Entry]) -> int:
        """Replace the gazetteer with ``entries`` in one transaction; returns their number."""
        rows = [
            {"address": e.address, "normalised": normalise(e.address), "lon": e.lon, "lat": e.lat}
            for e in entries
        ]
        with self.writer(), self.transaction() as cur:
            cur.execute(self._sql("gazetteer", "delete"))
            if rows:
                cur.executemany(self._sql("gazetteer", "insert"), rows)
        return len(rows)

    def gazetteer(self) -> list[Entry]:
        with self.transaction() as cur:
            cur.execute(self._sql("gazetteer", "select"))
            return [Entry(r[0], float(r[1]), float(r[2])) for r in cur.fetchall()]

    # -- API tokens ----------------------------------------------------------------------
    def add_token(self, record: TokenRecord, token_hash: str) -> None:
        with self.transaction() as cur:
            cur.execute(
                self._sql("tokens", "insert_token"),
                {
                    "id": record.id,
                    "token_hash": token_hash,
                    "role": record.role,
                    "name": record.name,
                    "community_code": record.community_code,
                    "worker_id": record.worker_id,
                    "created_at": record.created_at,
                },
            )

    def token_by_hash(self, token_hash: str) -> TokenRecord | None:
        with self.transaction() as cur:
            cur.execute(self._sql("tokens", "by_hash"), {"token_hash": token_hash})
            row = cur.fetchone()
        return None if row is None else TokenRecord(*row)

    def tokens(self) -> list[TokenRecord]:
        with self.transaction() as cur:
            cur.execute(self._sql("tokens", "list"))
            return [TokenRecord(*row) for row in cur.fetchall()]

    def revoke_token(self, token_id: str, *, at: datetime | None = None) -> bool:
        """Revoke the token ``token_id``; False if there is none or it was revoked already."""
        with self.writer(), self.transaction() as cur:
            cur.execute(
                self._sql("tokens", "revoke"), {"id": token_id, "at": at or datetime.now(UTC)}
            )
            return self._count_change(cur) == 1

    # -- roster --------------------------------------------------------------------------
    def add_workers(self, workers: Sequence[Worker]) -> int:
        """Insert workers whose id is new; return how many were inserted.

        One statement with a column per array, not one per worker (1,332 workers: a few
        hundredths of a second instead of seconds). Of workers sharing an id, the first is kept.
        """
        first: dict[str, Worker] = {}
        for w in workers:
            first.setdefault(w.id, w)
        rows = list(first.values())
        columns = {
            "id": [w.id for w in rows],
            "name": [w.name for w in rows],
            "role": [w.role for w in rows],
            "community_code": [w.community_code for w in rows],
            "home_grid_code": [w.home_grid_code for w in rows],
            "phone": [w.phone for w in rows],
            "skills": [",".join(w.skills) for w in rows],
            "on_duty": [bool(w.on_duty) for w in rows],
            "open_case_cap": [int(w.open_case_cap) for w in rows],
        }
        with self.writer(), self.transaction() as cur:
            cur.execute(self._sql("roster", "count_workers"))
            before = int(cur.fetchone()[0])
            if rows:
                cur.execute(self._sql("roster", "insert_workers"), columns)
            cur.execute(self._sql("roster", "count_workers"))
            return int(cur.fetchone()[0]) - before

    def workers(self, *, community_code: str | None = None) -> list[Worker]:
        with self.transaction() as cur:
            cur.execute(self._sql("roster", "workers"), {"community": community_code})
            rows = cur.fetchall()
        return [
            Worker(
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
            for r in rows
        ]

    # -- console sessions ------------------------------------------------------------------
    # Sign-in sessions of the browser console (api.auth.sessions): keyed by the hash of a random
    # id; a session reads as live only while unexpired and while its token is not revoked.
    def add_session(
        self,
        session_hash: str,
        *,
        token_id: str,
        csrf: str,
        created_at: datetime,
        expires_at: datetime,
    ) -> None:
        with self.writer(), self.transaction() as cur:
            cur.execute(
                self._sql("sessions", "insert"),
                {
                    "session_hash": session_hash,
                    "token_id": token_id,
                    "csrf": csrf,
                    "created_at": created_at,
                    "expires_at": expires_at,
                },
            )

    def session_by_hash(
        self, session_hash: str, *, now: datetime | None = None
    ) -> SessionRecord | None:
        """The live session with this hash, or None (unknown, expired, or token revoked)."""
        with self.transaction() as cur:
            cur.execute(
                self._sql("sessions", "by_hash"),
                {"session_hash": session_hash, "now": now or datetime.now(UTC)},
            )
            row = cur.fetchone()
        if row is None:
            return None
        return SessionRecord(TokenRecord(*row[:7]), row[7], row[8], row[9])

    def delete_session(self, session_hash: str) -> bool:
        """End a session (sign-out); False if there was none."""
        with self.writer(), self.transaction() as cur:
            cur.execute(self._sql("sessions", "delete"), {"session_hash": session_hash})
            return self._count_change(cur) == 1

    def delete_ended_sessions(self, *, now: datetime | None = None) -> int:
        """Remove expired sessions and those of revoked tokens; how many went."""
        with self.writer(), self.transaction() as cur:
            cur.execute(self._sql("sessions", "delete_ended"), {"now": now or datetime.now(UTC)})
            return self._count_change(cur)
