"""Where the bundled data lives: ``data/boundaries`` at the top of the project."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BOUNDARIES_DIR = PROJECT_ROOT / "data" / "boundaries"
SOURCE_DIR = BOUNDARIES_DIR / "source"
OUTLINE_GCJ02 = SOURCE_DIR / "yunyan_520103_outline_gcj02.geojson"
COMMUNITY_LIST = SOURCE_DIR / "communities.csv"
