"""Column and value mappings of an import: the default headers, mapping files, and the
message of every way a mapping or a file's headers can be wrong."""

from __future__ import annotations

import pytest

from geo.cases.service import SOURCES
from geo.cases.workflow import STATES
from geo.errors import InputError
from geo.importing.fields import (
    FIELDS,
    HEADER_ALIASES,
    REQUIRED,
    SOURCE_ALIASES,
    STATUS_ALIASES,
    header_key,
)
from geo.importing.mapping import Mapping, crs_of, load_mapping

COMMON = [
    "事件编号",
    "事件类型",
    "问题描述",
    "地址",
    "经度",
    "纬度",
    "上报时间",
    "立案时间",
    "结案时间",
    "状态",
]


def _toml(tmp_path, text: str, name: str = "map.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _error(call, *args) -> str:
    with pytest.raises(InputError) as caught:
        call(*args)
    assert caught.value.field == "mapping"
    return str(caught.value)


# -- defaults ------------------------------------------------------------------------------


def test_the_common_chinese_headers_resolve_to_their_fields():
    cols = Mapping().resolve(COMMON)
    assert cols == {
        "external_id": "事件编号",
        "category": "事件类型",
        "description": "问题描述",
        "address": "地址",
        "lon": "经度",
        "lat": "纬度",
        "reported_at": "上报时间",
        "registered_at": "立案时间",
        "closed_at": "结案时间",
        "status": "状态",
    }


@pytest.mark.parametrize("fld", FIELDS)
def test_every_alias_of_every_field_is_recognised(fld):
    # Each alias alone, with the required fields given by their field names.
    for alias in (fld, *HEADER_ALIASES.get(fld, ())):
        others = [f for f in REQUIRED if f != fld]
        headers = [alias, *others]
        if fld in ("lon", "lat"):
            headers.append("lat" if fld == "lon" else "lon")
        cols = Mapping().resolve(headers)
        assert cols[fld] == alias, (fld, alias, cols)


@pytest.mark.parametrize(
    ("header", "fld"),
    [
        ("事件编号 ", "external_id"),  # trailing space
        ("事件 编号", "external_id"),  # space inside
        ("ＩＤ", "external_id"),  # full-width Latin letters
        ("Id", "external_id"),  # case
        ("LONGITUDE", "lon"),
        ("Ｌａｔｉｔｕｄｅ", "lat"),
        ("上报\n时间", "reported_at"),  # a wrapped spreadsheet header
        ("\u3000状态\u3000", "status"),  # ideographic spaces
    ],
)
def test_header_variants_resolve(header, fld):
    headers = {
        "external_id": "事件编号",
        "category": "事件类型",
        "reported_at": "上报时间",
        "lon": "经度",
        "lat": "纬度",
        "status": "状态",
    }
    headers[fld] = header
    cols = Mapping().resolve(list(headers.values()))
    assert cols[fld] == header  # the file's own spelling, to read the column by


def test_header_key_normalises_width_spaces_and_case():
    assert header_key("ＡＢ Ｃ") == "abc"
    assert header_key(" 上报 时间\t") == "上报时间"
    assert header_key("１２３４５") == "12345"
    assert header_key("事件编号") == "事件编号"
    assert header_key("GCJ-02") != header_key("GCJ02")  # punctuation is kept


def test_the_first_alias_present_wins_and_a_header_serves_one_field():
    # 编号 and 事件编号 are both aliases of external_id: the field name first, then the
    # aliases in order; the unused one is left alone.
    cols = Mapping().resolve(["编号", "事件编号", "事件类型", "类型", "上报时间"])
    assert cols["external_id"] == "事件编号" and cols["category"] == "事件类型"
    assert "编号" not in cols.values() and "类型" not in cols.values()


def test_values_of_states_and_sources():
    m = Mapping()
    for text, state in STATUS_ALIASES.items():
        assert m.status_of(f" {text} ") == state
    for state in STATES:
        assert m.status_of(state.upper()) == state
    assert m.status_of("神秘状态") is None
    assert m.source_of("") == "import" and m.source_of("   ") == "import"
    for text, src in SOURCE_ALIASES.items():
        assert m.source_of(text) == src
    assert m.source_of("ＡＰＰ") == "app" and m.source_of("Patrol") == "patrol"
    assert m.source_of("飞鸽传书") is None


def test_crs_names():
    assert [crs_of(v) for v in ("WGS84", "GCJ-02", "百度", "EPSG:4490", "ｇｃｊ０２")] == [
        "wgs84",
        "gcj02",
        "bd09",
        "cgcs2000",
        "gcj02",
    ]
    assert crs_of("utm50n") is None


def test_no_mapping_file_means_the_defaults():
    assert load_mapping(None) == Mapping()


# -- mapping files -------------------------------------------------------------------------


def test_a_mapping_file_with_every_part(tmp_path):
    path = _toml(
        tmp_path,
        """
crs = "GCJ-02"
source = "hotline"
defaults = false

[columns]
"工单号" = "external_id"
"诉求分类" = "category"
"受理时间" = "reported_at"
"X" = "lon"
"Y" = "lat"
"处理情况" = "status"

[categories]
"道路破损" = "FA01"
"垃圾" = "HJ01"

[statuses]
"办理完毕" = "closed"
"退回" = "rejected"

[sources]
"市长信箱" = "web"
""",
    )
    m = load_mapping(path)
    assert m.crs == "gcj02" and m.source == "hotline" and m.defaults is False
    assert m.categories == {"道路破损": "FA01", "垃圾": "HJ01"}
    assert m.status_of("办理完毕") == "closed" and m.status_of("退回") == "rejected"
    assert m.status_of("已结案") == "closed"  # the built-in values still apply
    assert m.source_of("市长信箱") == "web" and m.source_of("") == "hotline"
    headers = ["工单号", "诉求分类", "受理时间", "X", "Y", "处理情况", "事件编号", "地址"]
    cols = m.resolve(headers)
    # defaults = false: 事件编号 and 地址 are not taken although they are common headers.
    assert cols == {
        "external_id": "工单号",
        "category": "诉求分类",
        "reported_at": "受理时间",
        "lon": "X",
        "lat": "Y",
        "status": "处理情况",
    }


def test_mapped_columns_come_first_and_the_defaults_fill_the_rest(tmp_path):
    path = _toml(tmp_path, '[columns]\n"工单 号" = "external_id"\n"事件编号" = "description"\n')
    m = load_mapping(path)
    assert m.defaults is True and m.crs == "wgs84" and m.source == "import"
    cols = m.resolve(["工单号", "事件编号", "事件类型", "上报时间", "地址"])
    # The mapping's column is matched by header_key; 事件编号 is taken by the mapping, so it
    # is not also used for external_id.
    assert cols == {
        "external_id": "工单号",
        "description": "事件编号",
        "category": "事件类型",
        "reported_at": "上报时间",
        "address": "地址",
    }


def test_an_empty_mapping_file_is_the_defaults(tmp_path):
    assert load_mapping(_toml(tmp_path, "")) == Mapping()


# -- errors of mapping files ---------------------------------------------------------------


def test_unknown_top_level_key(tmp_path):
    path = _toml(tmp_path, 'colums = {}\ncrs = "wgs84"\n')
    message = _error(load_mapping, path)
    assert "'colums'" in message and str(path) in message
    assert "columns" in message  # what is expected


def test_unknown_field(tmp_path):
    message = _error(load_mapping, _toml(tmp_path, '[columns]\n"工单号" = "ticket"\n'))
    assert "[columns]" in message and "'工单号'" in message and "'ticket'" in message
    assert "unknown field" in message and "external_id" in message


def test_unknown_state(tmp_path):
    message = _error(load_mapping, _toml(tmp_path, '[statuses]\n"办理完毕" = "done"\n'))
    assert "[statuses]" in message and "'办理完毕'" in message and "'done'" in message
    assert all(state in message for state in STATES)


def test_unknown_source_value(tmp_path):
    message = _error(load_mapping, _toml(tmp_path, '[sources]\n"市长信箱" = "mail"\n'))
    assert "[sources]" in message and "'市长信箱'" in message and "'mail'" in message
    assert all(src in message for src in SOURCES)


def test_unknown_default_source(tmp_path):
    message = _error(load_mapping, _toml(tmp_path, 'source = "carrier pigeon"\n'))
    assert "source" in message and "'carrier pigeon'" in message and "hotline" in message


@pytest.mark.parametrize(
    ("value", "named"), [('"utm50n"', "crs 'utm50n'"), ("4326", "crs 4326"), ('""', "crs ''")]
)
def test_bad_crs(tmp_path, value, named):
    message = _error(load_mapping, _toml(tmp_path, f"crs = {value}\n"))
    assert named in message
    assert "gcj02" in message  # the names that would do


def test_defaults_must_be_a_boolean(tmp_path):
    message = _error(load_mapping, _toml(tmp_path, 'defaults = "no"\n'))
    assert "defaults" in message and "true or false" in message


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ('columns = "工单号"\n', "columns"),
        ('[categories]\n"垃圾" = 1\n', "categories"),
        ('[statuses.x]\n"a" = "closed"\n', "statuses"),
        ('sources = ["热线"]\n', "sources"),
    ],
)
def test_tables_must_map_text_to_text(tmp_path, text, name):
    message = _error(load_mapping, _toml(tmp_path, text))
    assert f"[{name}]" in message and "text to text" in message


