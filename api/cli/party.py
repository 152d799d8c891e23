"""``gridmgr orgs import|list``: party organisations and social organisations."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click

from api.cli.common import configured_store, fail
from api.cli.locate import CRS_CHOICE, READ_SUFFIXES
from geo.errors import GridmgrError
from geo.locate.locator import Locator
from geo.party.model import ORG_KINDS, Organisation
from geo.party.placing import check_parents, place_organisation


def _rows(path: Path) -> tuple[list[dict[str, Any]], str]:
    """The file's records and what one is called in messages (``line`` for a CSV, whose
    first record is on line 2; ``feature`` for a vector file, counted from 1). A feature's
    point becomes ``lon``/``lat`` (in WGS84 when the file declares a CRS); a feature without
    geometry has none; any other geometry is kept as ``_geometry`` for the check to refuse."""
    if path.suffix.lower() == ".csv":
        import pandas as pd

        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        return [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")], "line"
    import geopandas as gpd
    import shapely

    try:
        gframe = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several kinds; all mean "cannot read"
        fail(f"{path}: cannot read as a vector file ({str(exc).splitlines()[0]})")
    if gframe.crs is not None and not gframe.crs.equals("EPSG:4326"):
        gframe = gframe.to_crs("EPSG:4326")
    rows = []
    for rec, geom in zip(
        gframe.drop(columns="geometry").to_dict("records"), gframe.geometry, strict=True
    ):
        row = {str(k): v for k, v in rec.items()}
        if geom is not None and not geom.is_empty:
            if shapely.get_type_id(geom) == 0:
                row.update(lon=geom.x, lat=geom.y)
            else:
                row["_geometry"] = geom.geom_type
        rows.append(row)
    return rows, "feature"


@click.group()
def orgs() -> None:
    """Party organisations and social organisations (党组织、社会组织)."""


@orgs.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--crs",
    type=CRS_CHOICE,
    default=None,
    help="CRS of the coordinates (default wgs84; a vector file's own CRS otherwise).",
)
@click.option("--illustrative", is_flag=True, help="Mark every organisation illustrative.")
def import_(path: Path, crs: str | None, illustrative: bool) -> None:
    """Import organisations from a CSV (code, name, kind [, parent_code, lon, lat]) or a
    GeoJSON/GeoPackage of points (or features without geometry). All rows or none: every
    problem is reported with its line or feature and field, and then nothing is stored."""
    if path.suffix.lower() not in READ_SUFFIXES | {".csv"}:
        fail(f"{path}: expected a .csv, .geojson, .gpkg, .fgb or .shp file")
    rows, where = _rows(path)
    first = 2 if where == "line" else 1
    if not rows:
        fail(f"{path}: no organisations in the file")
    with configured_store() as store:
        locator = Locator(store)
        placed: list[tuple[int, Organisation]] = []
        problems: list[str] = []
        for n, row in enumerate(rows, start=first):
            if "_geometry" in row:
                problems.append(
                    f"{where} {n}: geometry: a {row['_geometry']} (an organisation takes a "
                    "point or no geometry)"
                )
                continue
            try:
                org = place_organisation(
                    row, locator, crs=(crs or "wgs84").lower(), illustrative=illustrative
                )
            except GridmgrError as exc:
                problems.append(f"{where} {n}: {getattr(exc, 'field', '') or ''}: {exc}")
                continue
            placed.append((n, org))
        batch = [org for _, org in placed]
        for i, err in check_parents(batch, store.org_codes()):
            problems.append(f"{where} {placed[i][0]}: {err.field}: {err}")
        if problems:
            for line in problems:
                click.echo(f"rejected {line}", err=True)
            fail(f"{len(problems)} problem(s) in {path.name}; nothing imported", code=1)
        ids = store.add_organisations(batch)
    unplaced = sum(1 for o in batch if o.lon is not None and o.grid_code is None)
    no_point = sum(1 for o in batch if o.lon is None)
    click.echo(f"{len(ids)} imported ({no_point} without a point, {unplaced} outside every grid)")


@orgs.command("list")
@click.option("--kind", default=None, help="A kind code, e.g. branch.")
@click.option("--community", default=None, help="A 9-digit community code.")
def list_(kind: str | None, community: str | None) -> None:
    """Stored organisations."""
    with configured_store() as store:
        for o in store.organisations(kind=kind, community=community):
            label = ORG_KINDS[o.kind][0] if o.kind in ORG_KINDS else o.kind
            click.echo(
                f"{o.id:>6}  {o.code:<12} {label:<8} {o.name:<20} "
                f"{o.parent_code or '-':<12} {o.grid_code or '-'}"
            )


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{option} {text!r} is not a date (YYYY-MM-DD)")


@click.group()
def party() -> None:
    """The party-building grid: figures per community and grid (党建统计)."""


@party.command("figures")
@click.option("--level", type=click.Choice(["community", "grid"]), default="community")
@click.option("--community", default=None, help="Only this community (or its grids).")
@click.option("--from", "since", default=None, help="First day of hours (YYYY-MM-DD).")
@click.option("--to", "until", default=None, help="Day after the last day of hours.")
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="FILE.csv (UTF-8 with a BOM, for Excel); without it, a table on standard output.",
)
def figures(
    level: str,
    community: str | None,
    since: str | None,
    until: str | None,
    out: Path | None,
) -> None:
    """Organisations, members reported in (per 1,000 residents), posts filled and volunteer
    hours per community or grid."""
    from geo.analytics.export import write_csv

    if out is not None and out.suffix.lower() != ".csv":
        fail(f"{out}: write .csv")
    first, after = _day(since, "--from"), _day(until, "--to")
    if first is not None and after is not None and after <= first:
        fail("--to must be after --from")
    with configured_store() as store:
        rows = store.party_figures(
            level=level,
            generation=Locator(store).generation(),
            community=community,
            since=first,
            until=after,
        )
    if community is not None and not rows:
        fail(f"community {community!r} is not in the active boundaries")
    table = [
        {
            "code": f.code,
            "name": f.name or "",
            "population": f.population,
            "organisations": f.organisations,
            "members": f.members,
            "members_per_1000": f.members_per_1000,
            "posts": f.posts,
            "posts_filled": f.posts_filled,
            "hours": round(f.hours, 2),
        }
        for f in rows
    ]
    if out is not None:
        write_csv(table, out)
        click.echo(f"{len(table)} rows written to {out}")
        return
    click.echo("code             name         orgs  members  per_1000  posts  filled   hours")
    for r in table:
        per = "-" if r["members_per_1000"] is None else f"{r['members_per_1000']:.3f}"
        click.echo(
            f"{r['code']:<16} {r['name']:<10} {r['organisations']:>6} {r['members']:>8} "
            f"{per:>9} {r['posts']:>6} {r['posts_filled']:>7} {r['hours']:>7g}"
        )
