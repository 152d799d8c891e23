"""Locate indexes kept in files, so that a short-lived process does not build one every run.

Building the :class:`~geo.locate.index.LocateIndex` of the Yunyan grids takes about half a
second; reading its tables back from a file takes milliseconds. A generation's grids never
change once stored, but a file can outlive its database (a database deleted and made again
numbers its generations from 1 again), so each file holds, besides the tables, a SHA-256 of
what the index was built from: the generation number, every grid's code, community code and
geometry (WKB, EPSG:4326). A file whose hash differs from the grids read from the store now,
or that cannot be read, is not used: the index is built and the file written again.

Files are written whole or not at all (a temporary file, then a rename); a directory that
cannot be written only means the index is built each time.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geo.locate.index import LocateIndex
from geo.locate.locator import GenerationIndex, Locator
from geo.store.base import Store
from geo.store.records import CommunityRecord, GridRecord

FORMAT = 1  # changes whenever the tables' meaning changes: files of another format are unused


def index_path(database: Path, generation: int) -> Path:
    """The index file of ``generation`` beside the database file ``database``."""
    return database.with_name(f"{database.name}.locate-{generation}.npz")


def content_hash(generation: int, grids: Sequence[GridRecord]) -> str:
    """SHA-256 (hex) of the generation number and every grid's codes and WKB geometry."""
    digest = hashlib.sha256(f"gridmgr locate index {FORMAT} generation {generation}".encode())
    wkbs = shapely.to_wkb(np.asarray([g.geom for g in grids], dtype=object))
    for grid, wkb in zip(grids, wkbs, strict=True):
        for part in (grid.code.encode(), grid.community_code.encode(), wkb or b""):
            digest.update(len(part).to_bytes(8, "little"))
            digest.update(part)
    return digest.hexdigest()


def load_index(
    path: Path, key: str, codes: Sequence[str], geoms: Sequence[BaseGeometry | None]
) -> LocateIndex | None:
    """The index stored at ``path`` if it was stored under ``key``; else None."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            if str(stored["key"]) != key:
                return None
            tables = {name: stored[name] for name in stored.files if name != "key"}
        return LocateIndex.from_tables(codes, geoms, tables)
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile):
        return None  # missing, unreadable, truncated or of another layout


def save_index(path: Path, key: str, index: LocateIndex) -> bool:
    """Store ``index`` at ``path`` under ``key``, whole or not at all; False if not stored."""
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        arrays: dict[str, Any] = {"key": np.array(key), **index.tables()}
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, path)
        return True
    except OSError:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        return False


def cached_index(path: Path, generation: int, grids: Sequence[GridRecord]) -> LocateIndex:
    """The index of ``grids`` (generation ``generation``): read from ``path`` when it holds
    this very index, else built and written there."""
    key = content_hash(generation, grids)
    codes, geoms = [g.code for g in grids], [g.geom for g in grids]
    index = load_index(path, key, codes, geoms)
    if index is None:
        index = LocateIndex.build(codes, geoms)
        save_index(path, key, index)
    return index


class FileCachedLocator(Locator):
    """A :class:`Locator` that keeps each generation's index in a file beside the database
    file ``database`` (an embedded DuckDB store's), for commands that run once and exit."""

    def __init__(self, store: Store, database: Path) -> None:
        super().__init__(store)
        self.database = database
        # The active generation's boundaries, when read to learn which generation is active.
        self._active_boundaries: tuple[int, list[CommunityRecord], list[GridRecord]] | None = None

    def generation(self, *, generation: int | None = None, at: datetime | None = None) -> int:
        """As :meth:`Locator.generation`; the active generation now is read together with its
        boundaries, in one statement family without bound parameters (see
        Store.active_boundaries), so that a one-shot locate opens no more of the client."""
        if generation is None and at is None:
            if self._active_boundaries is None:
                self._active_boundaries = self.store.active_boundaries()
            if self._active_boundaries is not None:
                return self._active_boundaries[0]
        return super().generation(generation=generation, at=at)

    def _build(self, generation: int) -> GenerationIndex:
        held = self._active_boundaries
        if held is not None and held[0] == generation:
            comms, grids = held[1], held[2]
        else:
            comms, grids = self.store.communities(generation), self.store.grids(generation)
        names = {c.code: c.name for c in comms}
        return GenerationIndex(
            generation=generation,
            index=cached_index(index_path(self.database, generation), generation, grids),
            grid_codes=np.array([g.code for g in grids], dtype=object),
            community_codes=np.array([g.community_code for g in grids], dtype=object),
            community_names=names,
        )
