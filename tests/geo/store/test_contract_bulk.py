"""Loading many cases at once (imports, the demo), on every backend."""

from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

from geo.cases.categories import read_catalogue
from geo.cases.service import Intake
from geo.synth.cases import synth_cases

CHINA_TIME = ZoneInfo("Asia/Shanghai")  # the district's default zone


def test_bulk_load_then_the_workflow_goes_on(make_world):
    w = make_world()
    store = w.service.store
    first = store.next_case_id()
    cases, events = synth_cases(
        w.grids,
        read_catalogue(),
        count=300,
        end=datetime(2026, 11, 1, tzinfo=CHINA_TIME),
        calendar=w.service.calendar,
        first_id=first,
        seed=3,
    )
    assert store.bulk_load_cases(cases, events) == 300
    listed = w.service.find(w.admin, limit=1000)
    assert len(listed) == 300 and [c.id for c in listed] == list(range(first, first + 300))
    closed = [c for c in listed if c.status == "closed"]
    assert closed and all(c.closed_at and c.handling_hours is not None for c in closed)
    assert all(c.lon is not None and c.grid_code for c in listed)
    for community in ("520103400", "520103401"):  # open cases per worker, as assignment sees
        with store.case_tx() as tx:
            stored = {c.id: c.open_cases for c in tx.candidates(community) if c.open_cases}
        assert stored == dict(
            Counter(
                c.assignee_id
                for c in listed
                if c.status == "dispatched" and c.community_code == community
            )
        )
    assert any(c.status == "dispatched" for c in listed)
    one = closed[0]
    trail = [e.action for e in w.service.events(one.id, w.admin)]
    assert trail[0] == "intake" and trail[-1] == "verify" and one.version == len(trail)
    # New cases after a bulk load get fresh ids.
    lon, lat = w.point_in(w.grids["code"].iloc[0])
    new = w.service.intake(Intake(category="exposed_refuse", lon=lon, lat=lat), w.dispatcher)
    assert new.id == first + 300
    assert store.next_case_id() == first + 301
