"""``gridmgr report workload|coverage``: planners' reports as CSV or GeoJSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import shapely

from api.cli.common import configured_store, fail, local_zone, parse_time
from api.cli.figures import rounded, share_text
from geo.analytics.export import write_csv, write_geojson
from geo.analytics.reports import coverage_report, siting_report, workload_report
from geo.errors import GridmgrError
from geo.locate.locator import Locator
from geo.store import Store


def _geometries(store: Store, locator: Locator, level: str) -> dict[str, dict[str, Any]]:
    gen = locator.generation()
    records = store.communities(gen) if level == "community" else store.grids(gen)
    return {r.code: shapely.geometry.mapping(r.geom) for r in records}


def _grid_names(store: Store, locator: Locator) -> dict[str, tuple[str, str, str]]:
    """Grid code → (the grid's name, its community's code, its community's name)."""
    gen = locator.generation()
    communities = {c.code: c.name for c in store.communities(gen)}
    return {
        g.code: (g.name or "", g.community_code, communities.get(g.community_code) or "")
        for g in store.grids(gen)
    }


def _named(
    row: dict[str, Any], key: str, names: dict[str, tuple[str, str, str]], *, prefix: str = ""
) -> dict[str, Any]:
    """``row`` with the grid's name (``{prefix}name``) after ``key`` (a grid code) and its
    community's code and name (``community_code``, ``community_name``) after that."""
    if row.get(key) is None:  # no grid: nothing to name
        return row
    name, community_code, community_name = names.get(row[key]) or ("", "", "")
    out: dict[str, Any] = {}
    for k, v in row.items():
        if k in (f"{prefix}name", "community_code", "community_name"):
            continue
        out[k] = v
        if k == key:
            out[f"{prefix}name"] = row.get(f"{prefix}name") or name
            out["community_code"] = row.get("community_code") or community_code
            out["community_name"] = community_name
    return out


def _write(
    rows: list[dict[str, Any]], out: Path, geometries: Callable[[], dict[str, dict[str, Any]]]
) -> None:
    rows = rounded(rows)
    suffix = out.suffix.lower()
    if suffix == ".csv":
        write_csv(rows, out)
    elif suffix in (".geojson", ".json"):
        write_geojson(rows, geometries(), out)
    else:
        fail(f"{out}: write .csv or .geojson")


# The export file of a report: its suffix chooses the format.
OUTPUT = click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(path_type=Path),
    default=None,
    help="FILE.csv or FILE.geojson; without it, JSON on standard output.",
)


@click.group()
def report() -> None:
    """Reports for planners (CSV with a BOM for Excel, or GeoJSON)."""


@report.command("workload")
@click.option(
    "--level",
    type=click.Choice(["community", "grid", "worker"]),
    default="community",
    show_default=True,
)
@click.option(
    "--from",
    "since",
    required=True,
    help="Start (ISO 8601; without an offset, the district's local time).",
)
@click.option("--to", "until", required=True, help="End, exclusive.")
@click.option("--category", default=None, help="Major class code, e.g. city_appearance.")
@OUTPUT
def workload(level: str, since: str, until: str, category: str | None, out: Path | None) -> None:
    """Workload KPIs per community, grid or worker for a period."""
    tz = local_zone()
    with configured_store() as store:
        locator = Locator(store)
        try:
            rep = workload_report(
                store,
                locator,
                level=level,
                since=parse_time(since, "--from", tz),
                until=parse_time(until, "--to", tz),
                now=datetime.now(UTC),
                tz=tz,
                category_class=category,
            )
        except GridmgrError as exc:
            fail(str(exc))
        if level == "grid":
            names = _grid_names(store, locator)
            rep["rows"] = [_named(r, "code", names) for r in rep["rows"]]
        if out is None:
            click.echo(json.dumps(rounded(rep), ensure_ascii=False, indent=2))
            return
        if level == "worker" and out.suffix.lower() != ".csv":
            fail("worker reports have no polygons: write .csv")
        _write(rep["rows"], out, lambda: _geometries(store, locator, level))
    imbalance = rounded(rep["imbalance"])
    click.echo(
        f"wrote {len(rep['rows'])} rows to {out} "
        f"(imbalance cv {imbalance['cv']}, gini {imbalance['gini']})",
        err=True,
    )


