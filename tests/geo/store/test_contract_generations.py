"""Boundary generations: staging, activation, history, atomicity — on every backend."""

from datetime import UTC, datetime, timedelta

import pytest
import shapely

from geo.boundaries.read import BoundarySet
from geo.errors import NotFoundError


def _subset(bset, n_communities=2):
    """A small valid set: the first communities of the bundled set and their grids."""
    comms = bset.communities.iloc[:n_communities]
    grids = bset.grids[bset.grids["community_code"].isin(comms["code"])]
    return BoundarySet(
        communities=comms.reset_index(drop=True),
        grids=grids.reset_index(drop=True),
        district=None,
        source="subset",
        source_crs="EPSG:4326",
    )


def test_stage_stores_every_feature(store, bundled_set):
    small = _subset(bundled_set)
    gen = store.stage_generation(small, label="二社区")
    (g,) = store.list_generations()
    assert (g.id, g.label, g.community_count, g.grid_count) == (gen, "二社区", 2, len(small.grids))
    assert g.activations == () and not g.active
    grids = store.grids(gen)
    assert [r.code for r in grids] == sorted(small.grids["code"])
    original = dict(zip(small.grids["code"], small.grids.geometry, strict=True))
    for r in grids:
        assert r.geom.geom_type == "MultiPolygon"
        assert shapely.equals(r.geom, original[r.code])
        assert r.community_code == r.code[:9]
    comms = store.communities(gen)
    assert [c.name for c in comms] == list(small.communities["name"])
    assert sum(r.population for r in grids) == int(small.grids["population"].sum())


def test_staging_is_all_or_nothing(store, bundled_set):
    small = _subset(bundled_set)
    grids = small.grids.copy()
    grids.loc[1, "code"] = grids.loc[0, "code"]  # duplicate key: the insert must fail
    bad = BoundarySet(small.communities, grids, None, "bad", "EPSG:4326")
    with pytest.raises(Exception):  # noqa: B017 - the driver's own integrity error
        store.stage_generation(bad)
    assert store.list_generations() == []
    assert store.stage_generation(small) >= 1  # the store still works afterwards


def test_activation_history_and_dates(store, bundled_set):
    small = _subset(bundled_set)
    assert store.active_generation() is None
    first = store.stage_generation(small, label="first")
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    store.activate_generation(first, at=t0)
    second = store.stage_generation(_subset(bundled_set, 3), label="second")
    assert store.active_generation() == first  # staging does not activate
    t1 = t0 + timedelta(days=200)
    store.activate_generation(second, at=t1)
    assert store.active_generation() == second
    assert store.active_generation(at=t0 + timedelta(days=1)) == first
    assert store.active_generation(at=t0 - timedelta(days=1)) is None
    # Old generations stay queryable.
    assert len(store.grids(first)) == len(small.grids)
    gens = {g.id: g for g in store.list_generations()}
    assert gens[second].active and not gens[first].active
    assert gens[first].activations == (t0,)
    # Going back is another activation, not an edit of history.
    store.activate_generation(first, at=t1 + timedelta(days=1))
    assert store.active_generation() == first
    assert store.active_generation(at=t1 + timedelta(hours=1)) == second


def test_unknown_generation_is_not_found(store):
    with pytest.raises(NotFoundError, match="7"):
        store.activate_generation(7)
    with pytest.raises(NotFoundError):
        store.grids(7)
    with pytest.raises(NotFoundError):
        store.locate_in_database([106.7], [26.6], generation=7)


def test_illustrative_flag_is_kept_per_feature(store, bundled_set):
    bundled = store.stage_generation(_subset(bundled_set), label="bundled")
    assert all(c.illustrative for c in store.communities(bundled))
    assert all(g.illustrative for g in store.grids(bundled))

    own = _subset(bundled_set)  # a district's own files carry no such property
    own = BoundarySet(
        own.communities.drop(columns="illustrative"),
        own.grids.drop(columns="illustrative"),
        None,
        "own",
        "EPSG:4326",
    )
    mine = store.stage_generation(own, label="district")
    assert not any(c.illustrative for c in store.communities(mine))
    assert not any(g.illustrative for g in store.grids(mine))

    # a property that is not true labels nothing
    mixed = _subset(bundled_set)
    mixed.grids["illustrative"] = [False] * len(mixed.grids)
    mixed.communities["illustrative"] = ["false"] * len(mixed.communities)
    mixed_gen = store.stage_generation(mixed)
    assert not any(c.illustrative for c in store.communities(mixed_gen))
    assert not any(g.illustrative for g in store.grids(mixed_gen))


def test_active_boundaries_are_the_active_generations(store, bundled_set):
    assert store.active_boundaries() is None
    first = store.stage_generation(_subset(bundled_set), label="first")
    store.activate_generation(first, at=datetime.now(UTC) - timedelta(minutes=1))
    later = store.stage_generation(_subset(bundled_set, 3), label="later")
    store.activate_generation(later, at=datetime.now(UTC) + timedelta(days=1))  # not yet
    gen, comms, grids = store.active_boundaries()
    assert gen == first == store.active_generation()
    assert [c.code for c in comms] == [c.code for c in store.communities(first)]
    assert [c.name for c in comms] == [c.name for c in store.communities(first)]
    stored = {g.code: g for g in store.grids(first)}
    assert [g.code for g in grids] == sorted(stored) and len(grids) < len(store.grids(later))
    assert grids == [stored[code] for code in sorted(stored)]  # shapely: == by value
