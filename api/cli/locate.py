"""``gridmgr locate`` (one point) and ``gridmgr locate-file`` (a table of points)."""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
import numpy as np

from api.cli.common import configured_store, fail, lent, parse_time, settings
from api.cli.lazy import LazyModule
from api.cli.progress import on_terminal, progress
from geo.csv_safety import neutralise, neutralise_cell
from geo.errors import GridmgrError
from geo.locate.cache import FileCachedLocator
from geo.locate.locator import GenerationIndex, Locator
from geo.locate.workbook import SheetWriter
from geo.point_input import ParsedPoints, parse_points

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from geo.store.base import Store
else:  # imported by locate-file when it runs: `gridmgr locate` starts without them
    gpd = LazyModule("geopandas")
    pd = LazyModule("pandas")

CRS_CHOICE = click.Choice(["wgs84", "cgcs2000", "gcj02", "bd09"], case_sensitive=False)
VECTOR_SUFFIXES = {".geojson", ".json", ".gpkg", ".fgb"}
READ_SUFFIXES = VECTOR_SUFFIXES | {".shp"}
WRITE_SUFFIXES = VECTOR_SUFFIXES | {".csv", ".xlsx"}
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


def _locator(store: Store) -> Locator:
    """A locator of ``store``: the running server's own, warm one when the command runs in
    it (see api.cli.common.lending); else, for an embedded store, one whose index is kept in
    a file beside it, built once and not every run."""
    state = lent()
    if state is not None and state.store is store:
        return state.locator
    database = settings().database()
    if database.backend == "duckdb" and database.path is not None:
        return FileCachedLocator(store, database.path)
    return Locator(store)


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
        locator = _locator(store)
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


class _Output:
    """Where located rows go, a chunk at a time: a CSV file (UTF-8 with a byte-order mark,
    so that Excel reads the Chinese), an .xlsx workbook, or, kept until the end, a vector
    file (``kind`` "csv", "xlsx" or "vector")."""

    def __init__(self, path: Path, final: Path) -> None:
        self.path = path
        suffix = final.suffix.lower()
        self.kind = "vector" if suffix in VECTOR_SUFFIXES else suffix.removeprefix(".")
        self.parts: list[pd.DataFrame] = []
        self.chunks = 0
        self.sheet: SheetWriter | None = None
        if self.kind == "xlsx":
            self.sheet = SheetWriter(path)

    def add(self, frame: pd.DataFrame) -> None:
        """Rows located, in file order."""
        first = self.chunks == 0
        self.chunks += 1
        if self.kind == "vector":
            self.parts.append(frame)
        elif self.sheet is not None:
            self.sheet.write(_csv_safe(frame), header=first)
        else:  # the BOM once, at the start of the file
            _csv_safe(frame).to_csv(
                self.path,
                mode="w" if first else "a",
                header=first,
                index=False,
                encoding="utf-8-sig" if first else "utf-8",
            )

    def finish(self, lon_col: str, lat_col: str) -> None:
        """Write what is kept: the vector file (points from ``lon_col``/``lat_col``, WGS84
        degrees as given) or the workbook."""
        if self.sheet is not None:
            self.sheet.close()
        elif self.kind == "vector":
            frame = pd.concat(self.parts, ignore_index=True)  # a header-only file: one chunk
            lon = pd.to_numeric(frame[lon_col], errors="coerce")
            lat = pd.to_numeric(frame[lat_col], errors="coerce")
            geom = gpd.points_from_xy(lon, lat)
            _write_vector(gpd.GeoDataFrame(frame, geometry=geom, crs="EPSG:4326"), self.path)


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


def _encoding(path: Path) -> str:
    """The text encoding of a CSV file, found as ``gridmgr import cases`` finds it:
    ``utf-8-sig`` (UTF-8, with or without a byte-order mark) or ``gb18030``."""
    from geo.importing.readers import detect_encoding

    try:
        return detect_encoding(path)
    except GridmgrError as exc:
        fail(str(exc))


def _csv_streamed(
    path: Path,
    out: Path,
    lon_col: str,
    lat_col: str,
    crs: str,
    gi: GenerationIndex,
    counts: Counter[str],
    encoding: str,
) -> bool:
    """CSV to CSV with Arrow, a block at a time; False if the file needs the general reader.

    ``encoding`` is Arrow's name of the input's: utf8 or gb18030."""
    from geo.locate import files

    try:
        columns = files.csv_header(path, encoding)
    except files.NeedsGeneralReader:
        return False
    _require_columns(path, columns, lon_col, lat_col)
    total = _count_rows(path) if on_terminal() else 0
    found: Counter[str]
    try:
        with progress(total, "定位 locating") as bar:
            found = files.locate_csv(
                path,
                out,
                lon_col=lon_col,
                lat_col=lat_col,
                crs=crs,
                gi=gi,
                chunk_rows=CHUNK_ROWS,
                progress=bar.advance if bar.shown else None,
                encoding=encoding,
            )
    except files.NeedsGeneralReader:
        return False  # ``out`` is rewritten from the start
    counts.update(found)
    return True


