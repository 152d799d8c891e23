"""``next=`` after signing in stays under /console: no open redirect, on both backends."""

from __future__ import annotations

import pytest

from api.console.nav import safe_next

from .conftest import hidden

HOME = "/console/queue"  # a dispatcher's default page
HOSTILE = [
    "https://evil.example/",
    "http:/evil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/console\\..\\..\\evil",
    "/%2F%2Fevil.example",
    "/%5Cevil.example",
    "/console/%2e%2e/%2e%2e/evil",
    "/console/..%2F..%2F%2Fevil.example",
    "/console/%252e%252e/%252e%252e/evil",
    "/console/%2F%2Fevil.example",
    "/console/../evil",
    "/\t/evil.example",
    "/console\n/x",
    "/console%0d%0aLocation:%20https://evil.example",
    "javascript:alert(1)",
    "evil.example",
    "/consolex",
    "/other",
    " /console/queue",
]


@pytest.mark.parametrize("target", HOSTILE)
def test_safe_next_refuses(target):
    assert safe_next(target, HOME) == HOME


@pytest.mark.parametrize(
    "target",
    ["/console", "/console/cases/new", "/console/queue?status=open&page=2", "/console/cases/7#x"],
)
def test_safe_next_keeps_console_addresses(target):
    assert safe_next(target, HOME) == target


def _sign_in(console, next_):
    console.client.cookies.clear()
    form = console.client.get("/console/login", params={"next": next_})
    return form, console.client.post(
        "/console/login",
        follow_redirects=False,
        data={
            "token": console.people["dispatcher"][0],
            "csrf": hidden(form.text, "csrf"),
            "next": next_,
        },
    )


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example", "/\\evil.example", "/%2F%2Fevil"]
)
def test_sign_in_with_a_foreign_next_lands_on_the_home_page(console, target):
    form, r = _sign_in(console, target)
    assert "evil" not in hidden(form.text, "next")
    assert r.status_code == 303 and r.headers["location"] == HOME


def test_sign_in_with_a_console_next_goes_there(console):
    form, r = _sign_in(console, "/console/cases/new")
    assert hidden(form.text, "next") == "/console/cases/new"
    assert r.status_code == 303 and r.headers["location"] == "/console/cases/new"
