"""The party-building grid on every backend: organisations placed like facilities, members
reporting to a community, posts claimed up to their slots, hours logged on held posts."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

import pytest

from geo.errors import InputError, NotFoundError, WorkflowError
from geo.locate.locator import Locator
from geo.party.model import HoursEntry
from geo.party.placing import check_member, check_parents, check_post, place_organisation

GRID = "520103400001001"
OTHER_GRID = "520103401001001"
NOW = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


def grid_map(store):
    gen = store.active_generation()
    return {g.code: g.community_code for g in store.grids(gen)}


def test_organisations_are_placed_with_parents(make_world):
    w = make_world()
    store = w.service.store
    locator = Locator(store)
    lon, lat = w.point_in(GRID)
    committee = place_organisation(
        {"code": "P1", "name": "中华社区党委", "kind": "党委", "lon": lon, "lat": lat}, locator
    )
    branch = place_organisation(
        {"code": "P2", "name": "某企业党支部", "kind": "branch", "parent_code": "P1"}, locator
    )
    social = place_organisation(
        {"code": "S1", "name": "社区志愿者协会", "kind": "社会组织", "lon": 106.9, "lat": 26.9},
        locator,
    )
    assert (committee.kind, committee.grid_code, committee.community_code) == (
        "party_committee",
        GRID,
        "520103400",
    )
    assert branch.lon is None and branch.grid_code is None and branch.generation is None
    assert social.generation is not None and social.grid_code is None  # outside every grid
    assert check_parents([committee, branch, social], store.org_codes()) == []
    ids = store.add_organisations([committee, branch, social])
    assert len(ids) == 3
    assert store.org_codes() == {"P1", "P2", "S1"}
    assert [o.code for o in store.organisations(community="520103400")] == ["P1"]
    assert [o.code for o in store.organisations(kind="branch")] == ["P2"]
    (got,) = store.organisations(org_id=ids[1])
    assert got.parent_code == "P1" and got.lat is None and not got.illustrative
    assert store.organisations(grid=GRID)[0].lon == pytest.approx(lon)


def test_batch_problems_name_row_and_field(make_world):
    w = make_world()
    store = w.service.store
    locator = Locator(store)

    def org(code, parent=None):
        return place_organisation(
            {"code": code, "name": code, "kind": "branch", "parent_code": parent}, locator
        )

    store.add_organisations([org("OLD")])
    batch = [org("A", "B"), org("B", "A"), org("OLD"), org("C", "NOPE"), org("D", "OLD")]
    problems = [(i, e.field) for i, e in check_parents(batch, store.org_codes())]
    assert problems == [(0, "parent_code"), (1, "parent_code"), (2, "code"), (3, "parent_code")]
    with pytest.raises(InputError) as err:  # refused by the database: nothing lands
        store.add_organisations([org("NEW"), org("OLD")])
    assert err.value.field == "code"
    assert store.org_codes() == {"OLD"}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"code": "X", "name": "x", "kind": "党组"}, "kind"),
        ({"code": "", "name": "x", "kind": "branch"}, "code"),
        ({"code": "X", "name": "x", "kind": "branch", "parent_code": "X"}, "parent_code"),
        ({"code": "X", "name": "x", "kind": "branch", "lon": 106.7}, "lat"),
        ({"code": "X", "name": "x", "kind": "branch", "lon": "east", "lat": 26.6}, "lon"),
        ({"code": "X", "name": "x", "kind": "branch", "lon": 106.7, "lat": 126.6}, "lat"),
    ],
)
def test_bad_organisations_name_the_field(make_world, data, field):
    w = make_world()
    with pytest.raises(InputError) as err:
        place_organisation(data, Locator(w.service.store))
    assert err.value.field == field


def test_report_in_claim_and_hours(make_world):
    w = make_world()
    store = w.service.store
    grids = grid_map(store)
    post = check_post(
        {
            "community_code": "520103400",
            "grid_code": GRID,
            "title": "政策宣传进楼栋",
            "kind": "政策宣传",
            "slots": 2,
        },
        grids,
        now=NOW,
    )
    post_id = store.add_post(post)
    today = date(2026, 11, 2)
    a = store.add_member(
        check_member(
            {
                "name": "张三",
                "phone": "13812345678",
                "org_code": "GOV-1",
                "community_code": "520103400",
                "skills": "法律、医疗",
            },
            today=today,
        )
    )
    b = store.add_member(check_member({"name": "李四", "community_code": "520103400"}, today=today))
    c = store.add_member(check_member({"name": "王五", "community_code": "520103400"}, today=today))
    elsewhere = store.add_member(
        check_member({"name": "赵六", "community_code": "520103401"}, today=today)
    )
    (got,) = store.members(member_id=a)
    assert got.skills == ("法律", "医疗") and got.reported_on == today
    assert got.phone == "13812345678"
    assert [m.id for m in store.members(community="520103401")] == [elsewhere]

    with pytest.raises(WorkflowError):  # reports to another community
        store.claim_post(post_id, elsewhere, at=NOW)
    store.claim_post(post_id, a, at=NOW)
    with pytest.raises(WorkflowError):  # holds it already
        store.claim_post(post_id, a, at=NOW)
    store.claim_post(post_id, b, at=NOW)
    with pytest.raises(WorkflowError):  # both slots taken
        store.claim_post(post_id, c, at=NOW)
    with pytest.raises(NotFoundError):
        store.claim_post(post_id + 100, c, at=NOW)
    with pytest.raises(NotFoundError):
        store.claim_post(post_id, c + 100, at=NOW)
    (p,) = store.posts(post_id=post_id)
    assert (p.claimed, p.filled, p.kind, p.slots) == (2, True, "policy_outreach", 2)
    assert [m for m, _ in store.post_claims(post_id)] == [a, b]

    store.log_hours(HoursEntry(None, post_id, a, today, 2.5, "入户宣传"))
    store.log_hours(HoursEntry(None, post_id, b, today, 1.0, ""))
    with pytest.raises(WorkflowError):  # does not hold the post
        store.log_hours(HoursEntry(None, post_id, c, today, 1.0, ""))
    with pytest.raises(InputError):
        store.log_hours(HoursEntry(None, post_id, a, today, 25.0, ""))
    assert [h.hours for h in store.hours(post_id=post_id)] == [2.5, 1.0]
    assert [h.activity for h in store.hours(member_id=a)] == ["入户宣传"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"grid_code": OTHER_GRID}, "grid_code"),
        ({"grid_code": "520103400999999"}, "grid_code"),
        ({"kind": "跳舞"}, "kind"),
        ({"slots": 0}, "slots"),
        ({"slots": "two"}, "slots"),
        ({"title": " "}, "title"),
    ],
)
def test_bad_posts_name_the_field(make_world, data, field):
    w = make_world()
    good = {
        "community_code": "520103400",
        "grid_code": GRID,
        "title": "帮困",
        "kind": "assistance",
        "slots": 1,
    }
    with pytest.raises(InputError) as err:
        check_post({**good, **data}, grid_map(w.service.store), now=NOW)
    assert err.value.field == field


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": ""}, "name"),
        ({"phone": "call me"}, "phone"),
        ({"community_code": "5201034"}, "community_code"),
        ({"reported_on": "yesterday"}, "reported_on"),
    ],
)
def test_bad_members_name_the_field(data, field):
    good = {"name": "张三", "community_code": "520103400"}
    with pytest.raises(InputError) as err:
        check_member({**good, **data}, today=date(2026, 1, 1))
    assert err.value.field == field


def test_concurrent_claims_never_exceed_the_slots(make_world):
    w = make_world()
    store = w.service.store
    post_id = store.add_post(
        check_post(
            {"community_code": "520103400", "grid_code": GRID, "title": "帮困",
             "kind": "帮困", "slots": 3},
            grid_map(store),
            now=NOW,
        )
    )  # fmt: skip
    members = [
        store.add_member(
            check_member({"name": f"m{i}", "community_code": "520103400"}, today=NOW.date())
        )
        for i in range(12)
    ]

    def attempt(member_id):
        try:
            store.claim_post(post_id, member_id, at=NOW)
            return "ok"
        except WorkflowError:
            return "full"

    with ThreadPoolExecutor(max_workers=12) as pool:
        outcomes = list(pool.map(attempt, members))
    assert outcomes.count("ok") == 3 and outcomes.count("full") == 9
    assert store.posts(post_id=post_id)[0].claimed == 3