def _csv_in(
    path: Path,
    output: _Output,
    lon_col: str,
    lat_col: str,
    crs: str,
    gi: GenerationIndex,
    counts: Counter[str],
) -> None:
    encoding: str | None = None  # found only if the fast UTF-8 reading fails
    if output.kind == "csv":
        if _csv_streamed(path, output.path, lon_col, lat_col, crs, gi, counts, "utf8"):
            return
        encoding = _encoding(path)
        if encoding == "gb18030" and _csv_streamed(
            path, output.path, lon_col, lat_col, crs, gi, counts, "gb18030"
        ):
            return
    encoding = encoding or _encoding(path)
    total = _count_rows(path) if on_terminal() else 0
    try:
        reader = pd.read_csv(
            path, dtype=str, keep_default_na=False, encoding=encoding, chunksize=CHUNK_ROWS
        )
    except pd.errors.EmptyDataError:  # not even a header line
        fail(f"{path}: the file is empty")
    with progress(total, "定位 locating") as bar:
        for chunk in reader:
            _require_columns(path, list(chunk.columns), lon_col, lat_col)
            located = _locate_frame(chunk, chunk[lon_col], chunk[lat_col], crs, gi)
            _count(counts, located["status"])
            output.add(located)
            bar.advance(len(chunk))
    output.finish(lon_col, lat_col)


def _xlsx_in(
    path: Path,
    output: _Output,
    lon_col: str,
    lat_col: str,
    crs: str,
    gi: GenerationIndex,
    counts: Counter[str],
) -> None:
    """An Excel workbook's first sheet, read as ``gridmgr import cases`` reads it (cells as
    text, trimmed; rows with no value at all passed over)."""
    from geo.importing.readers import open_source

    try:
        source = open_source(path, chunk_rows=CHUNK_ROWS)
    except GridmgrError as exc:
        fail(str(exc))
    _require_columns(path, source.headers, lon_col, lat_col)
    empty = True
    with progress(source.rows_estimate, "定位 locating") as bar:
        for chunk in source.chunks:
            frame = chunk.table.to_pandas()
            located = _locate_frame(frame, frame[lon_col], frame[lat_col], crs, gi)
            _count(counts, located["status"])
            output.add(located)
            bar.advance(len(frame))
            empty = False
    if empty:  # a header row only: the header
        frame = pd.DataFrame({h: pd.Series([], dtype=object) for h in source.headers})
        output.add(_locate_frame(frame, frame[lon_col], frame[lat_col], crs, gi))
    output.finish(lon_col, lat_col)


def _vector_in(
    path: Path, output: _Output, crs: str | None, gi: GenerationIndex, counts: Counter[str]
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
    import shapely

    geoms = frame.geometry.to_numpy()
    is_point = (shapely.get_type_id(geoms) == 0) & ~shapely.is_empty(geoms)
    lon = pd.Series(np.where(is_point, shapely.get_x(geoms), np.nan), dtype=object)
    lat = pd.Series(np.where(is_point, shapely.get_y(geoms), np.nan), dtype=object)
    with progress(len(frame), "定位 locating") as bar:
        located = _locate_frame(frame, lon, lat, crs, gi)
        bar.advance(len(frame))
    not_point = ~is_point
    located.loc[not_point, "error"] = [
        f"geometry is {'empty' if g is None or g.is_empty else g.geom_type}, not a point"
        for g in frame.geometry[not_point]
    ]
    _count(counts, located["status"])
    if output.kind == "vector":
        _write_vector(gpd.GeoDataFrame(located, geometry="geometry", crs=frame.crs), output.path)
    else:
        flat = pd.DataFrame(located.drop(columns="geometry"))
        flat.insert(0, "lat", lat)
        flat.insert(0, "lon", lon)
        output.add(flat)
        output.finish("lon", "lat")


@click.command("locate-file")
@click.argument("input_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(path_type=Path),
    help="Where to write: .csv (UTF-8 with a byte-order mark, which Excel reads), .xlsx, "
    ".geojson, .gpkg or .fgb.",
)
@click.option("--lon-col", default="lon", show_default=True, help="CSV/.xlsx column of longitudes.")
@click.option("--lat-col", default="lat", show_default=True, help="CSV/.xlsx column of latitudes.")
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

    INPUT_PATH may also be an Excel .xlsx workbook (its first sheet). A CSV file may be
    UTF-8 (with or without a byte-order mark) or GB18030, as for `gridmgr import cases`.
    Every row comes
    out, with grid_code, community_code, status (assigned, unassigned, invalid) and error
    (why a row is invalid). CSV output is UTF-8 with a byte-order mark, so that Excel shows
    the Chinese. The output appears only when complete.
    """
    at = parse_time(date, "--date") if date else None
    if output.suffix.lower() not in WRITE_SUFFIXES:
        fail(f"{output}: write .csv, .xlsx, .geojson, .gpkg or .fgb")
    tmp = output.with_name(f".partial-{output.name}")
    counts: Counter[str] = Counter()  # rows by status, summed over the chunks
    with configured_store() as store:
        locator = _locator(store)
        gi = locator.index(locator.generation(generation=generation, at=at))
        suffix = input_path.suffix.lower()
        try:
            out = _Output(tmp, output)
            table_crs = (crs or "wgs84").lower()
            if suffix == ".csv":
                _csv_in(input_path, out, lon_col, lat_col, table_crs, gi, counts)
            elif suffix == ".xlsx":
                _xlsx_in(input_path, out, lon_col, lat_col, table_crs, gi, counts)
            elif suffix in READ_SUFFIXES:
                _vector_in(input_path, out, crs.lower() if crs else None, gi, counts)
            else:
                fail(f"{input_path}: expected a .csv, .xlsx, .geojson, .gpkg, .fgb or .shp file")
            os.replace(tmp, output)
        except GridmgrError as exc:  # an .xlsx output too long for a sheet
            fail(str(exc))
        finally:
            tmp.unlink(missing_ok=True)
    total = sum(counts.values())
    click.echo(
        f"{total} row(s): {counts.get('assigned', 0)} assigned, "
        f"{counts.get('unassigned', 0)} unassigned, {counts.get('invalid', 0)} invalid "
        f"(generation {gi.generation}) -> {output}",
        err=True,
    )
