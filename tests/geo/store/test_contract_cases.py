"""The case workflow on every backend: states, roles, versions, audit, assignment."""

import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from api.views import case_view
from geo import coords
from geo.cases.assign import choose_assignee
from geo.cases.service import Intake
from geo.cases.workflow import Actor
from geo.errors import (
    IdempotencyConflictError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
    StaleVersionError,
    WorkflowError,
)
from geo.store.records import Worker

CHINA_TIME = ZoneInfo("Asia/Shanghai")  # the district's default zone

GRID = "520103400001001"  # first grid of 中华社区


def file_case(world, grid=GRID, category="exposed_refuse", **kw):
    lon, lat = world.point_in(grid)
    return world.service.intake(Intake(category=category, lon=lon, lat=lat, **kw), world.dispatcher)


def events(world, case):
    return [
        (e.action, e.from_status, e.to_status) for e in world.service.events(case.id, world.admin)
    ]


def test_intake_locates_and_keeps_the_arrival_crs(make_world):
    w = make_world()
    lon, lat = w.point_in(GRID)
    glon, glat = coords.from_wgs84(lon, lat, "gcj02")
    case = w.service.intake(
        Intake(
            category="exposed_refuse",
            lon=glon,
            lat=glat,
            crs="gcj02",
            description="垃圾堆放",
            source="app",
        ),
        w.dispatcher,
    )
    assert (case.status, case.grid_code, case.community_code, case.version) == (
        "reported",
        GRID,
        "520103400",
        1,
    )
    assert (case.input_crs, case.input_lon) == ("gcj02", glon)
    assert case.lon == pytest.approx(lon, abs=1e-8)
    assert not case.unassigned and not case.needs_location
    assert events(w, case) == [("intake", None, "reported")]


def test_full_workflow_with_five_audit_events(make_world):
    w = make_world()
    case = file_case(w)
    case = w.service.act(case.id, "register", w.dispatcher, version=case.version)
    assert case.status == "registered" and case.due_at is not None
    case = w.service.act(case.id, "dispatch", w.dispatcher, version=case.version)
    assert (case.status, case.assignee_id, case.assign_reason_code) == (
        "dispatched",
        f"W{GRID}",
        "grid_worker",
    )
    worker = w.worker(GRID)
    case = w.service.act(case.id, "handle", worker, version=case.version, note="已清理")
    case = w.service.act(case.id, "verify", w.dispatcher, version=case.version)
    assert case.status == "closed" and case.closed_on_time is True
    assert case.version == 5
    assert events(w, case) == [
        ("intake", None, "reported"),
        ("register", "reported", "registered"),
        ("dispatch", "registered", "dispatched"),
        ("handle", "dispatched", "handled"),
        ("verify", "handled", "closed"),
    ]


@pytest.mark.parametrize(
    ("action", "role", "error"),
    [
        ("register", "planner", PermissionDeniedError),
        ("register", "worker", PermissionDeniedError),
        ("verify", "dispatcher", WorkflowError),  # a reported case cannot be verified
        ("handle", "dispatcher", PermissionDeniedError),
        ("explode", "admin", WorkflowError),
    ],
)
def test_refused_actions_change_nothing(make_world, action, role, error):
    w = make_world()
    case = file_case(w)
    actor = {
        "planner": w.planner,
        "worker": w.worker(GRID),
        "dispatcher": w.dispatcher,
        "admin": w.admin,
    }[role]
    with pytest.raises(error):
        w.service.act(case.id, action, actor, version=case.version, note="x")
    again = w.service.get(case.id, w.admin)
    assert (again.status, again.version) == (case.status, case.version)
    assert len(events(w, case)) == 1


