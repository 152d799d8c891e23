"""How a case reads on the console's pages: its deadline in working time, the actions the
signed-in user may take (asked of the workflow's own rule check), its masked reporter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from api.views import mask_name, mask_phone
from geo.cases.categories import Category
from geo.cases.model import Case
from geo.cases.workflow import FINAL_STATES, RULES, Actor, Rule, check, may_reveal
from geo.errors import PermissionDeniedError, WorkflowError
from geo.worktime.calendar import TimeLimit, WorkCalendar


@dataclass(frozen=True)
class Deadline:
    """The due time and, for an open case, the working hours left (or overdue by)."""

    due_at: datetime | None
    limit: str
    overdue: bool
    hours: float | None  # working hours left, or overdue by when ``overdue``
    text: str


def limit_text(limit: TimeLimit) -> str:
    if limit.unit == "days":
        return f"{limit.value:g} 个工作日 / {limit.value:g} working days"
    return f"{limit.value:g} 工作小时 / {limit.value:g} working hours"


def deadline(
    case: Case, category: Category | None, calendar: WorkCalendar, now: datetime
) -> Deadline:
    """The case's deadline as a person reads it, in the calendar's working time."""
    limit = limit_text(category.time_limit) if category else "—"
    due = case.due_at
    if due is None:
        return Deadline(
            None, limit, False, None, "立案后开始计时 / the clock starts when registered"
        )
    if case.status in FINAL_STATES:
        text = "已结束 / finished"
        if case.closed_on_time is not None:
            text = "按期结案 / closed on time" if case.closed_on_time else "超期结案 / closed late"
        elif case.closing_time_unknown:
            text = "结案时间未知 / closed, closing time unknown"
        return Deadline(due, limit, False, None, text)
    if case.status == "suspended":
        return Deadline(
            due,
            limit,
            case.overdue(now),
            None,
            "挂账中，计时暂停 / suspended: the clock is stopped",
        )
    if case.overdue(now):
        hours = calendar.working_hours_between(due, now)
        return Deadline(
            due,
            limit,
            True,
            hours,
            f"已超期 {hours:.1f} 工作小时 / overdue by {hours:.1f} working hours",
        )
    hours = calendar.working_hours_between(now, due)
    return Deadline(
        due, limit, False, hours, f"剩余 {hours:.1f} 工作小时 / {hours:.1f} working hours left"
    )


def allowed_actions(case: Case, actor: Actor) -> list[Rule]:
    """The workflow actions ``actor`` may take on ``case`` now, by geo.cases.workflow.check
    (a note is assumed: actions that need one get a note field)."""
    out = []
    for name, rule in RULES.items():
        try:
            check(
                name,
                status=case.status,
                actor=actor,
                assignee_id=case.assignee_id,
                community_code=case.community_code,
                note="-",
            )
        except (PermissionDeniedError, WorkflowError):
            continue
        out.append(rule)
    return out


@dataclass(frozen=True)
class CaseRow:
    """A case with what its row or page shows beside the stored fields."""

    case: Case
    category: Category | None
    deadline: Deadline
    actions: list[Rule]
    reporter_name: str | None
    reporter_phone: str | None
    may_reveal: bool

    @property
    def category_label(self) -> str:
        c = self.category
        return f"{c.name_zh} {c.name_en}" if c else self.case.category


def case_row(
    case: Case, actor: Actor, categories: dict[str, Category], calendar: WorkCalendar, now: datetime
) -> CaseRow:
    category = categories.get(case.category)
    return CaseRow(
        case,
        category,
        deadline(case, category, calendar, now),
        allowed_actions(case, actor),
        mask_name(case.reporter_name),
        mask_phone(case.reporter_phone),
        may_reveal(actor, assignee_id=case.assignee_id),
    )


def queue_order(rows: list[CaseRow]) -> list[CaseRow]:
    """Overdue first (most overdue on top), then by due time (none last), then by id."""

    def key(r: CaseRow) -> tuple[bool, float, float, int]:
        due = r.case.due_at.timestamp() if r.case.due_at else float("inf")
        return (
            not r.deadline.overdue,
            -(r.deadline.hours or 0) if r.deadline.overdue else 0,
            due,
            r.case.id,
        )

    return sorted(rows, key=key)