def test_unreadable_toml(tmp_path):
    path = _toml(tmp_path, '[columns]\n"工单号" = external_id\n', name="broken.toml")
    message = _error(load_mapping, path)
    assert str(path) in message and "cannot read mapping file" in message
    assert "line 2" in message  # where the TOML parser stopped


def test_missing_or_undecodable_mapping_file(tmp_path):
    missing = tmp_path / "nope.toml"
    assert str(missing) in _error(load_mapping, missing)
    assert str(tmp_path) in _error(load_mapping, tmp_path)  # a directory
    gbk = tmp_path / "gbk.toml"  # TOML is UTF-8; a GB18030 file cannot be read
    gbk.write_bytes('[columns]\n"工单号" = "external_id"\n'.encode("gb18030"))
    message = _error(load_mapping, gbk)
    assert str(gbk) in message and "cannot read mapping file" in message


# -- errors of resolving a file's headers ---------------------------------------------------


def test_a_mapped_column_not_in_the_file_lists_the_files_columns():
    m = Mapping(columns={"工单号": "external_id"})
    message = _error(m.resolve, ["编号", "事件类型", "上报时间"])
    assert "'工单号'" in message and "not in the file" in message
    assert "编号, 事件类型, 上报时间" in message


def test_a_field_mapped_twice_names_both_columns():
    m = Mapping(columns={"工单号": "external_id", "流水号": "external_id"})
    message = _error(m.resolve, ["工单号", "流水号", "事件类型", "上报时间"])
    assert "'external_id'" in message and "'工单号'" in message and "'流水号'" in message


