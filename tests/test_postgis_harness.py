"""Checks that the PostGIS test harness (tests/conftest.py) delivers a working server."""

from __future__ import annotations

import os

import pytest


def test_postgis_url_is_the_configured_server(postgis_url: str) -> None:
    assert postgis_url == os.environ["GRIDMGR_TEST_DATABASE_URL"].strip()


def test_postgis_extension_is_installed(postgis_conn) -> None:
    with postgis_conn.cursor() as cur:
        cur.execute("SELECT postgis_version()")
        (version,) = cur.fetchone()
    # e.g. "3.3 USE_GEOS=1 USE_PROJ=1 USE_STATS=1"
    major = int(version.split(".", 1)[0])
    assert major >= 3, version
    assert "USE_GEOS=1" in version
    assert "USE_PROJ=1" in version


def test_connection_is_transactional(postgis_conn) -> None:
    assert postgis_conn.autocommit is False
    with postgis_conn.cursor() as cur:
        cur.execute("CREATE TEMP TABLE harness_probe (g geometry(Point, 4326))")
        cur.execute(
            "INSERT INTO harness_probe VALUES (ST_SetSRID(ST_MakePoint(116.4, 39.9), 4326))"
        )
        cur.execute("SELECT count(*) FROM harness_probe")
        assert cur.fetchone() == (1,)


@pytest.mark.parametrize(
    "wkt",
    [
        "POINT(116.397 39.908)",
        "LINESTRING(121.47 31.23,121.5 31.24)",
        "POLYGON((116.39 39.9,116.4 39.9,116.4 39.91,116.39 39.91,116.39 39.9))",
    ],
)
def test_geometry_round_trip(postgis_conn, wkt: str) -> None:
    with postgis_conn.cursor() as cur:
        cur.execute(
            "SELECT ST_AsText(g), ST_SRID(g), ST_IsValid(g) FROM ST_GeomFromText(%s, 4326) AS g",
            (wkt,),
        )
        text, srid, valid = cur.fetchone()
    assert text == wkt
    assert srid == 4326
    assert valid is True


def test_bowtie_polygon_is_invalid(postgis_conn) -> None:
    bowtie = "POLYGON((0 0,1 1,1 0,0 1,0 0))"
    with postgis_conn.cursor() as cur:
        cur.execute(
            "SELECT ST_IsValid(g), ST_IsValidReason(g) FROM ST_GeomFromText(%s) AS g",
            (bowtie,),
        )
        valid, reason = cur.fetchone()
    assert valid is False
    assert "self-intersection" in reason.lower(), reason
    # The crossing point of the two diagonals.
    assert "0.5 0.5" in reason, reason
