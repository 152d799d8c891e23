"""Reading import files in chunks: CSV encodings, chunk boundaries and line numbers, quoting,
trimming, header errors, Excel workbooks and GeoJSON."""

from __future__ import annotations

import json
from datetime import date, datetime, time

import numpy as np
import openpyxl
import pytest

from geo.errors import InputError
from geo.importing.readers import GEOJSON_LAT, GEOJSON_LON, open_source


def _read(path, chunk_rows=100_000):
    """(source, [(rows as dicts, line numbers)] per chunk)."""
    source = open_source(path, chunk_rows=chunk_rows)
    return source, [(c.table.to_pylist(), c.lines.tolist()) for c in source.chunks]


def _rows(chunks):
    return [row for rows, _ in chunks for row in rows]


def _lines(chunks):
    return [n for _, lines in chunks for n in lines]


def _error(path, **kw) -> str:
    with pytest.raises(InputError) as caught:
        source = open_source(path, **kw)
        list(source.chunks)
    assert caught.value.field == "file"
    assert str(path) in str(caught.value)
    return str(caught.value)


# -- CSV encodings ---------------------------------------------------------------------------

TEXT = "事件编号,问题描述\nA1,井盖缺失，請處理\nA2,路灯不亮\n"
EXPECTED = [
    {"事件编号": "A1", "问题描述": "井盖缺失，請處理"},
    {"事件编号": "A2", "问题描述": "路灯不亮"},
]


