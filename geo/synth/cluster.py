"""Weighted Lloyd (k-means) clustering of sample points, used to place partition seeds.

Coordinates are metric (EPSG:32648, metres). With weights proportional to population
density, the clusters hold about equal population: small where people are dense, large at
the edge of the city, which is how responsibility grids are drawn.
"""

from __future__ import annotations

import numpy as np


def nearest(points: np.ndarray, centres: np.ndarray, chunk: int = 20_000) -> np.ndarray:
    """Index of the nearest centre for each point (Euclidean, metres)."""
    out = np.empty(len(points), dtype=np.int64)
    cc = np.einsum("ij,ij->i", centres, centres)
    for start in range(0, len(points), chunk):
        p = points[start : start + chunk]
        d = cc[None, :] - 2.0 * p @ centres.T
        out[start : start + chunk] = np.argmin(d, axis=1)
    return out


def plus_plus_init(
    points: np.ndarray, weights: np.ndarray, k: int, rng: np.random.Generator
) -> np.ndarray:
    """k-means++ initial centres drawn from ``points`` with probability ~ weight * d²."""
    first = rng.choice(len(points), p=weights / weights.sum())
    centres = [points[first]]
    d2 = np.sum((points - centres[0]) ** 2, axis=1)
    for _ in range(1, k):
        p = weights * d2
        idx = rng.choice(len(points), p=p / p.sum())
        centres.append(points[idx])
        d2 = np.minimum(d2, np.sum((points - points[idx]) ** 2, axis=1))
    return np.array(centres)


def weighted_lloyd(
    points: np.ndarray,
    weights: np.ndarray,
    centres: np.ndarray,
    *,
    iterations: int = 30,
) -> np.ndarray:
    """Move ``centres`` to the weighted centroids of their clusters, ``iterations`` times.

    A centre that loses all its points stays where it is.
    """
    centres = np.array(centres, dtype=float)
    k = len(centres)
    for _ in range(iterations):
        label = nearest(points, centres)
        wsum = np.bincount(label, weights=weights, minlength=k)
        sx = np.bincount(label, weights=weights * points[:, 0], minlength=k)
        sy = np.bincount(label, weights=weights * points[:, 1], minlength=k)
        moved = wsum > 0
        new = centres.copy()
        new[moved, 0] = sx[moved] / wsum[moved]
        new[moved, 1] = sy[moved] / wsum[moved]
        if np.allclose(new, centres, atol=0.01):
            centres = new
            break
        centres = new
    return centres
