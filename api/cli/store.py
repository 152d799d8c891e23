"""``gridmgr init`` and ``gridmgr boundaries load|activate|list``."""

from __future__ import annotations

import json
from datetime import datetime, tzinfo
from pathlib import Path

import click

from api.cli.common import configured_store, fail, local_zone, parse_time
from api.cli.progress import progress
from geo import bootstrap
from geo.boundaries.checks import validate_boundary_set
from geo.boundaries.read import read_boundary_set
from geo.boundaries.report import format_report
from geo.errors import GridmgrError
from geo.store import Store


def initialise(store: Store) -> None:
    """Bring ``store`` to a usable state (bundled boundaries, roster, catalogue), keeping
    whatever is already there, and say what was done (see :func:`geo.bootstrap.initialise`;
    its domain errors end the command through :func:`configured_store`)."""
    done = bootstrap.initialise(store)
    if done.staged is None:
        click.echo(
            f"boundaries: {done.generations_before} generation(s) already stored; left as they are"
        )
    else:
        click.echo(
            f"boundaries: loaded the bundled set as generation {done.staged} and activated it"
        )
    click.echo(f"roster: {done.workers_added} worker(s) added, {done.workers_total} in all")
    if done.categories_loaded:
        click.echo(
            f"categories: loaded the bundled catalogue ({done.categories_loaded} subclasses)"
        )
    else:
        click.echo("categories: catalogue present; left as it is")


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
    bar = progress(3, "载入边界 loading boundaries").start()  # read, validate, store
    try:
        bset = read_boundary_set(path, crs=crs)
    except GridmgrError as exc:
        fail(str(exc))
    bar.advance(1)
    report = validate_boundary_set(bset)
    bar.advance(1)
    if not report.ok:
        bar.finish()
        click.echo(format_report(report), err=True)
        fail(f"{path}: {len(report.problems)} problem(s); nothing was stored", code=1)
    with configured_store() as store:
        gen = store.stage_generation(bset, label=label)
        bar.advance(1)
        bar.finish()
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
    tz = local_zone()
    created = f"created ({tz.key})"
    width = max(20, len(created) + 2)
    click.echo(
        f"{'':2}{'id':>4}  {created:<{width}}{'last activated':<20}"
        f"{'communities':>12}{'grids':>7}  label"
    )
    for g in gens:
        last = _when(g.activations[-1], tz) if g.activations else "-"
        click.echo(
            f"{'*' if g.active else ' ':2}{g.id:>4}  {_when(g.created_at, tz):<{width}}{last:<20}"
            f"{g.community_count:>12}{g.grid_count:>7}  {g.label}"
        )


def _when(value: datetime, tz: tzinfo) -> str:
    """``value`` on the wall clock of zone ``tz``, to the minute."""
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")
