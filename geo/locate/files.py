"""Locate every row of a CSV file of points, streaming: the file is read, located and written
a block at a time, so memory stays bounded however large the file.

Rows come out as pandas would write them after reading the file with
``read_csv(dtype=str, keep_default_na=False, encoding="utf-8-sig")``: every input column
unchanged (values re-quoted only where CSV needs it: a comma, a double quote or a line
break), then ``grid_code``, ``community_code``, ``status`` (assigned, unassigned, invalid) and
``error`` (why a row is invalid; "" otherwise). A column of the input with one of those names
is replaced in place.

Every text cell (the header, every input column including the coordinate columns, and the
result columns) that a spreadsheet would run as a formula gets a leading ``'``, as
:func:`geo.csv_safety.neutralise` does it: a plain decimal such as ``-106.5`` stays as it
is, ``=1+2`` or ``@SUM(A1)`` is written ``'=1+2``, ``'@SUM(A1)``. The general reader's
output (``gridmgr locate-file``) does the same, so both stay identical.

Coordinates are checked as :func:`geo.point_input.parse_points` checks them, with the same
error messages: a value written as a plain decimal (``-106.5``, ``26.61``: at most three
integer digits, no exponent, no blanks) within range is parsed here by Arrow, and every other
row (missing, not a number, not finite, out of range, padded with blanks, exponents...) goes
through ``parse_points`` itself. Plain decimals parse to the correctly rounded double, as
``float()`` does; pandas' own parser can be one unit in the last place off for values of more
than 15 digits, so a point within about 1e-14 degrees of a grid edge may be placed as
``gridmgr locate`` places it rather than as a pandas-based reader did.

The output starts with a UTF-8 byte-order mark (:data:`BOM`), so that Excel reads the
Chinese; the input may be UTF-8 (with or without a BOM) or, with ``encoding="gb18030"``,
GB18030 (Arrow transcodes it as it reads).

A file that Arrow's CSV reader does not read as pandas does (a row with a different number
of fields, a whitespace-only line, a duplicate or empty column name, invalid UTF-8...) raises
:class:`NeedsGeneralReader` before or while writing; the caller then reads it another way.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from geo import coords
from geo.csv_safety import FORMULA_BYTES, NUMBER, PREFIX, neutralise
from geo.locate.locator import GenerationIndex
from geo.point_input import parse_points

RESULT_COLUMNS = ("grid_code", "community_code", "status", "error")
STATUSES = ("assigned", "unassigned", "invalid")  # status codes 0, 1, 2
BOM = b"\xef\xbb\xbf"  # UTF-8 byte-order mark: Excel reads the file as UTF-8
# Bytes of CSV read at a time (Arrow splits the file at row ends). The reader reads some 40
# blocks ahead of the rows located, so this bounds the memory: about 40 MB, whatever the file.
BLOCK_BYTES = 1 << 20
# A plain decimal: both Arrow and pandas read it, and at most 3 + 20 digits, no exponent.
_PLAIN = r"^[+-]?[0-9]{1,3}(?:\.[0-9]{0,20})?$"
# What makes pandas (the csv module, QUOTE_MINIMAL, "\n" line ends) quote a value.
_NEEDS_QUOTES = b',"\n'


class NeedsGeneralReader(Exception):
    """The file is not one the streaming reader reads exactly as pandas would."""


def _read_options(block_size: int, encoding: str) -> pcsv.ReadOptions:
    return pcsv.ReadOptions(block_size=block_size, encoding=encoding)  # a UTF-8 BOM is skipped


_PARSE = pcsv.ParseOptions(newlines_in_values=True)  # quoted values may hold line breaks


def csv_header(path: Path, encoding: str = "utf8") -> list[str]:
    """The column names of the CSV file at ``path`` (text in ``encoding``: utf8 or gb18030).

    Raises :class:`NeedsGeneralReader` if the header cannot be read as pandas reads it
    (including an empty file, which the general reader reports).
    """
    try:
        reader = pcsv.open_csv(
            path, read_options=_read_options(1 << 16, encoding), parse_options=_PARSE
        )
        names = list(reader.schema.names)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeDecodeError) as exc:
        raise NeedsGeneralReader(str(exc)) from exc
    reader.close()
    if "" in names or len(set(names)) != len(names):  # pandas renames these
        raise NeedsGeneralReader("empty or duplicate column names")
    return names


def _plain_numbers(
    column: pa.Array,
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.float64]]:
    """Which values of a string column are plain decimals, and their values (NaN elsewhere)."""
    plain = pc.fill_null(pc.match_substring_regex(column, _PLAIN), False)
    mask = plain.to_numpy(zero_copy_only=False)
    values = np.full(len(column), np.nan)
    if mask.any():
        values[mask] = pc.cast(column.filter(plain), pa.float64()).to_numpy()
    return mask, values


def parse_text_points(
    lon: pa.Array, lat: pa.Array, crs: str
) -> tuple[
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.bool_],
    pa.Array,
]:
    """WGS84 (lon, lat) degrees (NaN where invalid), validity and error text of every row.

    ``lon`` and ``lat`` are string columns in ``crs``; each row is judged exactly as
    :func:`geo.point_input.parse_points` judges it (see the module doc).
    """
    lon_plain, x = _plain_numbers(lon)
    lat_plain, y = _plain_numbers(lat)
    with np.errstate(invalid="ignore"):
        fast = lon_plain & lat_plain & (np.abs(x) <= 180.0) & (np.abs(y) <= 90.0)
    out_lon, out_lat = np.full(len(x), np.nan), np.full(len(x), np.nan)
    if fast.any():
        out_lon[fast], out_lat[fast] = coords.to_wgs84(x[fast], y[fast], crs)
    valid = fast.copy()
    error_index = np.zeros(len(x), dtype=np.int32)  # into messages; 0 is ""
    messages = [""]
    other = np.flatnonzero(~fast)
    if other.size:
        rows = pa.array(other)
        parsed = parse_points(lon.take(rows).to_pylist(), lat.take(rows).to_pylist(), crs)
        out_lon[other], out_lat[other], valid[other] = parsed.lon, parsed.lat, parsed.valid
        bad = np.flatnonzero(~parsed.valid)
        error_index[other[bad]] = np.arange(1, bad.size + 1, dtype=np.int32)
        messages.extend(str(m) for m in parsed.error[bad])
    error = pc.take(pa.array(messages, pa.string()), pa.array(error_index))
    return out_lon, out_lat, valid, error


def _text_span(column: pa.Array) -> tuple[int, int]:
    """Where the text of a (possibly sliced) string column lies in its data buffer."""
    offsets = _offsets(column)
    return int(offsets[0]), int(offsets[-1])


def _offsets(column: pa.Array) -> npt.NDArray[np.int32]:
    """The len + 1 offsets of a (possibly sliced) string column's values in its data."""
    offsets = np.frombuffer(column.buffers()[1], dtype=np.int32)
    return offsets[column.offset : column.offset + len(column) + 1]


