"""The party-building part of the store: organisations, members, service posts, claims,
hours and figures (tables of migration 013; SQL in ``sql/*/party.sql``).

``PartyStore`` is the protocol (part of :class:`geo.store.base.Store`); ``PartyWrites`` is
mixed into :class:`geo.store.sqlstore.SqlStore`. Points are WGS84 (lon, lat degrees).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict
from datetime import date, datetime
from typing import Any, Protocol

from geo.errors import InputError, NotFoundError, WorkflowError
from geo.party.figures import LEVELS, PartyFigures
from geo.party.model import HoursEntry, Member, Organisation, Post


class PartyStore(Protocol):
    """What every backend provides for the party-building grid."""

    def org_codes(self) -> set[str]: ...
    def add_organisations(self, orgs: Sequence[Organisation]) -> list[int]: ...
    def organisations(
        self,
        *,
        org_id: int | None = None,
        kind: str | None = None,
        community: str | None = None,
        grid: str | None = None,
    ) -> list[Organisation]: ...
    def add_member(self, member: Member) -> int: ...
    def members(
        self, *, member_id: int | None = None, community: str | None = None
    ) -> list[Member]: ...
    def add_post(self, post: Post) -> int: ...
    def posts(
        self, *, post_id: int | None = None, community: str | None = None, grid: str | None = None
    ) -> list[Post]: ...
    def claim_post(self, post_id: int, member_id: int, *, at: datetime) -> None: ...
    def post_claims(self, post_id: int) -> list[tuple[int, datetime]]: ...
    def log_hours(self, entry: HoursEntry) -> int: ...
    def hours(
        self, *, post_id: int | None = None, member_id: int | None = None
    ) -> list[HoursEntry]: ...
    def party_figures(
        self,
        *,
        level: str,
        generation: int,
        community: str | None = None,
        since: date | None = None,
        until: date | None = None,
    ) -> list[PartyFigures]: ...


class PartyWrites(ABC):
    """Mixed into SqlStore, which provides the transactions and the SQL."""

    backend: str
    unique_violation: type[Exception]  # the driver's error for a duplicate key

    @abstractmethod
    def transaction(self) -> AbstractContextManager[Any]: ...

    @abstractmethod
    def writer(self) -> AbstractContextManager[Any]: ...

    @abstractmethod
    def _sql(self, family: str, name: str) -> str: ...

    # -- organisations ---------------------------------------------------------------------
    def org_codes(self) -> set[str]:
        """The codes of every stored organisation."""
        with self.transaction() as cur:
            cur.execute(self._sql("party", "org_codes"))
            return {str(r[0]) for r in cur.fetchall()}

    def add_organisations(self, orgs: Sequence[Organisation]) -> list[int]:
        """Insert organisations in one transaction (all or none); their new ids, in order.
        Codes and parents are the caller's to check (:func:`geo.party.placing.check_parents`);
        a code already stored is an InputError (and nothing is stored)."""
        ids = []
        with self.writer(), self.transaction() as cur:
            for org in orgs:
                row = {k: v for k, v in asdict(org).items() if k != "id"}
                try:
                    cur.execute(self._sql("party", "insert_org"), row)
                except self.unique_violation:
                    raise InputError(
                        f"organisation code {org.code!r} is already stored", field="code"
                    ) from None
                ids.append(int(cur.fetchone()[0]))
        return ids

    def organisations(
        self,
        *,
        org_id: int | None = None,
        kind: str | None = None,
        community: str | None = None,
        grid: str | None = None,
    ) -> list[Organisation]:
        with self.transaction() as cur:
            cur.execute(
                self._sql("party", "select_orgs"),
                {"id": org_id, "kind": kind, "community": community, "grid": grid},
            )
            return [_org(r) for r in cur.fetchall()]

    # -- members ---------------------------------------------------------------------------
    def add_member(self, member: Member) -> int:
        row = {k: v for k, v in asdict(member).items() if k != "id"}
        row["skills"] = ",".join(member.skills)
        with self.writer(), self.transaction() as cur:
            cur.execute(self._sql("party", "insert_member"), row)
            return int(cur.fetchone()[0])

    def members(
        self, *, member_id: int | None = None, community: str | None = None
    ) -> list[Member]:
        with self.transaction() as cur:
            cur.execute(
                self._sql("party", "select_members"), {"id": member_id, "community": community}
            )
            return [
                Member(
                    int(r[0]),
                    r[1],
                    r[2],
                    r[3],
                    r[4],
                    tuple(s for s in str(r[5]).split(",") if s),
                    _day(r[6]),
                )
                for r in cur.fetchall()
            ]

    # -- posts and claims ------------------------------------------------------------------
    def add_post(self, post: Post) -> int:
        row = {k: v for k, v in asdict(post).items() if k not in ("id", "claimed")}
        with self.writer(), self.transaction() as cur:
            cur.execute(self._sql("party", "insert_post"), row)
            return int(cur.fetchone()[0])

    def posts(
        self, *, post_id: int | None = None, community: str | None = None, grid: str | None = None
    ) -> list[Post]:
        with self.transaction() as cur:
            cur.execute(
                self._sql("party", "select_posts"),
                {"id": post_id, "community": community, "grid": grid},
            )
            return [_post(r) for r in cur.fetchall()]

    def claim_post(self, post_id: int, member_id: int, *, at: datetime) -> None:
        """Member ``member_id`` takes a place on post ``post_id``, in one transaction.

        NotFoundError for an unknown post or member; WorkflowError when the member reports to
        another community, already holds the post, or every slot is taken.
        """
        with self.writer(), self.transaction() as cur:
            cur.execute(self._sql("party", "lock_post"), {"id": post_id})
            post = cur.fetchone()
            if post is None:
                raise NotFoundError(f"there is no post {post_id}")
            cur.execute(self._sql("party", "member_community"), {"id": member_id})
            member = cur.fetchone()
            if member is None:
                raise NotFoundError(f"there is no member {member_id}")
            if member[0] != post[1]:
                raise WorkflowError(
                    f"member {member_id} reports to community {member[0]}; post {post_id} "
                    f"belongs to {post[1]}"
                )
            keys = {"post_id": post_id, "member_id": member_id}
            cur.execute(self._sql("party", "claim_exists"), keys)
            if int(cur.fetchone()[0]):
                raise WorkflowError(f"member {member_id} already holds post {post_id}")
            cur.execute(self._sql("party", "claim_count"), {"post_id": post_id})
            if int(cur.fetchone()[0]) >= int(post[0]):
                raise WorkflowError(
                    f"every one of the {post[0]} slot(s) of post {post_id} is taken"
                )
            cur.execute(self._sql("party", "insert_claim"), {**keys, "claimed_at": at})

    def post_claims(self, post_id: int) -> list[tuple[int, datetime]]:
        """``(member id, claimed at)`` of each member holding the post."""
        with self.transaction() as cur:
            cur.execute(self._sql("party", "claims_of_post"), {"post_id": post_id})
            return [(int(r[0]), r[1]) for r in cur.fetchall()]

    # -- hours -----------------------------------------------------------------------------
    def log_hours(self, entry: HoursEntry) -> int:
        """Record hours for a post the member holds (WorkflowError otherwise)."""
        if not 0 < entry.hours <= 24:
            raise InputError(
                f"hours {entry.hours} must be more than 0 and at most 24", field="hours"
            )
        row = {k: v for k, v in asdict(entry).items() if k != "id"}
        with self.writer(), self.transaction() as cur:
            keys = {"post_id": entry.post_id, "member_id": entry.member_id}
            cur.execute(self._sql("party", "claim_exists"), keys)
            if not int(cur.fetchone()[0]):
                raise WorkflowError(f"member {entry.member_id} does not hold post {entry.post_id}")
            cur.execute(self._sql("party", "insert_hours"), row)
            return int(cur.fetchone()[0])

    def hours(
        self, *, post_id: int | None = None, member_id: int | None = None
    ) -> list[HoursEntry]:
        with self.transaction() as cur:
            cur.execute(
                self._sql("party", "select_hours"), {"post_id": post_id, "member_id": member_id}
            )
            return [
                HoursEntry(int(r[0]), int(r[1]), int(r[2]), _day(r[3]), float(r[4]), r[5])
                for r in cur.fetchall()
            ]

    # -- figures ---------------------------------------------------------------------------
    def party_figures(
        self,
        *,
        level: str,
        generation: int,
        community: str | None = None,
        since: date | None = None,
        until: date | None = None,
    ) -> list[PartyFigures]:
        """Figures per community or grid (``level``) of ``generation``, by code; only
        ``community``'s (or its grids) when given. Hours count days from ``since``
        (inclusive) to ``until`` (exclusive) when given; the other figures are as of now."""
        if level not in LEVELS:
            raise InputError(f"level {level!r} is not one of {', '.join(LEVELS)}", field="level")
        name = "figures_communities" if level == "community" else "figures_grids"
        with self.transaction() as cur:
            cur.execute(
                self._sql("party", name),
                {"generation": generation, "community": community, "since": since, "until": until},
            )
            return [
                PartyFigures(
                    level,
                    str(r[0]),
                    r[1],
                    None if r[2] is None else int(r[2]),
                    int(r[3]),
                    int(r[4]),
                    int(r[5]),
                    int(r[6]),
                    float(r[7]),
                )
                for r in cur.fetchall()
            ]


def _day(value: Any) -> date:
    return value.date() if isinstance(value, datetime) else value


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _org(r: Sequence[Any]) -> Organisation:
    return Organisation(
        int(r[0]),
        r[1],
        r[2],
        r[3],
        r[4],
        _opt_float(r[5]),
        _opt_float(r[6]),
        None if r[7] is None else int(r[7]),
        r[8],
        r[9],
        bool(r[10]),
    )


def _post(r: Sequence[Any]) -> Post:
    return Post(int(r[0]), r[1], r[2], r[3], r[4], int(r[5]), r[6], int(r[7]))
