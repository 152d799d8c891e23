"""No token, phone number or reporter name in the server's logs, tracebacks included."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from api.logging_redact import REDACTED, redact

NAME, PHONE = "欧阳娜娜", "13812345678"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("Bearer gm_1a2b3c4d_AbC-dEf_123 here", "gm_1a2b3c4d_AbC-dEf_123"),
        ("{'authorization': 'Bearer abc.def'}", "abc.def"),
        ("(b'authorization', b'Basic dXNlcjpwdw==')", "dXNlcjpwdw=="),
        ("GET /open311/v2/requests.json?api_key=s3cr3t&x=1", "s3cr3t"),
        ("api_key%3Ds3cr3t", "s3cr3t"),
        ("call 13812345678.", "13812345678"),
        ("call +86 138 1234 5678", "1234 5678"),
        ("call 0851-8888 6666", "8888 6666"),
        ("Intake(reporter_name='张三', reporter_phone='138-1234', lon=1)", "张三"),
        ('{"name": "张三", "phone": "12"}', "张三"),
        ('{"first_name": "Ann", "email": "a@b.c"}', "a@b.c"),
    ],
)
def test_redact_hides(text, secret):
    clean = redact(text)
    assert secret not in clean and REDACTED in clean


@pytest.mark.parametrize(
    "text",
    [
        "grid 520103400001001 community 520103400",
        "at 2026-12-06 04:30:00+08:00",
        "lon 106.71234567 lat 26.5842",
        "case 12345 version 3",
        "community_name=中华社区",
    ],
)
def test_redact_keeps(text):
    assert redact(text) == text


def test_redact_hides_the_values_it_is_given():
    assert redact(f"cannot file for {NAME} today", [NAME]) == f"cannot file for {REDACTED} today"


class UvicornLike:
    """Logs as uvicorn does: an access line per request (when its access log is on), and
    "Exception in ASGI application" with the traceback of an error that escapes the app."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        status = 500

        async def send_status(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        except Exception as exc:
            logging.getLogger("uvicorn.error").error(
                "Exception in ASGI application\n", exc_info=exc
            )
            raise
        finally:
            query = scope["query_string"].decode()
            logging.getLogger("uvicorn.access").info(
                '%s - "%s %s HTTP/%s" %d',
                "testclient:50000",
                scope["method"],
                scope["path"] + (f"?{query}" if query else ""),
                "1.1",
                status,
            )


def test_logs_of_a_failed_intake_and_an_api_key(api, caplog, monkeypatch):
    state = api.client.app.state.gridmgr
    token = api.tokens["dispatcher"]

    def broken(req, actor, **_):
        raise RuntimeError(f"cannot file {req!r} for {NAME} ({PHONE}) with {token}")

    monkeypatch.setattr(state, "file_case", broken)
    client = TestClient(UvicornLike(api.client.app), raise_server_exceptions=False)
    caplog.set_level(logging.INFO)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        # A uvicorn started earlier in this process stops these from reaching the root.
        monkeypatch.setattr(logging.getLogger(name), "propagate", True)
        monkeypatch.setattr(logging.getLogger(name), "disabled", False)
        caplog.set_level(logging.INFO, logger=name)
    body = {
        "category": "exposed_refuse",
        "lon": 106.7125,
        "lat": 26.5842,
        "reporter": {"name": NAME, "phone": PHONE},
    }
    r = client.post("/cases", json=body, headers=api.auth("dispatcher"))
    assert r.status_code == 500
    key = api.tokens["open311"]
    r = client.get(f"/open311/v2/services.json?api_key={key}&jurisdiction_id=x")
    assert r.status_code < 500
    text = caplog.text
    assert "Exception in ASGI application" in text and "RuntimeError: cannot file" in text
    assert "Traceback" in text and "open311/v2/services.json?api_key=" in text
    for secret in (NAME, PHONE, token, key, token.split("_", 2)[2], key.split("_", 2)[2]):
        assert secret not in text, secret
    for record in caplog.records:  # what any other handler would format
        assert PHONE not in record.getMessage() and NAME not in (record.exc_text or "")


def test_serve_keeps_uvicorns_access_log_off(initialised_duckdb, monkeypatch):
    """``gridmgr serve`` runs uvicorn without its access log (query strings can hold an
    api_key); were it on, the line would be redacted as above."""
    import importlib

    from click.testing import CliRunner

    serve_cli = importlib.import_module("api.cli.serve")
    seen = {}
    monkeypatch.setattr(serve_cli.uvicorn, "run", lambda app, **kw: seen.update(kw))
    r = CliRunner().invoke(serve_cli.serve, [], env={"GRIDMGR_DATABASE_URL": initialised_duckdb()})
    assert r.exit_code == 0, r.output
    assert seen["access_log"] is False
