"""The SQL loader: common statements in each backend's placeholder style, backend files
overriding them, and every family complete on both backends."""

from __future__ import annotations

import re
from importlib import resources

import duckdb
import pytest

from geo.store import sql

PSYCOPG_PLACEHOLDER = re.compile(r"%\(\w+\)s")
DUCKDB_PLACEHOLDER = re.compile(r"(?<![\w$])\$[A-Za-z_]\w*")
OTHER_STYLE = {"postgis": DUCKDB_PLACEHOLDER, "duckdb": PSYCOPG_PLACEHOLDER}
DIALECT_LABEL = {"postgis": "PostGIS:", "duckdb": "DuckDB:"}


def raw(folder: str, family: str) -> dict[str, str]:
    """The statements of one file as written, or none if there is no such file."""
    entry = resources.files(sql).joinpath(folder, f"{family}.sql")
    return sql.parse(entry.read_text("utf-8")) if entry.is_file() else {}


def words(text: str) -> list[str]:
    """``text`` without comment lines, split on white space."""
    return " ".join(
        line for line in text.splitlines() if not line.lstrip().startswith("--")
    ).split()


# -- translation -----------------------------------------------------------------------


def test_placeholders_become_dollar_names_for_duckdb_and_casts_stay():
    text = "SELECT %(a)s::text, %(b)s::bigint FROM t WHERE c = %(a)s AND d::int > %(e)s"
    assert (
        sql.for_backend(text, "duckdb")
        == "SELECT $a::text, $b::bigint FROM t WHERE c = $a AND d::int > $e"
    )


def test_postgis_gets_common_text_as_written():
    text = "SELECT %(a)s::text, doc->>'k', 'a%%' FROM t WHERE c = %(a)s"
    assert sql.for_backend(text, "postgis") == text


def test_literals_json_operators_and_escaped_percent_survive_the_translation():
    text = "SELECT doc->>'k', doc #> '{a,b}', 'x::y', 'a%%', '%%(z)s', 5 %% 3 FROM t"
    assert (
        sql.for_backend(text, "duckdb")
        == "SELECT doc->>'k', doc #> '{a,b}', 'x::y', 'a%', '%(z)s', 5 % 3 FROM t"
    )


def test_a_translated_statement_with_casts_runs_on_duckdb():
    text = (
        "SELECT %(s)s::text IS NULL, %(n)s::bigint * 2, 'ab' LIKE 'a%%', 7 %% 4, '%%(s)s', "
        "%(n)s::text || 'x'"
    )
    con = duckdb.connect()
    try:
        row = con.execute(sql.for_backend(text, "duckdb"), {"s": None, "n": 21}).fetchone()
    finally:
        con.close()
    assert row == (True, 42, True, 3, "%(s)s", "21x")


@pytest.mark.parametrize("text", ["SELECT 5 % 3", "SELECT %s", "SELECT 'a%'"])
def test_a_lone_percent_in_common_sql_is_refused(text):
    with pytest.raises(ValueError, match="lone '%'"):
        sql.for_backend(text, "duckdb")
    with pytest.raises(ValueError, match="lone '%'"):
        sql.for_backend(text, "postgis")


def test_a_placeholder_running_into_a_name_is_refused():
    with pytest.raises(ValueError, match="runs into"):
        sql.for_backend("SELECT %(a)sb", "duckdb")


def test_an_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="unknown backend"):
        sql.for_backend("SELECT 1", "sqlite")
    with pytest.raises(ValueError, match="unknown backend"):
        sql.statements("sqlite", "tokens")


# -- parsing and overriding ----------------------------------------------------------------

COMMON = """-- Statements both backends share.
-- name: one
SELECT %(x)s::int;

-- name: two
-- Says what it does.
SELECT %(y)s;
"""

DUCK_OWN = """-- name: two
-- DuckDB: something of its own.
SELECT $y + 1;

-- name: three
SELECT 3;
"""


def test_parse_keeps_file_order_and_comments_inside_statements():
    assert sql.parse(COMMON) == {
        "one": "SELECT %(x)s::int;",
        "two": "-- Says what it does.\nSELECT %(y)s;",
    }


def test_parse_refuses_a_name_used_twice():
    with pytest.raises(ValueError, match="named twice"):
        sql.parse("-- name: a\nSELECT 1;\n-- name: a\nSELECT 2;\n")


