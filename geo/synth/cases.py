"""A year of illustrative cases for the demo: seasonal and weekly rhythm, denser where more
people live, a realistic category mix, most closed on time, some overdue, some returned.

Deterministic by seed. Returns data frames in the bulk layouts of ``geo.store.bulk`` (WGS84
points; times timezone-aware, in the calendar's zone). Deadlines and handling times use the working
calendar, so the figures are what the live system would have recorded.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo.cases.categories import Category
from geo.worktime.calendar import WorkCalendar

if TYPE_CHECKING:
    import geopandas as gpd

# One audit event: (action, from status, to status, when, actor role).
_Event: TypeAlias = tuple[str, str | None, str, datetime, str]

# Major classes' share of cases (community-governance classes beside urban management).
CLASS_WEIGHT = {
    "city_appearance": 30,
    "street_order": 16,
    "facilities": 12,
    "dispute": 10,
    "residents_services": 10,
    "construction": 6,
    "advertising": 5,
    "public_security": 4,
    "emergency": 3,
    "assistance": 3,
    "other": 1,
}
MONTH_WEIGHT = (0.8, 0.7, 0.9, 1.0, 1.1, 1.3, 1.4, 1.3, 1.1, 1.0, 0.9, 0.8)  # rainy summer
WEEKDAY_WEIGHT = (1.1, 1.1, 1.0, 1.0, 1.0, 0.7, 0.6)
SOURCES = (("patrol", 0.45), ("hotline", 0.35), ("app", 0.15), ("video", 0.05))


def _points(
    grids: gpd.GeoDataFrame, idx: npt.NDArray[np.int64], rng: np.random.Generator
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Uniform random points inside each chosen grid (rejection in its bounding box)."""
    geoms = grids.geometry.to_numpy()
    shapely.prepare(geoms)
    n = len(idx)
    lon, lat, todo = np.empty(n), np.empty(n), np.arange(n)
    while len(todo):
        box = shapely.bounds(geoms[idx[todo]])
        x, y = rng.uniform(box[:, 0], box[:, 2]), rng.uniform(box[:, 1], box[:, 3])
        ok = shapely.contains_xy(geoms[idx[todo]], x, y)
        lon[todo[ok]], lat[todo[ok]], todo = x[ok], y[ok], todo[~ok]
    return lon, lat


def _report_times(n: int, end: datetime, rng: np.random.Generator, tz: tzinfo) -> list[datetime]:
    """``n`` instants in the year before ``end``'s day in zone ``tz``, weighted by month,
    weekday and hour of the wall clock there."""
    days = pd.date_range(end=end.astimezone(tz).date() - timedelta(days=1), periods=365, freq="D")
    w = np.array([MONTH_WEIGHT[d.month - 1] * WEEKDAY_WEIGHT[d.weekday()] for d in days])
    day = rng.choice(len(days), n, p=w / w.sum())
    hour_w = np.array(
        [0.2] * 7 + [1, 2, 2.5, 2.5, 2, 1.5, 1.5, 2, 2, 2, 1.8, 1.2, 0.8, 0.6, 0.4, 0.3, 0.2]
    )
    hour = rng.choice(24, n, p=hour_w / hour_w.sum())
    minute = rng.integers(0, 60, n)
    return [
        datetime(d.year, d.month, d.day, int(h), int(m), tzinfo=tz)
        for d, h, m in zip(days[day], hour, minute, strict=True)
    ]


