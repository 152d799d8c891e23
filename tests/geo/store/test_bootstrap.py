"""Setting up a database (geo.bootstrap), on every backend."""

import pytest

from geo import bundled
from geo.bootstrap import BUNDLED_LABEL, InvalidBoundarySetError, initialise
from geo.boundaries.read import BoundarySet, read_boundary_set
from geo.synth.roster import synth_roster


def test_initialise_loads_boundaries_roster_and_catalogue_once(store):
    done = initialise(store)
    assert (done.generations_before, done.staged, done.active) == (0, 1, 1)
    assert (done.workers_added, done.workers_total) == (1332, 1332)
    assert done.categories_loaded == 34
    assert done.schema_version == store.schema_version()
    [gen] = store.list_generations()
    assert (gen.label, gen.community_count, gen.grid_count) == (BUNDLED_LABEL, 26, 1254)
    assert len(store.workers()) == 1332

    again = initialise(store)
    assert (again.generations_before, again.staged, again.active) == (1, None, 1)
    assert (again.workers_added, again.workers_total, again.categories_loaded) == (0, 1332, 0)
    assert len(store.list_generations()) == 1


def test_initialise_stages_a_given_set(store, bundled_set):
    codes = ["520103400", "520103401"]
    grids = bundled_set.grids[bundled_set.grids["community_code"].isin(codes)]
    subset = BoundarySet(
        bundled_set.communities[bundled_set.communities["code"].isin(codes)].reset_index(drop=True),
        grids.reset_index(drop=True),
        None,
        "two communities",
        "EPSG:4326",
    )
    roster = synth_roster(list(zip(grids["code"], grids["community_code"], strict=True)), codes)
    done = initialise(store, subset, label="two")
    assert (done.staged, done.active) == (1, 1)
    [gen] = store.list_generations()
    assert (gen.label, gen.community_count, gen.grid_count) == ("two", 2, len(grids))
    assert done.workers_added == done.workers_total == len(roster)
    assert [w.id for w in store.workers()] == sorted(w.id for w in roster)


def test_an_invalid_given_set_stores_nothing(store, bundled_set):
    broken = bundled_set.grids.copy()
    broken.loc[0, "code"] = broken.loc[1, "code"]  # a duplicate grid code
    bad = BoundarySet(bundled_set.communities, broken, None, "broken", "EPSG:4326")
    with pytest.raises(InvalidBoundarySetError) as info:
        initialise(store, bad)
    assert not info.value.report.ok
    assert store.list_generations() == [] and store.workers() == []


def test_a_given_set_in_the_wrong_crs_stores_nothing(store):
    implausible = read_boundary_set(bundled.BOUNDARIES_DIR, crs="EPSG:3857")
    with pytest.raises(InvalidBoundarySetError, match="implausible_extent") as info:
        initialise(store, implausible)
    assert info.value.report.summary["problems_by_kind"]["implausible_extent"] == 1281
    assert store.list_generations() == [] and store.workers() == []
