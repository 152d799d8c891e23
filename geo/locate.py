"""Point -> responsibility grid: an in-process index over grid polygons in EPSG:4326.

A point (lon, lat in WGS84 degrees) belongs to the grid whose polygon covers it (GEOS covers:
interior or boundary). On an edge or vertex shared by several grids it belongs to the one
with the smallest code (codes compare as strings, which for equal-length digit codes is
numeric order). A point that no grid covers, or with a NaN or infinite coordinate, is
unassigned (-1); it is never snapped to a nearby grid. This is the answer of PostGIS
``ST_Covers(geom, point) ... ORDER BY code LIMIT 1``.

The index is a two-level lookup table over the grids' bounding box, in degrees. Fine cells
are squares of ``2**-fine_exp`` degrees (default 2**-15: about 3.0 m east-west by 3.4 m
north-south at 26.6 N); coarse cells hold ``2**sub_exp`` x ``2**sub_exp`` fine cells (default
8 x 8, about 24 m x 27 m). A cell that no polygon edge comes within ``_MARGIN`` fine cells
of is *pure*: every point in it has the answer of its centre, found at build time by
even-odd scanline filling of the polygons. The other fine cells are *mixed*: they keep the
grids that may cover part of them, in code order, and a point there is checked exactly with
GEOS (``intersects_xy`` on prepared polygons; for a point, intersects is covers). Coarse
cells without a mixed fine cell are stored once; the others point to a block of fine cells.
The cell sizes are powers of two, so a point's cell index is computed exactly.
"""

from collections.abc import Sequence

import numpy as np
import shapely
from numpy.typing import ArrayLike
from shapely.geometry.base import BaseGeometry

_MARGIN = 1e-6  # fine cells: far above the rounding of edge geometry, far below a cell
_CHUNK = 1 << 16  # points located at a time, so that temporaries stay in the CPU cache
_BIG = np.iinfo(np.int64).max


