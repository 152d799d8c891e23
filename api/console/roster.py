"""The roster a page's dispatch forms offer: the workers of each community concerned."""

from __future__ import annotations

from api.console.views import CaseRow
from api.state import AppState
from geo.store.records import Worker


def workers_by_community(state: AppState, rows: list[CaseRow]) -> dict[str, list[Worker]]:
    """Community code -> its workers, for each community with a case ``rows`` may dispatch
    (the case service still decides whether the one chosen may take it)."""
    wanted = {
        r.case.community_code
        for r in rows
        if r.case.community_code and any(a.action == "dispatch" for a in r.actions)
    }
    return {code: state.store.workers(community_code=code) for code in sorted(wanted)}
