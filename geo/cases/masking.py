"""Personal data of reporters: masked by default, revealed only to roles that need it.

Names keep their first character (``张*``, ``欧***``); phone numbers keep the first three and
last four digits (``138****5678``). Revealing is an action with an audit event, allowed to
admins, dispatchers and the worker the case is assigned to.
"""

from __future__ import annotations

from geo.cases.workflow import Actor


def mask_name(name: str | None) -> str | None:
    if not name:
        return name
    return name[0] + "*" * (len(name) - 1)


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return phone
    digits = phone.strip()
    if len(digits) <= 4:
        return "*" * len(digits)
    if len(digits) < 8:
        return "*" * (len(digits) - 4) + digits[-4:]
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def may_reveal(actor: Actor, *, assignee_id: str | None) -> bool:
    """Whether ``actor`` may see a case's reporter unmasked (with an audit event)."""
    return actor.role in ("admin", "dispatcher") or (
        actor.role == "worker" and assignee_id is not None and assignee_id == actor.id
    )
