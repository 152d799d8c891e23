"""Residents' committees and grid sequence numbers, west→east, north→south.

A community's grids are grouped into residents' committees of about ten neighbouring grids;
committees and the grids inside each are numbered in reading order: rows from north to
south, and west to east within a row. Points are WGS84 (lon, lat) in degrees.
"""

from __future__ import annotations

import numpy as np

from geo.synth.cluster import nearest, plus_plus_init, weighted_lloyd

GRIDS_PER_COMMITTEE = 10


def reading_order(lonlat: np.ndarray) -> np.ndarray:
    """Indices that sort points north→south in rows, west→east within each row.

    The row height is the typical spacing of the points (square root of their bounding-box
    area over their number), so a row holds roughly one line of neighbouring grids.
    """
    if len(lonlat) <= 1:
        return np.arange(len(lonlat))
    x = lonlat[:, 0] * np.cos(np.radians(lonlat[:, 1].mean()))
    y = lonlat[:, 1]
    span = max((np.ptp(x) * np.ptp(y)) / len(lonlat), 1e-12)
    row = np.floor((y.max() - y) / np.sqrt(span)).astype(np.int64)
    return np.lexsort((x, row))


def committees_and_sequences(lonlat: np.ndarray, rng: np.random.Generator) -> list[tuple[int, int]]:
    """(committee, sequence) for each point, both numbered from 1 in reading order."""
    n = len(lonlat)
    m = max(1, round(n / GRIDS_PER_COMMITTEE))
    xy = np.column_stack([lonlat[:, 0] * np.cos(np.radians(lonlat[:, 1].mean())), lonlat[:, 1]])
    w = np.ones(n)
    centres = weighted_lloyd(xy, w, plus_plus_init(xy, w, m, rng), iterations=30)
    label = nearest(xy, centres)
    used = np.unique(label)
    centre_lonlat = np.array([lonlat[label == u].mean(axis=0) for u in used])
    committee_no = {int(u): i + 1 for i, u in enumerate(used[reading_order(centre_lonlat)])}
    out: list[tuple[int, int]] = [(0, 0)] * n
    for u in used:
        members = np.flatnonzero(label == u)
        for seq, local in enumerate(reading_order(lonlat[members]), start=1):
            out[members[local]] = (committee_no[int(u)], seq)
    return out
