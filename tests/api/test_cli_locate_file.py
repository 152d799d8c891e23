"""``gridmgr locate-file`` on files read in several chunks, and on an empty file."""

import csv
import importlib

import geopandas as gpd
import pytest
from click.testing import CliRunner

from api.cli import main
from geo import bundled

# The module, not the ``locate`` command that api.cli exports under the same name.
locate_cli = importlib.import_module("api.cli.locate")


@pytest.fixture(scope="module")
def db_url(tmp_path_factory):
    url = f"duckdb:///{tmp_path_factory.mktemp('locate-file') / 'g.duckdb'}"
    result = CliRunner().invoke(main, ["init"], env={"GRIDMGR_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    return url


def run(url, *args):
    return CliRunner().invoke(main, list(args), env={"GRIDMGR_DATABASE_URL": url})


@pytest.fixture(scope="module")
def points_csv(tmp_path_factory):
    """Six rows: one inside a grid, one outside every grid, four invalid."""
    grids = gpd.read_file(bundled.BOUNDARIES_DIR / "grids.geojson")
    inside = grids.iloc[100].geometry.representative_point()
    rows = [
        {"id": "1", "lon": str(inside.x), "lat": str(inside.y)},
        {"id": "2", "lon": "106.5", "lat": "26.3"},
        {"id": "3", "lon": "abc", "lat": "26.6"},
        {"id": "4", "lon": "", "lat": "26.6"},
        {"id": "5", "lon": "106.7", "lat": "91"},
        {"id": "6", "lon": "nan", "lat": "26.6"},
    ]
    path = tmp_path_factory.mktemp("points") / "in.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".geojson"])
def test_summary_counts_the_rows_of_every_chunk(db_url, points_csv, tmp_path, monkeypatch, suffix):
    monkeypatch.setattr(locate_cli, "CHUNK_ROWS", 2)  # three chunks of two rows
    out = tmp_path / f"out{suffix}"
    result = run(db_url, "locate-file", str(points_csv), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "6 row(s): 1 assigned, 1 unassigned, 4 invalid" in result.output
    if suffix == ".csv":
        ids = [r["id"] for r in csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines())]
    else:
        ids = list(gpd.read_file(out)["id"])
    assert ids == ["1", "2", "3", "4", "5", "6"]


def test_an_empty_csv_is_refused_with_a_message(db_url, tmp_path):
    src = tmp_path / "empty.csv"
    src.write_bytes(b"")
    out = tmp_path / "out.csv"
    result = run(db_url, "locate-file", str(src), "-o", str(out))
    assert result.exit_code == 2
    assert "the file is empty" in result.output
    assert not out.exists()


# -- the streaming CSV reader against the general (pandas) one ------------------------------

files = importlib.import_module("geo.locate.files")


def run_both(url, monkeypatch, src, out_dir, *extra):
    """Run locate-file the streaming way and the general way: both outputs and summaries.

    Fails if the streaming run fell back to the general reader."""
    streamed = []
    locate_csv = files.locate_csv

    def spy(*args, **kwargs):
        found = locate_csv(*args, **kwargs)
        streamed.append(True)
        return found

    fast_out, ref_out = out_dir / "fast.csv", out_dir / "ref.csv"
    with monkeypatch.context() as m:
        m.setattr(files, "locate_csv", spy)
        fast = run(url, "locate-file", str(src), "-o", str(fast_out), *extra)
    assert fast.exit_code == 0, fast.output
    assert streamed == [True]

    def general_only(path, encoding="utf8"):
        raise files.NeedsGeneralReader("the general reader, for comparison")

    with monkeypatch.context() as m:
        m.setattr(files, "csv_header", general_only)
        ref = run(url, "locate-file", str(src), "-o", str(ref_out), *extra)
    assert ref.exit_code == 0, ref.output
    summaries = [r.output.split(" -> ")[0] for r in (fast, ref)]  # the counts, not the path
    return fast_out.read_bytes(), ref_out.read_bytes(), *summaries


# (lon, lat) as CSV fields: every way a row can be invalid, and valid values written oddly.
ODD_VALUES = [
    ("", "26.6"),
    ("106.7", ""),
    ("", ""),
    ("  ", "26.6"),
    ("abc", "26.6"),
    ("106.7", "x1"),
    ('"1,5"', "26.6"),
    ('"a""b"', "26.6"),
    ("nan", "26.6"),
    ("NaN", "nan"),
    ("inf", "26.6"),
    ("106.7", "-inf"),
    ("Infinity", "26.6"),
    ("1e400", "26.6"),
    ("1e-400", "26.6"),
    ("181", "26.6"),
    ("106.7", "-91"),
    ("-200.5", "95"),
    ("1000", "26.6"),
    ("0x10", "26.6"),
    ("1_0", "26.6"),
    (" 106.7 ", "\t26.6"),
    ("\u3000106.7", "26.6\u00a0"),
    ("+106.7", "+26.6"),
    ("106.", "26."),
    (".5", "26.6"),
    ("0106.7", "026.6"),
    ("1.067e2", "2.66E1"),
    ("-0", "0"),
    ("180", "-90"),
    ("180.000000000000000001", "90.0000000000000000001"),
]


@pytest.fixture(scope="module")
def odd_csv(tmp_path_factory):
    """Valid points in and out of the grids (17-digit and 7-digit decimals) around runs of
    every kind of odd row; a note column with commas, quotes and line breaks."""
    grids = gpd.read_file(bundled.BOUNDARIES_DIR / "grids.geojson")
    lines = ["id,lon,lat,note"]
    for k, g in enumerate(grids.geometry.iloc[::97]):
        p = g.representative_point()
        lines.append(f"v{k},{p.x!r},{p.y!r},inside")
        lines.append(f"w{k},{p.x:.7f},{p.y:.7f},")
        lines.append(f"o{k},{p.x + 1:.5f},{p.y},outside")
        if k % 2 == 0:
            for j, (x, y) in enumerate(ODD_VALUES):
                note = ['"x, y"', '"say ""hi"""', '"two\nlines"', "plain", "ü"][j % 5]
                lines.append(f"b{k}-{j},{x},{y},{note}")
    path = tmp_path_factory.mktemp("odd") / "odd.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("chunk_rows", "block_size"), [(200_000, None), (1, 64), (7, 300), (3, 4096)]
)
def test_streaming_matches_the_general_reader_row_for_row(
    db_url, odd_csv, tmp_path, monkeypatch, chunk_rows, block_size
):
    monkeypatch.setattr(locate_cli, "CHUNK_ROWS", chunk_rows)
    if block_size:
        monkeypatch.setattr(files, "BLOCK_BYTES", block_size)
    fast, ref, fast_msg, ref_msg = run_both(db_url, monkeypatch, odd_csv, tmp_path)
    assert fast == ref
    assert fast_msg == ref_msg
    got = list(csv.DictReader(fast.decode("utf-8-sig").splitlines(keepends=True)))
    assert {r["status"] for r in got} == {"assigned", "unassigned", "invalid"}
    assert any("is not finite" in r["error"] for r in got)
    assert any("is outside [-90, 90]" in r["error"] for r in got)
    assert any(r["note"] == "two\nlines" for r in got)


def test_streaming_agrees_with_the_index_on_parsed_points(db_url, odd_csv, tmp_path):
    """Each row's grid is the index's answer for its coordinates as parse_points reads them."""
    from geo.locate.locator import Locator
    from geo.point_input import parse_points
    from geo.store import open_store
    from geo.store.target import parse_database_url

    out = tmp_path / "out.csv"
    assert run(db_url, "locate-file", str(odd_csv), "-o", str(out)).exit_code == 0
    src = list(csv.DictReader(odd_csv.read_text(encoding="utf-8").splitlines(keepends=True)))
    got = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines(keepends=True)))
    assert [r["id"] for r in got] == [r["id"] for r in src]
    parsed = parse_points([r["lon"] for r in src], [r["lat"] for r in src])
    store = open_store(parse_database_url(db_url))
    try:
        locator = Locator(store)
        gi = locator.index(locator.generation())
    finally:
        store.close()
    positions = gi.index.locate(parsed.lon, parsed.lat)
    want = [
        gi.grid_codes[p] if ok and p >= 0 else ""
        for p, ok in zip(positions, parsed.valid, strict=True)
    ]
    assert [r["grid_code"] for r in got] == want
    assert [r["error"] for r in got] == list(parsed.error)
    assert [r["status"] == "invalid" for r in got] == list(~parsed.valid)


