"""Upgrading to migration 009: a stored catalogue gets the ``public`` flag, false for every
category (the safe default), on both backends; loading a catalogue then sets it."""

from __future__ import annotations

from geo.cases.categories import read_catalogue
from geo.store import sql


def test_upgrade_to_009_makes_stored_categories_not_public(backend):
    store = backend.raw(backend.target())
    try:
        assert store.migrate([m for m in sql.migrations(backend.kind) if m[0] <= 8]) == 8
        with store.transaction() as cur:
            cur.execute(
                "INSERT INTO categories VALUES "
                "('overflowing_bin', 'k', '类', 'K', '名', 'N', 4, 'hours', 30, 1), "
                "('elderly_visit', 'k', '类', 'K', '名', 'N', 1, 'days', 10, 2)"
            )
        assert store.migrate() == max(v for v, _, _ in sql.migrations(backend.kind))
        with store.case_tx() as tx:
            stored = {c.code: c.public for c in tx.categories()}
        assert stored == {"overflowing_bin": False, "elderly_visit": False}
        bundled = read_catalogue()
        with store.case_tx() as tx:
            tx.replace_categories(bundled)
        with store.case_tx() as tx:
            reloaded = tx.categories()
        assert reloaded == bundled
        assert {c.code: c.public for c in reloaded}["overflowing_bin"] is True
        assert {c.code: c.public for c in reloaded}["elderly_visit"] is False
    finally:
        store.close()
