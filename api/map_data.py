"""What the maps show, gathered from the store: maps themselves never query it.

Each function returns a ready folium map (or the index HTML) for a period; periods are
half-open [since, until); times on them are shown in the district's time zone (``state.tz``).
The workload, coverage and index pages show aggregates only; the community page shows cases
and staff names as its viewer may see them (see :func:`community_page`).
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Any, TypedDict

import folium

from api.anonymous import public_cases, rounded
from api.illustrative import labelled
from api.state import AppState
from geo.analytics.reports import coverage_report, siting_report, workload_report
from geo.cases.model import Case, iso
from geo.cases.selection import MapSelection
from geo.cases.workflow import Actor
from geo.errors import NotFoundError
from geo.facilities.model import read_kinds
from maps import community_map, coverage_map, index_page, workload_map

MAX_CASES_ON_MAP = 5000
PLANNER = Actor("maps", "planner")
CASE_PAGE = "/console/cases/{id}"  # a case marker opens the case in the console
COVERAGE_PAGE = "/maps/coverage"  # the coverage page's form asks it again


def default_period(now: datetime) -> tuple[datetime, datetime]:
    """The last 365 days up to ``now``."""
    return now - timedelta(days=365), now


class MapOptions(TypedDict):
    """What every map function takes besides its data: the basemap and asset inlining."""

    basemap: str
    tianditu_key: str | None
    inline: bool


def _options(state: AppState, inline: bool) -> MapOptions:
    s = state.settings
    return {"basemap": s.basemap, "tianditu_key": s.tianditu_key, "inline": inline}


def _workload(
    state: AppState, level: str, since: datetime, until: datetime, community: str | None = None
) -> dict[str, Any]:
    """The workload report at ``level`` for [since, until), as of now (of one community's
    cases only when ``community`` is given)."""
    return workload_report(
        state.store,
        state.locator,
        level=level,
        since=since,
        until=until,
        now=state.cases.now(),
        tz=state.tz,
        community=community,
    )


@labelled
def workload_page(
    state: AppState, *, kpi: str, since: datetime, until: datetime, inline: bool = False
) -> folium.Map:
    gen = state.locator.generation()
    comms, grids = (
        state.boundaries.polygons(gen, "communities"),
        state.boundaries.polygons(gen, "grids"),
    )
    rep = _workload(state, "community", since, until)
    title = f"{state.settings.district_name}网格工作量 Workload by community"
    return workload_map(comms, grids, rep, kpi=kpi, title=title, **_options(state, inline))


@labelled
def community_page(
    state: AppState,
    code: str,
    *,
    since: datetime,
    until: datetime,
    viewer: Actor | None = PLANNER,
    inline: bool = False,
) -> folium.Map:
    """One community's map as ``viewer`` may see it (None: an anonymous reader).

    Signed-in viewers see the cases their role may read (never the reporter) and the grid
    workers' names. Anonymous readers see the grid aggregates only, and, when public reading
    is on (GRIDMGR_PUBLIC_READ), the cases of public categories with their location rounded
    to about 100 m, without assignee, description, address or link to the console."""
    gen = state.locator.generation()
    comms, _ = state.boundaries.features(gen)
    community = next((c for c in comms if c["id"] == code), None)
    if community is None:
        raise NotFoundError(f"there is no community {code}")
    grids = state.boundaries.polygons(gen, "grids")
    own = grids.subset([p["community_code"] == code for p in grids.props])
    rows = _workload(state, "grid", since, until, community=code)["rows"]
    now = state.cases.now()
    anonymous = viewer is None
    views = []
    shown = None
    if viewer is not None or state.settings.public_read:
        chosen = state.cases.map_cases(
            viewer or PLANNER,
            community=code,
            since=since,
            until=until,
            limit=MAX_CASES_ON_MAP,
            public_only=anonymous,
        )
        cases = chosen.cases
        if anonymous:
            cases = public_cases(cases, state.cases.categories())
        views = [map_view(c, now=now, tz=state.tz) for c in cases]
        shown = case_note(chosen)
    names = {code: f"{c.name_zh} {c.name_en}" for code, c in state.cases.categories().items()}
    for v in views:
        v["category_name"] = names.get(v["category"])
        if anonymous:
            _anonymise(v)
    workers = (
        {}
        if anonymous
        else {
            w.home_grid_code: w.name
            for w in state.store.workers(community_code=code)
            if w.home_grid_code
        }
    )
    return community_map(
        community,
        own,
        rows,
        views,
        state.store.facilities(community=code),
        kinds=read_kinds(),
        workers=workers,
        case_link=None if anonymous else CASE_PAGE,
        case_note=shown,
        **_options(state, inline),
    )


def map_view(case: Case, *, now: datetime, tz: tzinfo) -> dict[str, Any]:
    """What a community map shows of a case: the fields of api.views.case_view it reads,
    with the same values (times in zone ``tz``), and nothing of the reporter."""
    return {
        "id": case.id,
        "status": case.status,
        "category": case.category,
        "grid_code": case.grid_code,
        "location": None if case.lon is None else {"lon": case.lon, "lat": case.lat},
        "assignee": None if case.assignee_id is None else {"name": case.assignee_name},
        "due_at": iso(case.due_at, tz),
        "overdue": case.overdue(now),
    }


def case_note(chosen: MapSelection) -> str:
    """What a community map's case layer shows, for its legend (Chinese, then English)."""
    o, f = chosen.open_shown, chosen.finished_shown
    if o < chosen.open_total:  # more open cases than the cap: the latest reported shown
        return f"在办 {o:,} 件（共 {chosen.open_total:,} 件）/ {o:,} of {chosen.open_total:,} open"
    zh = f"全部在办 {o:,} 件 + 最近结案 {f:,} 件"
    en = f"all {o:,} open + latest {f:,} closed"
    if f < chosen.finished_total:
        zh += f"（结案共 {chosen.finished_total:,} 件）"
        en += f" (of {chosen.finished_total:,})"
    return f"{zh} / {en}"


def _anonymise(view: dict[str, Any]) -> None:
    """Strip a case view to what anonymous readers may see (in place)."""
    for key in ("description", "address", "media_url", "assignee", "external_id", "flags"):
        view[key] = None
    where = view.get("location")
    if where is not None:
        view["location"] = {"lon": rounded(where["lon"]), "lat": rounded(where["lat"])}


@labelled
def coverage_page(
    state: AppState,
    *,
    kind: str,
    radius_m: float | None,
    threshold: float,
    sites: int = 0,
    inline: bool = False,
) -> folium.Map:
    grids = state.boundaries.polygons(state.locator.generation(), "grids")
    rep = coverage_report(
        state.store, state.locator, kind=kind, radius_m=radius_m, threshold=threshold
    )
    suggested = (
        siting_report(state.store, state.locator, kind=kind, count=sites, radius_m=radius_m)
        if sites
        else None
    )
    return coverage_map(
        grids,
        rep,
        state.store.facilities(kind=kind),
        sites=suggested,
        form_action=None if inline else COVERAGE_PAGE,  # a file has no server to ask
        **_options(state, inline),
    )


@labelled
def index(state: AppState) -> str:
    comms, _ = state.boundaries.features(state.locator.generation())
    since, until = default_period(state.cases.now())
    rep = _workload(state, "community", since, until)
    rows = {r["code"]: r for r in rep["rows"]}
    s = state.settings
    return index_page(
        [{**c["properties"], **rows.get(c["id"], {})} for c in comms],
        title=f"{s.district_name}网格化管理地图 Grid maps · {s.district_name_en}",
    )
