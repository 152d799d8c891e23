"""``GET /health``: is the service up and its store answering (no token needed)."""

from typing import Any

from fastapi import APIRouter

from api.deps import State

router = APIRouter(tags=["health"])


@router.get("/health")
def health(state: State) -> dict[str, Any]:
    return {
        "status": "ok",
        "store": state.store.backend,
        "active_generation": state.store.active_generation(),
    }