def test_workers_act_only_on_their_own_cases_and_community(make_world):
    w = make_world()
    case = file_case(w)
    case = w.service.act(case.id, "register", w.dispatcher, version=case.version)
    case = w.service.act(case.id, "dispatch", w.dispatcher, version=case.version)
    neighbour = w.worker("520103400001002")
    with pytest.raises(PermissionDeniedError, match="assignee"):
        w.service.act(case.id, "handle", neighbour, version=case.version, note="x")
    stranger = w.worker(w.grids.loc[w.grids["community_code"] == "520103401", "code"].iloc[0])
    with pytest.raises(NotFoundError):  # another community's case does not exist for them
        w.service.get(case.id, stranger)
    with pytest.raises(NotFoundError):
        w.service.act(case.id, "handle", stranger, version=case.version, note="x")
    assert all(c.community_code == "520103401" for c in w.service.find(stranger))
    with pytest.raises(WorkflowError, match="note"):
        w.service.act(case.id, "return", w.worker(GRID), version=case.version)
    case = w.service.act(
        case.id, "return", w.worker(GRID), version=case.version, note="不属于本网格"
    )
    assert case.status == "registered" and case.assignee_id is None
    case = w.service.act(
        case.id, "dispatch", w.dispatcher, version=case.version, assignee_id=neighbour.id
    )
    assert (case.assignee_id, case.assign_reason_code) == (neighbour.id, "named")
    # A dispatcher moves it back to the grid's worker: named, audited, still dispatched.
    with pytest.raises(InputError, match="reassign"):
        w.service.act(case.id, "reassign", w.dispatcher, version=case.version)
    with pytest.raises(InputError, match="current assignee"):
        w.service.act(
            case.id, "reassign", w.dispatcher, version=case.version, assignee_id=neighbour.id
        )
    with pytest.raises(PermissionDeniedError):
        w.service.act(
            case.id, "reassign", neighbour, version=case.version, assignee_id=w.worker(GRID).id
        )
    case = w.service.act(
        case.id, "reassign", w.dispatcher, version=case.version, assignee_id=w.worker(GRID).id
    )
    assert (case.status, case.assignee_id) == ("dispatched", w.worker(GRID).id)
    last = w.service.events(case.id, w.dispatcher)[-1]
    assert (last.action, last.from_status, last.to_status) == (
        "reassign",
        "dispatched",
        "dispatched",
    )


def test_stale_version_is_refused(make_world):
    w = make_world()
    case = file_case(w)
    w.service.act(case.id, "register", w.dispatcher, version=case.version)
    with pytest.raises(StaleVersionError, match="reload"):
        w.service.act(case.id, "reject", w.dispatcher, version=case.version, note="重复")
    assert w.service.get(case.id, w.admin).status == "registered"


def test_twenty_concurrent_actions_one_winner(make_world):
    w = make_world()
    case = file_case(w)

    def attempt(i):
        try:
            w.service.act(case.id, "register", Actor(f"d{i}", "dispatcher"), version=case.version)
            return "ok"
        except StaleVersionError:
            return "stale"

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(attempt, range(20)))
    assert outcomes.count("ok") == 1 and outcomes.count("stale") == 19
    assert [a for a, _, _ in events(w, case)] == ["intake", "register"]
    assert w.service.get(case.id, w.admin).version == 2


def test_two_hundred_concurrent_intakes_respect_every_cap(make_world):
    w = make_world(cap=2)
    lon, lat = w.point_in(GRID)

    def intake(i):
        return w.service.intake(
            Intake(
                category="exposed_refuse",
                lon=lon,
                lat=lat,
                auto_dispatch=True,
                description=f"#{i}",
                idempotency_key=f"k{i}",
            ),
            w.dispatcher,
        ).id

    with ThreadPoolExecutor(max_workers=20) as pool:
        ids = list(pool.map(intake, range(200)))
    assert len(set(ids)) == 200
    cases = w.service.find(w.admin, community="520103400", limit=1000)
    assert len(cases) == 200
    load: dict[str, int] = {}
    for c in cases:
        if c.status == "dispatched":
            load[c.assignee_id] = load.get(c.assignee_id, 0) + 1
    assert max(load.values()) <= 2
    fitting = [
        x
        for x in w.service.store.workers(community_code="520103400")
        if "city_appearance" in x.skills
    ]
    assert sum(load.values()) == min(200, 2 * len(fitting))  # everyone full, rest queued
    queued = [c for c in cases if c.status == "registered"]
    assert len(queued) == 200 - sum(load.values())
    assert all(c.assign_reason_code == "community_queue" for c in queued)
    assert load[f"W{GRID}"] == 2  # the grid's own worker first


