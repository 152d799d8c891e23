"""Display simplification keeps a valid coverage; the district page stays small."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from maps import workload_map
from maps.simplify import TOLERANCE, display_geometries, simplify_coverage

MAX_PAGE_BYTES = 2_000_000


@pytest.mark.parametrize("basemap", ["osm", "gaode"])
@pytest.mark.parametrize("layer", ["grids", "communities"])
def test_simplified_coverage_stays_valid(boundaries, basemap, layer):
    original = getattr(boundaries, layer).geometry.values
    shown = display_geometries(original, TOLERANCE, basemap=basemap)
    assert len(shown) == len(original)
    assert shapely.is_valid(shown).all()
    assert shapely.coverage_is_valid(shown)  # no overlaps, neighbours' edges match
    # No gaps: as many holes in the union as before, and the same outline.
    union_before = shapely.coverage_union_all(original)
    union_after = shapely.coverage_union_all(shown)
    holes = shapely.get_num_interior_rings
    assert holes(union_after) == holes(union_before)
    assert shapely.get_num_geometries(union_after) == shapely.get_num_geometries(union_before)
    # Nothing overlaps: the parts' areas add up to the union's.
    assert shapely.area(shown).sum() == pytest.approx(shapely.area(union_after), rel=1e-9)
    # Every vertex is rounded to 6 decimals.
    xy = shapely.get_coordinates(shown)
    assert np.abs(xy * 1e6 - np.round(xy * 1e6)).max() < 1e-6


def test_simplification_lightens_and_stays_close(boundaries):
    original = boundaries.communities.geometry.values
    shown = simplify_coverage(original, TOLERANCE)
    assert shapely.get_num_coordinates(shown).sum() < shapely.get_num_coordinates(original).sum()
    assert shapely.hausdorff_distance(shown, original).max() <= 2 * TOLERANCE
    assert simplify_coverage(original, 0) is not original
    assert all(
        shapely.equals_exact(a, b, 0)
        for a, b in zip(simplify_coverage(original, 0), original, strict=True)
    )


def test_simplified_coverage_is_reused_not_recomputed(boundaries):
    grids = boundaries.grids.geometry.values
    first = simplify_coverage(grids, TOLERANCE)
    again = simplify_coverage(grids.copy(), TOLERANCE)
    assert again is not first
    assert all(shapely.equals_exact(a, b, 0) for a, b in zip(first, again, strict=True))


def test_district_workload_page_is_at_most_2_mb(boundaries, community_rows):
    m = workload_map(boundaries.communities, boundaries.grids, community_rows, basemap="osm")
    size = len(m.get_root().render().encode("utf-8"))
    assert size <= MAX_PAGE_BYTES, f"{size:,} bytes"