@pytest.mark.parametrize(
    ("encoding", "reported"),
    [("utf-8", "utf-8-sig"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030")],
)
def test_csv_encodings(tmp_path, encoding, reported):
    path = tmp_path / "cases.csv"
    path.write_bytes(TEXT.encode(encoding))
    source, chunks = _read(path)
    assert source.kind == "csv" and source.encoding == reported
    assert source.headers == ["事件编号", "问题描述"]  # no BOM left on the first header
    assert _rows(chunks) == EXPECTED and _lines(chunks) == [2, 3]
    assert source.rows_estimate == 2


def test_a_gb18030_character_far_into_the_file(tmp_path):
    # ASCII (valid UTF-8) for 2 MB, then one GB18030 character: the whole file is checked.
    path = tmp_path / "late.csv"
    rows = "".join(f"A{i},ok\n" for i in range(200_000))
    path.write_bytes(f"id,d\n{rows}".encode("ascii") + "B,鑫\n".encode("gb18030"))
    source, chunks = _read(path)
    assert source.encoding == "gb18030"
    assert _rows(chunks)[-1] == {"id": "B", "d": "鑫"}
    assert _lines(chunks)[-1] == 200_002


def test_neither_utf8_nor_gb18030_names_the_byte(tmp_path):
    path = tmp_path / "bad.csv"
    head = "事件编号,问题描述\nA1,".encode()
    path.write_bytes(head + b"\xff\xff\xff\n")
    message = _error(path)
    assert "neither UTF-8 nor GB18030" in message
    assert f"at byte {len(head)}" in message


# -- chunks and line numbers --------------------------------------------------------------


@pytest.mark.parametrize("chunk_rows", [1, 2, 3, 7, 10, 11, 1000])
def test_chunks_keep_line_numbers_across_boundaries(tmp_path, chunk_rows):
    n = 10
    path = tmp_path / "n.csv"
    path.write_text("id,n\n" + "".join(f"r{i},{i}\n" for i in range(n)), encoding="utf-8")
    source, chunks = _read(path, chunk_rows)
    sizes = [len(rows) for rows, _ in chunks]
    assert sizes == [chunk_rows] * (n // chunk_rows) + ([n % chunk_rows] if n % chunk_rows else [])
    assert _lines(chunks) == list(range(2, n + 2))
    assert [r["id"] for r in _rows(chunks)] == [f"r{i}" for i in range(n)]
    for rows, lines in chunks:  # every row carries its own line
        assert [int(r["n"]) + 2 for r in rows] == lines


def test_chunk_lines_are_int64_arrays_aligned_with_the_rows(tmp_path):
    path = tmp_path / "n.csv"
    path.write_text("id\n" + "".join(f"{i}\n" for i in range(5)), encoding="utf-8")
    for chunk in open_source(path, chunk_rows=2).chunks:
        assert chunk.lines.dtype == np.int64 and len(chunk.lines) == len(chunk)


def test_large_file_in_many_chunks(tmp_path):
    n, size = 25_003, 1_000
    path = tmp_path / "big.csv"
    path.write_text("id,v\n" + "".join(f'k{i},"{i}, {i}"\n' for i in range(n)), encoding="utf-8")
    source, chunks = _read(path, size)
    assert source.rows_estimate == n
    assert [len(r) for r, _ in chunks] == [size] * 25 + [3]
    assert _lines(chunks) == list(range(2, n + 2))
    rows = _rows(chunks)
    assert rows[12_345] == {"id": "k12345", "v": "12345, 12345"}


def test_quoted_fields_with_commas_and_line_breaks(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text(
        "id,描述,地址\n"
        'a,"一, 二","中华路1号"\n'
        'b,"第一行\n第二行",""\n'
        'c,"他说""好""",x\n'
        'd,"e\r\nf",y\n',
        encoding="utf-8",
        newline="",
    )
    _, chunks = _read(path, chunk_rows=2)
    assert _rows(chunks) == [
        {"id": "a", "描述": "一, 二", "地址": "中华路1号"},
        {"id": "b", "描述": "第一行\n第二行", "地址": ""},
        {"id": "c", "描述": '他说"好"', "地址": "x"},
        {"id": "d", "描述": "e\r\nf", "地址": "y"},
    ]
    # Rows are numbered as a spreadsheet numbers them: one per record.
    assert _lines(chunks) == [2, 3, 4, 5]


def test_a_header_with_a_line_break(tmp_path):
    # Spreadsheets wrap long headers; the export quotes them with the line break inside.
    path = tmp_path / "wrapped.csv"
    path.write_text('"事件\n编号",上报时间\nA1,2024-03-01\nA2,2024-03-02\n', encoding="utf-8")
    source, chunks = _read(path)
    assert source.headers == ["事件\n编号", "上报时间"]
    assert _rows(chunks) == [
        {"事件\n编号": "A1", "上报时间": "2024-03-01"},
        {"事件\n编号": "A2", "上报时间": "2024-03-02"},
    ]
    assert _lines(chunks) == [2, 3]


def test_crlf_line_ends_and_no_final_line_end(tmp_path):
    path = tmp_path / "crlf.csv"
    path.write_bytes(b"id,v\r\n1,a\r\n2,b")
    _, chunks = _read(path)
    assert _rows(chunks) == [{"id": "1", "v": "a"}, {"id": "2", "v": "b"}]


def test_cells_and_headers_are_trimmed_and_never_null(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(' id ,\t描述\u3000\n  a1  ,"  里面  "\n,\n', encoding="utf-8")
    source, chunks = _read(path)
    assert source.headers == ["id", "描述"]
    assert _rows(chunks) == [{"id": "a1", "描述": "里面"}, {"id": "", "描述": ""}]
    for chunk in open_source(path).chunks:
        assert all(chunk.table[c].null_count == 0 for c in chunk.table.column_names)


def test_a_header_only_file_has_no_chunks(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("事件编号,事件类型\n", encoding="utf-8")
    source, chunks = _read(path)
    assert source.headers == ["事件编号", "事件类型"] and chunks == []
    assert source.rows_estimate == 0


# -- CSV errors -----------------------------------------------------------------------------


def test_an_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert "empty" in _error(path)


def test_a_blank_first_line(tmp_path):
    path = tmp_path / "blank.csv"
    path.write_text("\nA1,暴露垃圾\n", encoding="utf-8")
    assert "no column headers" in _error(path)


def test_a_header_twice(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("事件编号,地址, 事件编号\n1,2,3\n", encoding="utf-8")
    assert "'事件编号' appears twice" in _error(path)


@pytest.mark.parametrize(
    ("text", "column"),
    [("a,,b\n1,2,3\n", 2), ("a,b,\n1,2,3\n", 3), (" ,a\n1,2\n", 1), ('a,"  "\n1,2\n', 2)],
)
def test_a_column_without_a_header(tmp_path, text, column):
    path = tmp_path / "nohead.csv"
    path.write_text(text, encoding="utf-8")
    assert f"column {column} has no header" in _error(path)


@pytest.mark.parametrize(("body", "cells"), [("1,2,3\n", 3), ("1\n", 1)])
def test_a_row_with_the_wrong_number_of_cells_is_set_aside(tmp_path, body, cells):
    path = tmp_path / "ragged.csv"
    path.write_text("a,b\n" + body + "4,5\n", encoding="utf-8")
    source, chunks = _read(path)
    assert _rows(chunks) == [{"a": "4", "b": "5"}]
    assert source.malformed == [(body.rstrip("\n"), cells)]


def test_a_ragged_row_in_a_later_block_is_set_aside(tmp_path):
    path = tmp_path / "ragged-late.csv"
    good = "".join(f"{i},{'x' * 200}\n" for i in range(120_000))  # over one 16 MiB block
    path.write_text("a,b\n" + good + "1,2,3\n", encoding="utf-8")
    source, chunks = _read(path, chunk_rows=50_000)
    assert sum(len(rows) for rows, _ in chunks) == 120_000
    assert source.malformed == [("1,2,3", 3)]


@pytest.mark.parametrize("name", ["cases.xls", "cases.dbf", "cases", "cases.shp"])
def test_unknown_extension(tmp_path, name):
    path = tmp_path / name
    path.write_text("a,b\n", encoding="utf-8")
    message = _error(path)
    assert "unknown file type" in message and ".xlsx" in message


def test_no_such_file(tmp_path):
    assert "no such file" in _error(tmp_path / "missing.csv")


def test_upper_case_and_txt_extensions_are_csv(tmp_path):
    for name in ("CASES.CSV", "cases.txt"):
        path = tmp_path / name
        path.write_text("id\n1\n", encoding="utf-8")
        source, chunks = _read(path)
        assert source.kind == "csv" and _rows(chunks) == [{"id": "1"}]


# -- Excel -----------------------------------------------------------------------------------


def _workbook(path, rows):
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_xlsx_cells_read_as_a_csv_export_would_hold_them(tmp_path):
    path = _workbook(
        tmp_path / "c.xlsx",
        [
            ["编号", "整数", "浮点", "时间", "日期", "时刻", "空", None, None],
            ["A1", 123, 123.0, datetime(2024, 3, 1, 9, 5, 7), date(2024, 3, 2), time(8, 30), None],
            [20240001, -7, 106.7125, "2024/3/1 9:00", None, None, None, "ignored", None],
            ["  x  ", True, 1e20, None, None, None, "", None, None],
        ],
    )
    source, chunks = _read(path, chunk_rows=2)
    assert source.kind == "xlsx" and source.encoding is None
    assert source.headers == ["编号", "整数", "浮点", "时间", "日期", "时刻", "空"]
    assert source.rows_estimate == 3
    rows = _rows(chunks)
    assert rows[0] == {
        "编号": "A1",
        "整数": "123",
        "浮点": "123",
        "时间": "2024-03-01 09:05:07",
        "日期": "2024-03-02 00:00:00",
        "时刻": "08:30:00",
        "空": "",
    }
    assert rows[1] == {
        "编号": "20240001",
        "整数": "-7",
        "浮点": "106.7125",
        "时间": "2024/3/1 9:00",
        "日期": "",
        "时刻": "",
        "空": "",
    }
    assert rows[2]["编号"] == "x" and rows[2]["整数"] == "true"
    assert float(rows[2]["浮点"]) == 1e20
    assert _lines(chunks) == [2, 3, 4]
    assert [len(r) for r, _ in chunks] == [2, 1]


def test_xlsx_short_rows_are_padded(tmp_path):
    path = _workbook(tmp_path / "short.xlsx", [["a", "b", "c"], ["1"], ["2", "3", "4"]])
    _, chunks = _read(path)
    assert _rows(chunks) == [{"a": "1", "b": "", "c": ""}, {"a": "2", "b": "3", "c": "4"}]


def test_xlsx_header_errors(tmp_path):
    assert "appears twice" in _error(_workbook(tmp_path / "d.xlsx", [["a", "b", "a"], [1]]))
    assert "column 2 has no header" in _error(
        _workbook(tmp_path / "n.xlsx", [["a", None, "b"], [1, 2, 3]])
    )
    assert "no column headers" in _error(_workbook(tmp_path / "e.xlsx", [[None, None], [1, 2]]))
    assert "empty" in _error(_workbook(tmp_path / "z.xlsx", []))


def test_a_damaged_workbook(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    assert "cannot read as an Excel workbook" in _error(path)


def test_xlsx_in_chunks_keeps_line_numbers(tmp_path):
    n = 23
    path = _workbook(tmp_path / "many.xlsx", [["id", "n"], *[[f"r{i}", i] for i in range(n)]])
    _, chunks = _read(path, chunk_rows=5)
    assert [len(r) for r, _ in chunks] == [5, 5, 5, 5, 3]
    assert _lines(chunks) == [int(r["n"]) + 2 for r in _rows(chunks)] == list(range(2, n + 2))


# -- GeoJSON -------------------------------------------------------------------------------


def _geojson(path, doc):
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def _feature(geometry, **props):
    return {"type": "Feature", "geometry": geometry, "properties": props}


def test_geojson_points_give_longitude_and_latitude(tmp_path):
    path = _geojson(
        tmp_path / "c.geojson",
        {
            "type": "FeatureCollection",
            "features": [
                _feature(
                    {"type": "Point", "coordinates": [106.7125, 26.5842]},
                    事件编号="a",
                    事件类型="暴露垃圾",
                    经度="999",
                ),
                _feature(
                    {"type": "Point", "coordinates": [106.0, 26.0, 1100.5]},
                    事件编号="b",
                    人数=3,
                    面积=2.5,
                    上报时间="2024-03-01 09:00:00",
                ),
                _feature(None, 事件编号="c"),
            ],
        },
    )
    source, chunks = _read(path, chunk_rows=2)
    assert source.kind == "geojson" and source.rows_estimate == 3
    # Properties in order of first appearance, the coordinates last (a property of the same
    # name gives way to the geometry).
    assert source.headers == [
        "事件编号",
        "事件类型",
        "人数",
        "面积",
        "上报时间",
        GEOJSON_LON,
        GEOJSON_LAT,
    ]
    rows = _rows(chunks)
    assert (rows[0][GEOJSON_LON], rows[0][GEOJSON_LAT]) == ("106.7125", "26.5842")
    assert (rows[1][GEOJSON_LON], rows[1][GEOJSON_LAT]) == ("106", "26")  # integral floats
    assert rows[1]["人数"] == "3" and rows[1]["面积"] == "2.5" and rows[0]["人数"] == ""
    assert (rows[2][GEOJSON_LON], rows[2][GEOJSON_LAT]) == ("", "")  # no geometry
    assert _lines(chunks) == [2, 3, 4] and [len(r) for r, _ in chunks] == [2, 1]


@pytest.mark.parametrize(
    "geometry",
    [
        {"type": "LineString", "coordinates": [[106.7, 26.5], [106.8, 26.6]]},
        {
            "type": "Polygon",
            "coordinates": [[[106.7, 26.5], [106.8, 26.5], [106.8, 26.6], [106.7, 26.5]]],
        },
        {"type": "MultiPoint", "coordinates": [[106.7, 26.5]]},
    ],
)
def test_geojson_non_point_geometry_is_marked(tmp_path, geometry):
    path = _geojson(
        tmp_path / "l.geojson",
        {"type": "FeatureCollection", "features": [_feature(geometry, 事件编号="a")]},
    )
    _, chunks = _read(path)
    (row,) = _rows(chunks)
    assert row[GEOJSON_LON] == f"<{geometry['type']} geometry>"
    assert row[GEOJSON_LAT] == ""


@pytest.mark.parametrize(
    "doc",
    [
        {"type": "Feature", "geometry": None, "properties": {}},
        [{"type": "Feature"}],
        {"type": "GeometryCollection", "geometries": []},
        "FeatureCollection",
    ],
)
def test_geojson_that_is_not_a_feature_collection(tmp_path, doc):
    message = _error(_geojson(tmp_path / "x.geojson", doc))
    assert "FeatureCollection" in message


@pytest.mark.parametrize(
    ("features", "expected"),
    [
        ([_feature(None, a="1"), None], "feature 2 "),
        ([_feature(None, a="1"), "x"], "feature 2 "),
        ([{"type": "Feature", "properties": ["a"]}], "feature 1 "),
        ([{"type": "Feature", "geometry": [106.7, 26.5]}], "feature 1 "),
        ("features", "not a list"),
    ],
)
def test_geojson_features_that_are_not_features(tmp_path, features, expected):
    path = _geojson(tmp_path / "f.json", {"type": "FeatureCollection", "features": features})
    assert expected in _error(path)


def test_geojson_that_is_not_json(tmp_path):
    path = tmp_path / "broken.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    assert "not valid GeoJSON" in _error(path)


def test_an_empty_feature_collection(tmp_path):
    path = _geojson(tmp_path / "e.json", {"type": "FeatureCollection", "features": []})
    source, chunks = _read(path)
    assert source.headers == [GEOJSON_LON, GEOJSON_LAT] and chunks == []
