"""``gridmgr map workload|community CODE|coverage KIND -o FILE.html``: maps as files that open
from disk with no server and no internet (assets inlined)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
import folium

from api import map_data
from api.cli.common import configured_state, parse_time
from api.state import AppState

OUT = click.option(
    "-o",
    "--output",
    "out",
    required=True,
    type=click.Path(path_type=Path),
    help="The HTML file to write.",
)
FROM = click.option("--from", "since", default=None, help="Start (default: a year ago).")
TO = click.option("--to", "until", default=None, help="End, exclusive (default: now).")


def _period(state: AppState, since: str | None, until: str | None) -> tuple[datetime, datetime]:
    dsince, duntil = map_data.default_period(state.cases.now())
    return (
        parse_time(since, "--from", state.tz) if since else dsince,
        parse_time(until, "--to", state.tz) if until else duntil,
    )


def _save(m: folium.Map, out: Path) -> None:
    m.save(str(out))
    click.echo(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB)", err=True)


@click.group("map")
def map_() -> None:
    """Write a map as a self-contained HTML file."""


@map_.command("workload")
@click.option(
    "--kpi",
    default="open_per_worker",
    show_default=True,
    type=click.Choice(
        ["open_per_worker", "per_1000_residents", "on_time_rate", "open", "received", "overdue"]
    ),
)
@FROM
@TO
@OUT
def workload(kpi: str, since: str | None, until: str | None, out: Path) -> None:
    """The 26 communities coloured by a workload figure."""
    with configured_state() as state:
        s, u = _period(state, since, until)
        _save(map_data.workload_page(state, kpi=kpi, since=s, until=u, inline=True), out)


@map_.command("community")
@click.argument("code")
@FROM
@TO
@OUT
def community(code: str, since: str | None, until: str | None, out: Path) -> None:
    """One community: its grids, cases and facilities."""
    with configured_state() as state:
        s, u = _period(state, since, until)
        _save(map_data.community_page(state, code, since=s, until=u, inline=True), out)


@map_.command("coverage")
@click.argument("kind")
@click.option("--radius-m", type=float, default=None)
@click.option("--threshold", type=float, default=0.5, show_default=True)
@click.option("--sites", type=int, default=0, help="Also suggest this many new sites.")
@OUT
def coverage(kind: str, radius_m: float | None, threshold: float, sites: int, out: Path) -> None:
    """Coverage of facilities of KIND, underserved grids, and suggested sites."""
    with configured_state() as state:
        _save(
            map_data.coverage_page(
                state, kind=kind, radius_m=radius_m, threshold=threshold, sites=sites, inline=True
            ),
            out,
        )
