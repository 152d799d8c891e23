"""Exact polygon coverages from seed points: Voronoi edges, warped, noded and polygonised.

The edges of a partition are built once as lines and noded together with snap rounding, then
polygonised, so neighbouring polygons share the very same vertices: no gap and no overlap,
not even a floating-point one. Faces are then grouped by the seed they came from.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from geo.synth.warp import WarpField

_Geoms = npt.NDArray[np.object_]  # shapely geometries
_Ints = npt.NDArray[np.signedinteger]


def voronoi_lines(
    region_m: BaseGeometry,
    seeds_m: npt.NDArray[np.float64],
    warp: WarpField,
    *,
    densify_m: float,
    simplify_m: float,
) -> _Geoms:
    """Warped Voronoi edges of ``seeds_m`` that fall in ``region_m`` (all metric, metres).

    Edges overshoot the region by half a metre, so that after noding they split it cleanly;
    the overshoot becomes a dangle that polygonisation drops.
    """
    if len(seeds_m) < 2:
        return np.array([], dtype=object)
    margin = 3.0 * float(np.sum(warp.amplitudes)) + 10.0
    edges = shapely.voronoi_polygons(
        shapely.multipoints(seeds_m),
        extend_to=region_m.envelope.buffer(margin + 1000.0),
        only_edges=True,
    )
    lines = shapely.get_parts(shapely.intersection(edges, region_m.buffer(margin)))
    lines = shapely.segmentize(lines, densify_m)
    lines = shapely.transform(lines, warp.apply)
    lines = shapely.simplify(lines, simplify_m)
    lines = shapely.get_parts(shapely.intersection(lines, region_m.buffer(0.5)))
    keep: npt.NDArray[np.bool_] = (shapely.get_type_id(lines) == 1) & ~shapely.is_empty(lines)
    return lines[keep]


def polygonize(lines: _Geoms, grid_size: float) -> _Geoms:
    """Node ``lines`` with snap rounding to ``grid_size`` and return the faces they enclose."""
    noded = shapely.union_all(lines, grid_size=grid_size)
    return shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))


def _components(faces: _Geoms, members: _Ints) -> list[_Ints]:
    """Split face indices ``members`` into edge-connected components."""
    merged = shapely.union_all(faces[members])
    parts = shapely.get_parts(merged)
    if len(parts) == 1:
        return [members]
    pts = shapely.point_on_surface(faces[members])
    tree = shapely.STRtree(parts)
    idx_face, idx_part = tree.query(pts, predicate="within")
    which = np.full(len(members), -1)
    which[idx_face] = idx_part
    return [members[which == p] for p in range(len(parts))]


def group_faces(
    faces: _Geoms,
    labels: _Ints,
    zones: _Ints,
    *,
    min_area: Callable[[int], float] | None = None,
    area: Callable[[_Geoms], npt.NDArray[np.float64]],
    rounds: int = 12,
) -> dict[int, BaseGeometry]:
    """Union faces by label into one single-part polygon per label.

    ``labels`` gives each face's seed (-1 for none), ``zones`` the container it lies in
    (faces never merge across zones). A label's disconnected pieces other than its largest,
    unlabelled faces, and labels whose area is under ``min_area(zone)`` are handed to the
    neighbouring label of the same zone that shares the longest edge with them.
    ``area`` returns areas (any unit, used consistently) for an array of faces.
    """
    labels = labels.copy()
    face_area = area(faces)
    tree = shapely.STRtree(faces)
    bounds = shapely.boundary(faces)
    for _ in range(rounds):
        orphan = labels < 0
        for lab in np.unique(labels[labels >= 0]):
            members = np.flatnonzero(labels == lab)
            comps = _components(faces, members) if len(members) > 1 else [members]
            sizes = [face_area[c].sum() for c in comps]
            keep = int(np.argmax(sizes))
            for i, comp in enumerate(comps):
                if i != keep:
                    orphan[comp] = True
            zone = zones[members[0]]
            if min_area is not None and sizes[keep] < min_area(zone) and len(comps) >= 1:
                # Too small to be a grid of its own: dissolve it, if it has a neighbour.
                orphan[comps[keep]] = True
        if not orphan.any():
            break
        new_labels = labels.copy()
        for f in np.flatnonzero(orphan):
            cand = tree.query(faces[f], predicate="intersects")
            cand = cand[(cand != f) & (zones[cand] == zones[f]) & ~orphan[cand]]
            cand = cand[labels[cand] >= 0]
            if len(cand) == 0:
                continue
            shared = shapely.length(shapely.intersection(bounds[f], bounds[cand]))
            best = int(np.argmax(shared))
            if shared[best] > 0:
                new_labels[f] = labels[cand[best]]
        if np.array_equal(new_labels, labels):
            break
        labels = new_labels
    out = {}
    for lab in np.unique(labels[labels >= 0]):
        out[int(lab)] = shapely.union_all(faces[labels == lab])
    return out
