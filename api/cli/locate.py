"""``gridmgr locate`` (one point) and ``gridmgr locate-file`` (a table of points)."""

from __future__ import annotations

import json
import os
import re
import sys
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
import numpy as np
import shapely

from api.cli.common import configured_store, fail, parse_time, settings
from api.cli.lazy import LazyModule
from geo.csv_safety import neutralise, neutralise_cell
from geo.errors import GridmgrError
from geo.locate.cache import FileCachedLocator
from geo.locate.locator import GenerationIndex, Locator
from geo.point_input import ParsedPoints, parse_points

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    from click._termui_impl import ProgressBar  # what click.progressbar returns
else:  # imported by locate-file when it runs: `gridmgr locate` starts without them
    gpd = LazyModule("geopandas")
    pd = LazyModule("pandas")

CRS_CHOICE = click.Choice(["wgs84", "cgcs2000", "gcj02", "bd09"], case_sensitive=False)
VECTOR_SUFFIXES = {".geojson", ".json", ".gpkg", ".fgb"}
READ_SUFFIXES = VECTOR_SUFFIXES | {".shp"}
CHUNK_ROWS = 200_000
F = TypeVar("F", bound=Callable[..., Any])


def _generation_options(f: F) -> F:
    f = click.option(
        "--date", "date", default=None, help="Use the generation that was active then (ISO 8601)."
    )(f)
    return click.option(
        "--generation",
        type=int,
        default=None,
        help="Use this boundary generation (default: the active one).",
    )(f)


@click.command()
@click.argument("lon", type=float)
@click.argument("lat", type=float)
@click.option(
    "--crs",
    type=CRS_CHOICE,
    default="wgs84",
    show_default=True,
    help="CRS of LON LAT; phones and AMap give gcj02, Baidu bd09.",
)
@_generation_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def locate(
    lon: float, lat: float, crs: str, generation: int | None, date: str | None, as_json: bool
) -> None:
    """The grid and community covering the point LON LAT."""
    at = parse_time(date, "--date") if date else None
    with configured_store() as store:
        database = settings().database()
        # An embedded store's index is kept in a file beside it: built once, not every run.
        locator = (
            FileCachedLocator(store, database.path)
            if database.backend == "duckdb" and database.path is not None
            else Locator(store)
        )
        try:
            found, wlon, wlat = locator.locate_one(
                lon, lat, crs=crs.lower(), generation=generation, at=at
            )
        except GridmgrError as exc:
            fail(str(exc))
    if as_json:
        click.echo(
            json.dumps(
                {
                    "status": found.status,
                    "grid_code": found.grid_code,
                    "community_code": found.community_code,
                    "community_name": found.community_name,
                    "lon": wlon,
                    "lat": wlat,
                },
                ensure_ascii=False,
            )
        )
    elif found.grid_code:
        click.echo(
            f"{found.grid_code}  {found.community_name} ({found.community_code})  "
            f"[WGS84 {wlon:.7f}, {wlat:.7f}]"
        )
    else:
        click.echo(f"unassigned: no grid covers WGS84 {wlon:.7f}, {wlat:.7f}")


def _results(
    gi: GenerationIndex, positions: np.ndarray, parsed: ParsedPoints
) -> dict[str, np.ndarray]:
    """The columns added to every row: grid_code, community_code, status, error."""
    n = len(positions)
    grid = np.full(n, "", dtype=object)
    comm = np.full(n, "", dtype=object)
    hit = positions >= 0
    grid[hit] = gi.grid_codes[positions[hit]]
    comm[hit] = gi.community_codes[positions[hit]]
    status = np.where(~parsed.valid, "invalid", np.where(hit, "assigned", "unassigned"))
    return {"grid_code": grid, "community_code": comm, "status": status, "error": parsed.error}


def _locate_frame(
    frame: pd.DataFrame, lon: pd.Series, lat: pd.Series, crs: str, gi: GenerationIndex
) -> pd.DataFrame:
    parsed = parse_points(lon, lat, crs)
    positions = np.full(len(frame), -1, dtype=np.int64)
    if parsed.valid.any():
        positions[parsed.valid] = gi.index.locate(
            parsed.lon[parsed.valid], parsed.lat[parsed.valid]
        )
    out = frame.copy()
    for name, values in _results(gi, positions, parsed).items():
        out[name] = values
    return out