@pytest.mark.parametrize("cap", [5, 0])
def test_auto_dispatch_is_written_as_returned_with_its_trail(make_world, cap):
    w = make_world(cap=cap)
    case = file_case(w, auto_dispatch=True, idempotency_key="once")
    assert case == w.service.get(case.id, w.admin)  # the row as written, whole
    assert case.version == 2 and case.due_at is not None
    last = (
        ("dispatch", "registered", "dispatched") if cap else ("queue", "registered", "registered")
    )
    assert events(w, case) == [
        ("intake", None, "reported"),
        ("register", "reported", "registered"),
        last,
    ]
    if cap:
        assert (case.status, case.assignee_id) == ("dispatched", f"W{GRID}")
    else:
        assert (case.status, case.assignee_id) == ("registered", None)
    again = file_case(w, auto_dispatch=True, idempotency_key="once")  # a retry: same case
    assert again == case and len(events(w, case)) == 3


def test_assignment_candidates_lead_to_the_same_choice_as_all_workers(make_world):
    """Intake asks the store only for the workers the policy can name; over random duty,
    caps and loads, choose_assignee picks the same from those as from the whole roster."""
    rnd = random.Random(5)

    def vary(roster):
        return [
            replace(x, on_duty=rnd.random() > 0.3, open_case_cap=rnd.choice([0, 1, 2, 3]))
            for x in roster
        ]

    w = make_world(edit_roster=vary)
    grids = list(w.grids["code"])
    for i in range(60):  # loads: auto-dispatched cases here and there
        file_case(w, grid=rnd.choice(grids), auto_dispatch=True, description=f"#{i}")
    classes = sorted({c.class_code for c in w.service.categories().values()})
    picks = set()
    with w.service.store.case_tx() as tx:
        for grid in grids:
            community = grid[:9]
            everyone = tx.candidates(community)
            for cls in classes:
                few = tx.assignment_candidates(community, grid, cls)
                assert len(few) <= len(everyone)
                kw = {"grid_code": grid, "community_code": community, "class_code": cls}
                chosen = choose_assignee(candidates=few, **kw)
                assert chosen == choose_assignee(candidates=everyone, **kw), (grid, cls)
                picks.add(chosen.reason_code)
    assert picks == {"grid_worker", "community_least_loaded", "community_queue"}


def test_assignment_candidates_break_ties_by_code_point_like_the_policy(store):
    """Equal loads: the narrowed rows keep the worker with the smallest id in code-point order
    (upper case before lower, accented after), as choose_assignee orders them; a worker
    without the skill, off duty or full is passed over on both sides."""
    store.add_workers(
        [
            Worker(i, i, "community_staff", "999999999", skills=("k",))
            for i in ("b", "É", "B", "a", "Ba")
        ]
        + [
            Worker("A", "A", "community_staff", "999999999", skills=("x", "kk")),
            Worker("0", "0", "community_staff", "999999999", skills=("k",), on_duty=False),
            Worker("1", "1", "community_staff", "999999999", skills=("k",), open_case_cap=0),
        ]
    )
    kw = {"grid_code": None, "community_code": "999999999", "class_code": "k"}
    with store.case_tx() as tx:
        few = tx.assignment_candidates("999999999", None, "k")
        everyone = tx.candidates("999999999")
    assert [c.id for c in few] == ["B"]
    assert choose_assignee(candidates=few, **kw) == choose_assignee(candidates=everyone, **kw)
    assert choose_assignee(candidates=everyone, **kw).worker_id == "B"


