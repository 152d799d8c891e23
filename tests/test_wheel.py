"""gridmgr installs from its wheel and runs from an empty directory.

The wheel is built from a copy of the source tree (``pip wheel --no-build-isolation``, so
offline) and installed with ``pip install --no-deps`` into a fresh venv. Only the third-party
dependencies come from the test's own environment, through a ``.pth`` line naming its
site-packages; a path in a ``.pth`` file is appended to ``sys.path`` but the ``.pth`` files
inside it are not run, so the editable install's finder stays out and gridmgr's code and data
can come only from the wheel (checked below). Then, in an empty directory: ``gridmgr demo
--no-serve``, ``gridmgr locate`` and ``gridmgr serve``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Not part of a build: environments and outputs at the top, caches and databases anywhere.
TOP_SKIP = shutil.ignore_patterns(".venv", ".git", "build", "dist", "*.egg-info")
SKIP = shutil.ignore_patterns("__pycache__", ".*_cache", "*.duckdb", "*.duckdb.wal")
STEP_TIMEOUT_S = 120
SERVE_START_TIMEOUT_S = 60


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    python: Path
    gridmgr: Path
    env: dict[str, str]


def _run(args: list[str | Path], **kwargs) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=STEP_TIMEOUT_S, **kwargs
    )
    assert result.returncode == 0, (
        f"{args} exited {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return result


def _clean_env(venv: Path) -> dict[str, str]:
    """The environment for the installed commands: the fresh venv first on PATH, nothing that
    points Python at the source tree, and gridmgr's defaults (a database in the directory)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GRIDMGR_", "PYTHON")) and k != "VIRTUAL_ENV"
    }
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(venv)
    return env


def _ignore(folder: str, names: list[str]) -> set[str]:
    """What not to copy of the source tree (data/assets has a dist/ folder: keep it)."""
    skipped = SKIP(folder, names)
    return skipped | TOP_SKIP(folder, names) if Path(folder) == ROOT else skipped


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("wheel")
    source, dist, venv = base / "source", base / "dist", base / "venv"
    shutil.copytree(ROOT, source, ignore=_ignore)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    _run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", dist, source])
    (wheel,) = dist.glob("gridmgr-*.whl")

    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    _run([*pip, "--python", python, "install", "--no-deps", "--no-index", "-q", wheel])
    # Only now (pip must not see the test environment's editable gridmgr while installing):
    # the third-party dependencies, from the test environment's site-packages.
    target = Path(
        _run(
            [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]
        ).stdout.strip()
    )
    ours = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (target / "_gridmgr_test_dependencies.pth").write_text(
        "".join(f"{p}\n" for p in sorted(ours)), encoding="utf-8"
    )
    return Installed(wheel, venv, python, venv / "bin" / "gridmgr", _clean_env(venv))


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("empty")


@pytest.fixture(scope="module")
def demo(installed: Installed, workdir: Path) -> subprocess.CompletedProcess[str]:
    assert list(workdir.iterdir()) == []
    return _run(
        [installed.gridmgr, "demo", "--no-serve", "--cases", "2000"],
        cwd=workdir,
        env=installed.env,
    )