def _csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` for a CSV file: every text cell and column name a spreadsheet would run as a
    formula gets a leading ``'`` (see :mod:`geo.csv_safety`); numbers stay as they are."""
    out = frame.copy()
    for name in out.columns:
        if not pd.api.types.is_numeric_dtype(out[name]):  # text (object or str dtype)
            out[name] = out[name].map(neutralise_cell)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def _write_vector(frame: gpd.GeoDataFrame, path: Path) -> None:
    """Write a vector file; the layer is named after the final file, not the partial one."""
    layer = re.sub(r"\W", "_", path.stem.removeprefix(".partial-")) or "points"
    frame.to_file(path, layer=layer)


def _progress(total: int) -> AbstractContextManager[ProgressBar[int] | None]:
    if sys.stderr.isatty():
        return click.progressbar(length=total, label="locating", file=sys.stderr)
    return nullcontext(None)


def _count(counts: Counter[str], status: pd.Series) -> None:
    """Add the rows of each status to ``counts`` (a file comes in several chunks)."""
    for value, n in status.value_counts().items():
        counts[str(value)] += int(n)


def _count_rows(path: Path) -> int:
    with open(path, "rb") as fh:
        return max(sum(1 for _ in fh) - 1, 0)


def _require_columns(path: Path, columns: list[str], lon_col: str, lat_col: str) -> None:
    missing = [c for c in (lon_col, lat_col) if c not in columns]
    if missing:
        fail(
            f"{path}: no column {', '.join(map(repr, missing))}; the columns are "
            f"{', '.join(map(repr, columns))} (use --lon-col/--lat-col)"
        )


def _csv_streamed(
    path: Path,
    out: Path,
    lon_col: str,
    lat_col: str,
    crs: str,
    gi: GenerationIndex,
    counts: Counter[str],
) -> bool:
    """CSV to CSV with Arrow, a block at a time; False if the file needs the general reader."""
    from geo.locate import files

    try:
        columns = files.csv_header(path)
    except files.NeedsGeneralReader:
        return False
    _require_columns(path, columns, lon_col, lat_col)
    total = _count_rows(path) if sys.stderr.isatty() else 0
    try:
        with _progress(total) as bar:
            found = files.locate_csv(
                path,
                out,
                lon_col=lon_col,
                lat_col=lat_col,
                crs=crs,
                gi=gi,
                chunk_rows=CHUNK_ROWS,
                progress=None if bar is None else bar.update,
            )
    except files.NeedsGeneralReader:
        return False  # ``out`` is rewritten from the start
    counts.update(found)
    return True


def _csv_in(
    path: Path,
    out: Path,
    lon_col: str,
    lat_col: str,
    crs: str,
    gi: GenerationIndex,
    counts: Counter[str],
) -> None:
    vector_out = out.suffix.lower() in VECTOR_SUFFIXES
    if not vector_out and _csv_streamed(path, out, lon_col, lat_col, crs, gi, counts):
        return
    total = _count_rows(path) if sys.stderr.isatty() else 0
    try:
        reader = pd.read_csv(
            path, dtype=str, keep_default_na=False, encoding="utf-8-sig", chunksize=CHUNK_ROWS
        )
    except pd.errors.EmptyDataError:  # not even a header line
        fail(f"{path}: the file is empty")
    parts = []
    with _progress(total) as bar:
        for i, chunk in enumerate(reader):
            _require_columns(path, list(chunk.columns), lon_col, lat_col)
            located = _locate_frame(chunk, chunk[lon_col], chunk[lat_col], crs, gi)
            _count(counts, located["status"])
            if vector_out:
                parts.append(located)
            else:
                _csv_safe(located).to_csv(
                    out, mode="w" if i == 0 else "a", header=i == 0, index=False, encoding="utf-8"
                )
            if bar is not None:
                bar.update(len(chunk))
    if vector_out:
        frame = pd.concat(parts, ignore_index=True)  # a header-only file gives one chunk
        lon = pd.to_numeric(frame[lon_col], errors="coerce")
        lat = pd.to_numeric(frame[lat_col], errors="coerce")
        geom = gpd.points_from_xy(lon, lat)
        _write_vector(gpd.GeoDataFrame(frame, geometry=geom, crs="EPSG:4326"), out)


def _vector_in(
    path: Path, out: Path, crs: str | None, gi: GenerationIndex, counts: Counter[str]
) -> None:
    try:
        frame = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several kinds; all mean "cannot read"
        fail(f"{path}: cannot read as a vector file ({str(exc).splitlines()[0]})")
    if crs is None:
        if frame.crs is None:
            fail(f"{path}: the file has no CRS; say which with --crs")
        frame = frame.to_crs("EPSG:4326")
        crs = "wgs84"
    geoms = frame.geometry.to_numpy()
    is_point = (shapely.get_type_id(geoms) == 0) & ~shapely.is_empty(geoms)
    lon = pd.Series(np.where(is_point, shapely.get_x(geoms), np.nan), dtype=object)
    lat = pd.Series(np.where(is_point, shapely.get_y(geoms), np.nan), dtype=object)
    with _progress(len(frame)) as bar:
        located = _locate_frame(frame, lon, lat, crs, gi)
        if bar is not None:
            bar.update(len(frame))
    not_point = ~is_point
    located.loc[not_point, "error"] = [
        f"geometry is {'empty' if g is None or g.is_empty else g.geom_type}, not a point"
        for g in frame.geometry[not_point]
    ]
    _count(counts, located["status"])
    if out.suffix.lower() in VECTOR_SUFFIXES:
        _write_vector(gpd.GeoDataFrame(located, geometry="geometry", crs=frame.crs), out)
    else:
        flat = pd.DataFrame(located.drop(columns="geometry"))
        flat.insert(0, "lat", lat)
        flat.insert(0, "lon", lon)
        _csv_safe(flat).to_csv(out, index=False, encoding="utf-8")


@click.command("locate-file")
@click.argument("input_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(path_type=Path),
    help="Where to write: .csv, .geojson, .gpkg or .fgb.",
)
@click.option("--lon-col", default="lon", show_default=True, help="CSV column of longitudes.")
@click.option("--lat-col", default="lat", show_default=True, help="CSV column of latitudes.")
@click.option(
    "--crs",
    type=CRS_CHOICE,
    default=None,
    help="CRS of the coordinates (default: wgs84 for CSV, the file's own otherwise).",
)
@_generation_options
def locate_file(
    input_path: Path,
    output: Path,
    lon_col: str,
    lat_col: str,
    crs: str | None,
    generation: int | None,
    date: str | None,
) -> None:
    """Locate every row of INPUT_PATH (CSV, or GeoJSON/GeoPackage points).

    Every row comes out, with grid_code, community_code, status (assigned, unassigned,
    invalid) and error (why a row is invalid). The output appears only when complete.
    """
    at = parse_time(date, "--date") if date else None
    if output.suffix.lower() not in VECTOR_SUFFIXES | {".csv"}:
        fail(f"{output}: write .csv, .geojson, .gpkg or .fgb")
    tmp = output.with_name(f".partial-{output.name}")
    counts: Counter[str] = Counter()  # rows by status, summed over the chunks
    with configured_store() as store:
        locator = Locator(store)
        gi = locator.index(locator.generation(generation=generation, at=at))
        try:
            if input_path.suffix.lower() == ".csv":
                _csv_in(input_path, tmp, lon_col, lat_col, (crs or "wgs84").lower(), gi, counts)
            elif input_path.suffix.lower() in READ_SUFFIXES:
                _vector_in(input_path, tmp, crs.lower() if crs else None, gi, counts)
            else:
                fail(f"{input_path}: expected a .csv, .geojson, .gpkg, .fgb or .shp file")
            os.replace(tmp, output)
        finally:
            tmp.unlink(missing_ok=True)
    total = sum(counts.values())
    click.echo(
        f"{total} row(s): {counts.get('assigned', 0)} assigned, "
        f"{counts.get('unassigned', 0)} unassigned, {counts.get('invalid', 0)} invalid "
        f"(generation {gi.generation}) -> {output}",
        err=True,
    )