def test_parse_refuses_sql_before_the_first_name():
    with pytest.raises(ValueError, match="before the first"):
        sql.parse("SELECT 0;\n-- name: a\nSELECT 1;\n")


def test_a_backend_statement_overrides_the_common_one_and_others_are_added():
    assert sql.merge("duckdb", COMMON, DUCK_OWN) == {
        "one": "SELECT $x::int;",
        "two": "-- DuckDB: something of its own.\nSELECT $y + 1;",
        "three": "SELECT 3;",
    }
    assert sql.merge("postgis", COMMON, None) == sql.parse(COMMON)
    assert sql.merge("duckdb", None, DUCK_OWN) == sql.parse(DUCK_OWN)


def test_the_real_overrides_win_over_common():
    duck = sql.statements("duckdb", "facilities")
    pg = sql.statements("postgis", "facilities")
    duck_insert, pg_insert = " ".join(words(duck["insert"])), " ".join(words(pg["insert"]))
    assert "ST_Point($lon, $lat)" in duck_insert and "ST_MakePoint" not in duck_insert
    assert "ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)" in pg_insert
    # From common, in each backend's style.
    assert duck["delete"] == "DELETE FROM facilities WHERE id = $id;"
    assert pg["delete"] == "DELETE FROM facilities WHERE id = %(id)s;"
    assert "$community::text IS NULL" in duck["select"]


def test_a_family_may_live_in_common_only_or_per_backend_only():
    assert not raw("duckdb", "tokens") and not raw("postgis", "tokens")
    assert sql.statements("duckdb", "tokens")["revoke"].startswith("UPDATE tokens SET")
    assert not raw(sql.COMMON, "cases")
    assert sql.statements("postgis", "cases") == raw("postgis", "cases")
    assert sql.statements("duckdb", "cases") == raw("duckdb", "cases")


def test_an_unknown_family_is_refused():
    with pytest.raises(FileNotFoundError, match="no SQL family"):
        sql.statements("duckdb", "no_such_family")


def test_statements_are_read_once():
    assert sql.statements("duckdb", "sessions") is sql.statements("duckdb", "sessions")


# -- the statements shipped --------------------------------------------------------------


def test_families_cover_every_file():
    assert {"cases", "facilities", "gazetteer", "schema", "sessions", "tokens"} <= set(
        sql.families()
    )


# Families that also hold the statements of each backend's own code path (PostGIS loads
# through COPY into staging tables, DuckDB inserts directly), so each has names of its own.
OWN_CODE_PATHS = {"bulk", "importing"}


@pytest.mark.parametrize("family", sql.families())
def test_every_family_has_the_same_statements_on_both_backends(family):
    names = {backend: set(sql.statements(backend, family)) for backend in sql.BACKENDS}
    assert names["postgis"], f"{family} has no PostGIS statements"
    assert names["duckdb"], f"{family} has no DuckDB statements"
    if family in OWN_CODE_PATHS:
        assert names["postgis"] != names["duckdb"], f"{family} can leave OWN_CODE_PATHS"
    else:
        assert names["postgis"] == names["duckdb"]


@pytest.mark.parametrize("backend", sql.BACKENDS)
@pytest.mark.parametrize("family", sql.families())
def test_no_statement_keeps_the_other_backends_placeholders(family, backend):
    for name, text in sql.statements(backend, family).items():
        assert not OTHER_STYLE[backend].search(text), f"{backend} {family}.{name}: {text}"


@pytest.mark.parametrize("family", [f for f in sql.families() if raw(sql.COMMON, f)])
def test_backend_statements_of_a_common_family_say_how_their_dialect_differs(family):
    for backend in sql.BACKENDS:
        for name, text in raw(backend, family).items():
            first = text.splitlines()[0]
            assert first.startswith(f"-- {DIALECT_LABEL[backend]}"), f"{backend} {family}.{name}"


@pytest.mark.parametrize("family", [f for f in sql.families() if raw(sql.COMMON, f)])
def test_no_statement_of_a_common_family_is_left_twice_where_it_could_be_common(family):
    pg, duck = raw("postgis", family), raw("duckdb", family)
    for name in set(pg) & set(duck):
        same = words(sql.for_backend(pg[name], "duckdb")) == words(duck[name])
        assert not same, f"{family}.{name} reads the same on both backends: move it to common"
