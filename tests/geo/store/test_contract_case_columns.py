"""The case's columns, on every backend: the definition (geo.cases.model.Case), the ``cases``
table and every way a case is written and read agree, column by column.

Each round trip writes a different value into every column it writes (booleans, having only
two values, one of them at a time over several rounds), so a column mapped to another's place
anywhere on the way shows up as a wrong value.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pyarrow as pa

from geo.cases.columns import python_type
from geo.cases.model import CASE_COLUMNS, Case
from geo.store.bulk import EVENT_COLUMNS
from geo.store.imports import IMPORT_COLUMNS

CHINA_TIME = ZoneInfo("Asia/Shanghai")  # the district's default zone

BASE = datetime(2026, 3, 1, 8, 30, 15, 250_000, tzinfo=CHINA_TIME)
# Columns of ``cases`` that are not a case's fields: the point built from lon, lat, and an
# import's bookkeeping.
NOT_FIELDS = {"geom", "import_id", "import_hash", "import_version"}
COMPATIBLE = {  # Python type -> information_schema data_type (lower case), both backends
    int: {"integer", "bigint"},
    str: {"text", "varchar", "character varying"},
    float: {"double precision", "double"},
    bool: {"boolean"},
    datetime: {"timestamp with time zone"},
}


def table_columns(store) -> dict[str, tuple[str, bool]]:
    """Column name -> (data type, nullable) of ``cases`` in the store's schema."""
    with store.transaction() as cur:
        cur.execute(
            "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
            "WHERE table_name = 'cases' AND table_schema = current_schema()"
        )
        return {name: (kind.lower(), null == "YES") for name, kind, null in cur.fetchall()}


def values(names, *, salt: int, rounds_of_bools: int = 0) -> dict:
    """A value for each column in ``names``, no two alike within a type; booleans: only the
    ``rounds_of_bools``-th one is true."""
    out: dict = {}
    flags = 0
    for i, name in enumerate(names):
        kind = python_type(CASE_COLUMNS.types[name])
        k = salt * 100 + i
        if kind is bool:
            out[name] = flags == rounds_of_bools
            flags += 1
        elif kind is str:
            out[name] = f"{name}#{salt}"
        elif kind is int:
            out[name] = 1000 + k
        elif kind is float:
            out[name] = 100 + k + 0.25
        elif kind is datetime:
            out[name] = BASE + timedelta(hours=k, seconds=i)
        else:  # a new type: teach this test (and COMPATIBLE) about it
            raise AssertionError(f"{name}: no test values for {kind}")
    return out


def bool_rounds(names) -> int:
    return max(1, sum(python_type(CASE_COLUMNS.types[n]) is bool for n in names))


def people(w) -> list[tuple[str, str]]:
    """(id, name) of two workers, for assignee_id and the assignee_name read with it."""
    with w.service.store.case_tx() as tx:
        found = tx.candidates("520103400")[:2]
    return [(c.id, c.name) for c in found]


def assert_written(case: Case, wanted: dict, what: str) -> None:
    got = {k: getattr(case, k) for k in wanted}
    assert got == wanted, what


def test_the_definition_the_dataclass_and_the_table_agree(store):
    assert CASE_COLUMNS.names == tuple(f.name for f in fields(Case))
    table = table_columns(store)
    assert set(table) == set(CASE_COLUMNS.stored) | NOT_FIELDS, "cases and Case differ"
    assert not set(CASE_COLUMNS.derived) & set(table)
    for name in CASE_COLUMNS.stored:
        hint = CASE_COLUMNS.types[name]
        kind, nullable = table[name]
        assert kind in COMPATIBLE[python_type(hint)], (name, hint, kind)
        if nullable:  # a column that may be NULL is optional in the dataclass
            assert python_type(hint) is not hint, (name, hint, "nullable in cases")
    for write in (CASE_COLUMNS.intake, CASE_COLUMNS.update, CASE_COLUMNS.bulk):
        assert set(write) <= set(CASE_COLUMNS.stored)
    assert set(IMPORT_COLUMNS) <= set(CASE_COLUMNS.stored) | {"import_hash"}


def test_the_select_list_names_every_field(make_world):
    w = make_world()
    with w.service.store.case_tx() as tx:
        tx.cur.execute(tx._case_query("where_id"), {"id": -1})
        assert tuple(d[0] for d in tx.cur.description) == CASE_COLUMNS.names
        assert tx.cur.fetchall() == []