def _data(column: pa.Array) -> npt.NDArray[np.uint8]:
    """The data buffer of a string column, as bytes (empty if it has none)."""
    buffer = column.buffers()[2]
    return np.frombuffer(buffer, dtype=np.uint8) if buffer is not None else np.zeros(0, np.uint8)


def _starting_with(column: pa.Array, chars: bytes) -> npt.NDArray[np.bool_]:
    """Which values of a string column (no nulls) start with one of the bytes ``chars``."""
    offsets, data = _offsets(column), _data(column)
    nonempty = offsets[1:] > offsets[:-1]
    first = np.zeros(len(column), dtype=np.uint8)  # 0 is in no ``chars`` here
    first[nonempty] = data[offsets[:-1][nonempty]]
    return np.isin(first, np.frombuffer(chars, dtype=np.uint8))


def _holding(column: pa.Array, chars: bytes) -> npt.NDArray[np.bool_]:
    """Which values of a string column (no nulls) hold one of the bytes ``chars``."""
    offsets, data = _offsets(column), _data(column)
    text = data[offsets[0] : offsets[-1]]
    found = np.flatnonzero(np.isin(text, np.frombuffer(chars, dtype=np.uint8))) + offsets[0]
    rows = np.zeros(len(column), dtype=np.bool_)
    if found.size:  # the row of each byte: the last whose start is at or before it
        rows[np.searchsorted(offsets, found, side="right") - 1] = True
    return rows


def _neutralised(column: pa.Array) -> pa.Array:
    """A string column (no nulls) with ``'`` before every value a spreadsheet would run as a
    formula (plain decimal numbers excepted; see :mod:`geo.csv_safety`)."""
    rows = np.flatnonzero(_starting_with(column, FORMULA_BYTES))
    if rows.size == 0:
        return column  # the common case
    number = pc.match_substring_regex(column.take(pa.array(rows)), NUMBER)
    rows = rows[~number.to_numpy(zero_copy_only=False)]
    if rows.size == 0:
        return column
    risky = np.zeros(len(column), dtype=np.bool_)
    risky[rows] = True
    prefixed = pc.binary_join_element_wise(PREFIX, column.take(pa.array(rows)), "")
    return pc.replace_with_mask(column, pa.array(risky), prefixed)


def _csv_column(column: pa.Array) -> pa.Array:
    """A string column as CSV fields: neutralised, then quoted (quotes doubled) where pandas
    quotes."""
    if column.null_count:
        column = pc.fill_null(column, "")  # pandas writes a missing value as nothing
    if len(column) == 0:
        return column
    column = _neutralised(column)
    needs = _holding(column, _NEEDS_QUOTES)
    if not needs.any():
        return column  # the common case: nothing to quote
    mask = pa.array(needs)
    quoted = ['"' + str(v).replace('"', '""') + '"' for v in column.filter(mask).to_pylist()]
    return pc.replace_with_mask(column, mask, pa.array(quoted, pa.string()))


