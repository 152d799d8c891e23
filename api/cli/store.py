"""``gridmgr init`` and ``gridmgr boundaries load|activate|list``."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import click

from api.cli.common import CHINA_TIME, configured_store, fail, parse_time
from geo import bundled
from geo.boundaries.checks import validate_boundary_set
from geo.boundaries.read import read_boundary_set
from geo.boundaries.report import format_report
from geo.cases.categories import read_catalogue
from geo.errors import GridmgrError
from geo.store import Store
from geo.synth.roster import synth_roster


def initialise(store: Store) -> None:
    """Bring ``store`` to a usable state (bundled boundaries, roster, catalogue), keeping
    whatever is already there, and say what was done."""
    gens = store.list_generations()
    if gens:
        click.echo(f"boundaries: {len(gens)} generation(s) already stored; left as they are")
    else:
        bset = read_boundary_set(bundled.BOUNDARIES_DIR)
        report = validate_boundary_set(bset)
        if not report.ok:
            fail(f"the bundled boundary set has problems:\n{format_report(report)}")
        gen = store.stage_generation(bset, label="云岩区 bundled (illustrative)")
        store.activate_generation(gen)
        click.echo(f"boundaries: loaded the bundled set as generation {gen} and activated it")
    active = store.active_generation()
    if active is None:
        fail("no boundary generation is active; run `gridmgr boundaries activate N`")
    grids = [(g.code, g.community_code) for g in store.grids(active)]
    communities = [c.code for c in store.communities(active)]
    added = store.add_workers(synth_roster(grids, communities))
    total = len(store.workers())
    click.echo(f"roster: {added} worker(s) added, {total} in all")
    with store.case_tx() as tx:
        if tx.categories():
            click.echo("categories: catalogue present; left as it is")
        else:
            cats = read_catalogue()
            tx.replace_categories(cats)
            click.echo(f"categories: loaded the bundled catalogue ({len(cats)} subclasses)")


@click.command()
def init() -> None:
    """Create the database, load the bundled Yunyan boundaries and the roster.

    Running it again changes nothing.
    """
    with configured_store() as store:
        initialise(store)


@click.group()
def boundaries() -> None:
    """Boundary generations: load, activate, list."""


@boundaries.command("load")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--crs",
    default=None,
    help="CRS of the files (wgs84, cgcs2000, gcj02, bd09, EPSG:NNNN); default: the files' own.",
)
@click.option("--label", default="", help="A name for this generation.")
@click.option("--activate", is_flag=True, help="Activate the new generation at once.")
def load(path: Path, crs: str | None, label: str, activate: bool) -> None:
    """Validate the boundary set at PATH and stage it as a new generation.

    An invalid set stores nothing and every problem is printed (exit status 1).
    """
    try:
        bset = read_boundary_set(path, crs=crs)
    except GridmgrError as exc:
        fail(str(exc))
    report = validate_boundary_set(bset)
    if not report.ok:
        click.echo(format_report(report), err=True)
        fail(f"{path}: {len(report.problems)} problem(s); nothing was stored", code=1)
    with configured_store() as store:
        gen = store.stage_generation(bset, label=label)
        click.echo(
            f"staged generation {gen}: {len(bset.communities)} communities, {len(bset.grids)} grids"
        )
        if activate:
            store.activate_generation(gen)
            click.echo(f"activated generation {gen}")


@boundaries.command("activate")
@click.argument("generation", type=int)
@click.option("--at", "at", default=None, help="When it takes effect (ISO 8601; default now).")
def activate(generation: int, at: str | None) -> None:
    """Make GENERATION the active boundary set."""
    when = parse_time(at, "--at") if at else None
    with configured_store() as store:
        store.activate_generation(generation, at=when)
        click.echo(f"activated generation {generation}")


@boundaries.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_(as_json: bool) -> None:
    """List the stored generations, their dates and counts."""
    with configured_store() as store:
        gens = store.list_generations()
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "id": g.id,
                        "label": g.label,
                        "source": g.source,
                        "created_at": g.created_at.isoformat(),
                        "communities": g.community_count,
                        "grids": g.grid_count,
                        "active": g.active,
                        "activations": [a.isoformat() for a in g.activations],
                    }
                    for g in gens
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    if not gens:
        click.echo("no boundary generations; run `gridmgr init` or `gridmgr boundaries load`")
        return
    click.echo(
        f"{'':2}{'id':>4}  {'created (+08:00)':<20}{'last activated':<20}"
        f"{'communities':>12}{'grids':>7}  label"
    )
    for g in gens:
        last = _when(g.activations[-1]) if g.activations else "-"
        click.echo(
            f"{'*' if g.active else ' ':2}{g.id:>4}  {_when(g.created_at):<20}{last:<20}"
            f"{g.community_count:>12}{g.grid_count:>7}  {g.label}"
        )


def _when(value: datetime) -> str:
    return value.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M")