def open_counts(w, community="520103400") -> tuple[dict[str, int], dict[str, int]]:
    """Open cases per worker as the store counts them for assignment, and as counted here
    from the dispatched cases themselves."""
    with w.service.store.case_tx() as tx:
        stored = {c.id: c.open_cases for c in tx.candidates(community) if c.open_cases}
    mine = Counter(
        c.assignee_id
        for c in w.service.find(w.admin, community=community, status="dispatched", limit=10_000)
    )
    return stored, dict(mine)


def test_open_case_counts_follow_every_workflow_step(make_world):
    w = make_world(cap=3)
    cases = [file_case(w, auto_dispatch=True, description=f"#{i}") for i in range(8)]
    assert sum(open_counts(w)[0].values()) == sum(c.status == "dispatched" for c in cases) > 3
    steps = [  # (case index, action, actor, note, named worker)
        (0, "handle", w.worker(GRID), "已处置", None),
        (0, "rework", w.dispatcher, "未清理干净", None),
        (1, "return", w.worker(GRID), "非本人网格", None),
        (2, "suspend", w.dispatcher, "挂账", None),
        (2, "resume", w.dispatcher, None, None),
        (2, "dispatch", w.dispatcher, None, None),
        (3, "handle", cases[3].assignee_id, "已处置", None),
        (3, "verify", w.dispatcher, None, None),
    ]
    for i, action, actor, note, named in steps:
        if isinstance(actor, str):
            actor = Actor(actor, "worker", "520103400")
        case = w.service.get(cases[i].id, w.admin)
        w.service.act(case.id, action, actor, version=case.version, note=note, assignee_id=named)
        stored, counted = open_counts(w)
        assert stored == counted, (i, action)
    case = w.service.get(cases[4].id, w.admin)
    others = [
        c
        for c in w.service.store.workers(community_code="520103400")
        if c.id != case.assignee_id and "city_appearance" in c.skills
    ]
    w.service.act(case.id, "reassign", w.dispatcher, version=case.version, assignee_id=others[0].id)
    stored, counted = open_counts(w)
    assert stored == counted and stored[others[0].id] == 1


def test_deadline_across_national_day_and_make_up_saturday(make_world):
    w = make_world(start=datetime(2026, 9, 30, 16, 0, tzinfo=CHINA_TIME))
    case = file_case(w)
    case = w.service.act(case.id, "register", w.dispatcher, version=case.version)
    cal = w.service.calendar
    assert case.due_at == cal.add(w.clock.value, "4h")
    # 4 working hours from Wed 30 Sep 16:00: 1.5 h that day; 1-7 Oct are the National Day
    # holiday (2026); the rest on the next working day, Thu 8 Oct, from 08:30: 11:00.
    assert case.due_at.astimezone(CHINA_TIME) == datetime(2026, 10, 8, 11, 0, tzinfo=CHINA_TIME)
    w.clock.value = datetime(2026, 10, 9, 16, 0, tzinfo=CHINA_TIME)
    second = file_case(w, description="make-up Saturday")
    second = w.service.act(second.id, "register", w.dispatcher, version=second.version)
    # Fri 16:00-17:30 is 1.5 h; Saturday 10 Oct is a make-up working day: 08:30 + 2.5 h.
    assert second.due_at.astimezone(CHINA_TIME) == datetime(2026, 10, 10, 11, 0, tzinfo=CHINA_TIME)


def test_overdue_and_closing_late(make_world):
    w = make_world()
    case = file_case(w)
    case = w.service.act(case.id, "register", w.dispatcher, version=case.version)
    assert not case_view(case, now=w.clock.value, tz=CHINA_TIME)["overdue"]
    w.clock.value = case.due_at + timedelta(minutes=1)
    assert case_view(case, now=w.clock.value, tz=CHINA_TIME)["overdue"]
    case = w.service.act(case.id, "dispatch", w.dispatcher, version=case.version)
    case = w.service.act(case.id, "handle", w.worker(GRID), version=case.version, note="ok")
    case = w.service.act(case.id, "verify", w.dispatcher, version=case.version)
    assert case.closed_on_time is False
    # Registered Mon 09:00 with 4 working hours: due 15:00 (lunch 12:00-14:00); closed 15:01.
    assert case.handling_hours == pytest.approx(4 + 1 / 60)
    assert not case_view(case, now=w.clock.value, tz=CHINA_TIME)["overdue"]