def test_every_column_round_trips_through_intake_and_update(make_world):
    w = make_world()
    (first, first_name), (second, second_name) = people(w)
    for r in range(bool_rounds((*CASE_COLUMNS.intake, *CASE_COLUMNS.update))):
        row = values(CASE_COLUMNS.intake, salt=2 * r, rounds_of_bools=r)
        row.update(assignee_id=first, assignee_name=first_name)
        event = {
            "action": "intake",
            "actor_id": "disp1",
            "actor_role": "dispatcher",
            "from_status": None,
            "to_status": row["status"],
            "at": row["reported_at"],
            "note": None,
        }
        with w.service.store.case_tx() as tx:
            case_id = tx.insert_case(row, [event])
            assert case_id is not None
            inserted = tx.inserted(case_id, row)
        with w.service.store.case_tx() as tx:
            stored = tx.case(case_id)
            assert tx.case_by_key(row["idempotency_key"]) == stored
        assert stored == inserted, "intake wrote other than it says it wrote"
        assert_written(stored, {**row, "id": case_id}, "intake")
        assert stored.external_id is None and stored.closed_at is None

        changes = values(CASE_COLUMNS.update, salt=2 * r + 1, rounds_of_bools=r)
        changes.update(assignee_id=second, assignee_name=second_name)
        with w.service.store.case_tx() as tx:
            updated = tx.update_case(stored, changes)
        assert updated is not None
        with w.service.store.case_tx() as tx:
            again = tx.case(case_id, lock=True)
            listed = tx.cases(after=case_id - 1, limit=1)
        assert again == updated == listed[0], "an update wrote other than it says it wrote"
        assert_written(again, changes, "update")
        assert again.version == stored.version + 1
        fixed = set(CASE_COLUMNS.names) - set(changes) - {"version"}
        assert_written(again, {k: getattr(stored, k) for k in fixed}, "left alone")


def test_every_column_round_trips_through_a_bulk_load(make_world):
    w = make_world()
    (worker, worker_name), _ = people(w)
    store = w.service.store
    names = CASE_COLUMNS.bulk
    rounds = bool_rounds(names)
    first = store.next_case_id()
    rows = []
    for r in range(rounds):
        row = values(names, salt=r, rounds_of_bools=r)
        row.update(id=first + r, assignee_id=worker)
        rows.append(row)
    events = pd.DataFrame(
        [
            {
                "case_id": row["id"],
                "seq": 1,
                "action": "intake",
                "actor_id": "import",
                "actor_role": "admin",
                "from_status": None,
                "to_status": row["status"],
                "occurred_at": row["reported_at"],
                "note": None,
            }
            for row in rows
        ],
        columns=list(EVENT_COLUMNS),
    )
    assert store.bulk_load_cases(pd.DataFrame(rows), events) == rounds
    with store.case_tx() as tx:
        for row in rows:
            case = tx.case(row["id"])
            assert case is not None
            assert_written(case, {**row, "assignee_name": worker_name}, "bulk")


def arrow_type(name: str) -> pa.DataType:
    if name == "import_hash":
        return pa.int64()
    kind = python_type(CASE_COLUMNS.types[name])
    return {
        str: pa.string(),
        int: pa.int64(),
        float: pa.float64(),
        bool: pa.bool_(),
        datetime: pa.timestamp("us", tz="UTC"),
    }[kind]


def import_table(rows: list[dict]) -> pa.Table:
    columns = {
        name: pa.array([row[name] for row in rows], arrow_type(name)) for name in IMPORT_COLUMNS
    }
    columns["line"] = pa.array(range(2, 2 + len(rows)), pa.int64())
    return pa.table(columns)


def test_every_column_round_trips_through_an_import(make_world):
    w = make_world()
    (worker, worker_name), (other, other_name) = people(w)
    store = w.service.store
    names = CASE_COLUMNS.imported
    rounds = bool_rounds(names)
    kw = {"actor_id": "admin1", "actor_role": "admin", "at": BASE, "source_name": "t.csv"}

    def rows(salt: int, assignee: str) -> list[dict]:
        out = []
        for r in range(rounds):
            row = values(names, salt=salt + r, rounds_of_bools=r)
            row.update(external_id=f"E{r}", assignee_id=assignee, import_hash=salt + r)
            out.append(row)
        return out

    def stored(external_id: str) -> Case:
        case_id = store.case_id_by_external(external_id)
        assert case_id is not None
        with store.case_tx() as tx:
            case = tx.case(case_id)
        assert case is not None
        return case

    new = rows(0, worker)
    import_id = store.begin_import(file_name="t.csv", file_sha256="0", actor_id="admin1", at=BASE)
    assert store.import_chunk(import_table(new), import_id=import_id, **kw).imported == rounds
    for row in new:
        case = stored(row["external_id"])
        wanted = {k: row[k] for k in names}
        assert_written(case, {**wanted, "assignee_name": worker_name}, "import (new)")
        assert case.version == 1

    changed = rows(50, other)
    result = store.import_chunk(import_table(changed), import_id=import_id, **kw)
    assert result.updated == rounds
    for row in changed:
        case = stored(row["external_id"])
        wanted = {k: row[k] for k in names}
        assert_written(case, {**wanted, "assignee_name": other_name}, "import (changed)")
        assert case.version == 2
