"""The API's interactive docs (Swagger UI at /docs) and reference (ReDoc at /redoc), offline.

Both pages load only what gridmgr serves: the vendored Swagger UI and ReDoc releases under
/static/maps (data/assets, pinned with their SHA-256 in manifest.json, fetched by
maps.vendor_assets), a small start-up script served here, and /openapi.json. Neither page
holds an inline script or loads fonts from outside, so they work on an intranet without
internet. Each is sent with a Content-Security-Policy (``DOCS_CSP``) that lets the browser
load nothing from elsewhere: ReDoc's sidebar credit asks for a logo from cdn.redoc.ly,
which the browser then refuses without a request (ReDoc hides the image).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from maps.assets import ASSET_BASE

router = APIRouter(include_in_schema=False)

SWAGGER_JS = f"{ASSET_BASE}/swagger-ui/swagger-ui-bundle.js"
SWAGGER_CSS = f"{ASSET_BASE}/swagger-ui/swagger-ui.css"
SWAGGER_ICON = f"{ASSET_BASE}/swagger-ui/favicon-32x32.png"
REDOC_JS = f"{ASSET_BASE}/redoc/redoc.standalone.js"
DOCS_URL = "/docs"
REDOC_URL = "/redoc"
SWAGGER_START = "/docs/start.js"
# Scripts only from here; styles here or inline (both UIs set styles from script); images
# here or data: URLs (Swagger UI's icons); ReDoc runs its search in a blob: worker.
DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'self'"
)
_HEADERS = {"Content-Security-Policy": DOCS_CSP}

# validatorUrl null: Swagger UI would otherwise send the document to validator.swagger.io.
_START_JS = """(function () {
  "use strict";
  var spec = document.getElementById("swagger-ui").getAttribute("data-openapi");
  window.ui = SwaggerUIBundle({
    url: spec,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis]
  });
})();
"""


def _openapi_url(request: Request) -> str:
    root: str = request.scope.get("root_path", "")
    return root + str(request.app.openapi_url or "/openapi.json")


@router.get(DOCS_URL, response_class=HTMLResponse)
def swagger_ui(request: Request) -> HTMLResponse:
    title = f"{request.app.title} – API 接口文档 API docs"
    return HTMLResponse(
        f"""<!doctype html>
<html lang="zh">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" type="image/png" href="{SWAGGER_ICON}">
<link rel="stylesheet" href="{SWAGGER_CSS}">
</head>
<body>
<div id="swagger-ui" data-openapi="{_openapi_url(request)}"></div>
<script src="{SWAGGER_JS}"></script>
<script src="{SWAGGER_START}"></script>
</body>
</html>
""",
        headers=_HEADERS,
    )


@router.get(SWAGGER_START)
def swagger_start() -> Response:
    return Response(_START_JS, media_type="text/javascript; charset=utf-8")


@router.get(REDOC_URL, response_class=HTMLResponse)
def redoc(request: Request) -> HTMLResponse:
    title = f"{request.app.title} – API 参考 API reference"
    return HTMLResponse(
        f"""<!doctype html>
<html lang="zh">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>body {{ margin: 0; padding: 0; }}</style>
</head>
<body>
<redoc spec-url="{_openapi_url(request)}"></redoc>
<script src="{REDOC_JS}"></script>
</body>
</html>
""",
        headers=_HEADERS,
    )
