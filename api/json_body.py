"""JSON answers serialised where the route runs, not on the event loop.

FastAPI serialises a route's return value on the event loop, even for a plain ``def`` route
that ran in a worker thread, so a large answer (``/grids``, 1,000 OGC features, a 10,000-point
locate) would hold every other request meanwhile. Such routes return a :class:`JSONBody`
instead: its bytes are made by :func:`dumps` when it is constructed, in the route's thread,
and the loop only sends them. Large answers that never change (a generation's boundaries)
are kept as bytes (api.boundary_cache).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi.responses import Response


def dumps(content: Any) -> bytes:
    """``content`` as compact UTF-8 JSON (as Starlette's JSONResponse writes it; no NaN)."""
    return json.dumps(
        content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
    ).encode("utf-8")


class JSONBody(Response):
    """A JSON response whose body is serialised on construction (see the module doc);
    ``content`` may also be ready bytes (already JSON)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return content if isinstance(content, bytes) else dumps(content)
