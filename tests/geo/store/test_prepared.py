"""Prepared statements on PostGIS: the text made preparable, and statements really prepared."""

from __future__ import annotations

import psycopg2
import pytest

from geo.cases.service import Intake
from geo.store.casetx import case_sql
from geo.store.postgis import PostgisStore
from geo.store.prepared import PreparingConnection, PreparingCursor, prepared
from tests.geo.store.conftest import build_world


def test_placeholders_are_numbered_in_order_of_first_use():
    p = prepared("SELECT %(b)s, %(a)s WHERE x = %(b)s AND y LIKE 'a%%'")
    assert p.prepare == f"PREPARE {p.name} AS SELECT $1, $2 WHERE x = $1 AND y LIKE 'a%'"
    assert p.execute == f"EXECUTE {p.name} (%(b)s, %(a)s)"


def test_the_same_text_has_the_same_name_and_another_text_another():
    assert prepared("SELECT 1").name == prepared("SELECT 1").name
    assert prepared("SELECT 1").name != prepared("SELECT 2").name
    assert prepared("SELECT 1").execute == f"EXECUTE {prepared('SELECT 1').name}"


@pytest.fixture
def cursor(postgis_schemas):
    conn = psycopg2.connect(postgis_schemas(), connection_factory=PreparingConnection)
    yield conn.cursor()
    conn.close()


def session_statements(cur) -> set[str]:
    cur.execute("SELECT name FROM pg_prepared_statements")
    return {r[0] for r in cur.fetchall()}


@pytest.mark.postgis
def test_hot_statements_run_prepared_and_others_as_given(cursor):
    hot = "SELECT %(a)s::int + %(b)s::int"
    cur = PreparingCursor(cursor, {hot})
    for a in range(3):
        cur.execute(hot, {"a": a, "b": 10})
        assert cur.fetchall() == [(a + 10,)]
    cur.execute("SELECT %(a)s::int * 2", {"a": 4})
    assert cur.fetchone() == (8,)
    assert session_statements(cursor) == {prepared(hot).name}


@pytest.mark.postgis
def test_several_statements_run_in_order_and_the_last_ones_rows_are_fetched(cursor):
    cursor.execute("CREATE TABLE t (x int)")
    cur = PreparingCursor(cursor, set())
    cur.run(["INSERT INTO t VALUES (%(x)s)", "SELECT count(*), max(x) FROM t"], {"x": 7})
    assert cur.fetchall() == [(1, 7)]
    cur.run(["INSERT INTO t VALUES (%(x)s)", "SELECT count(*), max(x) FROM t"], {"x": 9})
    assert cur.fetchall() == [(2, 9)]


@pytest.mark.postgis
def test_a_statement_prepared_in_a_rolled_back_transaction_is_still_known(cursor):
    hot = "SELECT 1 / %(d)s::int"
    cur = PreparingCursor(cursor, {hot})
    with pytest.raises(psycopg2.errors.DivisionByZero):
        cur.execute(hot, {"d": 0})
    cursor.connection.rollback()
    cur.execute(hot, {"d": 1})  # not prepared a second time ("already exists")
    assert cur.fetchone() == (1,)


@pytest.mark.postgis
def test_a_statement_that_cannot_be_prepared_fails_and_is_not_remembered(cursor):
    bad = "SELECT %(x)s FROM no_such_table"
    cur = PreparingCursor(cursor, {bad})
    with pytest.raises(psycopg2.errors.UndefinedTable):
        cur.execute(bad, {"x": 1})
    assert prepared(bad).name not in cursor.connection.prepared


@pytest.mark.postgis
def test_case_work_on_postgis_prepares_the_intake_statements(postgis_schemas, bundled_set):
    store = PostgisStore(postgis_schemas(), max_connections=1)
    try:
        store.migrate()
        w = build_world(store, bundled_set)
        lon, lat = w.point_in(w.grids["code"].iloc[0])
        for i in range(2):
            w.service.intake(
                Intake(
                    category="elderly_visit",
                    lon=lon,
                    lat=lat,
                    auto_dispatch=True,
                    idempotency_key=f"k{i}",
                ),
                w.dispatcher,
            )
        with store.case_tx() as tx:
            names = session_statements(tx.cur)
        for statement in ("insert_case", "assignment_candidates", "lock_community", "recent_open"):
            assert prepared(case_sql("postgis", "cases", statement)).name in names, statement
    finally:
        store.close()


@pytest.fixture
def pg_store(postgis_schemas):
    store = PostgisStore(postgis_schemas(), max_connections=1)
    store.migrate()
    yield store
    store.close()


@pytest.mark.postgis
def test_case_transactions_are_one_transaction_each_and_end_cleanly(pg_store):
    def txid(cur) -> int:
        cur.execute("SELECT txid_current()")
        return cur.fetchone()[0]

    with pg_store.case_tx() as tx:  # BEGIN went with the first statement: one transaction
        first = txid(tx.cur)
        assert txid(tx.cur) == first
    with pytest.raises(ZeroDivisionError), pg_store.case_tx() as tx:
        tx.cur.execute(
            "INSERT INTO categories VALUES ('c', 'k', '类', 'K', '名', 'N', 4, 'hours', 0, 1)"
        )
        raise ZeroDivisionError  # anything going wrong mid-way
    with pg_store.case_tx() as tx:
        assert tx.categories() == []  # rolled back
        assert txid(tx.cur) != first
    with pg_store.transaction() as cur:  # the connection went back to the pool as it was
        assert not cur.connection.autocommit
        cur.execute(
            "INSERT INTO categories VALUES ('c', 'k', '类', 'K', '名', 'N', 4, 'hours', 0, 1)"
        )
    with pytest.raises(psycopg2.errors.UniqueViolation), pg_store.case_tx() as tx:
        tx.cur.execute(
            "INSERT INTO categories VALUES ('c', 'k', '类', 'K', '名', 'N', 4, 'hours', 0, 1)"
        )
    with pg_store.case_tx() as tx:  # a statement that failed leaves nothing half-open
        assert [c.code for c in tx.categories()] == ["c"]
