"""PostGIS agrees that the bundled boundary set is clean: valid, no overlaps, no gaps.

The set is loaded into temporary tables (rolled back after the test) and checked with
PostGIS's own predicates, independently of geo.boundaries.checks.
"""

import pytest
from psycopg2 import sql

from geo import bundled
from geo.boundaries.read import read_boundary_set

DDL = """
CREATE TEMP TABLE t_district (code text, geom geometry(Polygon, 4326));
CREATE TEMP TABLE t_communities (code text PRIMARY KEY, geom geometry(Polygon, 4326));
CREATE TEMP TABLE t_grids (
    code text PRIMARY KEY, community_code text, geom geometry(Polygon, 4326));
"""


@pytest.fixture
def loaded(postgis_conn):
    bset = read_boundary_set(bundled.BOUNDARIES_DIR)
    cur = postgis_conn.cursor()
    cur.execute(DDL)
    district = bset.district.explode(index_parts=False)
    cur.executemany(
        "INSERT INTO t_district VALUES (%s, ST_GeomFromWKB(%s, 4326))",
        [(str(c), g.wkb) for c, g in zip(district["code"], district.geometry, strict=True)],
    )
    cur.executemany(
        "INSERT INTO t_communities VALUES (%s, ST_GeomFromWKB(%s, 4326))",
        [
            (c, g.wkb)
            for c, g in zip(bset.communities["code"], bset.communities.geometry, strict=True)
        ],
    )
    cur.executemany(
        "INSERT INTO t_grids VALUES (%s, %s, ST_GeomFromWKB(%s, 4326))",
        [
            (c, cc, g.wkb)
            for c, cc, g in zip(
                bset.grids["code"], bset.grids["community_code"], bset.grids.geometry, strict=True
            )
        ],
    )
    cur.execute("CREATE INDEX ON t_grids USING gist (geom); ANALYZE t_grids;")
    return cur


def scalar(cur, sql):
    cur.execute(sql)
    return cur.fetchone()[0]


def test_counts(loaded):
    assert scalar(loaded, "SELECT count(*) FROM t_communities") == 26
    assert scalar(loaded, "SELECT count(*) FROM t_grids") == 1254


def test_every_feature_is_valid(loaded):
    for table in ("t_district", "t_communities", "t_grids"):
        loaded.execute(
            sql.SQL(
                "SELECT code, ST_IsValidReason(geom) FROM {} WHERE NOT ST_IsValid(geom)"
            ).format(sql.Identifier(table))
        )
        assert loaded.fetchall() == [], table


def test_no_two_grids_or_communities_share_interior(loaded):
    # '2********': the interiors intersect in an area. Shared edges do not count.
    for table in ("t_grids", "t_communities"):
        query = sql.SQL(
            """SELECT count(*) FROM {t} a JOIN {t} b
               ON a.code < b.code AND a.geom && b.geom
               WHERE ST_Relate(a.geom, b.geom, '2********')"""
        ).format(t=sql.Identifier(table))
        n = scalar(loaded, query)
        assert n == 0, table


def test_each_grid_inside_its_community(loaded):
    n = scalar(
        loaded,
        """SELECT count(*) FROM t_grids g JOIN t_communities c ON c.code = g.community_code
           WHERE NOT ST_CoveredBy(g.geom, c.geom)""",
    )
    assert n == 0


def test_grids_cover_their_community_without_gaps(loaded):
    loaded.execute(
        """SELECT c.code,
                  ST_Area(ST_Difference(c.geom, ST_Union(g.geom))::geography) AS gap_m2
           FROM t_communities c JOIN t_grids g ON g.community_code = c.code
           GROUP BY c.code, c.geom"""
    )
    rows = loaded.fetchall()
    assert len(rows) == 26
    assert max(gap for _, gap in rows) < 1.0


def test_communities_cover_the_district(loaded):
    gap = scalar(
        loaded,
        """SELECT ST_Area(ST_SymDifference(d.geom, u.geom)::geography)
           FROM t_district d, (SELECT ST_Union(geom) AS geom FROM t_communities) u""",
    )
    assert gap < 1.0
    area_km2 = scalar(loaded, "SELECT ST_Area(geom::geography) / 1e6 FROM t_district")
    assert area_km2 == pytest.approx(91.7, abs=0.1)
