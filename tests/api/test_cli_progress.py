"""Long commands draw a progress bar on a terminal and print nothing extra elsewhere."""

from __future__ import annotations

import importlib
import io

import pytest
from click.testing import CliRunner

from api.cli import main
from geo import bundled

progress_mod = importlib.import_module("api.cli.progress")
locate_cli = importlib.import_module("api.cli.locate")


class Terminal(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_a_bar_is_drawn_on_a_terminal() -> None:
    tty = Terminal()
    with progress_mod.progress(10, "定位 locating", tty) as bar:
        assert bar.shown
        bar.advance(4)
        bar.reach(10)
    drawn = tty.getvalue()
    assert "定位 locating" in drawn
    assert "40%" in drawn and "100%" in drawn
    assert drawn.endswith("\n")  # the bar's line is finished


def test_a_started_bar_is_finished_once_and_grows_with_its_estimate() -> None:
    tty = Terminal()
    bar = progress_mod.progress(0, "导入 importing", tty).start()
    assert bar.start() is bar  # starting again draws no second bar
    bar.reach(50, 200)
    bar.reach(200, 200)
    bar.finish()
    bar.finish()
    drawn = tty.getvalue()
    assert drawn.count("\n") == 1
    assert "25%" in drawn and "100%" in drawn


def test_nothing_is_written_off_a_terminal() -> None:
    pipe = io.StringIO()
    with progress_mod.progress(10, "定位 locating", pipe) as bar:
        assert not bar.shown
        bar.advance(10)
    bar.start().finish()
    assert pipe.getvalue() == ""


@pytest.fixture(scope="module")
def db_url(tmp_path_factory):
    url = f"duckdb:///{tmp_path_factory.mktemp('progress') / 'g.duckdb'}"
    result = CliRunner().invoke(main, ["init"], env={"GRIDMGR_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    return url


def _commands(tmp_path):
    """(arguments, bar label) of each long command, on small inputs."""
    points = tmp_path / "p.csv"
    points.write_text("id,lon,lat\n1,106.7125,26.5842\n2,abc,1\n", encoding="utf-8")
    cases = tmp_path / "cases.csv"
    cases.write_text(
        "事件编号,事件类型,经度,纬度,上报时间\nP-1,暴露垃圾,106.7125,26.5842,2024-03-01 09:00\n",
        encoding="utf-8",
    )
    return [
        (["locate-file", str(points), "-o", str(tmp_path / "o.csv")], "定位 locating"),
        (["locate-file", str(points), "-o", str(tmp_path / "o.xlsx")], "定位 locating"),
        (["import", "cases", str(cases)], "导入 importing"),
        (["boundaries", "load", str(bundled.BOUNDARIES_DIR)], "载入边界 loading boundaries"),
    ]


@pytest.mark.parametrize("terminal", [False, True], ids=["pipe", "terminal"])
def test_long_commands_show_a_bar_only_on_a_terminal(db_url, tmp_path, monkeypatch, terminal):
    """CliRunner's streams are not terminals: there the bars stay silent. Told that standard
    error is a terminal, each command starts its bar (click prints the label of a bar it
    cannot draw, which is what shows here)."""
    if terminal:
        monkeypatch.setattr(progress_mod, "on_terminal", lambda stream=None: True)
        monkeypatch.setattr(locate_cli, "on_terminal", lambda stream=None: True)
    for args, label in _commands(tmp_path):
        result = CliRunner().invoke(main, args, env={"GRIDMGR_DATABASE_URL": db_url})
        assert result.exit_code == 0, (args, result.output)
        assert (label in result.output) == terminal, (args, result.output)
