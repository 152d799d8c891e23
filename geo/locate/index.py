"""Point -> responsibility grid: an in-process index over grid polygons in EPSG:4326.

A point (lon, lat, WGS84 degrees) belongs to the grid whose polygon covers it (GEOS covers:
interior or boundary); on an edge or vertex shared by several grids, to the one with the
smallest code (string order: numeric order for equal-length digit codes). A point no grid
covers, or with a NaN or infinite coordinate, is unassigned (-1), never snapped to a nearby
grid. This is the answer of PostGIS ``ST_Covers(geom, point) ... ORDER BY code LIMIT 1``.

The index is a two-level lookup table over the grids' bounding box, in degrees: fine cells
of ``2**-fine_exp`` degrees (default 2**-15: 3.0 m east-west, 3.4 m north-south at 26.6 N),
grouped ``2**sub_exp`` x ``2**sub_exp`` (default 8 x 8: 24 m x 27 m) into coarse cells. A
fine cell that no polygon edge comes within ``_MARGIN`` of is *pure*: all its points share
the answer of its centre, found at build time by even-odd scanline filling. The other fine
cells are *mixed*: they list the grids that may cover part of them, in code order, and a
point in one is checked exactly with GEOS (``intersects_xy`` on prepared polygons: for a
point, intersects is covers). A coarse cell without mixed cells is stored as one value, the
others as a block of fine cells. Cell sizes are powers of two and the table's origin is a
multiple of them: away from the equator and the prime meridian a point's cell is computed
without rounding, and elsewhere the rounding stays far below ``_MARGIN``.
"""

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import numpy.typing as npt
import shapely
from numpy.typing import ArrayLike
from shapely.geometry.base import BaseGeometry

_Floats = npt.NDArray[np.float64]
_Ints = npt.NDArray[np.signedinteger]  # cell, slot, rank and position numbers
_Pairs = tuple[_Ints, _Ints]  # (mixed cell number, code rank)

_MARGIN = 1e-6  # fine cells: far above the rounding of edge geometry, far below a cell
_MAX_COARSE_CELLS = 1 << 20  # larger extents get larger cells
_CHUNK = 1 << 16  # points located at a time, so that temporaries stay in the CPU cache
# shapely >= 2.2 has a scalar entry point that skips the ufunc machinery (0.3 us, not 3 us).
_intersects_xy_one: Callable[[BaseGeometry | None, float, float], bool | np.bool_] = (
    getattr(shapely.lib, "intersects_xy_scalar", None) or shapely.intersects_xy
)


