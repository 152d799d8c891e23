"""/docs and /redoc load only what gridmgr serves: the vendored Swagger UI and ReDoc."""

import hashlib
import re

import pytest

from maps.assets import manifest


@pytest.mark.parametrize(
    ("path", "needed"),
    [
        ("/docs", {"/static/maps/swagger-ui/swagger-ui-bundle.js", "/docs/start.js"}),
        ("/redoc", {"/static/maps/redoc/redoc.standalone.js"}),
    ],
)
def test_api_docs_reference_only_local_assets(api, path, needed):
    r = api.client.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "img-src 'self' data:;" in csp
    assert "://" not in r.text and "<script>" not in r.text  # nothing outside, no inline script
    linked = set(re.findall(r'(?:src|href|spec-url|data-openapi)="([^"]+)"', r.text))
    assert needed <= linked and "/openapi.json" in linked
    hashes = {f"/static/maps/{e['file']}": e["sha256"] for e in manifest()}
    for url in linked:
        got = api.client.get(url)
        assert got.status_code == 200, url
        if url in hashes:  # a vendored file, byte for byte
            assert hashlib.sha256(got.content).hexdigest() == hashes[url], url
        else:
            assert url in ("/docs/start.js", "/openapi.json"), url


def test_the_start_script_keeps_the_document_at_home(api):
    js = api.client.get("/docs/start.js")
    assert js.headers["content-type"].startswith("text/javascript")
    assert "validatorUrl: null" in js.text and "://" not in js.text
