"""``gridmgr demo``: the product on illustrative Yunyan data, in one command.

Builds (or reuses) the embedded database: the bundled boundaries, the roster, facilities of
every kind and a year of synthetic cases; then serves the API and maps and prints the address
and a planner's, a dispatcher's and an admin's token (tokens of earlier runs stay valid).
"""

from __future__ import annotations

import time
import unicodedata
from datetime import UTC, datetime

import click
import geopandas as gpd

from api.auth.tokens import new_token
from api.cli.common import configured_store
from api.cli.common import settings as configured_settings
from api.cli.progress import progress
from api.cli.serve import run_server
from api.cli.store import initialise
from geo import bundled
from geo.boundaries.checks import CommunitySummary, validate_boundary_set
from geo.boundaries.read import read_boundary_set
from geo.cases.categories import read_catalogue
from geo.facilities.model import read_kinds
from geo.facilities.placing import place_facility
from geo.locate.locator import Locator
from geo.store import Store
from geo.store.records import TokenRecord
from geo.synth.cases import synth_cases
from geo.synth.facilities import synth_facilities
from geo.synth.gazetteer import synth_gazetteer
from geo.worktime.calendar import WorkCalendar


def _pad(text: str, width: int, *, right: bool = False) -> str:
    """Pad to ``width`` terminal columns; CJK characters take two."""
    cols = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    fill = " " * max(width - cols, 0)
    return fill + text if right else text + fill


_WIDTHS = (12, 16, 12, 12, 18)


def _row(*cells: str) -> str:
    """One table line: two left-aligned text columns, then right-aligned figures."""
    return "".join(
        _pad(v, w, right=i >= 2) for i, (v, w) in enumerate(zip(cells, _WIDTHS, strict=True))
    )


def _count(value: int | float | None) -> str:
    """A figure with thousands separators; "—" when unknown."""
    return "—" if value is None else f"{value:,}"


def _community_row(c: CommunitySummary) -> str:
    """A community's table line; "—" for a name or population the boundary set lacks."""
    return _row(
        c["code"],
        "—" if c["name"] is None else c["name"],
        str(c["grids"]),
        f"{c['area_km2']:.2f}",
        _count(c["population"]),
    )


def _summary() -> None:
    report = validate_boundary_set(read_boundary_set(bundled.BOUNDARIES_DIR))
    summary = report.summary
    click.echo("gridmgr demo · 云岩区 Yunyan District, Guiyang (illustrative boundaries)")
    status = "clean" if report.ok else f"{len(report.problems)} problem(s)"
    click.echo(
        f"boundary set {bundled.BOUNDARIES_DIR}: {summary['communities']} communities, "
        f"{summary['grids']} grids, {summary['area_km2']:.1f} km², {status}"
    )
    click.echo("")
    click.echo(_row("代码 code", "社区 community", "网格 grids", "面积 km²", "人口 population"))
    for c in summary["per_community"]:
        click.echo(_community_row(c))
    click.echo(
        _row(
            "合计 total",
            "",
            str(summary["grids"]),
            f"{summary['area_km2']:.2f}",
            _count(summary["population"]["grids"]),
        )
    )
    click.echo("")


def _populate(store: Store, *, cases: int, seed: int, calendar: WorkCalendar) -> None:
    """Fill a new demo database; synthetic cases follow ``calendar`` (working time and the
    district's time zone)."""
    initialise(store)
    locator = Locator(store)
    gen = locator.generation()
    grid_rows = store.grids(gen)
    grids = gpd.GeoDataFrame(
        {
            "code": [g.code for g in grid_rows],
            "community_code": [g.community_code for g in grid_rows],
            "population": [g.population for g in grid_rows],
        },
        geometry=[g.geom for g in grid_rows],
        crs="EPSG:4326",
    )
    if store.facilities():
        click.echo("facilities: present; left as they are")
    else:
        kinds = read_kinds()
        names = {c.code: c.name for c in store.communities(gen)}
        placed = [
            place_facility(r, locator, kinds)
            for r in synth_facilities(grids, names, kinds, seed=seed)
        ]
        store.add_facilities(placed)
        click.echo(f"facilities: {len(placed)} of {len(kinds)} kinds placed")
    if store.gazetteer():
        click.echo("gazetteer: present; left as it is")
    else:
        names = {c.code: c.name for c in store.communities(gen)}
        named = grids.assign(community_name=grids["community_code"].map(names))
        n = store.replace_gazetteer(synth_gazetteer(named))
        click.echo(f"gazetteer: {n} illustrative addresses")
    if store.next_case_id() > 1:
        click.echo("cases: present; left as they are")
        return
    started = time.monotonic()
    click.echo(f"cases: generating a year of {cases:,} synthetic cases ...")
    bar = progress(2, "演示案件 demo cases").start()  # generate, load
    frame, events = synth_cases(
        grids,
        read_catalogue(),
        count=cases,
        end=datetime.now(UTC),
        calendar=calendar,
        seed=seed,
        generation=gen,
    )
    bar.advance(1)
    store.bulk_load_cases(frame, events)
    bar.advance(1)
    bar.finish()
    click.echo(
        f"cases: {len(frame):,} cases and {len(events):,} audit events loaded in "
        f"{time.monotonic() - started:.0f} s"
    )


def _token(store: Store, role: str) -> str:
    secret, token_id, digest = new_token()
    store.add_token(
        TokenRecord(token_id, role, f"demo {role}", None, None, datetime.now(UTC)), digest
    )
    return secret


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--cases",
    default=150_000,
    show_default=True,
    type=int,
    help="How many synthetic cases a new demo database gets.",
)
@click.option("--seed", default=520103, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Build the database, print tokens, and stop.")
def demo(host: str, port: int, cases: int, seed: int, no_serve: bool) -> None:
    """Build (or reuse) a demo database and serve gridmgr at http://HOST:PORT."""
    _summary()
    settings = configured_settings()
    with configured_store() as store:
        _populate(store, cases=cases, seed=seed, calendar=settings.calendar())
        earlier = sum(1 for t in store.tokens() if t.revoked_at is None)
        planner, dispatcher = _token(store, "planner"), _token(store, "dispatcher")
        admin = _token(store, "admin")
    base = f"http://{host}:{port}"
    click.echo("")
    click.echo(f"  首页 index and maps   {base}/")
    click.echo(f"  调度台 console        {base}/console  (sign in with the dispatcher token)")
    click.echo(f"  API docs              {base}/docs")
    click.echo(f"  OGC API – Features    {base}/ogc")
    click.echo(f"  planner token         {planner}")
    click.echo(f"  dispatcher token      {dispatcher}")
    click.echo(f"  admin token           {admin}")
    click.echo(f"  try: curl -H 'Authorization: Bearer {planner}' {base}/communities")
    if earlier:
        click.echo(
            f"  {earlier} token(s) from earlier runs stay valid (gridmgr token list; "
            "gridmgr token revoke ID)"
        )
    click.echo("")
    if not no_serve:
        run_server(settings, host, port)
