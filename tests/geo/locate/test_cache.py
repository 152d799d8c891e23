"""geo.locate.cache: locate indexes kept in files, used only for the very grids they index."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon, box

from geo.locate import cache
from geo.locate.cache import (
    FileCachedLocator,
    cached_index,
    content_hash,
    index_path,
    load_index,
    save_index,
)
from geo.locate.index import LocateIndex
from geo.store.records import CommunityRecord, GridRecord

X0, Y0, STEP = 106.70, 26.55, 0.01  # degrees


def make_grids(generation: int = 1, shift: float = 0.0) -> list[GridRecord]:
    """Nine grids over 0.03 x 0.03 degrees: squares cut by a diagonal into triangles (so
    that many cells are mixed), the last triangle's apex moved east by ``shift``."""
    grids = []
    for i in range(3):
        for j in range(3):
            x, y = X0 + i * STEP, Y0 + j * STEP
            if (i + j) % 2:
                geom = box(x, y, x + STEP, y + STEP)
            else:
                geom = Polygon([(x, y), (x + STEP, y), (x + shift, y + STEP)])
            code = f"5201034000010{i}{j}"
            grids.append(GridRecord(generation, code, "520103400", None, None, None, geom))
    return grids


def points(n: int = 20_000, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return (
        rng.uniform(X0 - STEP, X0 + 4 * STEP, n),
        rng.uniform(Y0 - STEP, Y0 + 4 * STEP, n),
    )


def build(grids: list[GridRecord]) -> LocateIndex:
    return LocateIndex.build([g.code for g in grids], [g.geom for g in grids])


class CountBuilds:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = LocateIndex.build

        def counted(*args: object, **kwargs: object) -> LocateIndex:
            self.count += 1
            return real(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(cache.LocateIndex, "build", counted)


def test_tables_round_trip_answers_as_the_built_index(tmp_path: Path) -> None:
    grids = make_grids()
    built = build(grids)
    path = tmp_path / "g.duckdb.locate-1.npz"
    assert save_index(path, "k", built)
    loaded = load_index(path, "k", [g.code for g in grids], [g.geom for g in grids])
    assert loaded is not None
    lon, lat = points()
    expected = built.locate(lon, lat)
    assert (expected >= 0).sum() > 5_000 and (expected == -1).sum() > 5_000
    np.testing.assert_array_equal(loaded.locate(lon, lat), expected)
    one = [loaded.locate_one(x, y) for x, y in zip(lon[:2_000], lat[:2_000], strict=True)]
    np.testing.assert_array_equal(one, expected[:2_000])
    assert list(loaded.codes) == [g.code for g in grids]


def test_index_is_built_once_then_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    builds = CountBuilds(monkeypatch)
    grids, path = make_grids(), index_path(tmp_path / "g.duckdb", 1)
    first = cached_index(path, 1, grids)
    assert builds.count == 1 and path.exists()
    second = cached_index(path, 1, grids)
    assert builds.count == 1
    lon, lat = points()
    np.testing.assert_array_equal(second.locate(lon, lat), first.locate(lon, lat))


def test_file_of_another_generation_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Generation 1's file put where generation 2's belongs: built again, not read."""
    one, two = index_path(tmp_path / "g.duckdb", 1), index_path(tmp_path / "g.duckdb", 2)
    cached_index(one, 1, make_grids(1))
    two.write_bytes(one.read_bytes())
    builds = CountBuilds(monkeypatch)
    cached_index(two, 2, make_grids(2))
    assert builds.count == 1
    assert content_hash(1, make_grids(1)) != content_hash(2, make_grids(2))


def test_stale_file_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database made again: generation 1 now has other grids; the old file is unused."""
    path = index_path(tmp_path / "g.duckdb", 1)
    old_grids, new_grids = make_grids(shift=0.0), make_grids(shift=STEP)
    old = cached_index(path, 1, old_grids)
    builds = CountBuilds(monkeypatch)
    new = cached_index(path, 1, new_grids)
    assert builds.count == 1
    lon, lat = points()
    expected = build(new_grids).locate(lon, lat)
    assert (old.locate(lon, lat) != expected).any()  # the test would see a stale answer
    np.testing.assert_array_equal(new.locate(lon, lat), expected)
    # ... and the file now holds the new index.
    reread = load_index(
        path, content_hash(1, new_grids), [g.code for g in new_grids], [g.geom for g in new_grids]
    )
    assert reread is not None
    np.testing.assert_array_equal(reread.locate(lon, lat), expected)


def test_codes_and_community_codes_are_part_of_the_key() -> None:
    grids = make_grids()
    renamed = [*grids[:-1], GridRecord(1, "520103400009999", *_rest(grids[-1]))]
    moved = [*grids[:-1], GridRecord(1, grids[-1].code, "520103401", *_rest(grids[-1])[1:])]
    keys = {content_hash(1, g) for g in (grids, renamed, moved)}
    assert len(keys) == 3
    assert content_hash(1, make_grids()) == content_hash(1, grids)  # deterministic


def _rest(grid: GridRecord) -> tuple[str, str | None, int | None, int | None, shapely.Geometry]:
    return grid.community_code, grid.name, grid.population, grid.households, grid.geom


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
def test_unreadable_file_is_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    grids, path = make_grids(), index_path(tmp_path / "g.duckdb", 1)
    cached_index(path, 1, grids)
    data = path.read_bytes()
    path.write_bytes(
        {"truncated": data[: len(data) // 2], "garbage": b"x" * 100, "empty": b""}[damage]
    )
    builds = CountBuilds(monkeypatch)
    index = cached_index(path, 1, grids)
    assert builds.count == 1
    lon, lat = points()
    np.testing.assert_array_equal(index.locate(lon, lat), build(grids).locate(lon, lat))
    assert load_index(
        path, content_hash(1, grids), [g.code for g in grids], [g.geom for g in grids]
    )


def test_tables_that_do_not_fit_the_grids_are_refused() -> None:
    grids = make_grids()
    tables = build(grids).tables()
    codes, geoms = [g.code for g in grids], [g.geom for g in grids]
    with pytest.raises(ValueError):
        LocateIndex.from_tables(codes[:4], geoms[:4], tables)  # positions beyond the grids
    with pytest.raises(ValueError):
        LocateIndex.from_tables(codes, geoms, {**tables, "fine": tables["fine"][:-1]})
    with pytest.raises(ValueError):
        LocateIndex.from_tables(codes, geoms, {**tables, "coarse": tables["coarse"].astype(float)})


def test_unwritable_place_still_answers(tmp_path: Path) -> None:
    # The "directory" is a regular file: nothing can be written below it, even by root.
    blocker = tmp_path / "not-a-directory"
    blocker.write_bytes(b"")
    grids = make_grids()
    index = cached_index(index_path(blocker / "g.duckdb", 1), 1, grids)
    assert [p.name for p in tmp_path.iterdir()] == ["not-a-directory"]
    assert blocker.read_bytes() == b""
    lon, lat = points()
    np.testing.assert_array_equal(index.locate(lon, lat), build(grids).locate(lon, lat))


def test_missing_directory_still_answers(tmp_path: Path) -> None:
    grids = make_grids()
    index = cached_index(index_path(tmp_path / "gone" / "g.duckdb", 1), 1, grids)
    lon, lat = points()
    np.testing.assert_array_equal(index.locate(lon, lat), build(grids).locate(lon, lat))


class FakeStore:
    """The two store methods a locator's index needs."""

    def __init__(self, grids: list[GridRecord]) -> None:
        self._grids = grids
        self.reads = 0

    def grids(self, generation: int) -> list[GridRecord]:
        self.reads += 1
        return [g for g in self._grids if g.generation == generation]

    def communities(self, generation: int) -> list[CommunityRecord]:
        return []


def test_file_cached_locator_answers_as_the_index(tmp_path: Path) -> None:
    grids = make_grids(1)
    store = FakeStore(grids)
    locator = FileCachedLocator(store, tmp_path / "g.duckdb")  # type: ignore[arg-type]
    inside = grids[4].geom.representative_point()
    found, lon, lat = locator.locate_one(inside.x, inside.y, generation=1)
    assert (found.grid_code, found.community_code) == (grids[4].code, "520103400")
    assert index_path(tmp_path / "g.duckdb", 1).exists()
    again = FileCachedLocator(store, tmp_path / "g.duckdb")  # type: ignore[arg-type]
    assert again.locate_one(inside.x, inside.y, generation=1)[0] == found


class ActiveStore(FakeStore):
    """A store whose generation 1 is active: read with its boundaries in one call."""

    def active_boundaries(self) -> tuple[int, list[CommunityRecord], list[GridRecord]]:
        return 1, [], [g for g in self._grids if g.generation == 1]

    def grids(self, generation: int) -> list[GridRecord]:
        raise AssertionError("the active generation's grids come with active_boundaries")


def test_file_cached_locator_reads_the_active_generation_with_its_boundaries(
    tmp_path: Path,
) -> None:
    grids = make_grids(1)
    inside = grids[4].geom.representative_point()
    locator = FileCachedLocator(ActiveStore(grids), tmp_path / "g.duckdb")  # type: ignore[arg-type]
    found = locator.locate_one(inside.x, inside.y)[0]
    assert (found.grid_code, found.community_code) == (grids[4].code, "520103400")
