"""The case workflow: states, actions, and who may take each action.

States and actions follow the digital urban-management procedure (数字城管): a case is
reported, registered (立案) or rejected (不予立案), dispatched (派遣) and perhaps reassigned
(改派) by a dispatcher, handled (处置反馈), verified and closed (核查结案) or sent back for
rework (返工); an assignee may return a case that is not theirs (退回); unsolvable cases are
suspended (挂账) and resumed later.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from geo.errors import PermissionDeniedError, WorkflowError

STATES = ("reported", "registered", "rejected", "dispatched", "handled", "closed", "suspended")
FINAL_STATES = frozenset({"rejected", "closed"})
ROLES = ("admin", "dispatcher", "worker", "planner", "open311")  # open311: 311-style clients

STATE_ZH = {
    "reported": "已上报",
    "registered": "已立案",
    "rejected": "不予立案",
    "dispatched": "已派遣",
    "handled": "已处置",
    "closed": "已结案",
    "suspended": "已挂账",
}


@dataclass(frozen=True)
class Actor:
    """Who acts: a user id, a role, and for workers their community (9-digit code)."""

    id: str
    role: str
    community_code: str | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise PermissionDeniedError(f"unknown role {self.role!r}; roles are {', '.join(ROLES)}")


@dataclass(frozen=True)
class Rule:
    action: str
    zh: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    assignee_only: bool = False  # a worker may take it only on a case assigned to them
    needs_note: bool = False


def _rule(
    action: str,
    zh: str,
    sources: Iterable[str],
    target: str,
    roles: Iterable[str],
    *,
    assignee_only: bool = False,
    needs_note: bool = False,
) -> Rule:
    return Rule(
        action,
        zh,
        frozenset(sources),
        target,
        frozenset(roles),
        assignee_only=assignee_only,
        needs_note=needs_note,
    )


SUPERVISORS = ("admin", "dispatcher")
RULES: dict[str, Rule] = {
    r.action: r
    for r in (
        _rule("register", "立案", ["reported"], "registered", SUPERVISORS),
        _rule("reject", "不予立案", ["reported"], "rejected", SUPERVISORS, needs_note=True),
        _rule("dispatch", "派遣", ["registered"], "dispatched", SUPERVISORS),
        _rule("reassign", "改派", ["dispatched"], "dispatched", SUPERVISORS),
        _rule(
            "return",
            "退回",
            ["dispatched"],
            "registered",
            ("admin", "worker"),
            assignee_only=True,
            needs_note=True,
        ),
        _rule(
            "handle",
            "处置反馈",
            ["dispatched"],
            "handled",
            ("admin", "worker"),
            assignee_only=True,
            needs_note=True,
        ),
        _rule("verify", "核查结案", ["handled"], "closed", SUPERVISORS),
        _rule("rework", "返工", ["handled"], "dispatched", SUPERVISORS, needs_note=True),
        _rule(
            "suspend",
            "挂账",
            ["registered", "dispatched"],
            "suspended",
            SUPERVISORS,
            needs_note=True,
        ),
        _rule("resume", "恢复", ["suspended"], "registered", SUPERVISORS),
    )
}
INTAKE_ROLES = frozenset({"admin", "dispatcher", "worker", "open311"})
PLACE_ROLES = frozenset(SUPERVISORS)  # setting the location of a case that has none


def may_read(actor: Actor, community_code: str | None) -> bool:
    """Workers read their own community's cases; other roles read every case."""
    return actor.role != "worker" or (
        community_code is not None and community_code == actor.community_code
    )


def check(
    action: str,
    *,
    status: str,
    actor: Actor,
    assignee_id: str | None,
    community_code: str | None,
    note: str | None,
) -> Rule:
    """The rule for ``action`` if ``actor`` may take it on a case in ``status``.

    Raises PermissionDeniedError (role, community, assignment) or WorkflowError (state,
    missing note), each saying why; nothing is decided beyond that.
    """
    rule = RULES.get(action)
    if rule is None:
        raise WorkflowError(f"unknown action {action!r}; actions are {', '.join(RULES)}")
    if actor.role not in rule.roles:
        raise PermissionDeniedError(
            f"a {actor.role} may not {action} ({rule.zh}); allowed: {', '.join(sorted(rule.roles))}"
        )
    if not may_read(actor, community_code):
        raise PermissionDeniedError("a worker may act only on cases of their own community")
    if rule.assignee_only and actor.role == "worker" and assignee_id != actor.id:
        raise PermissionDeniedError(f"only the assignee may {action} this case")
    if status not in rule.sources:
        raise WorkflowError(
            f"cannot {action} ({rule.zh}) a case that is {status} ({STATE_ZH.get(status)}); "
            f"it must be {' or '.join(sorted(rule.sources))}"
        )
    if rule.needs_note and not (note or "").strip():
        raise WorkflowError(f"{action} needs a note saying why")
    return rule


def may_reveal(actor: Actor, *, assignee_id: str | None) -> bool:
    """Whether ``actor`` may see a case's reporter unmasked (with an audit event)."""
    return actor.role in ("admin", "dispatcher") or (
        actor.role == "worker" and assignee_id is not None and assignee_id == actor.id
    )
