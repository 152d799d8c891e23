"""``gridmgr demo``: show the product on the bundled Yunyan data."""

from __future__ import annotations

import sys
import unicodedata

import click

from geo import bundled
from geo.boundaries import read_boundary_set
from geo.boundary_checks import validate_boundary_set


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
    click.echo(_row("代码 code", "社区 community", "网格 grids", "面积 km²", "人口 population"))
    for c in summary["per_community"]:
        click.echo(_row(c["code"], c["name"], str(c["grids"]), f"{c['area_km2']:.2f}",
                        f"{c['population']:,}"))
    click.echo(_row("合计 total", "", str(summary["grids"]), f"{summary['area_km2']:.2f}",
                    f"{summary['population']['grids']:,}"))
    if not report.ok:
        for p in report.problems:
            click.echo(f"  {p.layer} {p.code}: {p.kind}: {p.detail}", err=True)
        sys.exit(1)
