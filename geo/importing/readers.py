"""Reading case files in chunks: CSV (UTF-8 or GB18030), Excel .xlsx and GeoJSON.

Every reader yields :class:`Chunk` objects: the cells as text (an Arrow table of strings,
trimmed, empty cells as ""), and each row's line number in the file (the header is line 1;
for GeoJSON, the feature's number counting from 2, so that numbers read the same way).
Memory is bounded by the chunk size, except for GeoJSON, which is parsed whole.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    import pyarrow.csv as pacsv

from geo.errors import InputError

CHUNK_ROWS = 100_000
GEOJSON_LON, GEOJSON_LAT = "经度", "纬度"  # where a GeoJSON point's coordinates go


@dataclass(frozen=True)
class Chunk:
    table: pa.Table  # string cells, trimmed, never null; columns as in the file
    lines: np.ndarray  # int64 line numbers, aligned with the rows

    def __len__(self) -> int:
        rows: int = self.table.num_rows
        return rows


@dataclass(frozen=True)
class Source:
    """An opened file: its headers, an estimate of its rows, and its chunks."""

    path: Path
    kind: str  # csv, xlsx, geojson
    encoding: str | None
    headers: list[str]
    rows_estimate: int
    chunks: Iterator[Chunk]
    sha256: str  # of the file's bytes
    # CSV rows that could not be split into the header's columns (wrong number of cells):
    # skipped as they are read, their text and cell count collected here to be reported.
    malformed: list[tuple[str, int]] = field(default_factory=list)


def open_source(path: str | Path, *, chunk_rows: int = CHUNK_ROWS) -> Source:
    """Open ``path`` by its extension (.csv/.txt, .xlsx, .geojson/.json)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file", field="file")
    ext = path.suffix.lower()
    if ext in (".csv", ".txt"):
        return _csv(path, chunk_rows)
    if ext == ".xlsx":
        return _xlsx(path, chunk_rows)
    if ext in (".geojson", ".json"):
        return _geojson(path, chunk_rows)
    raise InputError(
        f"{path}: unknown file type {ext!r}; use .csv, .xlsx or .geojson", field="file"
    )


@dataclass(frozen=True)
class Scan:
    """What one read of the whole file tells: its encoding, newlines and SHA-256."""

    encoding: str
    newlines: int
    sha256: str


def scan(path: Path) -> Scan:
    """Read ``path`` once: ``utf-8-sig`` when it is all valid UTF-8 (with or without a BOM),
    else ``gb18030`` (what Chinese office software writes), checked to decode too (a second
    read, for such files only); its newline count and SHA-256 on the way."""
    digest, newlines, offset = hashlib.sha256(), 0, 0
    utf8 = codecs.getincrementaldecoder("utf-8-sig")()
    bad: tuple[str, int] | None = None  # the first UTF-8 error: reason, byte in the file
    with path.open("rb") as f:
        while block := f.read(1 << 24):
            digest.update(block)
            newlines += block.count(b"\n")
            if bad is None:
                try:
                    utf8.decode(block)
                except UnicodeDecodeError as exc:
                    bad = (exc.reason, offset + exc.start)
            offset += len(block)
    if bad is None:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            bad = (exc.reason, offset)
    if bad is None:
        return Scan("utf-8-sig", newlines, digest.hexdigest())
    gb = codecs.getincrementaldecoder("gb18030")()
    try:
        with path.open("rb") as f:
            while block := f.read(1 << 24):
                gb.decode(block)
            gb.decode(b"", final=True)
    except UnicodeDecodeError:
        raise InputError(
            f"{path}: neither UTF-8 nor GB18030 ({bad[0]} at byte {bad[1]})", field="file"
        ) from None
    return Scan("gb18030", newlines, digest.hexdigest())


def detect_encoding(path: Path) -> str:
    """The text encoding of ``path``: ``utf-8-sig`` or ``gb18030`` (see :func:`scan`)."""
    return scan(path).encoding


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 24):
            digest.update(block)
    return digest.hexdigest()


