"""The Store protocol and the records it speaks in.

Geometries cross this interface as shapely objects in EPSG:4326 (lon, lat degrees); times as
timezone-aware ``datetime`` values. A backend implements every method with the same meaning;
the contract tests in ``tests/geo/store`` run unchanged against each.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from geo.store.party import PartyStore
from geo.store.records import (
    CommunityRecord,
    Generation,
    GridRecord,
    Located,
    SessionRecord,
    TokenRecord,
    Worker,
)

if TYPE_CHECKING:  # geopandas, pandas and pyarrow: imported only where used
    import pandas as pd
    import pyarrow as pa

    from geo.boundaries.read import BoundarySet
    from geo.facilities.model import Facility
    from geo.gazetteer import Entry
    from geo.store.casetx import CaseTx
    from geo.store.imports import ChunkResult


@runtime_checkable
class Store(PartyStore, Protocol):
    """What every backend provides. Each write is one transaction: all or nothing."""

    backend: str

    def close(self) -> None: ...

    # schema
    def migrate(self) -> int: ...
    def schema_version(self) -> int: ...

    # boundary generations
    def stage_generation(self, bset: BoundarySet, *, label: str = "") -> int: ...
    def activate_generation(self, generation: int, *, at: datetime | None = None) -> None: ...
    def list_generations(self) -> list[Generation]: ...
    def active_generation(self, *, at: datetime | None = None) -> int | None: ...
    def communities(self, generation: int) -> list[CommunityRecord]: ...
    def grids(self, generation: int) -> list[GridRecord]: ...
    def active_boundaries(
        self,
    ) -> tuple[int, list[CommunityRecord], list[GridRecord]] | None: ...

    # the database's own point-in-polygon answer (ST_Covers; smallest grid code on a tie)
    def locate_in_database(
        self, lon: Sequence[float], lat: Sequence[float], *, generation: int
    ) -> list[Located]: ...

    # roster
    def add_workers(self, workers: Sequence[Worker]) -> int: ...
    def workers(self, *, community_code: str | None = None) -> list[Worker]: ...

    # cases: one transaction whose CaseTx reads and writes case rows (geo.store.casetx)
    def case_tx(self) -> AbstractContextManager[CaseTx]: ...

    # many cases at once (ids from next_case_id; see geo.store.bulk for the columns)
    def next_case_id(self) -> int: ...
    def bulk_load_cases(self, cases: pd.DataFrame, events: pd.DataFrame) -> int: ...

    # imports of cases from other systems (see geo.store.imports); a chunk is an Arrow table
    def begin_import(
        self, *, file_name: str, file_sha256: str, actor_id: str, at: datetime
    ) -> int: ...
    def finish_import(self, import_id: int, *, at: datetime, counts: dict[str, int]) -> None: ...
    def case_id_by_external(self, external_id: str) -> int | None: ...
    def import_chunk(
        self,
        cases: pa.Table,
        *,
        import_id: int,
        actor_id: str,
        actor_role: str,
        at: datetime,
        source_name: str,
        dry_run: bool = False,
        update_locations: bool = False,
    ) -> ChunkResult: ...

    # service facilities
    def add_facilities(self, facilities: Sequence[Facility]) -> list[int]: ...
    def facilities(
        self,
        *,
        kind: str | None = None,
        community: str | None = None,
        facility_id: int | None = None,
    ) -> list[Facility]: ...
    def update_facility(self, facility: Facility) -> bool: ...
    def delete_facility(self, facility_id: int) -> bool: ...

    # analytics: counts per community, grid or worker (see geo.analytics.workload)
    def workload_rows(
        self,
        *,
        level: str,
        since: datetime,
        until: datetime,
        now: datetime,
        category_class: str | None = None,
        community: str | None = None,
    ) -> list[tuple[Any, ...]]: ...

    # the gazetteer of standard addresses (WGS84 points)
    def replace_gazetteer(self, entries: Sequence[Entry]) -> int: ...
    def gazetteer(self) -> list[Entry]: ...

    # API tokens (kept hashed)
    def add_token(self, record: TokenRecord, token_hash: str) -> None: ...
    def token_by_hash(self, token_hash: str) -> TokenRecord | None: ...
    def tokens(self) -> list[TokenRecord]: ...
    def revoke_token(self, token_id: str, *, at: datetime | None = None) -> bool: ...

    # console sign-in sessions (api.auth.sessions; kept hashed, ended with their token)
    def add_session(
        self,
        session_hash: str,
        *,
        token_id: str,
        csrf: str,
        created_at: datetime,
        expires_at: datetime,
    ) -> None: ...
    def session_by_hash(
        self, session_hash: str, *, now: datetime | None = None
    ) -> SessionRecord | None: ...
    def delete_session(self, session_hash: str) -> bool: ...
    def delete_ended_sessions(self, *, now: datetime | None = None) -> int: ...
