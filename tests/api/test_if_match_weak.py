"""A weak ETag in If-Match never matches (RFC 9110 §13.1.1): 412, on both backends."""

import geopandas as gpd
import pytest

from geo import bundled
from tests.api.test_api_cases import GRID, act, new_case


@pytest.fixture(scope="module")
def point():
    grids = gpd.read_file(bundled.BOUNDARIES_DIR / "grids.geojson")
    p = grids.loc[grids["code"] == GRID].geometry.iloc[0].representative_point()
    return p.x, p.y


def test_a_weak_if_match_is_refused_and_changes_nothing(api, point):
    r = new_case(api, point)
    case_id, etag = r.json()["id"], r.headers["etag"]
    refused = act(api, case_id, "register", "dispatcher", f"W/{etag}")
    assert refused.status_code == 412
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert problem["status"] == 412 and "weak ETag" in problem["detail"]
    got = api.client.get(f"/cases/{case_id}", headers=api.auth("planner"))
    assert got.json()["status"] == "reported" and got.headers["etag"] == etag
    done = act(api, case_id, "register", "dispatcher", etag)
    assert done.status_code == 200 and done.json()["status"] == "registered"


def test_an_if_match_with_non_ascii_digits_is_refused(api, point):
    r = new_case(api, point)
    case_id = r.json()["id"]
    odd = api.client.post(  # "¹" is a digit to str.isdigit() but not to int()
        f"/cases/{case_id}/actions/register",
        headers={**api.auth("dispatcher"), "If-Match": f'"{case_id}-¹"'.encode("latin-1")},
    )
    assert odd.status_code == 412 and "not an ETag" in odd.json()["detail"]
