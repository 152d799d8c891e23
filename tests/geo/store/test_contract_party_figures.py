"""Party-building figures per community and grid on every backend, against counts made by
hand for a small world (two communities of the bundled set)."""

from datetime import UTC, date, datetime

import pytest

from geo.errors import InputError
from geo.locate.locator import Locator
from geo.party.model import HoursEntry, Member, Post
from geo.party.placing import place_organisation

C400, C401 = "520103400", "520103401"
G1, G2, G3 = "520103400001001", "520103400001002", "520103401001001"
NOW = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
DAY = date(2026, 11, 2)
LATER = date(2026, 12, 1)


def populate(w):
    store = w.service.store
    locator = Locator(store)
    orgs = []
    for code, grid in (("A", G1), ("B", G1), ("C", G3)):
        lon, lat = w.point_in(grid)
        orgs.append(
            place_organisation(
                {"code": code, "name": code, "kind": "branch", "lon": lon, "lat": lat}, locator
            )
        )
    orgs.append(place_organisation({"code": "D", "name": "D", "kind": "social_org"}, locator))
    store.add_organisations(orgs)

    def member(name, community):
        return store.add_member(Member(None, name, None, None, community, (), DAY))

    a, b, c = member("a", C400), member("b", C400), member("c", C400)
    d = member("d", C401)
    p1 = store.add_post(Post(None, C400, G1, "p1", "volunteer", 2, NOW))
    p2 = store.add_post(Post(None, C400, G2, "p2", "assistance", 3, NOW))
    p3 = store.add_post(Post(None, C401, G3, "p3", "civility", 1, NOW))
    for post, who in ((p1, a), (p1, b), (p2, c), (p3, d)):
        store.claim_post(post, who, at=NOW)
    for post, who, hours in ((p1, a, 2.5), (p1, b, 1.0), (p2, c, 4.0), (p3, d, 1.5)):
        store.log_hours(HoursEntry(None, post, who, DAY, hours, ""))
    store.log_hours(HoursEntry(None, p1, a, LATER, 0.5, ""))


def test_figures_per_community(make_world):
    w = make_world()
    populate(w)
    store = w.service.store
    got = store.party_figures(level="community", generation=store.active_generation())
    assert [f.code for f in got] == [C400, C401]
    one, two = got
    # 中华 (population 74,078 in the bundled set): orgs A, B; members a, b, c; p1 filled
    # (2 of 2), p2 not (1 of 3); hours 2.5 + 1.0 + 4.0 on DAY and 0.5 on LATER.
    assert (one.organisations, one.members, one.posts, one.posts_filled, one.hours) == (
        2, 3, 2, 1, 8.0,
    )  # fmt: skip
    assert one.population == 74078
    assert one.members_per_1000 == pytest.approx(0.040, abs=5e-4)  # 3 * 1000 / 74078
    assert (two.organisations, two.members, two.posts, two.posts_filled, two.hours) == (
        1, 1, 1, 1, 1.5,
    )  # fmt: skip
    assert two.members_per_1000 == pytest.approx(0.022, abs=5e-4)  # 1000 / 45677
    only = store.party_figures(
        level="community", generation=store.active_generation(), community=C401
    )
    assert [f.code for f in only] == [C401]
    gen = store.active_generation()
    november = store.party_figures(
        level="community", generation=gen, since=date(2026, 11, 1), until=LATER
    )
    assert [f.hours for f in november] == [7.5, 1.5]  # LATER is the first day left out
    december = store.party_figures(level="community", generation=gen, since=LATER)
    assert [f.hours for f in december] == [0.5, 0.0]
    assert [f.members for f in december] == [3, 1]  # not limited by the period


def test_figures_per_grid(make_world):
    w = make_world()
    populate(w)
    store = w.service.store
    got = {
        f.code: f
        for f in store.party_figures(
            level="grid", generation=store.active_generation(), community=C400
        )
    }
    assert G3 not in got and len(got) > 2
    g1, g2 = got[G1], got[G2]
    assert (g1.organisations, g1.members, g1.posts, g1.posts_filled, g1.hours) == (
        2, 2, 1, 1, 4.0,
    )  # fmt: skip
    assert g1.members_per_1000 == pytest.approx(2 * 1000 / 652, abs=5e-4)  # G1 holds 652
    assert (g2.organisations, g2.members, g2.posts, g2.posts_filled, g2.hours) == (
        0, 1, 1, 0, 4.0,
    )  # fmt: skip
    quiet = got["520103400001003"]
    assert (quiet.organisations, quiet.members, quiet.posts, quiet.hours) == (0, 0, 0, 0.0)


def test_unknown_level_is_refused(store):
    with pytest.raises(InputError):
        store.party_figures(level="street", generation=1)
