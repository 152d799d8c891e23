"""``gridmgr facilities import|list``: service facilities."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import geopandas as gpd
import pandas as pd
import shapely

from api.cli.common import configured_store, fail
from api.cli.locate import CRS_CHOICE, READ_SUFFIXES
from geo.errors import GridmgrError
from geo.facilities.model import read_kinds
from geo.facilities.placing import place_facility
from geo.locate.locator import Locator


def _records(path: Path) -> list[dict[str, Any]]:
    """Rows of a CSV, or of a vector file's points (lon/lat from the geometry, in WGS84 when
    the file declares a CRS)."""
    if path.suffix.lower() == ".csv":
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        return [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]
    try:
        frame = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several kinds; all mean "cannot read"
        fail(f"{path}: cannot read as a vector file ({str(exc).splitlines()[0]})")
    crs = frame.crs
    if crs is not None and not crs.equals("EPSG:4326"):
        frame = frame.to_crs("EPSG:4326")
    rows = []
    for rec, geom in zip(
        frame.drop(columns="geometry").to_dict("records"), frame.geometry, strict=True
    ):
        point = geom is not None and shapely.get_type_id(geom) == 0 and not geom.is_empty
        rows.append({**rec, "lon": geom.x if point else None, "lat": geom.y if point else None})
    return rows


@click.group()
def facilities() -> None:
    """Service facilities (elderly-care stations, volunteer huts, health stations ...)."""


@facilities.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--crs",
    type=CRS_CHOICE,
    default=None,
    help="CRS of the coordinates (default wgs84; a vector file's own CRS otherwise).",
)
@click.option("--strict", is_flag=True, help="Import nothing if any row is rejected.")
def import_(path: Path, crs: str | None, strict: bool) -> None:
    """Import facilities from a CSV (kind, name, lon, lat [, radius_m, capacity, opening]) or
    a GeoJSON/GeoPackage of points. Every row is imported or reported with its reason."""
    if path.suffix.lower() not in READ_SUFFIXES | {".csv"}:
        fail(f"{path}: expected a .csv, .geojson, .gpkg, .fgb or .shp file")
    rows = _records(path)
    kinds = read_kinds()
    with configured_store() as store:
        locator = Locator(store)
        good, rejected = [], []
        first_line = 2 if path.suffix.lower() == ".csv" else 1
        for n, row in enumerate(rows, start=first_line):
            try:
                good.append(place_facility(row, locator, kinds, crs=(crs or "wgs84").lower()))
            except GridmgrError as exc:
                where = "line" if first_line == 2 else "feature"
                rejected.append(f"{where} {n}: {getattr(exc, 'field', '') or ''}: {exc}")
        for line in rejected:
            click.echo(f"rejected {line}", err=True)
        if strict and rejected:
            fail(f"{len(rejected)} row(s) rejected; nothing imported (--strict)", code=1)
        ids = store.add_facilities(good)
    unplaced = sum(1 for f in good if f.grid_code is None)
    click.echo(f"{len(ids)} imported ({unplaced} outside every grid), {len(rejected)} rejected")


@facilities.command("list")
@click.option("--kind", default=None)
@click.option("--community", default=None)
def list_(kind: str | None, community: str | None) -> None:
    """Stored facilities."""
    kinds = read_kinds()
    with configured_store() as store:
        for f in store.facilities(kind=kind, community=community):
            label = kinds[f.kind].name_zh if f.kind in kinds else f.kind
            click.echo(
                f"{f.id:>6}  {label:<10} {f.name:<20} {f.grid_code or '-':<16} {f.radius_m:g} m"
            )
