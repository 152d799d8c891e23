"""The browser console for dispatchers and grid workers (server-rendered pages under
``/console``, their own scripts and styles under ``/static/console``).

Pages call the same domain functions as the API (the case service, the workflow's rule
check, masking, the locator and the gazetteer); sign-in uses the API's tokens and keeps a
server-side session (api.auth.console).
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.console.render import HERE, STATIC_URL
from api.console.routes import auth, case, intake, mapjson, queue


def install(app: FastAPI) -> None:
    """Add the console's routes and static files to ``app``."""
    for module in (auth, intake, queue, case, mapjson):
        app.include_router(module.router)
    app.mount(STATIC_URL, StaticFiles(directory=HERE / "static"), name="console-static")
