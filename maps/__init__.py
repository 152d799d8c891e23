"""Folium pages of workload and coverage, built from data handed in (maps never query the store).

Geometries and points are handed in as WGS84 (EPSG:4326, lon/lat degrees); pages draw them
on a Web Mercator basemap, shifted to GCJ-02 for display on Gaode's tiles (maps.shift).
Every script and stylesheet is served by gridmgr or inlined (maps.assets).
"""

from maps.assets import ASSET_BASE, asset_dir, asset_files, localize
from maps.basemaps import BASEMAPS
from maps.community import community_map
from maps.coverage import coverage_map
from maps.index import index_page
from maps.shift import display_shift
from maps.workload import workload_map

__all__ = [
    "ASSET_BASE",
    "BASEMAPS",
    "asset_dir",
    "asset_files",
    "community_map",
    "coverage_map",
    "display_shift",
    "index_page",
    "localize",
    "workload_map",
]