def test_streaming_gcj02_input(db_url, odd_csv, tmp_path, monkeypatch):
    from geo import coords

    grids = gpd.read_file(bundled.BOUNDARIES_DIR / "grids.geojson")
    inside = [g.representative_point() for g in grids.geometry.iloc[::50]]
    glon, glat = coords.from_wgs84([p.x for p in inside], [p.y for p in inside], "gcj02")
    src = tmp_path / "gcj.csv"
    rows = [
        f"{i},{x!r},{y!r}"
        for i, (x, y) in enumerate(zip(glon.tolist(), glat.tolist(), strict=True))
    ] + ["99,abc,26.6"]
    src.write_text("id,lon,lat\n" + "\n".join(rows) + "\n", encoding="utf-8")
    fast, ref, _, _ = run_both(db_url, monkeypatch, src, tmp_path, "--crs", "gcj02")
    assert fast == ref
    got = list(csv.DictReader(fast.decode("utf-8-sig").splitlines()))
    assert [r["grid_code"] for r in got[:-1]] == list(grids["code"].iloc[::50])
    assert got[-1]["status"] == "invalid"


def test_streaming_quoted_csv(db_url, tmp_path, monkeypatch):
    """A BOM, every field quoted, CRLF line ends, blank lines, a column named status."""
    src = tmp_path / "quoted.csv"
    src.write_bytes(
        b'\xef\xbb\xbf"name, full","lon","lat","status"\r\n'
        b'"a ""b""","106.5","26.3","old"\r\n'
        b"\r\n"
        b'"c\r\nd","  106.5","26.3",""\r\n'
        b'"e","1,5","26.6","x"\r\n'
    )
    fast, ref, _, _ = run_both(db_url, monkeypatch, src, tmp_path)
    assert fast == ref
    text = fast.decode("utf-8-sig")
    assert text.startswith('"name, full",lon,lat,status,grid_code,community_code,error\n')
    got = list(csv.DictReader(text.splitlines(keepends=True)))
    assert [r["name, full"] for r in got] == ['a "b"', "c\r\nd", "e"]
    assert [r["status"] for r in got] == ["unassigned", "unassigned", "invalid"]
    assert got[2]["error"] == "lon '1,5' is not a number"