def _unique(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (by sorting: faster here than numpy's hash-based np.unique)."""
    values = np.sort(values)
    return values[np.r_[True, values[1:] != values[:-1]]] if values.size else values


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(s, s + c)`` for every start s and count c."""
    ends = np.cumsum(counts)
    return np.repeat(starts - ends + counts, counts) + np.arange(ends[-1] if len(ends) else 0)


class LocateIndex:
    """Locates points (lon, lat in EPSG:4326 degrees) in grid polygons; see the module doc.

    ``codes`` holds the grid codes in the order given to :meth:`build`; every answer is a
    position into it (int64), or -1 for a point no grid covers. Build the index with
    :meth:`build`; it is read-only afterwards and may be shared by threads.
    """

    codes: np.ndarray

    @classmethod
    def build(cls, codes: Sequence[str], geoms: Sequence[BaseGeometry], *, fine_exp: int = 15,
              sub_exp: int = 3) -> "LocateIndex":
        """Index ``geoms`` (valid Polygons / MultiPolygons in EPSG:4326) labelled ``codes``.

        Missing or empty geometries cover nothing. For the 1,254 bundled Yunyan grids (52,000
        vertices) a build takes about 0.3 s and the index holds about 10 MB.
        """
        codes = np.asarray([str(c) for c in codes], dtype=str)
        geoms = shapely.from_wkb(shapely.to_wkb(np.asarray(geoms, dtype=object)))  # own copies
        if codes.shape != geoms.shape:
            raise ValueError(f"{len(codes)} codes but {len(geoms)} geometries")
        kind = shapely.get_type_id(geoms)
        if not np.isin(kind[~shapely.is_empty(geoms) & (kind >= 0)], (3, 6)).all():
            raise ValueError("every grid geometry must be a Polygon or MultiPolygon")
        if not shapely.is_valid(geoms[kind >= 0]).all():
            raise ValueError("invalid grid geometry (see shapely.is_valid_reason)")
        shapely.prepare(geoms)
        self = cls()
        self.codes, self._geoms, self._bits = codes, geoms, sub_exp
        order = np.argsort(codes, kind="stable").astype(np.int64)  # rank -> position
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))

        # The table: one coarse cell of padding on every side, origin on a coarse multiple.
        cell, side = 2.0 ** -fine_exp, 1 << sub_exp
        big = cell * side
        bounds = shapely.total_bounds(geoms)
        bounds = np.zeros(4) if np.isnan(bounds).any() else bounds
        lo = np.floor(bounds[:2] / big) - 1
        ncx, ncy = (np.floor(bounds[2:] / big) - lo + 2).astype(int)
        self._x0, self._y0 = float(lo[0] * big), float(lo[1] * big)
        self._inv, self._ncx = 1.0 / cell, int(ncx)
        self._nfx, self._nfy = float(ncx * side), float(ncy * side)
        nfx = int(ncx) * side

        # Polygon edges in fine-cell units, with the position of their grid.
        parts, part_of = shapely.get_parts(geoms, return_index=True)
        rings, ring_of = shapely.get_rings(parts, return_index=True)
        xy, vertex_of = shapely.get_coordinates(rings, return_index=True)
        u, v = (xy[:, 0] - self._x0) * self._inv, (xy[:, 1] - self._y0) * self._inv
        edge = np.flatnonzero(vertex_of[1:] == vertex_of[:-1])
        ua, va, ub, vb = u[edge], v[edge], u[edge + 1], v[edge + 1]
        owner = part_of[ring_of[vertex_of[edge]]]

        cells, cell_edge = _edge_cells(ua, va, ub, vb, nfx)
        keys = _unique(cells)  # the mixed fine cells, as fy * nfx + fx
        blocks = _unique((keys // nfx >> sub_exp) * ncx + (keys % nfx >> sub_exp))
        is_block = np.zeros(int(ncx * ncy), dtype=bool)
        is_block[blocks] = True
        plain = np.flatnonzero(~is_block)

        # Fine cells to classify: every cell of the blocks, in table order, then the first
        # fine cell of every other coarse cell. Their centres get the smallest-code grid
        # whose scanline fill reaches them.
        local = np.arange(side * side)
        by, bx = blocks // ncx, blocks % ncx
        block_cells = (((by[:, None] << sub_exp) + (local >> sub_exp)) * nfx
                       + (bx[:, None] << sub_exp) + (local & side - 1)).ravel()
        wanted = np.concatenate([block_cells, (plain // ncx * nfx + plain % ncx) << sub_exp])
        q_sort = np.argsort(wanted)
        at, fill_rank = _fill(wanted[q_sort], ua, va, ub, vb, rank[owner], nfx)
        at = q_sort[at]
        best = np.full(len(wanted), len(order))
        np.minimum.at(best, at, fill_rank)
        value = np.append(order, -1)[best]

        # Mixed fine cells keep as candidates the grids of the edges near them and every grid
        # whose fill reaches their centre (one that covers the whole cell), in code order.
        n_block = len(block_cells)
        slot = (np.searchsorted(blocks, (keys // nfx >> sub_exp) * ncx + (keys % nfx >> sub_exp))
                * side * side + (keys // nfx & side - 1) * side + (keys % nfx & side - 1))
        mixed_id = np.full(n_block, -1)
        mixed_id[slot] = np.arange(len(keys))
        from_fill = at < n_block
        pair_cell = np.concatenate([np.searchsorted(keys, cells), mixed_id[at[from_fill]]])
        pair_rank = np.concatenate([rank[owner[cell_edge]], fill_rank[from_fill]])
        n = max(len(order), 1)
        pair = _unique(pair_cell[pair_cell >= 0] * n + pair_rank[pair_cell >= 0])
        self._ptr = np.searchsorted(pair // n, np.arange(len(keys) + 1)).astype(np.int32)
        self._cand = np.append(order, -1)[pair % n].astype(np.int32)

        self._fine = value[:n_block].astype(np.int32)
        self._fine[slot] = -2 - np.arange(len(keys))
        self._coarse = np.empty(int(ncx * ncy), dtype=np.int32)
        self._coarse[plain] = value[n_block:]
        self._coarse[blocks] = -2 - np.arange(len(blocks))
        self._coarse_mv, self._fine_mv = memoryview(self._coarse), memoryview(self._fine)
        self._ptr_mv, self._cand_mv = memoryview(self._ptr), memoryview(self._cand)
        self._geom_list = list(geoms)
        return self

    @property
    def nbytes(self) -> int:
        """Bytes held by the lookup tables (the prepared geometries come on top)."""
        return sum(a.nbytes for a in (self._coarse, self._fine, self._ptr, self._cand))

    def locate(self, lon: ArrayLike, lat: ArrayLike) -> np.ndarray:
        """Positions into ``codes`` (int64, -1 unassigned) of points lon, lat (degrees).

        ``lon`` and ``lat`` are array-likes of one shape (or scalars); the result has it too.
        """
        lon, lat = np.broadcast_arrays(np.asarray(lon, dtype=np.float64),
                                       np.asarray(lat, dtype=np.float64))
        flat_lon, flat_lat = lon.ravel(), lat.ravel()
        out = np.empty(flat_lon.size, dtype=np.int64)
        for start in range(0, flat_lon.size, _CHUNK):
            part = slice(start, start + _CHUNK)
            out[part] = self._locate_chunk(flat_lon[part], flat_lat[part])
        return out.reshape(lon.shape)

    def _locate_chunk(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        bits, mask = self._bits, (1 << self._bits) - 1
        fx = self._cell(lon, self._x0, self._nfx)
        fy = self._cell(lat, self._y0, self._nfy)
        coarse = (fy >> bits) * self._ncx + (fx >> bits)
        found = self._coarse.take(coarse)
        sel = np.flatnonzero(found < -1)
        if sel.size:
            slot = ((-2 - found[sel]) << 2 * bits) + ((fy[sel] & mask) << bits) + (fx[sel] & mask)
            fine = self._fine.take(slot)
            found[sel] = fine
            sel = sel[fine < -1]
            if sel.size:
                found[sel] = self._exact(lon[sel], lat[sel], -2 - found[sel])
        return found

    def _cell(self, values: np.ndarray, origin: float, limit: float) -> np.ndarray:
        """Fine cell numbers along one axis; NaN and points off the table go to its edge."""
        u = values - origin
        u *= self._inv
        np.fmax(u, 0.0, out=u)  # fmax turns NaN into 0: a padding cell, always unassigned
        np.fmin(u, limit - 0.5, out=u)
        return u.astype(np.int32)

    def _exact(self, lon: np.ndarray, lat: np.ndarray, mixed: np.ndarray) -> np.ndarray:
        """GEOS check of points in mixed cells: the first candidate (in code order) that hits."""
        starts = self._ptr[mixed]
        counts = self._ptr[mixed + 1] - starts
        cand = self._cand[_ranges(starts, counts)]
        point = np.repeat(np.arange(len(mixed)), counts)
        hit = np.flatnonzero(shapely.intersects_xy(self._geoms[cand], lon[point], lat[point]))
        first = hit[np.r_[True, point[hit[1:]] != point[hit[:-1]]]] if hit.size else hit
        out = np.full(len(mixed), -1, dtype=np.int32)
        out[point[first]] = cand[first]
        return out

    def locate_one(self, lon: float, lat: float) -> int:
        """Position into ``codes`` of one point lon, lat (degrees), or -1; as :meth:`locate`."""
        u = (lon - self._x0) * self._inv
        v = (lat - self._y0) * self._inv
        if not (0.0 <= u < self._nfx and 0.0 <= v < self._nfy):  # also NaN
            return -1
        fx, fy, bits = int(u), int(v), self._bits
        found = self._coarse_mv[(fy >> bits) * self._ncx + (fx >> bits)]
        if found >= -1:
            return found
        mask = (1 << bits) - 1
        found = self._fine_mv[((-2 - found) << 2 * bits) + ((fy & mask) << bits) + (fx & mask)]
        if found >= -1:
            return found
        ptr, cand, geoms = self._ptr_mv, self._cand_mv, self._geom_list
        for k in range(ptr[-2 - found], ptr[-1 - found]):
            if shapely.intersects_xy(geoms[cand[k]], lon, lat):
                return cand[k]
        return -1


def _edge_cells(ua, va, ub, vb, nfx: int) -> tuple[np.ndarray, np.ndarray]:
    """Fine cells (fy * nfx + fx) whose square, grown by _MARGIN, meets an edge; edge numbers.

    Edges are in fine-cell units. Each edge is cut into the columns it spans; in a column
    its y range (by interpolation, exact up to rounding far below _MARGIN) gives the rows.
    """
    swap = ub < ua
    ua, ub = np.where(swap, ub, ua), np.where(swap, ua, ub)
    va, vb = np.where(swap, vb, va), np.where(swap, va, vb)
    col0 = np.floor(ua - _MARGIN).astype(np.int64)
    n_col = np.floor(ub + _MARGIN).astype(np.int64) - col0 + 1
    e = np.repeat(np.arange(len(ua)), n_col)
    col = _ranges(col0, n_col)
    du = ub[e] - ua[e]
    with np.errstate(divide="ignore", invalid="ignore"):
        t0 = np.where(du > 0, (np.maximum(ua[e], col - _MARGIN) - ua[e]) / du, 0.0)
        t1 = np.where(du > 0, (np.minimum(ub[e], col + 1 + _MARGIN) - ua[e]) / du, 1.0)
    dv = vb[e] - va[e]
    y0 = va[e] + np.clip(t0, 0.0, 1.0) * dv
    y1 = va[e] + np.clip(t1, 0.0, 1.0) * dv
    row0 = np.floor(np.minimum(y0, y1) - _MARGIN).astype(np.int64)
    n_row = np.floor(np.maximum(y0, y1) + _MARGIN).astype(np.int64) - row0 + 1
    return _ranges(row0, n_row) * nfx + np.repeat(col, n_row), np.repeat(e, n_row)


def _fill(cells, ua, va, ub, vb, edge_rank, nfx: int) -> tuple[np.ndarray, np.ndarray]:
    """Even-odd scanline fill of the polygons at fine-cell centres, probed at sorted ``cells``.

    Returns pairs (index into cells, rank of a polygon whose fill holds that cell's centre).
    """
    lo, hi = np.minimum(va, vb), np.maximum(va, vb)
    row0 = np.ceil(lo - 0.5).astype(np.int64)
    n_row = np.maximum(np.ceil(hi - 0.5).astype(np.int64) - row0, 0)  # centres in [lo, hi)
    e = np.repeat(np.arange(len(ua)), n_row)
    row = _ranges(row0, n_row)
    x = ua[e] + (row + 0.5 - va[e]) * ((ub[e] - ua[e]) / (vb[e] - va[e]))
    by = np.lexsort((x, row, edge_rank[e]))
    x, row, r = x[by], row[by], edge_rank[e][by]
    start, stop = np.ceil(x[0::2] - 0.5), np.floor(x[1::2] - 0.5)  # centres in [x_in, x_out]
    row, r = row[0::2], r[0::2]
    first = np.searchsorted(cells, row * nfx + start.astype(np.int64))
    count = np.searchsorted(cells, row * nfx + stop.astype(np.int64), side="right") - first
    count = np.maximum(count, 0)
    return _ranges(first, count), np.repeat(r, count)