def test_suspension_stops_the_clock(make_world):
    w = make_world()  # Monday 2 Nov 2026, 09:00
    case = file_case(w, category="illegal_dumping")  # 1 working day
    case = w.service.act(case.id, "register", w.dispatcher, version=case.version)
    due = case.due_at
    w.clock.value = datetime(2026, 11, 2, 10, 0, tzinfo=CHINA_TIME)
    case = w.service.act(case.id, "suspend", w.dispatcher, version=case.version, note="待协调")
    w.clock.value = datetime(2026, 11, 2, 15, 0, tzinfo=CHINA_TIME)  # 2 + 1 working hours
    assert not case_view(case, now=datetime(2026, 11, 9, tzinfo=CHINA_TIME), tz=CHINA_TIME)[
        "overdue"
    ]
    case = w.service.act(case.id, "resume", w.dispatcher, version=case.version)
    assert case.status == "registered"
    assert case.due_at == w.service.calendar.add_working_hours(due, 3.0)


def test_reporter_is_masked_and_revealing_is_audited(make_world):
    w = make_world()
    case = file_case(w, reporter_name="张三丰", reporter_phone="13812345678")
    for actor in (w.admin, w.dispatcher, w.planner, w.worker(GRID)):
        view = case_view(w.service.get(case.id, actor), now=w.clock.value, tz=CHINA_TIME)
        assert view["reporter"] == {"name": "张**", "phone": "138****5678"}
    assert w.service.reveal_reporter(case.id, w.dispatcher) == ("张三丰", "13812345678")
    for actor in (w.planner, w.worker(GRID)):  # not assigned yet
        with pytest.raises(PermissionDeniedError):
            w.service.reveal_reporter(case.id, actor)
    case = w.service.act(case.id, "register", w.dispatcher, version=case.version)
    case = w.service.act(case.id, "dispatch", w.dispatcher, version=case.version)
    assert w.service.reveal_reporter(case.id, w.worker(GRID))[1] == "13812345678"
    reveals = [e for e in w.service.events(case.id, w.admin) if e.action == "reveal_reporter"]
    assert [e.actor_id for e in reveals] == ["disp1", f"W{GRID}"]


def test_idempotent_intake(make_world):
    w = make_world()
    first = file_case(w, idempotency_key="abc", description="一")
    again = file_case(w, idempotency_key="abc", description="一")
    assert again.id == first.id
    with pytest.raises(IdempotencyConflictError):
        file_case(w, idempotency_key="abc", description="二")
    assert len(w.service.find(w.admin)) == 1


def test_possible_duplicates_are_linked_not_merged(make_world):
    w = make_world()
    first = file_case(w)
    lon, lat = w.point_in(GRID)
    near = w.service.intake(
        Intake(category="exposed_refuse", lon=lon + 0.0001, lat=lat), w.dispatcher
    )  # about 10 m away, radius 50 m
    assert near.possible_duplicate_of == first.id
    other = w.service.intake(Intake(category="street_vending", lon=lon, lat=lat), w.dispatcher)
    assert other.possible_duplicate_of is None
    far = w.service.intake(
        Intake(category="exposed_refuse", lon=lon + 0.001, lat=lat), w.dispatcher
    )  # about 100 m
    assert far.possible_duplicate_of is None
    w.clock.value += timedelta(hours=73)
    later = w.service.intake(Intake(category="exposed_refuse", lon=lon, lat=lat), w.dispatcher)
    assert later.possible_duplicate_of is None


def test_outside_every_grid_is_kept_unassigned(make_world):
    w = make_world()
    case = w.service.intake(
        Intake(category="exposed_refuse", lon=106.9, lat=26.9, auto_dispatch=True), w.dispatcher
    )
    assert case.unassigned and case.grid_code is None and case.lon == 106.9
    assert (case.status, case.assign_reason_code) == ("registered", "district_queue")