@pytest.mark.parametrize("missing", REQUIRED)
def test_a_required_field_without_a_column(missing):
    headers = {"external_id": "事件编号", "category": "事件类型", "reported_at": "上报时间"}
    del headers[missing]
    files = [*headers.values(), "备注"]
    message = _error(Mapping().resolve, files)
    assert f"no column for {missing}" in message
    assert ", ".join(files) in message  # the file's columns
    assert f'"{missing}"' in message  # how to map it


def test_all_missing_required_fields_are_named():
    message = _error(Mapping(defaults=False).resolve, COMMON)
    assert "no column for external_id, category, reported_at" in message


@pytest.mark.parametrize(
    ("given", "fld", "lacking"), [("经度", "lon", "lat"), ("latitude", "lat", "lon")]
)
def test_longitude_without_latitude(given, fld, lacking):
    message = _error(Mapping().resolve, ["事件编号", "事件类型", "上报时间", given])
    assert f"'{given}'" in message and fld in message and lacking in message


def test_a_mapped_longitude_without_a_latitude():
    m = Mapping(
        columns={"X坐标": "lon", "单号": "external_id", "分类": "category", "时间": "reported_at"},
        defaults=False,
    )
    message = _error(m.resolve, ["X坐标", "Y坐标", "单号", "分类", "时间"])
    assert "'X坐标'" in message and "lat" in message


def test_headers_that_differ_only_in_case_are_refused_when_used():
    from geo.errors import InputError as Refused
    from geo.importing.mapping import Mapping as M

    with pytest.raises(Refused, match="'ID' and 'id' differ only"):
        M().resolve(["ID", "id", "事件类型", "上报时间"])
    # Not used by any field: no harm.
    resolved = M().resolve(["事件编号", "事件类型", "上报时间", "Note", "note"])
    assert resolved["external_id"] == "事件编号"
