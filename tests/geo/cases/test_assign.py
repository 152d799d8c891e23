from geo.cases.assign import Candidate, choose_assignee

GRID = "520103400001001"


def cand(
    id_, grid=None, open_=0, cap=20, duty=True, skills=("city_appearance",), community="520103400"
):
    return Candidate(id_, id_, community, grid, duty, cap, tuple(skills), open_)


def pick(cands, grid=GRID, community="520103400", cls="city_appearance"):
    return choose_assignee(
        grid_code=grid, community_code=community, class_code=cls, candidates=cands
    )


def test_the_grids_own_worker_first():
    a = pick([cand("B", open_=0), cand("A", grid=GRID, open_=5)])
    assert (a.worker_id, a.reason_code) == ("A", "grid_worker")
    assert "A" in a.reason


def test_off_duty_or_full_grid_worker_falls_back_to_least_loaded_fit():
    for own in (cand("A", grid=GRID, duty=False), cand("A", grid=GRID, open_=20)):
        a = pick(
            [own, cand("C", open_=3), cand("B", open_=1), cand("D", open_=0, skills=("dispute",))]
        )
        assert (a.worker_id, a.reason_code) == ("B", "community_least_loaded")
        assert ("不在岗" if not own.on_duty else "满额") in a.reason


def test_ties_go_to_the_smaller_id_and_other_communities_are_ignored():
    a = pick([cand("Z", open_=1), cand("M", open_=1), cand("A", open_=0, community="520103401")])
    assert a.worker_id == "M"


def test_nobody_available_means_the_queue():
    a = pick([cand("A", grid=GRID, open_=20), cand("B", open_=2, cap=2)])
    assert (a.worker_id, a.reason_code) == (None, "community_queue")
    out = pick([cand("A")], grid=None, community=None)
    assert out.reason_code == "district_queue"
