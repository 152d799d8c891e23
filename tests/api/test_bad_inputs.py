"""One table of bad inputs against every route family, on both backends: never a 500.

NUL characters anywhere (query, path, JSON, forms) are 400 naming the field; ids outside
1..2^63-1 in a path are 404 (and 400 as a query cursor); datetimes with a UTC offset beyond
±14:00 or a year outside 1900-2100 are 400 naming the parameter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest

BIG = str(2**63)  # one over BIGINT
FAR = "2026-01-01T00:00:00+16:00"
GRID_POINT = (106.7139, 26.5784)  # inside 中华社区 (a case there is in a grid)


@dataclass(frozen=True)
class Bad:
    """A request and the answer it must get: ``status`` and the field the answer names."""

    method: str
    path: str
    status: int
    field: str | None
    who: str | None = "dispatcher"  # whose bearer token; None: none
    json: Any = None
    data: dict[str, str] | None = None
    files: dict[str, tuple[None, str]] | None = None
    console: bool = False  # needs the console session (and its CSRF token in the form)
    api_key: bool = False  # sends a token as Open311's api_key (reading requests needs one)

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.field}"


def case_body(**fields: Any) -> dict[str, Any]:
    return {"category": "exposed_refuse", "lon": GRID_POINT[0], "lat": GRID_POINT[1], **fields}


NUL_INPUTS = [
    # native JSON endpoints
    Bad("GET", "/cases?status=%00", 400, "status"),
    Bad("GET", "/cases?category=a%00b&limit=5", 400, "category"),
    Bad("GET", "/cases?community=520103400%00", 400, "community"),
    Bad("POST", "/cases", 400, "description", json=case_body(description="堆放\u0000垃圾")),
    Bad("POST", "/cases", 400, "reporter.name", json=case_body(reporter={"name": "张\u0000"})),
    Bad("POST", "/cases", 400, "category", json=case_body(category="exposed\u0000refuse")),
    Bad("POST", "/locate", 400, "points.0.0", json={"points": [["106.7\u0000", "26.5"]]}),
    Bad("GET", "/facilities?kind=%00", 400, "kind"),
    Bad("GET", "/geocode?q=%E4%B8%AD%00", 400, "q"),
    Bad("GET", "/communities/520103400%00", 400, "path"),
    # OGC API - Features
    Bad("GET", "/ogc/collections/cases/items?status=%00", 400, "status"),
    Bad("GET", "/ogc/collections/grids/items?community_code=%00", 400, "community_code", None),
    Bad("GET", "/ogc/collections/%00", 400, "path", None),
    # Open311 GeoReport v2
    Bad("GET", "/open311/v2/requests.json?service_code=%00", 400, "service_code", None),
    Bad("GET", "/open311/v2/requests.json?service_request_id=1%00", 400, "service_request_id"),
    Bad(
        "POST",
        "/open311/v2/requests.json",
        400,
        "description",
        who="open311",
        data={"service_code": "exposed_refuse", "description": "a\u0000b", "lat": "26.5"},
    ),
    Bad(
        "POST",
        "/open311/v2/requests.json",
        400,
        "address_string",
        who="open311",
        files={"service_code": (None, "exposed_refuse"), "address_string": (None, "路\u0000")},
    ),
    # map pages (no token)
    Bad("GET", "/maps/communities/520103400%00", 400, "path", None),
    Bad("GET", "/maps/coverage?kind=%00", 400, "kind", None),
    # console forms
    Bad("POST", "/console/login", 400, "token", None, data={"token": "x\u0000", "csrf": ""}),
    Bad(
        "POST",
        "/console/cases",
        400,
        "description",
        None,
        data={"category": "exposed_refuse", "description": "a\u0000", "idempotency_key": "k" * 9},
        console=True,
    ),
]

ID_INPUTS = [
    Bad("GET", f"/cases/{BIG}", 404, None),
    Bad("GET", "/cases/0", 404, None),
    Bad("GET", "/cases/-1", 404, None),
    Bad("GET", f"/cases/{BIG}/events", 404, None),
    Bad("POST", f"/cases/{BIG}/actions/register", 404, None),
    Bad("POST", f"/cases/{BIG}/reveal", 404, None),
    Bad("GET", f"/facilities/{BIG}", 404, None),
    Bad("GET", f"/open311/v2/requests/{BIG}.json", 404, None, None, api_key=True),
    Bad("GET", f"/console/cases/{BIG}", 404, None, None, console=True),
    Bad("GET", f"/console/cases/{BIG}/version", 404, None, None, console=True),
    Bad("GET", f"/cases?cursor={BIG}", 400, "cursor"),
    Bad("GET", f"/ogc/collections/cases/items?cursor={BIG}", 400, "cursor"),
    Bad("GET", f"/open311/v2/requests.json?after={BIG}", 400, "after", api_key=True),
]

TIME_INPUTS = [
    Bad("GET", f"/cases?from={FAR}", 400, "from"),
    Bad("GET", "/cases?to=2026-01-01T00:00:00-14:30", 400, "to"),
    Bad("GET", "/cases?from=1800-01-01T00:00:00%2B08:00", 400, "from"),
    Bad("GET", "/cases?to=2200-01-01T00:00:00Z", 400, "to"),
    Bad("GET", f"/stats/workload?from={FAR}&to=2026-02-01T00:00:00Z", 400, "from"),
    Bad("GET", f"/maps/workload?from={FAR}", 400, "from", None),
    Bad("GET", "/maps/workload?to=1899-12-31T00:00:00", 400, "to", None),
    Bad("GET", f"/maps/communities/520103400?to={FAR}", 400, "to", None),
    Bad("GET", f"/locate?lon=106.71&lat=26.58&date={FAR}", 400, "date"),
    Bad("GET", f"/ogc/collections/cases/items?datetime={FAR}", 400, "datetime"),
    Bad("GET", f"/ogc/collections/grids/items?datetime=../{FAR}", 400, "datetime", None),
    Bad(
        "GET", f"/open311/v2/requests.json?start_date={FAR}", 400, "start_date", None, api_key=True
    ),
    Bad(
        "GET", "/open311/v2/requests.json?end_date=1800-01-01", 400, "end_date", None, api_key=True
    ),
]


@pytest.fixture(scope="module")
def csrf(api) -> str:
    """Sign the module's client in to the console as the dispatcher; the session's CSRF."""
    form = api.client.get("/console/login")
    token = re.search(r'name="csrf" value="([^"]*)"', form.text)
    assert token, "no csrf in the sign-in page"
    r = api.client.post(
        "/console/login",
        follow_redirects=False,
        data={"token": api.tokens["dispatcher"], "csrf": token.group(1)},
    )
    assert r.status_code == 303, r.text
    page = api.client.get(r.headers["location"]).text
    found = re.search(r'name="csrf-token" content="([^"]*)"', page)
    assert found, "no csrf-token in the console page"
    return found.group(1)


def send(api, csrf: str, bad: Bad):
    headers = {"Accept": "application/json"}
    if bad.who:
        headers.update(api.auth(bad.who))
    data = dict(bad.data) if bad.data is not None else None
    if bad.console and data is not None:
        data["csrf"] = csrf
    path = bad.path  # httpx's params= would replace the query the path carries
    if bad.api_key:
        path += ("&" if "?" in path else "?") + f"api_key={api.tokens['open311']}"
    return api.client.request(
        bad.method,
        path,
        headers=headers,
        json=bad.json,
        data=data,
        files=bad.files,
        follow_redirects=False,
    )


def names(answer: Any, field: str) -> bool:
    """A problem names ``field`` in its ``field`` member; Open311 errors in the description."""
    if isinstance(answer, dict):
        return answer.get("field") == field
    return isinstance(answer, list) and field in answer[0]["description"]


@pytest.mark.parametrize("bad", NUL_INPUTS + ID_INPUTS + TIME_INPUTS, ids=str)
def test_bad_input_is_4xx_naming_the_field(api, csrf, bad):
    r = send(api, csrf, bad)
    assert r.status_code == bad.status, r.text
    if bad.field is not None:
        assert names(r.json(), bad.field), r.text


def test_the_connection_survives_bad_inputs(api, csrf):
    """Every bad input above, then a good request on the same client."""
    for bad in NUL_INPUTS[:3] + ID_INPUTS[:1] + TIME_INPUTS[:1]:
        assert send(api, csrf, bad).status_code < 500
    assert api.client.get("/cases?limit=1", headers=api.auth("dispatcher")).status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "from=2026-01-01T00:00:00%2B14:00",
        "to=2026-01-01T00:00:00-14:00",
        "from=1900-01-01T00:00:00Z&to=2100-12-31T00:00:00Z",
    ],
)
def test_edge_instants_are_accepted(api, query):
    assert api.client.get(f"/cases?{query}", headers=api.auth("dispatcher")).status_code == 200
    assert api.client.get(f"/maps/workload?{query}").status_code == 200


def test_times_without_offset_still_read_in_the_district_zone(api):
    r = api.client.get("/ogc/collections/grids/items?datetime=2026-01-01&limit=1")
    assert r.status_code == 200, r.text
    key = api.tokens["open311"]
    r = api.client.get(f"/open311/v2/requests.json?start_date=2026-01-01T00:00:00&api_key={key}")
    assert r.status_code == 200, r.text


def test_largest_id_is_a_plain_404(api):
    r = api.client.get(f"/cases/{2**63 - 1}", headers=api.auth("dispatcher"))
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"


def test_nul_free_text_with_percent_signs_passes(api):
    body = case_body(description="100% 完成 %00 is text, not NUL")
    r = api.client.post("/cases", json=body, headers=api.auth("dispatcher"))
    assert r.status_code == 201, r.text


def test_405_carries_allow(api):
    r = api.client.delete("/cases", headers=api.auth("dispatcher"))
    assert r.status_code == 405
    assert "GET" in r.headers["allow"] and "POST" in r.headers["allow"]


def test_chunked_body_over_the_limit_is_413(api):
    def chunks():
        for _ in range(40):
            yield b"x" * 65536

    r = api.client.post(
        "/cases",
        content=chunks(),
        headers={**api.auth("dispatcher"), "Content-Type": "application/json"},
    )
    assert r.status_code == 413, r.text
    assert r.json()["status"] == 413


def test_openapi_documents_400_and_413_not_422(api):
    spec = api.client.get("/openapi.json").json()
    responses = [op["responses"] for path in spec["paths"].values() for op in path.values()]
    assert all("422" not in r for r in responses)
    create = spec["paths"]["/cases"]["post"]["responses"]
    assert "400" in create and "413" in create
