"""Whether what a person or client sees is illustrative data, and the label that says so.

The bundled Yunyan set marks each community and grid ``illustrative`` (its polygons,
population and committee numbers are made up, and so are the roster, facilities, gazetteer
and demo cases built on it); a district's own boundaries loaded with ``gridmgr boundaries
load`` carry no such mark. :func:`active_is_illustrative` is the one decision: the active
generation is illustrative when any of its communities or grids is. Pages, map files, the
console footer and the GeoJSON and OGC answers show :data:`LABEL` (or the ``illustrative``
property) then, and nothing otherwise.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar, cast

from geo.errors import GridmgrError

if TYPE_CHECKING:
    import folium

    from api.state import AppState
    from geo.cases.model import Case

LABEL = (
    "示意数据 illustrative data：网格与社区边界、人口、居委会编号、名册、设施、地址库与案件均为"
    "演示用的示意数据，并非真实 / the boundaries, population, committee numbers, roster, "
    "facilities, gazetteer and cases are made up for demonstration, not real"
)
_BOX = (
    "background:#fff8e1;border:1px solid #d9a400;border-radius:4px;padding:3px 8px;"
    "font:12px/16px sans-serif;color:#5a4300"
)
# On a map: a note at the bottom centre, clear of the controls in the corners.
MAP_BANNER = (
    '<div class="gridmgr-illustrative" role="note" style="position:fixed;bottom:26px;'
    f'left:50%;transform:translateX(-50%);z-index:1001;max-width:40%;text-align:center;{_BOX}">'
    f"{html.escape(LABEL)}</div>"
)
# On a page: the first block of its body.
PAGE_BANNER = (
    f'<div class="gridmgr-illustrative" role="note" style="margin:0 0 8px;{_BOX}">'
    f"{html.escape(LABEL)}</div>"
)
_BODY = re.compile(r"<body[^>]*>", re.IGNORECASE)

P = ParamSpec("P")
T = TypeVar("T")


def generation_is_illustrative(state: AppState, generation: int) -> bool:
    """Whether any community or grid of ``generation`` is illustrative (from the features
    the app keeps per generation: no store query once built)."""
    comms, grids = state.boundaries.features(generation)
    return any(f["properties"].get("illustrative") for f in (*comms, *grids))


def active_is_illustrative(state: AppState) -> bool:
    """Whether the active generation is illustrative; False when there is none."""
    try:
        return generation_is_illustrative(state, state.locator.generation())
    except GridmgrError:
        return False


def notice(state: AppState) -> str | None:
    """:data:`LABEL` when the active generation is illustrative, else None."""
    return LABEL if active_is_illustrative(state) else None


def label_html(text: str, state: AppState) -> str:
    """An HTML page with the banner at the start of its body when the data is illustrative."""
    if not active_is_illustrative(state):
        return text
    found = _BODY.search(text)
    at = found.end() if found else 0
    return text[:at] + PAGE_BANNER + text[at:]


def label_map(m: folium.Map, state: AppState) -> folium.Map:
    """A Folium map with the banner added (in place) when the data is illustrative."""
    if active_is_illustrative(state):
        from branca.element import Element  # Folium's own: imported where maps are drawn

        m.get_root().html.add_child(Element(MAP_BANNER))  # type: ignore[attr-defined]
    return m


def labelled(page: Callable[Concatenate[AppState, P], T]) -> Callable[Concatenate[AppState, P], T]:
    """Decorates a page builder (first argument the app state, returning HTML text or a
    Folium map) so what it builds carries the banner when the data is illustrative."""

    @functools.wraps(page)
    def build(state: AppState, /, *args: P.args, **kwargs: P.kwargs) -> T:
        out: Any = page(state, *args, **kwargs)
        return cast(T, label_html(out, state) if isinstance(out, str) else label_map(out, state))

    return build


def label_cases(state: AppState, cases: Sequence[Case], features: Sequence[dict[str, Any]]) -> None:
    """Set each case feature's ``illustrative`` property (in place): whether the generation
    the case was filed under (the active one for a case without a place) is illustrative."""
    known: dict[int | None, bool] = {}
    for case, feature in zip(cases, features, strict=True):
        if case.generation not in known:
            known[case.generation] = (
                active_is_illustrative(state)
                if case.generation is None
                else generation_is_illustrative(state, case.generation)
            )
        feature["properties"]["illustrative"] = known[case.generation]