def test_a_header_only_csv_gives_the_header(db_url, tmp_path, monkeypatch):
    src = tmp_path / "header.csv"
    src.write_text("id,lon,lat\n", encoding="utf-8")
    fast, ref, fast_msg, _ = run_both(db_url, monkeypatch, src, tmp_path)
    assert fast == ref == b"\xef\xbb\xbfid,lon,lat,grid_code,community_code,status,error\n"
    assert "0 row(s): 0 assigned, 0 unassigned, 0 invalid" in fast_msg


def test_a_file_arrow_reads_otherwise_goes_to_the_general_reader(db_url, tmp_path):
    """A short row (pandas fills it with "") and a whitespace-only line (pandas skips it)."""
    src = tmp_path / "ragged.csv"
    src.write_text("id,lon,lat\n1,106.7,26.6\n2,106.7\n   \n3,abc,26.6\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = run(db_url, "locate-file", str(src), "-o", str(out))
    assert result.exit_code == 0, result.output
    got = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert [r["id"] for r in got] == ["1", "2", "3"]
    assert [r["error"] for r in got] == ["", "lat is missing", "lon 'abc' is not a number"]
    assert "3 row(s): 1 assigned, 0 unassigned, 2 invalid" in result.output


def test_missing_columns_are_named_before_reading(db_url, tmp_path):
    src = tmp_path / "xy.csv"
    src.write_text("x,y\n106.7,26.6\n", encoding="utf-8")
    result = run(db_url, "locate-file", str(src), "-o", str(tmp_path / "o.csv"), "--lat-col", "y")
    assert result.exit_code == 2
    assert "no column 'lon'; the columns are 'x', 'y' (use --lon-col/--lat-col)" in result.output
    assert not (tmp_path / "o.csv").exists()


# -- encodings, Excel ----------------------------------------------------------------------

CHINESE_ROWS = [("甲一", "106.5", "26.3"), ("乙二", "abc", "26.6"), ("丙三", "", "")]


@pytest.fixture(scope="module")
def chinese_rows():
    """Seven rows with Chinese text: inside a grid, outside every grid, invalid."""
    grids = gpd.read_file(bundled.BOUNDARIES_DIR / "grids.geojson")
    inside = [grids.iloc[i].geometry.representative_point() for i in (3, 40, 77, 120)]
    rows = [(f"点{i}", repr(p.x), repr(p.y)) for i, p in enumerate(inside)]
    return rows + CHINESE_ROWS


def _write_csv(path, header, rows, encoding):
    text = ",".join(header) + "\r\n" + "".join(",".join(r) + "\r\n" for r in rows)
    path.write_bytes(text.encode(encoding))
    return path


def _located(out):
    """The rows of a CSV output (which must start with a UTF-8 byte-order mark)."""
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf"), data[:20]
    return list(csv.DictReader(data.decode("utf-8-sig").splitlines(keepends=True)))


@pytest.mark.parametrize(
    ("encoding", "header"),
    [
        ("gb18030", ["名称", "lon", "lat"]),  # found at the header
        ("gb18030", ["name", "lon", "lat"]),  # an ASCII header: found at the first row
        ("utf-8-sig", ["名称", "lon", "lat"]),
        ("utf-8", ["名称", "lon", "lat"]),
    ],
)
@pytest.mark.parametrize("chunk_rows", [2, 200_000])
def test_csv_in_any_encoding_import_reads(
    db_url, chinese_rows, tmp_path, monkeypatch, encoding, header, chunk_rows
):
    """GB18030 and BOM'd UTF-8 files locate as a plain UTF-8 file does, in one chunk or in
    four; the summary counts every row; the output is UTF-8 with a BOM."""
    monkeypatch.setattr(locate_cli, "CHUNK_ROWS", chunk_rows)
    src = _write_csv(tmp_path / "in.csv", header, chinese_rows, encoding)
    ref_src = _write_csv(tmp_path / "ref.csv", header, chinese_rows, "utf-8")
    result = run(db_url, "locate-file", str(src), "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 0, result.output
    assert "7 row(s): 4 assigned, 1 unassigned, 2 invalid" in result.output
    ref = run(db_url, "locate-file", str(ref_src), "-o", str(tmp_path / "ref-out.csv"))
    assert ref.exit_code == 0, ref.output
    got = _located(tmp_path / "out.csv")
    assert got == _located(tmp_path / "ref-out.csv")
    assert [r[header[0]] for r in got] == [r[0] for r in chinese_rows]
    assert [r["status"] for r in got] == ["assigned"] * 4 + ["unassigned", "invalid", "invalid"]
    assert all(r["grid_code"] for r in got[:4])


def test_gb18030_to_geojson_and_xlsx(db_url, chinese_rows, tmp_path, monkeypatch):
    import openpyxl

    monkeypatch.setattr(locate_cli, "CHUNK_ROWS", 3)
    src = _write_csv(tmp_path / "in.csv", ["名称", "lon", "lat"], chinese_rows, "gb18030")
    for name in ("out.geojson", "out.xlsx"):
        result = run(db_url, "locate-file", str(src), "-o", str(tmp_path / name))
        assert result.exit_code == 0, result.output
        assert "7 row(s): 4 assigned, 1 unassigned, 2 invalid" in result.output
    assert list(gpd.read_file(tmp_path / "out.geojson")["名称"]) == [r[0] for r in chinese_rows]
    sheet = openpyxl.load_workbook(tmp_path / "out.xlsx").worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("名称", "lon", "lat", "grid_code", "community_code", "status", "error")
    assert [r[0] for r in rows[1:]] == [r[0] for r in chinese_rows]
    assert [r[5] for r in rows[1:]] == ["assigned"] * 4 + ["unassigned", "invalid", "invalid"]


def test_a_file_neither_utf8_nor_gb18030_is_refused(db_url, tmp_path):
    src = tmp_path / "bad.csv"
    src.write_bytes(b"id,lon,lat\n1,106.5,26.3\n2,\xff\xff,26.3\n")
    result = run(db_url, "locate-file", str(src), "-o", str(tmp_path / "o.csv"))
    assert result.exit_code == 2
    assert "neither UTF-8 nor GB18030" in result.output
    assert not (tmp_path / "o.csv").exists()


def _write_xlsx(path, header, rows):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for name, lon, lat in rows:  # numbers as numbers, as a spreadsheet keeps them
        try:
            sheet.append([name, float(lon), float(lat)])
        except ValueError:
            sheet.append([name, lon or None, lat or None])
    sheet.append([None, None, None])  # a formatted, empty row: passed over
    sheet.append(["=1+2", "106.5", "26.3"])
    sheet.cell(sheet.max_row, 1).data_type = "s"  # text typed with a leading =, not a formula
    book.save(path)
    return path


@pytest.mark.parametrize("out_name", ["out.xlsx", "out.csv"])
def test_xlsx_in_every_chunk_counted(db_url, chinese_rows, tmp_path, monkeypatch, out_name):
    import openpyxl

    monkeypatch.setattr(locate_cli, "CHUNK_ROWS", 2)  # four chunks
    src = _write_xlsx(tmp_path / "in.xlsx", ["名称", "经度", "纬度"], chinese_rows)
    out = tmp_path / out_name
    result = run(
        db_url, "locate-file", str(src), "-o", str(out), "--lon-col", "经度", "--lat-col", "纬度"
    )
    assert result.exit_code == 0, result.output
    assert "8 row(s): 4 assigned, 2 unassigned, 2 invalid" in result.output
    if out_name.endswith(".csv"):
        got = _located(out)
        names = [r["名称"] for r in got]
        status = [r["status"] for r in got]
        # the number as the workbook holds it (Excel keeps about 15 significant digits)
        assert abs(float(got[0]["经度"]) - float(chinese_rows[0][1])) < 1e-12
    else:
        rows = list(openpyxl.load_workbook(out).worksheets[0].iter_rows(values_only=True))
        assert rows[0][:3] == ("名称", "经度", "纬度")
        names = [r[0] for r in rows[1:]]
        status = [r[5] for r in rows[1:]]
        cell = openpyxl.load_workbook(out).worksheets[0]["A9"]
        assert cell.data_type != "f"  # text, not a formula
    assert names == [r[0] for r in chinese_rows] + ["'=1+2"]
    assert status == ["assigned"] * 4 + ["unassigned", "invalid", "invalid", "unassigned"]


def test_xlsx_output_past_excels_rows_is_refused(db_url, points_csv, tmp_path, monkeypatch):
    workbook = importlib.import_module("geo.locate.workbook")
    monkeypatch.setattr(workbook, "MAX_ROWS", 4)
    out = tmp_path / "o.xlsx"
    result = run(db_url, "locate-file", str(points_csv), "-o", str(out))
    assert result.exit_code == 2
    assert "holds at most 4 rows" in result.output
    assert not out.exists() and not (tmp_path / ".partial-o.xlsx").exists()
