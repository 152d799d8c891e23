"""``create_app(settings)``: the FastAPI application. Nothing is built at import time."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api import admin, console, errors, logging_redact
from api.auth import throttle
from api.inputs import RejectNul
from api.limits import BodyLimit
from api.open311_errors import Open311Errors
from api.routes import (
    analysis,
    apidocs,
    boundaries,
    cases,
    categories,
    facilities,
    geocode,
    health,
    locate,
    maps,
    ogc,
    open311,
    party,
    stats,
)
from api.settings import Settings
from api.state import AppState
from maps import ASSET_BASE, asset_dir

DESCRIPTION = """网格化管理 grid management for urban community governance.

Native JSON endpoints; geometry is GeoJSON in WGS84 (EPSG:4326, lon/lat). Send
`Authorization: Bearer <token>` (make one with `gridmgr token create`). Errors are
`application/problem+json`.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the store is opened when it starts and closed when it stops."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = AppState.open(settings)
        app.state.gridmgr = state
        state.warm_up()
        # What start-up built (boundaries, the locate index, the catalogue) lives as long as
        # the app: kept out of the cyclic garbage collector, whose full passes would otherwise
        # walk it all while requests wait (80 ms measured here).
        gc.freeze()
        # Route code (FastAPI runs sync routes in AnyIO's worker threads) runs in no more
        # threads than the process has store connections. A thread beyond that only waits
        # for a connection, and while it waits it still competes for the GIL with the threads
        # that hold one, some of them inside a transaction holding a community's lock: at
        # 400 intakes/s, 40 threads (AnyIO's default) gave p99 39-290 ms where as many
        # threads as connections gave 18-27 ms. Requests beyond that wait in the event loop.
        to_thread.current_default_thread_limiter().total_tokens = settings.pool_size()
        try:
            yield
        finally:
            gc.unfreeze()
            state.close()

    logging_redact.install()  # no token, phone or name in the logs, tracebacks included
    app = FastAPI(
        title="gridmgr",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served by api.routes.apidocs from local assets
        redoc_url=None,
    )
    # The last added runs first: the body limit bounds what RejectNul reads.
    app.add_middleware(RejectNul)
    app.add_middleware(BodyLimit)
    app.add_middleware(Open311Errors)  # outside the checks above: their errors too
    app.add_middleware(logging_redact.RedactionScope)  # outermost: covers the whole request
    errors.install(app)
    throttle.install(app)  # 429 for addresses with too many failed sign-ins
    for module in (
        health,
        boundaries,
        locate,
        categories,
        cases,
        facilities,
        party,
        stats,
        analysis,
        ogc,
        open311,
        maps,
        geocode,
        admin,
        apidocs,
    ):
        app.include_router(module.router)
    app.mount(ASSET_BASE, StaticFiles(directory=asset_dir()), name="map-assets")
    console.install(app)
    return app