def _csv(path: Path, chunk_rows: int) -> Source:
    import pyarrow.csv as pacsv

    found = scan(path)
    encoding = found.encoding
    with path.open(encoding=encoding, newline="") as f:
        try:
            headers = next(csv.reader(f))
        except StopIteration:
            raise InputError(f"{path}: the file is empty", field="file") from None
    headers = [h.strip() for h in headers]
    _check_headers(path, headers)
    malformed: list[tuple[str, int]] = []

    def ragged(row: pacsv.InvalidRow) -> str:
        malformed.append((row.text, row.actual_columns))
        return "skip"

    # Every cell as text: parsing is ours, so that a bad value becomes a rejected row, not a
    # failed import.
    # skip_rows_after_names skips the header as a parsed row (skip_rows would skip one
    # physical line, leaving the rest of a header cell with a quoted line break as data).
    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(
                encoding="utf8" if encoding == "utf-8-sig" else encoding,
                column_names=headers,
                skip_rows_after_names=1,
                block_size=1 << 24,
            ),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=ragged),
            convert_options=pacsv.ConvertOptions(
                column_types={h: pa.string() for h in headers},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:  # the first block is parsed when the reader opens
        raise InputError(f"{path}: not a well-formed CSV file: {exc}", field="file") from None

    def chunks() -> Iterator[Chunk]:
        line, pending, size = 2, [], 0
        for batch in _batches(path, reader):
            pending.append(batch)
            size += batch.num_rows
            while size >= chunk_rows:
                whole = pa.Table.from_batches(pending)
                yield _chunk(whole.slice(0, chunk_rows), _lines(line, chunk_rows))
                line += chunk_rows
                rest = whole.slice(chunk_rows)
                pending, size = rest.to_batches(), rest.num_rows
        if size:
            yield _chunk(pa.Table.from_batches(pending, schema=reader.schema), _lines(line, size))

    return Source(
        path,
        "csv",
        encoding,
        headers,
        max(found.newlines - 1, 0),
        chunks(),
        found.sha256,
        malformed,
    )


def _batches(path: Path, reader: pacsv.CSVStreamingReader) -> Iterator[pa.RecordBatch]:
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            return
        except pa.ArrowInvalid as exc:
            raise InputError(f"{path}: not a well-formed CSV file: {exc}", field="file") from None
        yield batch


def _lines(first: int, n: int) -> np.ndarray:
    return np.arange(first, first + n, dtype=np.int64)


def _chunk(table: pa.Table, lines: npt.ArrayLike) -> Chunk:
    """The rows with every cell trimmed (in Arrow, fast) and their line numbers."""
    table = table.combine_chunks()
    trimmed = pa.table(
        {name: pc.utf8_trim_whitespace(table[name]).combine_chunks() for name in table.column_names}
    )
    return Chunk(trimmed, np.asarray(lines, dtype=np.int64))


def _text_table(rows: list[list[str]], headers: list[str]) -> pa.Table:
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(headers)
    return pa.table(
        {h: pa.array(list(c), pa.string()) for h, c in zip(headers, columns, strict=True)}
    )


def _check_headers(path: Path, headers: list[str]) -> None:
    if not headers:
        raise InputError(f"{path}: the first row has no column headers", field="file")
    seen: set[str] = set()
    for i, h in enumerate(headers, start=1):
        if not h:
            raise InputError(f"{path}: column {i} has no header", field="file")
        if h in seen:
            raise InputError(f"{path}: header {h!r} appears twice", field="file")
        seen.add(h)


def _cell_text(value: object) -> str:
    """An Excel or JSON value as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()


def _xlsx(path: Path, chunk_rows: int) -> Source:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InputError(f"{path}: cannot read as an Excel workbook: {exc}", field="file") from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    try:
        headers = [_cell_text(v) for v in next(rows)]
    except StopIteration:
        raise InputError(f"{path}: the first sheet is empty", field="file") from None
    while headers and not headers[-1]:
        headers.pop()
    _check_headers(path, headers)
    width = len(headers)

    def chunks() -> Iterator[Chunk]:
        buf, lines = [], []
        try:
            # Rows keep their sheet row numbers; rows with no value at all (often merely
            # formatted) are passed over, as a CSV export would leave them out.
            for line, row in enumerate(rows, start=2):
                cells = [_cell_text(v) for v in row[:width]]
                if not any(cells):
                    continue
                buf.append(cells + [""] * (width - len(cells)))
                lines.append(line)
                if len(buf) >= chunk_rows:
                    yield _chunk(_text_table(buf, headers), lines)
                    buf, lines = [], []
            if buf:
                yield _chunk(_text_table(buf, headers), lines)
        finally:
            book.close()

    return Source(
        path, "xlsx", None, headers, max((sheet.max_row or 1) - 1, 0), chunks(), file_sha256(path)
    )


def _geojson(path: Path, chunk_rows: int) -> Source:
    try:
        with path.open("rb") as f:
            data = json.load(io.TextIOWrapper(f, encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not valid GeoJSON: {exc}", field="file") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise InputError(f"{path}: expected a GeoJSON FeatureCollection", field="file")
    features = data.get("features") or []
    if not isinstance(features, list):
        raise InputError(f'{path}: "features" is not a list', field="file")
    for number, feat in enumerate(features, start=1):
        if not (
            isinstance(feat, dict)
            and isinstance(feat.get("properties") or {}, dict)
            and isinstance(feat.get("geometry") or {}, dict)
        ):
            raise InputError(
                f"{path}: feature {number} is not a GeoJSON Feature object", field="file"
            )
    headers: list[str] = []
    for feat in features:
        for key in feat.get("properties") or {}:
            if key not in headers:
                headers.append(key)
    headers = [h for h in headers if h not in (GEOJSON_LON, GEOJSON_LAT)]
    headers += [GEOJSON_LON, GEOJSON_LAT]

    def cells(feat: dict[str, Any]) -> list[str]:
        props = feat.get("properties") or {}
        geom = feat.get("geometry") or {}
        lon = lat = ""
        if (
            geom.get("type") == "Point"
            and isinstance(geom.get("coordinates"), list)
            and len(geom["coordinates"]) >= 2
        ):
            lon, lat = (_cell_text(v) for v in geom["coordinates"][:2])
        elif geom:
            lon = f"<{geom.get('type')} geometry>"  # rejected as a coordinate, with its type
        return [_cell_text(props.get(h)) for h in headers[:-2]] + [lon, lat]

    def chunks() -> Iterator[Chunk]:
        for start in range(0, len(features), chunk_rows):
            part = [cells(f) for f in features[start : start + chunk_rows]]
            yield _chunk(_text_table(part, headers), _lines(start + 2, len(part)))

    return Source(path, "geojson", "utf-8", headers, len(features), chunks(), file_sha256(path))
