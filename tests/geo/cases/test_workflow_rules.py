import pytest

from api.views import mask_name, mask_phone
from geo.cases.workflow import RULES, STATES, Actor, check, may_reveal
from geo.errors import PermissionDeniedError, WorkflowError


def test_the_transition_table_is_exactly_the_documented_one():
    table = {a: (sorted(r.sources), r.target) for a, r in RULES.items()}
    assert table == {
        "register": (["reported"], "registered"),
        "reject": (["reported"], "rejected"),
        "dispatch": (["registered"], "dispatched"),
        "return": (["dispatched"], "registered"),
        "reassign": (["dispatched"], "dispatched"),
        "handle": (["dispatched"], "handled"),
        "verify": (["handled"], "closed"),
        "rework": (["handled"], "dispatched"),
        "suspend": (["dispatched", "registered"], "suspended"),
        "resume": (["suspended"], "registered"),
    }
    assert all(r.target in STATES for r in RULES.values())


@pytest.mark.parametrize("action", list(RULES))
def test_planners_never_act(action):
    rule = RULES[action]
    with pytest.raises(PermissionDeniedError):
        check(
            action,
            status=sorted(rule.sources)[0],
            actor=Actor("p", "planner"),
            assignee_id=None,
            community_code="520103400",
            note="n",
        )


def test_unknown_role_is_refused():
    with pytest.raises(PermissionDeniedError, match="unknown role"):
        Actor("x", "mayor")


def test_wrong_state_says_what_it_must_be():
    with pytest.raises(WorkflowError, match="must be handled"):
        check(
            "verify",
            status="dispatched",
            actor=Actor("d", "dispatcher"),
            assignee_id=None,
            community_code=None,
            note=None,
        )


@pytest.mark.parametrize(
    ("value", "masked"), [("张三", "张*"), ("欧阳娜娜", "欧***"), ("", ""), (None, None)]
)
def test_mask_name(value, masked):
    assert mask_name(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [("13812345678", "138****5678"), ("0851-5551234", "085*****1234"), ("1234", "****")],
)
def test_mask_phone(value, masked):
    assert mask_phone(value) == masked


def test_who_may_reveal():
    assert may_reveal(Actor("d", "dispatcher"), assignee_id=None)
    assert may_reveal(Actor("w", "worker", "520103400"), assignee_id="w")
    assert not may_reveal(Actor("w", "worker", "520103400"), assignee_id="v")
    assert not may_reveal(Actor("p", "planner"), assignee_id=None)