def test_address_only_waits_for_a_place(make_world):
    w = make_world()
    case = w.service.intake(Intake(category="elderly_visit", address="松山路59号"), w.dispatcher)
    assert case.needs_location and case.status == "reported"
    with pytest.raises(WorkflowError, match="place"):
        w.service.act(case.id, "register", w.dispatcher, version=case.version)
    lon, lat = w.point_in(GRID)
    case = w.service.place(case.id, w.dispatcher, version=case.version, lon=lon, lat=lat)
    assert not case.needs_location and case.grid_code == GRID
    case = w.service.act(case.id, "register", w.dispatcher, version=case.version)
    assert case.status == "registered"


@pytest.mark.parametrize(
    "bad",
    [
        Intake(category="nope", lon=106.7, lat=26.6),
        Intake(category="exposed_refuse"),
        Intake(category="exposed_refuse", lon=106.7),
        Intake(category="exposed_refuse", lon=106.7, lat=95.0),
        Intake(category="exposed_refuse", lon=106.7, lat=26.6, description="x" * 4001),
        Intake(category="exposed_refuse", lon=106.7, lat=26.6, source="pigeon"),
    ],
)
def test_bad_intake_is_refused_with_the_field(make_world, bad):
    w = make_world()
    with pytest.raises(InputError) as err:
        w.service.intake(bad, w.dispatcher)
    assert err.value.field in {"category", "location", "description", "source"}
    assert w.service.find(w.admin) == []


def test_reject_rework_and_suspend_paths(make_world):
    w = make_world()
    bad = file_case(w)
    bad = w.service.act(bad.id, "reject", w.dispatcher, version=bad.version, note="非本区事项")
    assert bad.status == "rejected"
    with pytest.raises(WorkflowError):
        w.service.act(bad.id, "register", w.dispatcher, version=bad.version)
    case = file_case(w, category="street_vending")
    for action, actor, note in (
        ("register", w.dispatcher, None),
        ("dispatch", w.dispatcher, None),
        ("handle", w.worker(GRID), "已劝离"),
        ("rework", w.dispatcher, "仍有摊位"),
    ):
        case = w.service.act(case.id, action, actor, version=case.version, note=note)
    assert (case.status, case.assignee_id) == ("dispatched", f"W{GRID}")
    case = w.service.act(case.id, "suspend", w.dispatcher, version=case.version, note="挂账")
    assert (case.status, case.assignee_id) == ("suspended", None)


def test_case_view_shape(make_world):
    w = make_world()
    case = file_case(
        w,
        reporter_name="李四",
        reporter_phone="13900001111",
        auto_dispatch=True,
        description="路边垃圾",
        address="中华北路1号",
    )
    view = case_view(case, now=w.clock.value, tz=CHINA_TIME)
    assert set(view) == {
        "id",
        "status",
        "category",
        "description",
        "source",
        "grid_code",
        "community_code",
        "location",
        "address",
        "media_url",
        "assignee",
        "reported_at",
        "due_at",
        "overdue",
        "closed_at",
        "closed_on_time",
        "version",
        "flags",
        "reporter",
        "external_id",
    }
    assert view["external_id"] is None  # filed here, not imported
    assert view["status"] == "dispatched" and view["assignee"]["id"] == f"W{GRID}"
    assert view["assignee"]["reason"] and view["assignee"]["name"]
    assert view["reported_at"].endswith("+08:00") and view["due_at"].endswith("+08:00")
    assert view["location"]["crs"] == "wgs84"
    assert view["flags"] == {
        "unassigned": False,
        "needs_location": False,
        "possible_duplicate_of": None,
        "closing_time_unknown": False,
    }
    assert view["reporter"] == {"name": "李*", "phone": "139****1111"}