@report.command("coverage")
@click.argument("kind")
@click.option("--radius-m", type=float, default=None, help="Catchment radius (default: kind's).")
@click.option(
    "--threshold",
    type=float,
    default=0.5,
    show_default=True,
    help="Grids covered below this share are underserved.",
)
@click.option(
    "--level",
    type=click.Choice(["grid", "community"]),
    default="grid",
    show_default=True,
    help="Rows of the export.",
)
@OUTPUT
def coverage_cmd(
    kind: str, radius_m: float | None, threshold: float, level: str, out: Path | None
) -> None:
    """Coverage of grids and communities by facilities of KIND."""
    with configured_store() as store:
        locator = Locator(store)
        try:
            rep = coverage_report(store, locator, kind=kind, radius_m=radius_m, threshold=threshold)
        except GridmgrError as exc:
            fail(str(exc))
        names = _grid_names(store, locator)
        rep["grids"] = [_named(r, "code", names) for r in rep["grids"]]
        if out is None:
            click.echo(json.dumps(rounded(rep), ensure_ascii=False, indent=2))
            return
        rows = rep["grids"] if level == "grid" else rep["communities"]
        if level == "grid":
            low = set(rep["underserved"])
            rows = [{**r, "underserved": r["code"] in low} for r in rows]
        _write(rows, out, lambda: _geometries(store, locator, level))
    click.echo(
        f"wrote {len(rows)} rows to {out}: {rep['covered_population']:,.0f} of "
        f"{rep['population']:,.0f} residents covered "
        f"({share_text(rep['covered_population'], rep['population'])}); "
        f"{len(rep['underserved'])} grids underserved",
        err=True,
    )


@report.command("siting")
@click.argument("kind")
@click.option("--count", type=int, default=3, show_default=True, help="New sites to choose.")
@click.option("--radius-m", type=float, default=None, help="Catchment radius (default: kind's).")
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(path_type=Path),
    default=None,
    help="FILE.csv or FILE.geojson (sites as points); without it, JSON.",
)
def siting_cmd(kind: str, count: int, radius_m: float | None, out: Path | None) -> None:
    """Where COUNT new facilities of KIND would reach the most residents not yet covered
    (greedy maximal covering: within (1 - 1/e) ≈ 63 % of the best choice)."""
    with configured_store() as store:
        locator = Locator(store)
        try:
            rep = siting_report(store, locator, kind=kind, count=count, radius_m=radius_m)
        except GridmgrError as exc:
            fail(str(exc))
        names = _grid_names(store, locator)
    rep["sites"] = [_named(r, "grid_code", names, prefix="grid_") for r in rep["sites"]]
    rep = rounded(rep)
    if out is None:
        click.echo(json.dumps(rep, ensure_ascii=False, indent=2))
        return
    rows = [{"rank": i, **s} for i, s in enumerate(rep["sites"], start=1)]
    points = {r["rank"]: {"type": "Point", "coordinates": [r["lon"], r["lat"]]} for r in rows}
    if out.suffix.lower() == ".csv":
        write_csv(rows, out)
    elif out.suffix.lower() in (".geojson", ".json"):
        write_geojson(rows, points, out, key="rank")
    else:
        fail(f"{out}: write .csv or .geojson")
    before, after = rep["before"], rep["after"]
    shares = (
        f" ({share_text(before['covered_share'], 1)} -> {share_text(after['covered_share'], 1)})"
        if "covered_share" in before and "covered_share" in after
        else ""
    )
    click.echo(
        f"wrote {len(rows)} sites to {out}: covered "
        f"{before['covered_population']:,.0f} -> {after['covered_population']:,.0f} "
        f"residents{shares}",
        err=True,
    )
