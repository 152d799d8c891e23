"""Where the bundled data lives: the package ``gridmgr_data``.

In the repository that is the ``data/`` folder at the top of the project; pyproject.toml maps
the package name onto it, so the same files are found through ``importlib.resources`` in an
editable install and in an installed wheel (where they sit in site-packages/gridmgr_data/).
"""

from importlib import resources
from pathlib import Path

DATA_PACKAGE = "gridmgr_data"


def _data_dir() -> Path:
    """The bundled data's directory on disk (installs are unpacked, never zipped)."""
    root = resources.files(DATA_PACKAGE)
    if not isinstance(root, Path):
        raise RuntimeError(f"{DATA_PACKAGE} is not a directory on disk: {root!r}")
    return root


DATA_DIR = _data_dir()
BOUNDARIES_DIR = DATA_DIR / "boundaries"
SOURCE_DIR = BOUNDARIES_DIR / "source"
OUTLINE_GCJ02 = SOURCE_DIR / "yunyan_520103_outline_gcj02.geojson"
COMMUNITY_LIST = SOURCE_DIR / "communities.csv"