class LocateIndex:
    """Locates points (lon, lat in EPSG:4326 degrees) in grid polygons; see the module doc.

    ``codes`` holds the grid codes in the order given to :meth:`build`; every answer is a
    position into it (int64), or -1 for a point no grid covers. The index is read-only once
    built (GEOS's lazy indexes of the prepared polygons included) and is meant to be shared.
    """

    codes: npt.NDArray[np.str_]
    # Prepared grid geometries (None where missing), as an array and as a list.
    _geoms: npt.NDArray[np.object_]
    _geom_list: list[BaseGeometry | None]
    # Table layout: fine cells per coarse side (log2), fine cells per degree, origin
    # (degrees), coarse cells per row, and the table's extent in fine cells.
    _bits: int
    _inv: float
    _x0: float
    _y0: float
    _ncx: int
    _nfx: float
    _nfy: float
    # The tables (values as in build) and memoryviews of them for locate_one.
    _coarse: npt.NDArray[np.int32]
    _fine: npt.NDArray[np.int32]
    _ptr: npt.NDArray[np.int32]
    _cand: npt.NDArray[np.int32]
    _views: tuple[memoryview, memoryview, memoryview, memoryview]

    @classmethod
    def build(
        cls,
        codes: Sequence[str],
        geoms: Sequence[BaseGeometry | None],
        *,
        fine_exp: int = 15,
        sub_exp: int = 3,
    ) -> "LocateIndex":
        """Index ``geoms`` (valid Polygons / MultiPolygons, EPSG:4326) labelled ``codes``.

        Fine cells are ``2**-fine_exp`` degrees, coarse cells ``2**sub_exp`` fine cells a side;
        cells grow (``fine_exp`` drops) until the coarse table has at most 2**20 cells.
        Missing or empty geometries cover nothing; the geometries are copied, not modified.
        Cost for the 1,254 bundled Yunyan grids (52,000 vertices), one core: about 0.4 s and
        a transient peak of about 90 MB; the tables then hold 13 MB (:attr:`nbytes`), plus
        the prepared copies of the polygons.
        """
        if not 0 <= sub_exp <= 5:  # keeps fine cell numbers within int32
            raise ValueError(f"sub_exp must be 0 to 5, not {sub_exp}")
        self = cls()
        self.codes = np.asarray([str(c) for c in codes], dtype=str)
        self._geoms = prepared = _checked_copy(geoms, len(self.codes))
        order = np.argsort(self.codes, kind="stable")  # code rank -> position
        rank, n_rank = np.argsort(order), len(order) + 1  # position -> code rank
        position = np.append(order, -1).astype(np.int32)  # rank len(order) is "no grid"

        # One coarse cell of padding on every side; the origin is a multiple of a coarse cell.
        bounds = np.nan_to_num(shapely.total_bounds(prepared) if len(prepared) else np.zeros(4))
        while True:
            big = 2.0 ** (sub_exp - fine_exp)
            low = np.floor(bounds[:2] / big) - 1
            ncx, ncy = (int(n) for n in (np.floor(bounds[2:] / big) - low + 2).astype(np.int64))
            if ncx * ncy <= _MAX_COARSE_CELLS:
                break
            fine_exp -= 1
        self._bits, side, self._inv = sub_exp, 1 << sub_exp, 2.0**fine_exp
        self._x0, self._y0 = float(low[0] * big), float(low[1] * big)
        self._ncx, self._nfx, self._nfy = ncx, float(ncx * side), float(ncy * side)
        nfx = ncx * side

        # Polygon edges in fine-cell units, the code rank of their grid, and the fine cells
        # (fy * nfx + fx) they come near: the mixed cells.
        parts, part_of = shapely.get_parts(prepared, return_index=True)
        rings, ring_of = shapely.get_rings(parts, return_index=True)
        xy, vertex_of = shapely.get_coordinates(rings, return_index=True)
        u, v = (xy[:, 0] - self._x0) * self._inv, (xy[:, 1] - self._y0) * self._inv
        e = np.flatnonzero(vertex_of[1:] == vertex_of[:-1])
        edges, edge_rank = (u[e], v[e], u[e + 1], v[e + 1]), rank[part_of[ring_of[vertex_of[e]]]]
        mixed, near_pairs = _edge_cells(*edges, edge_rank, nfx)

        # Blocks: the coarse cells holding mixed cells; plain: the others. Each mixed cell has
        # a slot in the fine table, which lists the blocks' cells block by block.
        fy, fx = np.divmod(mixed, nfx)
        blocks = _unique((fy >> sub_exp) * ncx + (fx >> sub_exp))
        slot = np.searchsorted(blocks, (fy >> sub_exp) * ncx + (fx >> sub_exp)) << 2 * sub_exp
        slot += ((fy & side - 1) << sub_exp) + (fx & side - 1)
        plain = np.ones(ncx * ncy, dtype=bool)
        plain[blocks] = False
        plain = np.flatnonzero(plain).astype(np.int32)  # int32: the table has < 2**31 cells

        # Centres to classify: every fine cell of the blocks, in table order, then the first
        # fine cell of every plain coarse cell.
        local = np.arange(side * side, dtype=np.int32)
        by, bx = np.divmod(blocks.astype(np.int32), ncx)
        probe = np.concatenate(
            [
                (
                    ((by[:, None] << sub_exp) + (local >> sub_exp)) * nfx
                    + (bx[:, None] << sub_exp)
                    + (local & side - 1)
                ).ravel(),
                (plain // ncx * nfx + plain % ncx) << sub_exp,
            ]
        )
        best, fill_pairs = _fill(probe, slot, *edges, edge_rank, len(order), nfx)
        n_block = len(blocks) << 2 * sub_exp
        # Table values: >= 0 a grid position, -1 no grid, -2 - k block k (coarse table) or
        # mixed cell k (fine table).
        self._coarse = np.empty(ncx * ncy, dtype=np.int32)
        self._coarse[plain] = position[best[n_block:]]
        self._coarse[blocks] = -2 - np.arange(len(blocks))
        self._fine = position[best[:n_block]]
        self._fine[slot] = -2 - np.arange(len(mixed))
        # Candidates of each mixed cell, in code order: the grids of the edges near it and
        # those whose fill holds its centre (as a grid covering the whole cell shows).
        cell, cand = (np.concatenate(a) for a in zip(near_pairs, fill_pairs, strict=True))
        pair = _unique(cell * n_rank + cand)
        self._ptr = np.searchsorted(pair // n_rank, np.arange(len(mixed) + 1)).astype(np.int32)
        self._cand = position[pair % n_rank]
        # Plain-Python views for locate_one: indexing a memoryview gives an int, fast.
        self._views = (self._coarse.data, self._fine.data, self._ptr.data, self._cand.data)
        self._geom_list = list(prepared)
        return self

    def tables(self) -> dict[str, npt.NDArray[np.generic]]:
        """The lookup tables and their layout as named arrays, for :meth:`from_tables`."""
        return {
            "layout": np.array([self._bits, self._ncx], dtype=np.int64),
            "origin": np.array([self._inv, self._x0, self._y0, self._nfx, self._nfy]),
            "coarse": self._coarse,
            "fine": self._fine,
            "ptr": self._ptr,
            "cand": self._cand,
        }

    @classmethod
    def from_tables(
        cls,
        codes: Sequence[str],
        geoms: Sequence[BaseGeometry | None],
        tables: Mapping[str, npt.NDArray[np.generic]],
    ) -> "LocateIndex":
        """The index :meth:`build` made over ``codes`` and ``geoms``, from its :meth:`tables`.

        The caller vouches that the tables were built over these very codes and geometries
        (in this order); this checks only that they fit together (ValueError otherwise).
        Costs a copy of the geometries, not a build (milliseconds for the Yunyan grids).
        """
        self = cls()
        self.codes = np.asarray([str(c) for c in codes], dtype=str)
        self._geoms = _checked_copy(geoms, len(self.codes))
        bits, ncx = (int(v) for v in tables["layout"])
        inv, x0, y0, nfx, nfy = (float(v) for v in tables["origin"])
        self._bits, self._ncx, self._inv, self._x0, self._y0 = bits, ncx, inv, x0, y0
        self._nfx, self._nfy = nfx, nfy
        arrays = [np.ascontiguousarray(tables[k]) for k in ("coarse", "fine", "ptr", "cand")]
        if any(a.dtype != np.int32 or a.ndim != 1 for a in arrays):
            raise ValueError("locate tables must be one-dimensional int32 arrays")
        self._coarse, self._fine, self._ptr, self._cand = arrays
        side, n = 1 << bits, len(self.codes)
        n_blocks = -1 - int(self._coarse.min(initial=-1))  # blocks are numbered -2, -3, ...
        n_mixed = -1 - int(self._fine.min(initial=-1))
        if (
            not 0 <= bits <= 5
            or nfx != ncx * side
            or len(self._coarse) != ncx * (nfy / side)
            or len(self._fine) != n_blocks * side * side
            or len(self._ptr) != n_mixed + 1
            or int(self._ptr[-1]) != len(self._cand)
            or max(self._coarse.max(initial=-1), self._fine.max(initial=-1)) >= n
            or (self._cand.size and not 0 <= self._cand.min() <= self._cand.max() < n)
        ):
            raise ValueError("the locate tables do not fit together or do not fit the grids")
        self._views = (self._coarse.data, self._fine.data, self._ptr.data, self._cand.data)
        self._geom_list = list(self._geoms)
        return self

    @property
    def nbytes(self) -> int:
        """Bytes held by the lookup tables (the prepared polygons come on top)."""
        return sum(a.nbytes for a in (self._coarse, self._fine, self._ptr, self._cand))

    def locate(self, lon: ArrayLike, lat: ArrayLike) -> npt.NDArray[np.int64]:
        """Positions into ``codes`` (int64; -1 unassigned) of points lon, lat (degrees).

        ``lon`` and ``lat`` are broadcast together; the result has their shape.
        """
        lon, lat = np.broadcast_arrays(
            np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
        )
        flat_lon, flat_lat, out = lon.ravel(), lat.ravel(), np.empty(lon.size, dtype=np.int64)
        for start in range(0, lon.size, _CHUNK):
            part = slice(start, start + _CHUNK)
            out[part] = self._locate_chunk(flat_lon[part], flat_lat[part])
        return out.reshape(lon.shape)

    def _locate_chunk(self, lon: _Floats, lat: _Floats) -> npt.NDArray[np.int32]:
        bits, mask = self._bits, (1 << self._bits) - 1
        fx, fy = self._cell(lon, self._x0, self._nfx), self._cell(lat, self._y0, self._nfy)
        found = self._coarse.take((fy >> bits) * self._ncx + (fx >> bits))
        sel = np.flatnonzero(found < -1)
        if sel.size:
            slot = ((-2 - found[sel]) << 2 * bits) + ((fy[sel] & mask) << bits) + (fx[sel] & mask)
            found[sel] = fine = self._fine.take(slot)
            sel = sel[fine < -1]
            if sel.size:
                found[sel] = self._exact(lon[sel], lat[sel], -2 - found[sel])
        return found

    def _cell(self, values: _Floats, origin: float, limit: float) -> npt.NDArray[np.int32]:
        """Fine cell numbers on one axis; NaN and points off the table go to its padding."""
        u = values - origin
        u *= self._inv
        np.fmax(u, 0.0, out=u)  # fmax turns NaN into 0
        np.fmin(u, limit - 0.5, out=u)
        return u.astype(np.int32)

    def _exact(self, lon: _Floats, lat: _Floats, mixed: _Ints) -> npt.NDArray[np.int32]:
        """GEOS check in mixed cells: the first candidate (code order) covering each point."""
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
        coarse, fine, ptr, cand = self._views
        found = coarse[(fy >> bits) * self._ncx + (fx >> bits)]
        if found >= -1:
            return found
        mask = (1 << bits) - 1
        found = fine[((-2 - found) << 2 * bits) + ((fy & mask) << bits) + (fx & mask)]
        if found >= -1:
            return found
        geoms = self._geom_list
        for k in range(ptr[-2 - found], ptr[-1 - found]):
            if _intersects_xy_one(geoms[cand[k]], lon, lat):
                return cand[k]
        return -1


def _checked_copy(given: Sequence[BaseGeometry | None], n: int) -> npt.NDArray[np.object_]:
    """Prepared copies of the grid geometries; ValueError for anything but valid polygons."""
    geoms = shapely.from_wkb(shapely.to_wkb(np.asarray(given, dtype=object)))
    if geoms.shape != (n,):
        raise ValueError(f"{n} codes but {len(geoms)} geometries")
    kind = shapely.get_type_id(geoms)
    if not np.isin(kind[(kind >= 0) & ~shapely.is_empty(geoms)], (3, 6)).all():
        raise ValueError("every grid geometry must be a Polygon or MultiPolygon")
    if not shapely.is_valid(geoms[kind >= 0]).all():
        raise ValueError("invalid grid geometry (see shapely.is_valid_reason)")
    shapely.prepare(geoms)
    bounds = shapely.bounds(geoms)  # a first query builds GEOS's lazy point-in-area indexes,
    shapely.intersects_xy(geoms, *((bounds[:, :2] + bounds[:, 2:]) / 2).T)  # not thread-safe
    return geoms


def _unique(values: _Ints) -> _Ints:
    """Sorted distinct values (by sorting: faster here than numpy's hash-based np.unique)."""
    values = np.sort(values)
    return values[np.r_[True, values[1:] != values[:-1]]] if values.size else values


def _ranges(starts: _Ints, counts: _Ints) -> _Ints:
    """Concatenated ``arange(s, s + c)`` for every start s and count c."""
    ends = np.cumsum(counts)
    return np.repeat(starts - ends + counts, counts) + np.arange(ends[-1] if ends.size else 0)


def _edge_cells(
    ua: _Floats, va: _Floats, ub: _Floats, vb: _Floats, edge_rank: _Ints, nfx: int
) -> tuple[_Ints, _Pairs]:
    """Mixed cells (sorted fy * nfx + fx) and pairs (mixed cell number, rank of a near edge).

    A cell is mixed when an edge meets its square grown by _MARGIN. Each edge is cut into the
    columns it spans; its y range in a column (by interpolation, exact up to rounding far
    below _MARGIN) gives the rows.
    """
    swap = ub < ua  # make every edge run left to right
    ua, ub, va, vb = (np.where(swap, b, a) for a, b in ((ua, ub), (ub, ua), (va, vb), (vb, va)))
    col0 = np.floor(ua - _MARGIN).astype(np.int64)
    n_col = np.floor(ub + _MARGIN).astype(np.int64) - col0 + 1
    e = np.repeat(np.arange(len(ua)), n_col)
    col = _ranges(col0, n_col)
    du, dv = ub[e] - ua[e], vb[e] - va[e]
    with np.errstate(divide="ignore", invalid="ignore"):  # vertical edges: the whole edge
        t0 = np.where(du > 0, (np.maximum(ua[e], col - _MARGIN) - ua[e]) / du, 0.0)
        t1 = np.where(du > 0, (np.minimum(ub[e], col + 1 + _MARGIN) - ua[e]) / du, 1.0)
    y0, y1 = va[e] + np.clip(t0, 0.0, 1.0) * dv, va[e] + np.clip(t1, 0.0, 1.0) * dv
    row0 = np.floor(np.minimum(y0, y1) - _MARGIN).astype(np.int64)
    n_row = np.floor(np.maximum(y0, y1) + _MARGIN).astype(np.int64) - row0 + 1
    cells = _ranges(row0, n_row) * nfx + np.repeat(col, n_row)
    mixed = _unique(cells)
    return mixed, (np.searchsorted(mixed, cells), edge_rank[np.repeat(e, n_row)])


def _fill(
    probe: _Ints,
    slot: _Ints,
    ua: _Floats,
    va: _Floats,
    ub: _Floats,
    vb: _Floats,
    edge_rank: _Ints,
    no_rank: int,
    nfx: int,
    chunk: int = 1 << 18,
) -> tuple[npt.NDArray[np.int32], _Pairs]:
    """Even-odd scanline fill of every polygon, read at the centres of the ``probe`` cells.

    Returns the smallest rank whose fill holds each probe centre (``no_rank`` for none) and
    the pairs (mixed cell number, rank) for the probes at ``slot`` (the mixed cells). A row's
    centre line crosses the edges with one end strictly above it and one on or below.
    """
    row0 = np.ceil(np.minimum(va, vb) - 0.5).astype(np.int64)
    n_row = np.maximum(np.ceil(np.maximum(va, vb) - 0.5).astype(np.int64) - row0, 0)
    e = np.repeat(np.arange(len(ua)), n_row)
    row = _ranges(row0, n_row)
    x = ua[e] + (row + 0.5 - va[e]) * ((ub[e] - ua[e]) / (vb[e] - va[e]))
    by = np.lexsort((x, row, edge_rank[e]))  # the crossings of one grid and row pair up
    x, row, rank = x[by], row[by], edge_rank[e][by][0::2].astype(np.int32)
    start = (row[0::2] * nfx + np.ceil(x[0::2] - 0.5)).astype(probe.dtype)  # centres in
    stop = (row[1::2] * nfx + np.floor(x[1::2] - 0.5)).astype(probe.dtype)  # [in, out]

    mixed_of = np.full(len(probe), -1, dtype=np.int32)
    mixed_of[slot] = np.arange(len(slot))
    by_cell = np.argsort(probe).astype(probe.dtype)
    cells = probe[by_cell]
    best = np.full(len(probe), no_rank, dtype=np.int32)
    pair_cells: list[_Ints] = []
    pair_ranks: list[_Ints] = []
    for lo in range(0, len(cells), chunk):  # in pieces, to bound the memory used
        part = cells[lo : lo + chunk]
        first = np.searchsorted(part, start)
        count = np.maximum(np.searchsorted(part, stop, side="right") - first, 0)
        at, hit_rank = by_cell[lo + _ranges(first, count)], np.repeat(rank, count)
        np.minimum.at(best, at, hit_rank)
        keep = mixed_of[at] >= 0
        pair_cells.append(mixed_of[at[keep]])
        pair_ranks.append(hit_rank[keep])
    return best, (np.concatenate(pair_cells), np.concatenate(pair_ranks))