def csv_line(names: list[str]) -> str:
    """The header line pandas writes for ``names`` (neutralised)."""
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerow([neutralise(n) for n in names])
    return text.getvalue()


def _write_rows(out: io.BufferedWriter, columns: list[pa.Array], ready: set[int]) -> None:
    """Append rows to ``out``: fields joined by commas, each row ended by a line feed.

    The columns at the positions in ``ready`` are CSV fields already."""
    fields = [c if i in ready else _csv_column(c) for i, c in enumerate(columns)]
    rows = pc.binary_join_element_wise(*fields, ",")
    rows = pc.binary_join_element_wise(rows, "", "\n")  # row + "\n" + ""
    if len(rows) == 0:
        return
    start, end = _text_span(rows)
    out.write(memoryview(rows.buffers()[2])[start:end])


def _chunks(batches: Iterable[pa.RecordBatch], rows: int) -> Iterator[pa.RecordBatch]:
    """The rows of ``batches`` again, ``rows`` at a time (the last chunk may be shorter)."""
    pending: list[pa.RecordBatch] = []
    held = 0
    for batch in batches:
        pending.append(batch)
        held += batch.num_rows
        while held >= rows:
            table = pa.Table.from_batches(pending).combine_chunks()
            yield table.slice(0, rows).to_batches()[0]
            pending = table.slice(rows).to_batches()
            held -= rows
    if held:
        yield pa.Table.from_batches(pending).combine_chunks().to_batches()[0]


class _Columns:
    """Where the result columns go among the input columns (replaced in place, or appended)."""

    def __init__(self, names: list[str]) -> None:
        self.names = list(names)
        self.slot: dict[str, int] = {}
        for name in RESULT_COLUMNS:
            if name not in self.names:
                self.names.append(name)
            self.slot[name] = self.names.index(name)


def locate_csv(
    src: Path,
    dst: Path,
    *,
    lon_col: str,
    lat_col: str,
    crs: str,
    gi: GenerationIndex,
    chunk_rows: int,
    block_size: int | None = None,
    progress: Callable[[int], None] | None = None,
    encoding: str = "utf8",
) -> Counter[str]:
    """Locate every row of the CSV ``src`` (coordinates in ``crs``) into the CSV ``dst``.

    ``src`` is text in ``encoding`` (utf8 or gb18030); ``dst`` is UTF-8 with a BOM.
    ``lon_col`` and ``lat_col`` must be columns of ``src`` (see :func:`csv_header`); rows are
    read ``block_size`` bytes (default :data:`BLOCK_BYTES`) and located ``chunk_rows`` at a
    time at most; ``progress`` hears how many rows after each chunk.
    Returns the rows by status. Raises :class:`NeedsGeneralReader` (see the module doc);
    ``dst`` is then incomplete.
    """
    names = csv_header(src, encoding)
    layout = _Columns(names)
    convert = pcsv.ConvertOptions(column_types={n: pa.string() for n in names})
    # The result columns' values, as CSV fields once: each chunk takes from these.
    grid_codes = _csv_column(pa.array(list(gi.grid_codes) + [""], pa.string()))  # -1: ""
    community_codes = _csv_column(pa.array(list(gi.community_codes) + [""], pa.string()))
    statuses = _csv_column(pa.array(STATUSES, pa.string()))
    counts: Counter[str] = Counter()
    try:
        reader = pcsv.open_csv(
            src,
            read_options=_read_options(block_size or BLOCK_BYTES, encoding),
            parse_options=_PARSE,
            convert_options=convert,
        )
        with open(dst, "wb") as out:
            out.write(BOM + csv_line(layout.names).encode("utf-8"))
            for chunk in _chunks(reader, chunk_rows):
                lon, lat, valid, error = parse_text_points(
                    chunk.column(lon_col), chunk.column(lat_col), crs
                )
                positions = np.full(len(lon), -1, dtype=np.int64)
                if valid.any():
                    positions[valid] = gi.index.locate(lon[valid], lat[valid])
                hit = positions >= 0
                status = np.where(valid, np.where(hit, 0, 1), 2).astype(np.int8)
                for code, n in enumerate(np.bincount(status, minlength=3)):
                    if n:
                        counts[STATUSES[code]] += int(n)
                found = pa.array(np.where(hit, positions, len(grid_codes) - 1))
                columns = list(chunk.columns) + [None] * (len(layout.names) - len(names))
                results = {
                    "grid_code": pc.take(grid_codes, found),
                    "community_code": pc.take(community_codes, found),
                    "status": pc.take(statuses, pa.array(status)),
                    "error": error,
                }
                for name, values in results.items():
                    columns[layout.slot[name]] = values
                ready = {layout.slot[n] for n in ("grid_code", "community_code", "status")}
                _write_rows(out, columns, ready)
                if progress is not None:
                    progress(chunk.num_rows)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeDecodeError) as exc:
        raise NeedsGeneralReader(str(exc)) from exc
    return counts
