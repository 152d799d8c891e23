"""Reports as planners ask for them: gathered from the store, shaped for the API and exports."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from geo.analytics.workload import LEVELS, build_rows, imbalance
from geo.cases.model import iso
from geo.errors import InputError
from geo.locator import Locator
from geo.store.base import Store


def workload_report(store: Store, locator: Locator, *, level: str, since: datetime,
                    until: datetime, now: datetime, category_class: str | None = None) -> dict:
    """``{"level", "from", "to", "rows": [...], "imbalance": {"cv", "gini"}}``.

    Periods are half-open, [since, until); open and overdue are as of ``now``. Community and
    grid rows use the active boundary generation's names and population.
    """
    if level not in LEVELS:
        raise InputError(f"level {level!r} is not one of {', '.join(LEVELS)}", field="level")
    if since.tzinfo is None or until.tzinfo is None:
        raise InputError("from and to need a UTC offset, e.g. +08:00", field="from")
    if until <= since:
        raise InputError("to must be after from", field="to")
    counts = store.workload_rows(level=level, since=since, until=until, now=now,
                                 category_class=category_class)
    roster = store.workers()
    generation = locator.generation()
    if level == "community":
        comms = store.communities(generation)
        names = {c.code: c.name for c in comms}
        population = {c.code: c.population for c in comms if c.population}
        workers = Counter(w.community_code for w in roster)
        keys = list(names)
    elif level == "grid":
        grids = store.grids(generation)
        names = {g.code: g.name for g in grids}
        population = {g.code: g.population for g in grids if g.population}
        workers = Counter(w.home_grid_code for w in roster if w.home_grid_code)
        keys = list(names)
    else:
        names = {w.id: w.name for w in roster}
        population = {}
        workers = {w.id: 1 for w in roster}
        keys = list(names)
    rows = build_rows(counts, names=names, population=population, workers=workers, keys=keys)
    return {"level": level, "from": iso(since), "to": iso(until),
            "category_class": category_class, "rows": [r.as_dict() for r in rows],
            "imbalance": imbalance(rows)}