def test_newest_first_pages_by_reported_time_then_id(make_world):
    w = make_world()
    start = w.clock.value
    # reported times out of id order, with a tie: ids 1..5 at +2h, +0h, +1h, +1h, +3h
    offsets = [2, 0, 1, 1, 3]
    filed = []
    for hours in offsets:
        w.clock.value = start + timedelta(hours=hours)
        filed.append(file_case(w, description=f"+{hours}h"))
    other = w.worker(GRID)
    w.clock.value = start + timedelta(hours=4)
    elsewhere = file_case(w, grid="520103401001001")
    expected = sorted([*filed, elsewhere], key=lambda c: (c.reported_at, c.id), reverse=True)

    newest = w.service.find(w.admin, newest=True, limit=100)
    assert [c.id for c in newest] == [c.id for c in expected]
    tied = [c.id for c in newest if c.reported_at == start + timedelta(hours=1)]
    assert tied == sorted(tied, reverse=True)  # a tie goes by id, descending

    pages, before = [], None
    while True:
        page = w.service.find(w.admin, newest=True, before=before, limit=2)
        if not page:
            break
        pages.append([c.id for c in page])
        before = page[-1].id
    assert [i for p in pages for i in p] == [c.id for c in expected]
    assert all(len(p) == 2 for p in pages)

    # filters still apply, and a worker reads only the own community, newest first
    assert [c.id for c in w.service.find(other, newest=True)] == [
        c.id for c in expected if c.id != elsewhere.id
    ]
    window = w.service.find(
        w.admin, newest=True, since=start + timedelta(hours=1), until=start + timedelta(hours=3)
    )
    assert [c.reported_at - start for c in window] == [
        timedelta(hours=2),
        timedelta(hours=1),
        timedelta(hours=1),
    ]
    # a cursor that names no case gives nothing; id order is unchanged
    assert w.service.find(w.admin, newest=True, before=10**12) == []
    assert [c.id for c in w.service.find(w.admin)] == sorted(c.id for c in expected)
    assert [c.id for c in w.service.find(w.admin, after=filed[2].id)] == sorted(
        c.id for c in expected if c.id > filed[2].id
    )


PHOTO = "https://photos.example.org/2026/11/垃圾.jpg?size=large"


def test_media_url_is_kept_with_the_case(make_world):
    w = make_world()
    case = file_case(w, media_url=PHOTO)
    assert case.media_url == PHOTO
    assert w.service.get(case.id, w.admin).media_url == PHOTO
    assert [c.media_url for c in w.service.find(w.admin)] == [PHOTO]
    assert file_case(w).media_url is None
    # a workflow step keeps it
    w.service.act(case.id, "register", w.dispatcher, version=case.version)
    assert w.service.get(case.id, w.admin).media_url == PHOTO


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("ftp://example.org/a.jpg", "http or https"),
        ("photo.jpg", "http or https"),
        ("javascript:alert(1)", "http or https"),
        ("https://", "http or https"),
        ("https://example.org/a b.jpg", "space"),
        ("https://example.org/" + "a" * 2000, "at most 2000"),
    ],
)
def test_bad_media_url_is_refused_and_nothing_stored(make_world, url, says):
    w = make_world()
    with pytest.raises(InputError, match=says) as caught:
        file_case(w, media_url=url)
    assert caught.value.field == "media_url"
    assert w.service.find(w.admin) == []


def test_fingerprint_without_media_url_is_unchanged():
    """Fingerprints stored before media_url existed still match a retry without one."""
    import hashlib
    import json

    req = Intake(category="exposed_refuse", lon=106.7, lat=26.6, idempotency_key="k")
    before = {  # the fields an intake had before media_url, hashed as they were
        "category": "exposed_refuse",
        "description": "",
        "source": "hotline",
        "lon": 106.7,
        "lat": 26.6,
        "crs": "wgs84",
        "address": None,
        "reporter_name": None,
        "reporter_phone": None,
        "auto_dispatch": False,
    }
    old = hashlib.sha256(json.dumps(before, sort_keys=True, ensure_ascii=False).encode())
    assert req.fingerprint() == old.hexdigest()
    assert replace(req, media_url=PHOTO).fingerprint() != req.fingerprint()
