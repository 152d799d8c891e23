"""pyproject.toml lists every package of the tree and ships data/ as ``gridmgr_data``.

The package list is explicit (a mapped package-dir cannot be combined with discovery), so a
new package under geo/, api/ or maps/ must be added there or the wheel would lack it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from geo import bundled

ROOT = Path(__file__).resolve().parents[1]
TOP_LEVEL = ("api", "geo", "maps")


def _setuptools() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as fh:
        return tomllib.load(fh)["tool"]["setuptools"]


def test_every_package_of_the_tree_is_listed() -> None:
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in TOP_LEVEL
        for init in (ROOT / top).rglob("__init__.py")
    }
    listed = set(_setuptools()["packages"])
    assert on_disk - listed == set(), "packages missing from [tool.setuptools] packages"
    assert listed - on_disk == {bundled.DATA_PACKAGE}


def test_data_folder_ships_as_the_data_package() -> None:
    config = _setuptools()
    assert config["package-dir"] == {bundled.DATA_PACKAGE: "data"}
    assert (ROOT / "data" / "__init__.py").is_file()
    # The editable install finds the package in the repository's data/ folder.
    assert bundled.DATA_DIR.resolve() == ROOT / "data"
    assert (bundled.BOUNDARIES_DIR / "grids.geojson").is_file()