def test_wheel_holds_sql_templates_static_files_and_data(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    expected = {
        "geo/store/sql/duckdb/schema.sql",
        "geo/store/sql/postgis/schema.sql",
        "geo/store/sql/duckdb/migrations/001_boundaries_and_roster.sql",
        "geo/store/sql/postgis/migrations/001_boundaries_and_roster.sql",
        "api/console/templates/base.html",
        "api/console/templates/login.html",
        "api/console/static/console.css",
        "gridmgr_data/boundaries/grids.geojson",
        "gridmgr_data/boundaries/communities.geojson",
        "gridmgr_data/boundaries/district.geojson",
        "gridmgr_data/boundaries/source/communities.csv",
        "gridmgr_data/boundaries/source/yunyan_520103_outline_gcj02.geojson",
        "gridmgr_data/categories/categories.csv",
        "gridmgr_data/facilities/kinds.csv",
        "gridmgr_data/assets/manifest.json",
        "gridmgr_data/assets/leaflet/leaflet.js",
    }
    assert expected - names == set()
    # Every file of the source tree's data/ and of the packages' SQL, templates and statics.
    in_tree = {
        f"gridmgr_data/{p.relative_to(ROOT / 'data').as_posix()}"
        for p in (ROOT / "data").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    } | {
        p.relative_to(ROOT).as_posix()
        for top in ("geo", "api", "maps")
        for p in (ROOT / top).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert in_tree - names == set()
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def test_code_and_data_come_from_the_wheel(installed: Installed, workdir: Path) -> None:
    probe = (
        "import json, sys, geo, api, maps, gridmgr_data\n"
        "from geo import bundled\n"
        "from maps.assets import asset_dir\n"
        "from api.console import render\n"
        "print(json.dumps({\n"
        "  'files': [m.__file__ for m in (geo, api, maps, gridmgr_data)] + [str(asset_dir()),\n"
        "            str(bundled.BOUNDARIES_DIR), str(render.HERE)],\n"
        "  'finders': [type(f).__module__ for f in sys.meta_path],\n"
        "  'editable': [m for m in sys.modules if m.startswith('__editable__')],\n"
        "}))\n"
    )
    found = json.loads(_run([installed.python, "-c", probe], cwd=workdir, env=installed.env).stdout)
    venv = installed.venv.resolve()
    for path in found["files"]:
        assert Path(path).resolve().is_relative_to(venv), path
    assert not [f for f in found["finders"] if f.startswith("__editable__")]
    assert found["editable"] == []


def test_demo_builds_the_database(
    installed: Installed, workdir: Path, demo: subprocess.CompletedProcess[str]
) -> None:
    assert (workdir / "gridmgr.duckdb").is_file()
    assert "cases: 2,000 cases" in demo.stdout
    (line,) = [s for s in demo.stdout.splitlines() if s.startswith("boundary set ")]
    assert str(installed.venv) in line  # the boundaries were read from the installed wheel
    assert re.search(r"planner token\s+\S+", demo.stdout)


def test_locate_prints_the_grid(
    installed: Installed, workdir: Path, demo: subprocess.CompletedProcess[str]
) -> None:
    result = _run(
        [installed.gridmgr, "locate", "106.71", "26.58", "--crs", "gcj02", "--json"],
        cwd=workdir,
        env=installed.env,
    )
    found = json.loads(result.stdout)
    assert found["status"] == "assigned"
    assert re.fullmatch(r"520103\d{9}", found["grid_code"])
    assert found["grid_code"].startswith(found["community_code"])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# Straight to the local server, whatever proxy the environment names.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _get(url: str) -> tuple[int, str, str]:
    with OPENER.open(url, timeout=30) as response:
        return response.status, response.headers.get("content-type", ""), response.read().decode()


@pytest.fixture
def server(
    installed: Installed, workdir: Path, demo: subprocess.CompletedProcess[str]
) -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(
        [str(installed.gridmgr), "serve", "--port", str(port)],
        cwd=workdir,
        env=installed.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVE_START_TIMEOUT_S
        while True:
            assert proc.poll() is None, f"gridmgr serve exited:\n{proc.communicate()[0]}"
            try:
                OPENER.open(f"{base}/health", timeout=2).close()
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                assert time.monotonic() < deadline, "gridmgr serve did not start"
                time.sleep(0.2)
        yield base
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, proc.stdout.read() if proc.stdout else ""


def test_serve_answers_with_templates_and_assets(server: str) -> None:
    status, _, body = _get(f"{server}/health")
    assert status == 200 and json.loads(body)["status"] == "ok"

    status, kind, page = _get(f"{server}/console/login")
    assert status == 200 and kind.startswith("text/html")
    assert 'name="token"' in page and "/static/console/console.css" in page
    status, kind, css = _get(f"{server}/static/console/console.css")
    assert status == 200 and kind.startswith("text/css") and css.strip()

    status, kind, page = _get(f"{server}/maps/workload")
    assert status == 200 and kind.startswith("text/html")
    assert "/static/maps/leaflet/leaflet.js" in page
    status, kind, script = _get(f"{server}/static/maps/leaflet/leaflet.js")
    assert status == 200 and "javascript" in kind and "Leaflet" in script

    # The API docs run from the wheel's own copies of Swagger UI and ReDoc.
    for page_path, asset in (
        ("/docs", "/static/maps/swagger-ui/swagger-ui-bundle.js"),
        ("/redoc", "/static/maps/redoc/redoc.standalone.js"),
    ):
        status, kind, page = _get(f"{server}{page_path}")
        assert status == 200 and kind.startswith("text/html") and asset in page
        status, kind, script = _get(f"{server}{asset}")
        assert status == 200 and "javascript" in kind and len(script) > 500_000
