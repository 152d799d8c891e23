"""Reports as planners ask for them: gathered from the store, shaped for the API and exports."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping
from datetime import datetime, tzinfo
from typing import Any

import geopandas as gpd
import pandas as pd

from geo.analytics.coverage import Facilities, coverage, underserved
from geo.analytics.siting import greedy_sites, grid_centroid_candidates
from geo.analytics.workload import LEVELS, build_rows, imbalance
from geo.cases.model import iso
from geo.errors import InputError
from geo.facilities.model import read_kinds
from geo.locate.locator import Locator
from geo.store.base import Store


def workload_report(
    store: Store,
    locator: Locator,
    *,
    level: str,
    since: datetime,
    until: datetime,
    now: datetime,
    tz: tzinfo,
    category_class: str | None = None,
    community: str | None = None,
) -> dict[str, Any]:
    """``{"level", "from", "to", "rows": [...], "imbalance": {"cv", "gini"}}``.

    Periods are half-open, [since, until); open and overdue are as of ``now``. ``from`` and
    ``to`` are shown in ISO 8601 in zone ``tz`` (the district's). Community and grid rows use
    the active boundary generation's names and population. ``community`` (a community code)
    reports that community's rows only: its own, its grids' or its workers'.
    """
    if level not in LEVELS:
        raise InputError(f"level {level!r} is not one of {', '.join(LEVELS)}", field="level")
    if since.tzinfo is None or until.tzinfo is None:
        raise InputError("from and to need a UTC offset, e.g. +08:00", field="from")
    if until <= since:
        raise InputError("to must be after from", field="to")
    counts = store.workload_rows(
        level=level,
        since=since,
        until=until,
        now=now,
        category_class=category_class,
        community=community,
    )
    roster = store.workers(community_code=community)
    generation = locator.generation()
    names: dict[str, str | None]
    population: dict[str, int]
    workers: Mapping[str, int]
    if level == "community":
        comms = [c for c in store.communities(generation) if community in (None, c.code)]
        names = {c.code: c.name for c in comms}
        population = {c.code: c.population for c in comms if c.population}
        workers = Counter(w.community_code for w in roster)
        keys = list(names)
    elif level == "grid":
        grids = [g for g in store.grids(generation) if community in (None, g.community_code)]
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
    return {
        "level": level,
        "from": iso(since, tz),
        "to": iso(until, tz),
        "category_class": category_class,
        "rows": [r.as_dict() for r in rows],
        "imbalance": imbalance(rows),
    }


def _grid_frame(store: Store, generation: int) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    grids = store.grids(generation)
    frame = gpd.GeoDataFrame(
        {
            "code": [g.code for g in grids],
            "community_code": [g.community_code for g in grids],
            "population": [g.population or 0 for g in grids],
        },
        geometry=[g.geom for g in grids],
        crs="EPSG:4326",
    )
    comms = pd.DataFrame([{"code": c.code, "name": c.name} for c in store.communities(generation)])
    return frame, comms


def _kind_and_radius(kind: str, radius_m: float | None) -> float:
    kinds = read_kinds()
    if kind not in kinds:
        raise InputError(f"kind {kind!r} is not one of {', '.join(kinds)}", field="kind")
    radius = kinds[kind].default_radius_m if radius_m is None else float(radius_m)
    if not 0 < radius <= 50_000:
        raise InputError(
            f"radius_m {radius_m!r} must be between 0 and 50,000 metres", field="radius_m"
        )
    return radius


def _records(frame: pd.DataFrame) -> list[dict[Hashable, Any]]:
    return [
        {k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}
        for row in frame.to_dict("records")
    ]


def coverage_report(
    store: Store,
    locator: Locator,
    *,
    kind: str,
    radius_m: float | None = None,
    threshold: float = 0.5,
) -> dict[str, Any]:
    """Coverage of every grid and community by facilities of ``kind`` within ``radius_m``
    metres (default: the kind's radius), computed in the metric CRS; grids covered below
    ``threshold`` (share of area, so of population) are underserved."""
    radius = _kind_and_radius(kind, radius_m)
    if not 0 <= threshold <= 1:
        raise InputError(f"threshold {threshold!r} must be between 0 and 1", field="threshold")
    grids, comms = _grid_frame(store, locator.generation())
    facilities = [(f.lon, f.lat) for f in store.facilities(kind=kind)]
    result = coverage(grids, facilities, radius_m=radius, communities=comms)
    return {
        "kind": kind,
        "radius_m": radius,
        "threshold": threshold,
        "facilities": len(facilities),
        "population": result.population,
        "covered_population": result.covered_population,
        "grids": _records(result.grids),
        "communities": _records(result.communities),
        "underserved": underserved(result, threshold),
    }


def siting_report(
    store: Store,
    locator: Locator,
    *,
    kind: str,
    count: int,
    radius_m: float | None = None,
    candidates: Facilities | None = None,
) -> dict[str, Any]:
    """Where ``count`` new facilities of ``kind`` would cover the most residents, chosen
    greedily among ``candidates`` ((lon, lat) WGS84; default: a point inside every grid).
    Greedy maximal covering is within (1 - 1/e), about 63 %, of the best possible choice."""
    radius = _kind_and_radius(kind, radius_m)
    if not 1 <= count <= 100:
        raise InputError(f"count {count!r} must be between 1 and 100", field="count")
    grids, comms = _grid_frame(store, locator.generation())
    existing = [
        (f.lon, f.lat, f.radius_m if radius_m is None else radius)
        for f in store.facilities(kind=kind)
    ]
    cands = grid_centroid_candidates(grids) if candidates is None else candidates
    result = greedy_sites(grids, existing, cands, radius_m=radius, count=count, communities=comms)
    sites = result.sites[["lon", "lat", "grid_code", "community_code", "gain"]]
    return {
        "kind": kind,
        "radius_m": radius,
        "count": count,
        "sites": [{**r, "gain": round(float(r["gain"]), 1)} for r in _records(sites)],
        "before": {
            "covered_population": result.before.covered_population,
            "covered_share": result.before.covered_share,
        },
        "after": {
            "covered_population": result.after.covered_population,
            "covered_share": result.after.covered_share,
        },
        "method": "greedy maximal covering; within (1 - 1/e) ≈ 63% of the optimum",
    }
