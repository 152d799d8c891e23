"""Checking party-building records and placing organisations in the grids that cover them.

Coordinates arrive in a stated CRS and are stored as WGS84 (lon, lat degrees). Every check
raises :class:`~geo.errors.InputError` naming the field.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime

from geo.codes import validate_community_code
from geo.errors import CodeError, CoordinateError, InputError
from geo.locate.locator import Locator
from geo.party.model import ORG_KINDS, POST_KINDS, Member, Organisation, Post

MAX_TEXT = 200


def _text(data: Mapping[str, object], field: str, *, required: bool = True) -> str | None:
    value = data.get(field)
    text = "" if value is None else str(value).strip()
    if isinstance(value, float) and value != value:  # a blank cell read as NaN
        text = ""
    if not text:
        if required:
            raise InputError(f"{field} is empty", field=field)
        return None
    if len(text) > MAX_TEXT:
        raise InputError(f"{field} is longer than {MAX_TEXT} characters", field=field)
    return text


def _coordinate(value: object, field: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise InputError(f"{field} {value!r} is not a number", field=field)
    try:
        f = float(value)  # type: ignore[arg-type]  # str, int or float; anything else fails
    except (TypeError, ValueError):
        raise InputError(f"{field} {value!r} is not a number", field=field) from None
    if f != f:  # a blank cell read as NaN
        return None
    if not math.isfinite(f):
        raise InputError(f"{field} {value!r} is not finite", field=field)
    return f


def _kind(data: Mapping[str, object], kinds: Mapping[str, tuple[str, str]]) -> str:
    """A kind given by its code or its Chinese name, as the code."""
    raw = _text(data, "kind") or ""
    if raw in kinds:
        return raw
    for code, (zh, _en) in kinds.items():
        if raw == zh:
            return code
    names = ", ".join(f"{code} ({zh})" for code, (zh, _en) in kinds.items())
    raise InputError(f"kind {raw!r} is not one of {names}", field="kind")


def place_organisation(
    data: Mapping[str, object],
    locator: Locator,
    *,
    crs: str = "wgs84",
    illustrative: bool = False,
) -> Organisation:
    """Check one organisation record and place its point, if any, in the active generation.

    ``data`` has ``code``, ``name``, ``kind`` (code or Chinese name), optional
    ``parent_code`` and ``lon``, ``lat`` (in ``crs``; both or neither).
    """
    code = _text(data, "code") or ""
    name = _text(data, "name") or ""
    kind = _kind(data, ORG_KINDS)
    parent = _text(data, "parent_code", required=False)
    if parent == code:
        raise InputError(f"organisation {code!r} cannot be its own parent", field="parent_code")
    lon, lat = _coordinate(data.get("lon"), "lon"), _coordinate(data.get("lat"), "lat")
    if (lon is None) != (lat is None):
        raise InputError("give both lon and lat, or neither", field="lat" if lat is None else "lon")
    if lon is None or lat is None:
        return Organisation(
            None, code, name, kind, parent, None, None, None, None, None, illustrative
        )
    generation = locator.generation()
    try:
        found, wlon, wlat = locator.locate_one(lon, lat, crs=crs, generation=generation)
    except CoordinateError as exc:
        raise InputError(f"location: {exc}", field="lon" if exc.axis == "lon" else "lat") from exc
    return Organisation(
        None,
        code,
        name,
        kind,
        parent,
        wlon,
        wlat,
        generation,
        found.community_code,
        found.grid_code,
        illustrative,
    )


def check_parents(orgs: list[Organisation], known: set[str]) -> list[tuple[int, InputError]]:
    """Problems with a batch of organisations, as (position, error): a code used twice in
    the batch or already ``known``, a parent that is neither in the batch nor ``known``, a
    cycle of parents within the batch."""
    problems: list[tuple[int, InputError]] = []
    seen: dict[str, int] = {}
    for i, org in enumerate(orgs):
        if org.code in known:
            problems.append((i, InputError(f"code {org.code!r} is already stored", field="code")))
        elif org.code in seen:
            problems.append(
                (i, InputError(f"code {org.code!r} is used twice in this batch", field="code"))
            )
        seen.setdefault(org.code, i)
    parent_of = {o.code: o.parent_code for o in orgs}
    for i, org in enumerate(orgs):
        if org.parent_code is None:
            continue
        if org.parent_code not in parent_of and org.parent_code not in known:
            problems.append(
                (i, InputError(f"parent {org.parent_code!r} is unknown", field="parent_code"))
            )
            continue
        walk: str | None = org.parent_code
        steps = 0
        while walk is not None and walk in parent_of and steps <= len(orgs):
            if walk == org.code:
                problems.append(
                    (i, InputError(f"{org.code!r} is its own ancestor", field="parent_code"))
                )
                break
            walk, steps = parent_of[walk], steps + 1
    return sorted(problems, key=lambda p: p[0])


def check_member(data: Mapping[str, object], *, today: date) -> Member:
    """Check a member: ``name``, optional ``phone`` (digits, +, -, spaces), optional
    ``org_code``, ``community_code`` (9 digits), ``skills`` (a list, or text separated by
    commas, 、 or ;), optional ``reported_on`` (ISO date; default ``today``)."""
    name = _text(data, "name") or ""
    phone = _text(data, "phone", required=False)
    if phone is not None and not all(c.isdigit() or c in "+- " for c in phone):
        raise InputError("phone may hold only digits, +, - and spaces", field="phone")
    try:
        community = validate_community_code(_text(data, "community_code") or "")
    except CodeError as exc:
        raise InputError(f"community_code: {exc}", field="community_code") from exc
    raw = data.get("skills")
    if isinstance(raw, list | tuple):
        words = [str(s) for s in raw]
    else:
        text = "" if raw is None else str(raw)
        for sep in ("、", "；", ";", "，"):
            text = text.replace(sep, ",")
        words = text.split(",")
    skills = tuple(dict.fromkeys(w.strip() for w in words if w.strip()))
    if any("," in s or len(s) > 50 for s in skills):
        raise InputError("a skill is a word of at most 50 characters", field="skills")
    reported = data.get("reported_on")
    if reported in (None, ""):
        day = today
    elif isinstance(reported, date):
        day = reported
    else:
        try:
            day = date.fromisoformat(str(reported))
        except ValueError:
            raise InputError(
                f"reported_on {reported!r} is not a date", field="reported_on"
            ) from None
    return Member(
        None, name, phone, _text(data, "org_code", required=False), community, skills, day
    )


def check_post(data: Mapping[str, object], grids: Mapping[str, str], *, now: datetime) -> Post:
    """Check a post: ``community_code``, ``grid_code`` (one of that community's grids;
    ``grids`` maps grid code to community code in the active generation), ``title``,
    ``kind`` (code or Chinese name), ``slots`` (a whole number ≥ 1)."""
    community = _text(data, "community_code") or ""
    grid = _text(data, "grid_code") or ""
    if grid not in grids:
        raise InputError(f"grid {grid!r} is not in the active boundaries", field="grid_code")
    if grids[grid] != community:
        raise InputError(
            f"grid {grid} lies in community {grids[grid]}, not {community}", field="grid_code"
        )
    title = _text(data, "title") or ""
    kind = _kind(data, POST_KINDS)
    slots = data.get("slots", 1)
    if isinstance(slots, bool) or not isinstance(slots, int | str):
        raise InputError(f"slots {slots!r} is not a whole number", field="slots")
    try:
        n = int(slots)
    except ValueError:
        raise InputError(f"slots {slots!r} is not a whole number", field="slots") from None
    if not 1 <= n <= 10_000:
        raise InputError(f"slots {n} must be between 1 and 10000", field="slots")
    return Post(None, community, grid, title, kind, n, now)