def synth_cases(
    grids: gpd.GeoDataFrame,
    categories: list[Category],
    *,
    count: int,
    end: datetime,
    calendar: WorkCalendar,
    first_id: int = 1,
    seed: int = 520103,
    generation: int = 1,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``count`` cases reported in the year before ``end`` and their audit events.

    ``grids``: GeoDataFrame (EPSG:4326) with ``code``, ``community_code``, ``population``.
    """
    rng = np.random.default_rng(seed)
    pop = grids["population"].fillna(1).to_numpy(float)
    g = rng.choice(len(grids), count, p=pop / pop.sum())
    lon, lat = _points(grids, g, rng)
    cw = np.array([CLASS_WEIGHT.get(c.class_code, 1) for c in categories], float)
    per_class = pd.Series([c.class_code for c in categories]).value_counts()
    cw = cw / np.array([per_class[c.class_code] for c in categories])
    cat = rng.choice(len(categories), count, p=cw / cw.sum())
    reported = sorted(_report_times(count, end, rng, calendar.tz))
    codes = grids["code"].astype(str).to_numpy()[g]
    rows: list[dict[str, object]] = []
    events: list[dict[str, object]] = []
    for i in range(count):
        c = categories[cat[i]]
        rep = reported[i]
        age_days = (end - rep).total_seconds() / 86400
        reg = rep + timedelta(minutes=float(rng.uniform(5, 90)))
        due = calendar.add(reg, c.time_limit)
        limit_h = calendar.working_hours_between(reg, due)
        worker = f"W{codes[i]}"
        trail: list[_Event] = [("intake", None, "reported", rep, "dispatcher")]
        registered_at: datetime | None = reg
        due_at: datetime | None = due
        row: dict[str, object] = {
            "id": first_id + i,
            "category": c.code,
            "reported_at": rep,
            "grid_code": codes[i],
            "community_code": codes[i][:9],
        }
        fate = rng.random()
        if fate < 0.02:
            status = "rejected"
            trail.append(("reject", "reported", "rejected", reg, "dispatcher"))
            registered_at = due_at = None
        else:
            trail.append(("register", "reported", "registered", reg, "dispatcher"))
            t = reg + timedelta(minutes=float(rng.uniform(1, 30)))
            trail.append(("dispatch", "registered", "dispatched", t, "dispatcher"))
            if rng.random() < 0.04:  # returned, then dispatched again
                trail.append(
                    ("return", "dispatched", "registered", t + timedelta(minutes=20), "worker")
                )
                t = t + timedelta(minutes=40)
                trail.append(("dispatch", "registered", "dispatched", t, "dispatcher"))
            on_time = rng.random() < 0.9
            spent = limit_h * (rng.uniform(0.15, 0.95) if on_time else rng.uniform(1.05, 3))
            done = calendar.add_working_hours(reg, spent)
            recent = done > end or age_days < 2 and rng.random() < 0.5
            status = "dispatched" if recent else "closed"
            if status == "closed":
                if rng.random() < 0.03:  # reworked once
                    mid = reg + (done - reg) * 0.6
                    trail.append(("handle", "dispatched", "handled", mid, "worker"))
                    trail.append(
                        (
                            "rework",
                            "handled",
                            "dispatched",
                            mid + timedelta(minutes=30),
                            "dispatcher",
                        )
                    )
                trail.append(
                    ("handle", "dispatched", "handled", done - timedelta(minutes=30), "worker")
                )
                trail.append(("verify", "handled", "closed", done, "dispatcher"))
                row.update(
                    closed_at=done,
                    closed_on_time=done <= due,
                    handling_hours=round(calendar.working_hours_between(reg, done), 2),
                )
            row.update(
                assignee_id=worker,
                assign_reason_code="grid_worker",
                assign_reason="本网格网格员 / the grid's own worker",
            )
        row.update(
            status=status,
            registered_at=registered_at,
            due_at=due_at,
            version=len(trail),
            source=str(rng.choice([s for s, _ in SOURCES], p=[p for _, p in SOURCES])),
            description=f"{c.name_zh}（示例）",
            generation=generation,
            lon=lon[i],
            lat=lat[i],
            input_lon=lon[i],
            input_lat=lat[i],
            input_crs="wgs84",
            unassigned=False,
            needs_location=False,
        )
        rows.append(row)
        for seq, (action, frm, to, at, role) in enumerate(trail, start=1):
            events.append(
                {
                    "case_id": row["id"],
                    "seq": seq,
                    "action": action,
                    "actor_id": worker if role == "worker" else "demo-dispatcher",
                    "actor_role": role,
                    "from_status": frm,
                    "to_status": to,
                    "occurred_at": at,
                    "note": None,
                }
            )
    return pd.DataFrame(rows), pd.DataFrame(events)
