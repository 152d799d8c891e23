"""``gridmgr check-boundaries`` and ``gridmgr synth boundaries``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import geopandas as gpd

from geo import bundled
from geo.boundaries.checks import validate_boundary_set
from geo.boundaries.read import read_boundary_set
from geo.boundaries.report import format_report, report_to_dict
from geo.errors import GridmgrError
from geo.synth.yunyan import (
    SynthConfig,
    load_communities,
    load_outline,
    synthesize,
    write_geojson,
)


@click.command("check-boundaries")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--crs",
    default=None,
    help="CRS of the files: wgs84, cgcs2000, gcj02, bd09 or EPSG:NNNN (default: the files' own).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def check_boundaries(path: Path, crs: str | None, as_json: bool) -> None:
    """Validate a boundary set (communities and grids) at PATH.

    Exit status: 0 clean, 1 problems found, 2 PATH cannot be read.
    """
    try:
        bset = read_boundary_set(path, crs=crs)
    except GridmgrError as exc:
        click.echo(f"gridmgr check-boundaries: {exc}", err=True)
        sys.exit(2)
    report = validate_boundary_set(bset)
    if as_json:
        click.echo(json.dumps(report_to_dict(report), ensure_ascii=False, indent=2))
    else:
        click.echo(format_report(report))
    sys.exit(0 if report.ok else 1)


@click.group()
def synth() -> None:
    """Generate illustrative data (deterministic by seed)."""


@synth.command("boundaries")
@click.option("--seed", type=int, default=None, help="Random seed (default: the bundled one).")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=bundled.BOUNDARIES_DIR,
    show_default=True,
    help="Directory to write district/communities/grids.geojson.",
)
def synth_boundaries(seed: int | None, out_dir: Path) -> None:
    """Regenerate the illustrative Yunyan boundary set from the real district outline."""
    cfg = SynthConfig() if seed is None else SynthConfig(seed=seed)
    outline = load_outline(bundled.OUTLINE_GCJ02)
    rows = load_communities(bundled.COMMUNITY_LIST)
    communities, grids = synthesize(outline, rows, cfg)
    out_dir.mkdir(parents=True, exist_ok=True)
    district = gpd.GeoDataFrame(
        [{"code": "520103", "name": "云岩区", "geometry": outline}], crs="EPSG:4326"
    )
    write_geojson(district, out_dir / "district.geojson")
    write_geojson(communities, out_dir / "communities.geojson")
    write_geojson(grids, out_dir / "grids.geojson")
    click.echo(
        f"wrote {len(communities)} communities and {len(grids)} grids "
        f"(seed {cfg.seed}, population {int(grids['population'].sum()):,}) to {out_dir}"
    )
