"""CaseService.preview: what intake would decide at a point, by the same steps, unwritten."""

import pytest

from geo import coords
from geo.cases.service import Intake
from geo.errors import InputError, PermissionDeniedError

GRID = "520103400001001"  # first grid of 中华社区


def test_preview_agrees_with_auto_dispatch_and_writes_nothing(make_world):
    w = make_world()
    lon, lat = w.point_in(GRID)
    glon, glat = coords.from_wgs84(lon, lat, "gcj02")
    bare = w.service.preview(w.dispatcher, lon=glon, lat=glat, crs="gcj02")
    assert (bare.located.grid_code, bare.located.community_code) == (GRID, "520103400")
    assert bare.lon == pytest.approx(lon, abs=1e-8) and bare.lat == pytest.approx(lat, abs=1e-8)
    assert bare.assignment is None and bare.duplicate_of is None
    assert [c.id for c in bare.grid_workers] == [f"W{GRID}"]
    assert w.service.find(w.admin) == []

    seen = w.service.preview(w.dispatcher, lon=lon, lat=lat, category="exposed_refuse")
    assert (seen.assignment.worker_id, seen.assignment.reason_code) == (f"W{GRID}", "grid_worker")
    case = w.service.intake(
        Intake(category="exposed_refuse", lon=lon, lat=lat, auto_dispatch=True), w.dispatcher
    )
    assert case.assignee_id == seen.assignment.worker_id
    assert case.assign_reason == seen.assignment.reason
    again = w.service.preview(w.dispatcher, lon=lon, lat=lat, category="exposed_refuse")
    assert again.duplicate_of == case.id
    assert again.grid_workers[0].open_cases == 1


def test_preview_outside_every_grid_and_refusals(make_world):
    w = make_world()
    far = w.service.preview(w.dispatcher, lon=106.0, lat=26.0, category="exposed_refuse")
    assert far.located.grid_code is None and far.candidates == ()
    assert far.assignment.reason_code == "district_queue"
    with pytest.raises(InputError):
        w.service.preview(w.dispatcher, lon=106.7, lat=26.6, category="no_such")
    with pytest.raises(InputError):
        w.service.preview(w.dispatcher, lon=float("nan"), lat=26.6)
    with pytest.raises(PermissionDeniedError):
        w.service.preview(w.planner, lon=106.7, lat=26.6)
