"""Colours, labels and number formats of the maps (Chinese first, English after)."""

from __future__ import annotations

import functools
import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

import branca.colormap as cm

from geo.cases.workflow import STATE_ZH
from geo.facilities.model import read_kinds


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    higher_is_worse: bool
    percent: bool = False
    fixed_range: tuple[float, float] | None = None


KPIS = {
    k.key: k
    for k in (
        Kpi("open_per_worker", "人均在办案件 Open cases per worker", True),
        Kpi("per_1000_residents", "每千人收案 Cases per 1,000 residents", True),
        Kpi("on_time_rate", "按期结案率 On-time closure rate", False, True, (0.0, 1.0)),
        Kpi("open", "在办案件 Open cases", True),
        Kpi("received", "收案 Cases received", True),
        Kpi("overdue", "超期案件 Overdue cases", True),
    )
}

# The figures a workload tooltip shows: (row field, label).
FIGURES = (
    ("received", "收案 Received"),
    ("open", "在办 Open"),
    ("overdue", "超期 Overdue"),
    ("on_time_rate", "按期结案率 On-time rate"),
    ("per_1000_residents", "每千人收案 Per 1,000 residents"),
    ("open_per_worker", "人均在办 Open per worker"),
)

STATE_COLOURS = {
    "reported": "#1f78b4",  # blue
    "registered": "#6a3d9a",  # purple
    "dispatched": "#ff7f00",  # orange
    "handled": "#33a02c",  # green
    "closed": "#7f7f7f",  # grey
    "suspended": "#b15928",  # brown
    "rejected": "#000000",  # black
}
OVERDUE_RING = "#e31a1c"  # red ring round an overdue case
UNDERSERVED = "#d7301f"  # thick red outline of an underserved grid
NO_DATA = "#d9d9d9"
OUTLINE = "#444444"
SITE_COLOUR = "#e7298a"
KIND_COLOURS = (
    "#1b9e77",
    "#d95f02",
    "#7570b3",
    "#e7298a",
    "#66a61e",
    "#e6ab02",
    "#a6761d",
    "#386cb0",
    "#f0027f",
)


def state_label(state: str) -> str:
    return f"{STATE_ZH.get(state, state)} {state}"


@functools.cache
def kind_labels() -> dict[str, str]:
    """Facility kind code -> "中文名 English name", from data/facilities/kinds.csv."""
    return {code: f"{k.name_zh} {k.name_en}" for code, k in read_kinds().items()}


def kind_colour(kind: str, order: list[str]) -> str:
    return KIND_COLOURS[order.index(kind) % len(KIND_COLOURS)] if kind in order else OUTLINE


def number(value, *, percent: bool = False, digits: int = 2) -> str:
    """A figure for a tooltip: "—" for none, a percentage, a whole number or ``digits`` places."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if percent:
        return f"{value * 100:.1f}%"
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.{digits}f}"


def text(value) -> str:
    """Text for a tooltip or page (tooltips are HTML): escaped, "—" for none."""
    return "—" if value is None or value == "" else html.escape(str(value))


def _builtin(name: str) -> cm.LinearColormap:
    """One of branca's named linear colormaps (set on ``cm.linear`` with setattr, so type
    checkers do not see them as attributes)."""
    scale: cm.LinearColormap = getattr(cm.linear, name)
    return scale


def colormap(kpi: Kpi, values: Sequence[float | None]) -> cm.LinearColormap:
    """A legend and scale for ``kpi`` over ``values`` (red = worse); a new instance."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if kpi.fixed_range:
        lo, hi = kpi.fixed_range
    else:
        lo, hi = (min(finite), max(finite)) if finite else (0.0, 1.0)
        if hi <= lo:
            hi = lo + 1.0
    base = _builtin("YlOrRd_09" if kpi.higher_is_worse else "RdYlGn_09")
    scale = base.scale(lo, hi)
    scale.caption = kpi.label + (" (0–1)" if kpi.percent else "")
    return scale


def share_colormap() -> cm.LinearColormap:
    """Covered share 0..1: pale (not covered) to deep green (fully covered); a new instance."""
    scale = _builtin("YlGn_09").scale(0.0, 1.0)
    scale.caption = "覆盖比例 Covered share of area (0–1)"
    return scale
