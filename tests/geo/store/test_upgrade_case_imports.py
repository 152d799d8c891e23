"""Upgrading a PostGIS database that holds cases: to migration 006 every case keeps its
point (geom becomes a column computed from lon/lat); to 008 the cases already dispatched are
counted for assignment."""

from __future__ import annotations

import pytest

from geo.store import sql
from geo.store.postgis import PostgisStore

pytestmark = pytest.mark.postgis


def test_upgrade_to_006_keeps_cases_and_points(postgis_schemas):
    store = PostgisStore(postgis_schemas())
    try:
        assert store.migrate([m for m in sql.migrations("postgis") if m[0] <= 5]) == 5
        with store.transaction() as cur:
            cur.execute(
                "INSERT INTO categories VALUES ('c', 'k', '类', 'K', '名', 'N', 4, 'hours', 0, 1)"
            )
            cur.execute(
                "INSERT INTO cases (status, category, reported_at, lon, lat, idempotency_key, "
                "geom) VALUES "
                "('closed', 'c', now(), 106.7, 26.6, 'k1', "
                " ST_SetSRID(ST_MakePoint(106.7, 26.6), 4326)), "
                "('reported', 'c', now(), NULL, NULL, NULL, NULL)"
            )
        assert store.migrate() == max(v for v, _, _ in sql.migrations("postgis"))
        with store.transaction() as cur:
            cur.execute(
                "SELECT status, ST_X(geom), ST_Y(geom), idempotency_key, external_id "
                "FROM cases ORDER BY id"
            )
            rows = [tuple(r) for r in cur.fetchall()]
            assert rows == [
                ("closed", 106.7, 26.6, "k1", None),
                ("reported", None, None, None, None),
            ]
            cur.execute("UPDATE cases SET lon = 106.8 WHERE status = 'closed' RETURNING ST_X(geom)")
            assert cur.fetchone()[0] == 106.8  # the point follows lon/lat
    finally:
        store.close()


def test_upgrade_to_008_counts_the_cases_already_dispatched(postgis_schemas):
    store = PostgisStore(postgis_schemas())
    try:
        assert store.migrate([m for m in sql.migrations("postgis") if m[0] <= 7]) == 7
        with store.transaction() as cur:
            cur.execute(
                "INSERT INTO categories VALUES ('c', 'k', '类', 'K', '名', 'N', 4, 'hours', 0, 1)"
            )
            cur.execute(
                "INSERT INTO workers (id, name, role, community_code) VALUES "
                "('w1', '甲', 'grid_worker', 'x'), ('w2', '乙', 'grid_worker', 'x')"
            )
            cur.execute(
                "INSERT INTO cases (status, category, reported_at, community_code, assignee_id) "
                "VALUES ('dispatched', 'c', now(), 'x', 'w1'), "
                "('dispatched', 'c', now(), 'x', 'w1'), ('handled', 'c', now(), 'x', 'w2'), "
                "('dispatched', 'c', now(), 'x', 'w2'), ('closed', 'c', now(), 'x', 'w2')"
            )
        store.migrate()
        with store.case_tx() as tx:
            assert {c.id: c.open_cases for c in tx.candidates("x")} == {"w1": 2, "w2": 1}
        with store.transaction() as cur:  # and from now on, every change is followed
            cur.execute("UPDATE cases SET status = 'handled' WHERE assignee_id = 'w1'")
            cur.execute("UPDATE cases SET assignee_id = 'w1' WHERE status = 'dispatched'")
        with store.case_tx() as tx:
            assert {c.id: c.open_cases for c in tx.candidates("x")} == {"w1": 1, "w2": 0}
        with store.transaction() as cur:
            cur.execute("TRUNCATE cases CASCADE")
        with store.case_tx() as tx:
            assert {c.id: c.open_cases for c in tx.candidates("x")} == {"w1": 0, "w2": 0}
    finally:
        store.close()
