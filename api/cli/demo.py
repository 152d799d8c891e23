"""``gridmgr demo``: show the product on the bundled Yunyan data."""

from __future__ import annotations

import sys

import click

from geo import bundled
from geo.boundaries import read_boundary_set
from geo.boundary_checks import validate_boundary_set


@click.command()
def demo() -> None:
    """Check the bundled Yunyan boundary set and summarise its 26 communities."""
    bset = read_boundary_set(bundled.BOUNDARIES_DIR)
    report = validate_boundary_set(bset)
    summary = report.summary
    click.echo("gridmgr demo · 云岩区 Yunyan District, Guiyang (illustrative boundaries)")
    status = "clean" if report.ok else f"{len(report.problems)} problem(s)"
    click.echo(
        f"boundary set {bundled.BOUNDARIES_DIR}: {summary['communities']} communities, "
        f"{summary['grids']} grids, {summary['area_km2']:.1f} km², {status}"
    )
    click.echo("")
    click.echo(f"{'代码 code':<12}{'社区 community':<12}{'网格 grids':>10}{'面积 km²':>11}"
               f"{'人口 population':>16}")
    for c in summary["per_community"]:
        click.echo(f"{c['code']:<12}{c['name']:<12}{c['grids']:>10}{c['area_km2']:>11.2f}"
                   f"{c['population']:>16,}")
    total = summary["population"]["grids"]
    click.echo(f"{'合计 total':<24}{summary['grids']:>10}{summary['area_km2']:>11.2f}{total:>16,}")
    if not report.ok:
        for p in report.problems:
            click.echo(f"  {p.layer} {p.code}: {p.kind}: {p.detail}", err=True)
        sys.exit(1)
