"""``gridmgr import cases`` on both backends: a hotline export with no closing-time column
(closed rows imported closed, closing time unknown, out of on-time figures), and a re-run
whose only change is the rows' positions (held back unless --update-locations)."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from geo import coords
from tests.geo.importing.conftest import HEADER, INSIDE, read_rejects, write_csv
from tests.geo.importing.test_cli_import import _case, _counts, _invoke, _opened

CHINA_TIME = ZoneInfo("Asia/Shanghai")
NO_CLOSING = [h for h in HEADER if h != "结案时间"]


def _ids(n: int) -> list[str]:
    prefix = uuid.uuid4().hex[:8]
    return [f"mv-{prefix}-{i}" for i in range(n)]


def _hotline_row(external_id, status, *, reported="2023-01-02 09:00:00", lon=INSIDE[0]):
    """A row of NO_CLOSING: id, category, description, address, lon, lat, reported,
    registered, status."""
    return [external_id, "暴露垃圾", "", "", f"{lon}", f"{INSIDE[1]}", reported, "", status]


def _workload(store, community):
    """(received, closed, closed on time) of ``community`` for the first week of 2023."""
    rows = store.workload_rows(
        level="community",
        since=datetime(2023, 1, 1, tzinfo=CHINA_TIME),
        until=datetime(2023, 1, 8, tzinfo=CHINA_TIME),
        now=datetime(2023, 1, 8, tzinfo=CHINA_TIME),
    )
    for row in rows:
        if row[0] == community:
            return int(row[1]), int(row[3]), int(row[4])
    return 0, 0, 0


def test_closed_rows_of_a_file_without_a_closing_time_column(db_url, tmp_path):
    closed, also_closed, open_ = _ids(3)
    path = write_csv(
        tmp_path / "hotline.csv",
        [
            _hotline_row(closed, "已结案"),
            _hotline_row(also_closed, "结案"),
            _hotline_row(open_, "已立案"),
        ],
        header=NO_CLOSING,
    )
    result = _invoke(db_url, path)
    assert result.exit_code == 0, result.output
    counts = _counts(result.stdout)
    assert (counts["imported"], counts["rejected"]) == (3, 0)
    assert counts["closing time unknown"] == 2
    assert "2 case(s) imported closed without a closing time" in result.stdout
    assert "left out of on-time figures" in result.stdout
    with _opened(db_url) as store:
        for external_id in (closed, also_closed):
            case = _case(store, external_id)
            assert case.status == "closed"
            assert case.closed_at is None
            assert case.closed_on_time is None
            assert case.handling_hours is None
            assert case.closing_time_unknown is True
        other = _case(store, open_)
        assert other.status != "closed"
        assert other.closing_time_unknown is False
        received, closed_n, on_time = _workload(store, other.community_code)
    # Received in the week, but neither closed in it nor closed on time (or late).
    assert received >= 3
    assert (closed_n, on_time) == (0, 0)

    again = _invoke(db_url, path)  # the same file again: nothing changes
    assert again.exit_code == 0, again.output
    assert _counts(again.stdout)["unchanged"] == 3


def test_a_closing_time_column_left_empty_is_still_refused(db_url, tmp_path):
    (external_id,) = _ids(1)
    row = [external_id, "暴露垃圾", "", "", f"{INSIDE[0]}", f"{INSIDE[1]}"]
    path = write_csv(
        tmp_path / "empty-closing.csv", [[*row, "2023-01-03 09:00:00", "", "", "已结案"]]
    )
    result = _invoke(db_url, path)
    assert result.exit_code == 1, result.output
    assert _counts(result.stdout)["rejected"] == 1
    (reject,) = read_rejects(tmp_path / "empty-closing.csv.rejects.csv")
    assert (reject["column"], reject["reason"]) == (
        "结案时间",
        "a closed case needs its closing time",
    )


def _points_file(path, ids, lons, lats, descriptions=None):
    descriptions = descriptions or [""] * len(ids)
    rows = [
        [i, "暴露垃圾", d, "", f"{x!r}", f"{y!r}", "2024-03-01 09:00:00", "", "", ""]
        for i, x, y, d in zip(ids, lons, lats, descriptions, strict=True)
    ]
    return write_csv(path, rows)


def test_a_rerun_that_only_moves_rows_needs_update_locations(db_url, tmp_path):
    ids = _ids(4)
    lon = [INSIDE[0] + k * 1e-4 for k in range(4)]
    lat = [INSIDE[1]] * 4
    path = tmp_path / "points.csv"
    _points_file(path, ids, lon, lat)
    first = _invoke(db_url, path, "--crs", "wgs84")
    assert first.exit_code == 0, first.output
    with _opened(db_url) as store:
        before = {i: (_case(store, i).lon, _case(store, i).lat) for i in ids}

    # The same numbers read as GCJ-02 (what a phone gives): every case would move ~500 m.
    dry = _invoke(db_url, path, "--crs", "gcj02", "--dry-run")
    assert dry.exit_code == 1, dry.output
    assert _counts(dry.stdout)["held back"] == 4

    held = _invoke(db_url, path, "--crs", "gcj02")
    assert held.exit_code == 1, held.output
    counts = _counts(held.stdout)
    assert (counts["updated"], counts["unchanged"], counts["held back"]) == (0, 0, 4)
    assert "warning: 4 row(s) changed nothing but the case's position" in held.stderr
    assert "--update-locations" in held.stderr
    with _opened(db_url) as store:
        assert {i: (_case(store, i).lon, _case(store, i).lat) for i in ids} == before

    moved = _invoke(db_url, path, "--crs", "gcj02", "--update-locations")
    assert moved.exit_code == 0, moved.output
    assert _counts(moved.stdout)["updated"] == 4
    assert "warning" not in moved.stderr
    want_lon, want_lat = coords.to_wgs84(lon, lat, "gcj02")
    with _opened(db_url) as store:
        for i, x, y in zip(ids, want_lon, want_lat, strict=True):
            case = _case(store, i)
            assert abs(case.lon - x) < 1e-9 and abs(case.lat - y) < 1e-9
            assert (case.lon, case.lat) != before[i]

    settled = _invoke(db_url, path, "--crs", "gcj02")
    assert settled.exit_code == 0, settled.output
    assert _counts(settled.stdout)["unchanged"] == 4


def test_a_row_that_moves_and_changes_otherwise_is_updated(db_url, tmp_path):
    """Only rows whose sole change is the position are held; another changed field (here
    the description) makes the row an ordinary update."""
    ids = _ids(2)
    lon, lat = [INSIDE[0], INSIDE[0] + 1e-4], [INSIDE[1]] * 2
    path = tmp_path / "mixed.csv"
    _points_file(path, ids, lon, lat)
    assert _invoke(db_url, path).exit_code == 0
    _points_file(path, ids, [x + 2e-4 for x in lon], lat, ["垃圾已清理", ""])
    result = _invoke(db_url, path)
    assert result.exit_code == 1, result.output
    counts = _counts(result.stdout)
    assert (counts["updated"], counts["held back"]) == (1, 1)
    with _opened(db_url) as store:
        assert abs(_case(store, ids[0]).lon - (lon[0] + 2e-4)) < 1e-9
        assert abs(_case(store, ids[1]).lon - lon[1]) < 1e-9


def test_the_flag_is_shown_to_people(db_url, tmp_path):
    """The API's case lists the flag; the console's deadline says the time is unknown."""
    from api.console.views import deadline
    from api.views import case_view
    from geo.worktime.calendar import WorkCalendar

    (external_id,) = _ids(1)
    path = write_csv(
        tmp_path / "shown.csv", [_hotline_row(external_id, "已结案")], header=NO_CLOSING
    )
    assert _invoke(db_url, path).exit_code == 0
    with _opened(db_url) as store:
        case = _case(store, external_id)
    now = datetime(2024, 1, 1, tzinfo=CHINA_TIME)
    view = case_view(case, now=now, tz=CHINA_TIME)
    assert view["flags"]["closing_time_unknown"] is True
    assert view["closed_at"] is None and view["closed_on_time"] is None
    shown = deadline(case, None, WorkCalendar.default(), now)
    assert "closing time unknown" in shown.text
