"""Upgrading to migration 010 on both backends: stored generations labelled as the bundled
set become illustrative, others do not; cases gain an empty ``media_url``."""

from __future__ import annotations

from geo.store import sql

SQUARE = "POLYGON((106.7 26.6, 106.71 26.6, 106.71 26.61, 106.7 26.61, 106.7 26.6))"


def test_upgrade_to_010_marks_the_bundled_generations(backend):
    store = backend.raw(backend.target())
    geom = (
        f"ST_Multi(ST_GeomFromText('{SQUARE}', 4326))"
        if backend.kind == "postgis"
        else f"ST_Multi(ST_GeomFromText('{SQUARE}'))"
    )
    try:
        assert store.migrate([m for m in sql.migrations(backend.kind) if m[0] <= 9]) == 9
        with store.transaction() as cur:
            for label in ("云岩区 bundled (illustrative)", "区里的网格 2026"):
                cur.execute(
                    "INSERT INTO generations (label, source, community_count, grid_count) "
                    f"VALUES ('{label}', 'x', 1, 1) RETURNING id"
                )
                gen = int(cur.fetchone()[0])
                cur.execute(
                    "INSERT INTO communities (generation, code, name, geom) "
                    f"VALUES ({gen}, '520103400', '中华社区', {geom})"
                )
                cur.execute(
                    "INSERT INTO grids (generation, code, community_code, geom) "
                    f"VALUES ({gen}, '520103400001001', '520103400', {geom})"
                )
        assert store.migrate() == max(v for v, _, _ in sql.migrations(backend.kind))
        bundled, own = (g.id for g in store.list_generations())
        assert [c.illustrative for c in store.communities(bundled)] == [True]
        assert [g.illustrative for g in store.grids(bundled)] == [True]
        assert [c.illustrative for c in store.communities(own)] == [False]
        assert [g.illustrative for g in store.grids(own)] == [False]
        with store.transaction() as cur:
            cur.execute("SELECT count(media_url) FROM cases")
            assert int(cur.fetchone()[0]) == 0
    finally:
        store.close()
