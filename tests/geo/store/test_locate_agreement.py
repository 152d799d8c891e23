"""The in-process index answers exactly what the database's ST_Covers answers.

On both backends, over the bundled generation: random points across the district's bounding
box, every vertex of a sample of grids (shared by two or three grids), and points on shared
edges. Points on an edge shared by grids go to the smallest grid code, on both sides.
"""

import numpy as np
import pytest
import shapely

from geo.locate.locator import Locator


@pytest.fixture(scope="module")
def points(bundled_set):
    rng = np.random.default_rng(20261129)
    x0, y0, x1, y1 = bundled_set.district.total_bounds
    rand = np.column_stack([rng.uniform(x0, x1, 3000), rng.uniform(y0, y1, 3000)])
    grids = bundled_set.grids.geometry.to_numpy()
    sample = grids[rng.choice(len(grids), 40, replace=False)]
    vertices = np.unique(shapely.get_coordinates(sample), axis=0)
    # Points along edges shared by neighbouring grids (not only at vertices).
    tree = shapely.STRtree(grids)
    left, right = tree.query(sample, predicate="touches")
    shared = shapely.intersection(shapely.boundary(sample[left]), shapely.boundary(grids[right]))
    shared = shared[shapely.length(shared) > 0]
    along = shapely.get_coordinates(
        shapely.line_interpolate_point(
            shared, rng.uniform(0.05, 0.95, len(shared)), normalized=True
        )
    )
    return {"random": rand, "vertices": vertices, "edges": along}


@pytest.mark.parametrize("kind", ["random", "vertices", "edges"])
def test_index_agrees_with_database(loaded_store, points, kind):
    pts = points[kind]
    assert len(pts) > 100
    generation = loaded_store.active_generation()
    db = loaded_store.locate_in_database(pts[:, 0], pts[:, 1], generation=generation)
    gi, positions = Locator(loaded_store).locate(pts[:, 0], pts[:, 1])
    ours = [gi.grid_codes[p] if p >= 0 else None for p in positions]
    theirs = [r.grid_code for r in db]
    mismatches = [
        (tuple(pts[i]), ours[i], theirs[i]) for i in range(len(pts)) if ours[i] != theirs[i]
    ]
    assert mismatches == []
    if kind == "random":
        assert 0.2 < np.mean([t is None for t in theirs]) < 0.8  # both inside and outside
    else:
        assert all(t is not None for t in theirs)
    communities = [r.community_code for r in db]
    assert [gi.community_codes[p] if p >= 0 else None for p in positions] == communities


def test_locate_one_agrees_with_bulk(loaded_store, points):
    locator = Locator(loaded_store)
    pts = np.concatenate([points["vertices"][:300], points["random"][:300]])
    gi, positions = locator.locate(pts[:, 0], pts[:, 1])
    for (lon, lat), pos in zip(pts, positions, strict=True):
        found, _, _ = locator.locate_one(lon, lat)
        assert found.grid_code == (gi.grid_codes[pos] if pos >= 0 else None)
