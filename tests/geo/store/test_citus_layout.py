"""The schema, as the migrations leave it, against the Citus layout of docs/scaling.md.

The layout (on paper; gridmgr does not run on Citus): boundaries, roster and catalogues are
reference tables (a copy on every node); cases, their audit events and the dispatched-case
index are distributed by community code; tokens, sessions and import logs stay on the
coordinator. Citus then asks that every unique constraint or index and every foreign key
between distributed tables include the distribution column, that the column is never NULL,
that no reference or local table point at a distributed one, and that a distributed table
point only at reference or co-located distributed tables.

The schema is read from a migrated PostGIS database (pg_catalog, information_schema), and
what breaks those rules is compared with the list docs/scaling.md gives of what would have to
change: a migration that adds a table, a unique index or a foreign key changes the finding,
and this test says so.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import psycopg2
import pytest

pytestmark = pytest.mark.postgis

DISTRIBUTION_COLUMN = "community_code"
DISTRIBUTED = {"cases", "case_events", "dispatched"}
REFERENCE = {
    "generations",
    "generation_activations",
    "communities",
    "grids",
    "workers",
    "categories",
    "facilities",
    "gazetteer",
    # the party-building grid: thousands of rows a district, read with every community's
    "party_orgs",
    "party_members",
    "party_posts",
    "party_claims",
    "party_hours",
}
LOCAL = {"tokens", "console_sessions", "case_imports", "schema_version"}
EXTENSION = {"spatial_ref_sys"}  # PostGIS's own, installed on every node with the extension

# What the schema breaks of the layout's rules today: each must change before a Citus move,
# and docs/scaling.md lists each (the same text).
NEEDS_CHANGE = {
    "cases.community_code may be NULL",
    "cases: unique (id) lacks community_code",
    "cases: unique (idempotency_key) lacks community_code",
    "cases: unique (external_id) lacks community_code",
    "case_events: no column community_code",
    "case_events: unique (case_id, seq) lacks community_code",
    "case_events: foreign key (case_id) -> cases (id) lacks community_code",
    "dispatched.community_code may be NULL",
    "dispatched: unique (case_id) lacks community_code",
}

TABLES = """
SELECT table_name FROM information_schema.tables
WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
"""
NULLABLE = """
SELECT table_name, column_name, is_nullable = 'YES' FROM information_schema.columns
WHERE table_schema = current_schema()
"""
# Unique constraints and unique indexes (primary keys included, partial ones too): the key
# columns of each, in order.
UNIQUE = """
SELECT t.relname, i.relname,
       array_agg(a.attname ORDER BY k.ord) FILTER (WHERE k.ord <= ix.indnkeyatts)
FROM pg_index ix
JOIN pg_class i ON i.oid = ix.indexrelid
JOIN pg_class t ON t.oid = ix.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema()
CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
WHERE ix.indisunique
GROUP BY t.relname, i.relname
"""
FOREIGN_KEYS = """
SELECT c.conname, t.relname, r.relname,
       array_agg(a.attname ORDER BY k.ord), array_agg(ra.attname ORDER BY k.ord)
FROM pg_constraint c
JOIN pg_class t ON t.oid = c.conrelid
JOIN pg_class r ON r.oid = c.confrelid
JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema()
CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(attnum, refnum, ord)
JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
JOIN pg_attribute ra ON ra.attrelid = r.oid AND ra.attnum = k.refnum
WHERE c.contype = 'f'
GROUP BY c.conname, t.relname, r.relname
"""


def _kind(table: str) -> str:
    for kind, tables in (
        ("distributed", DISTRIBUTED),
        ("reference", REFERENCE),
        ("local", LOCAL),
        ("extension", EXTENSION),
    ):
        if table in tables:
            return kind
    raise AssertionError(f"table {table} is in no part of the Citus layout (docs/scaling.md)")


def findings(cur: psycopg2.extensions.cursor) -> set[str]:
    """What the schema behind ``cur`` breaks of the layout's rules, one line each."""
    cur.execute(TABLES)
    tables = {row[0] for row in cur.fetchall()}
    unplaced = tables - DISTRIBUTED - REFERENCE - LOCAL - EXTENSION
    assert not unplaced, f"tables in no part of the Citus layout: {sorted(unplaced)}"
    gone = (DISTRIBUTED | REFERENCE | LOCAL) - tables
    assert not gone, f"the layout names tables the schema has not: {sorted(gone)}"

    cur.execute(NULLABLE)
    nullable = {(t, c): n for t, c, n in cur.fetchall()}
    found = set()
    d = DISTRIBUTION_COLUMN
    for table in sorted(DISTRIBUTED):
        if (table, d) not in nullable:
            found.add(f"{table}: no column {d}")
        elif nullable[table, d]:
            found.add(f"{table}.{d} may be NULL")

    cur.execute(UNIQUE)
    for table, _index, columns in cur.fetchall():
        if table in DISTRIBUTED and d not in columns:
            found.add(f"{table}: unique ({', '.join(columns)}) lacks {d}")

    cur.execute(FOREIGN_KEYS)
    for _name, table, target, columns, targets in cur.fetchall():
        kind, target_kind = _kind(table), _kind(target)
        where = f"{table}: foreign key ({', '.join(columns)}) -> {target} ({', '.join(targets)})"
        if target_kind == "distributed" and kind != "distributed":
            found.add(f"{where}: a {kind} table cannot point at a distributed one")
        elif kind == "distributed" and target_kind == "distributed":
            if (d, d) not in zip(columns, targets, strict=True):
                found.add(f"{where} lacks {d}")
        elif kind == "distributed" and target_kind == "local":
            found.add(f"{where}: a distributed table cannot point at a local one")
    return found


def test_the_schema_against_the_citus_layout(initialised_postgis: Callable[[], str]) -> None:
    conn = psycopg2.connect(initialised_postgis())
    try:
        with conn.cursor() as cur:
            found = findings(cur)
            # the rules bite: the reference tables' own keys are read and pass
            cur.execute(FOREIGN_KEYS)
            keys = {(t, r) for _, t, r, _, _ in cur.fetchall()}
            assert ("grids", "communities") in keys and ("case_events", "cases") in keys
    finally:
        conn.close()
    assert found == NEEDS_CHANGE, (
        f"new findings: {sorted(found - NEEDS_CHANGE)}; "
        f"no longer found: {sorted(NEEDS_CHANGE - found)}"
    )


def test_the_scaling_document_lists_every_change() -> None:
    doc = (Path(__file__).resolve().parents[3] / "docs" / "scaling.md").read_text("utf-8")
    missing = [line for line in sorted(NEEDS_CHANGE) if f"`{line}`" not in doc]
    assert not missing, f"docs/scaling.md does not list: {missing}"
