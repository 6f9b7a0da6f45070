"""Compiled venue search (numba): the venue that minimises the farthest member's trip.

Venues sit in a uniform grid over a plane tangent to the region. Projecting onto a plane never
lengthens a distance, so a venue within chord r of a point lies within r of the point's
projection: the grid finds every candidate, the exact chords decide. Searches run outward from
the group's centre c (the midpoint of its two farthest-apart members), ring of grid cells by
ring; for every venue v the farthest trip is at least |c - v| (triangle inequality), so once a
ring lies farther than the best trip found, no venue beyond can beat it. No feasible venue lies
farther from c than `limit` = min over members of |c - m| + reach(m).

A venue is usable by a group when its kind is one every member accepts, it is open at a slot
every member is free, and it is within every member's reach.

These loops used to be numpy calls on arrays of a handful of elements (k-d tree queries per
group), where the call overhead was the cost; compiled, a group's search takes microseconds.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numpy.typing import NDArray

from .plane import ring_buffer, ring_cells, tangent_basis

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
U64 = NDArray[np.uint64]

_CELL_CHORD_KM = 0.5  # grid cell side; the city's venues are a few per cell
_MAX_CELLS_PER_SIDE = 2000


class VenueGrid:
    """Venue indices bucketed by grid cell (CSR: `start[cell]..start[cell + 1]` in `order`)."""

    def __init__(self, xyz: F64) -> None:
        n = len(xyz)
        self.basis = tangent_basis(xyz)  # (2, 3)
        uv = xyz @ self.basis.T if n else np.zeros((0, 2))
        lo = uv.min(axis=0) if n else np.zeros(2)
        hi = uv.max(axis=0) if n else np.zeros(2)
        extent = float(max(hi[0] - lo[0], hi[1] - lo[1], 0.0))
        self.size = max(_CELL_CHORD_KM, extent / _MAX_CELLS_PER_SIDE)
        self.origin = lo
        self.nx = int((hi[0] - lo[0]) // self.size) + 1
        self.ny = int((hi[1] - lo[1]) // self.size) + 1
        cx = ((uv[:, 0] - lo[0]) // self.size).astype(np.int64) if n else np.zeros(0, np.int64)
        cy = ((uv[:, 1] - lo[1]) // self.size).astype(np.int64) if n else np.zeros(0, np.int64)
        cell = cx * self.ny + cy
        self.order = np.argsort(cell, kind="stable").astype(np.int64)
        counts = np.bincount(cell, minlength=self.nx * self.ny)
        self.start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self.params = np.array(
            [self.origin[0], self.origin[1], self.size, self.nx, self.ny], dtype=np.float64
        )


@numba.njit(cache=True, inline="always")
def _trip(vx: F64, m_xyz: F64, m_reach: F64) -> float:
    """The farthest member's chord to venue point vx, or inf when one is out of reach."""
    far = 0.0
    for k in range(m_xyz.shape[0]):
        d = math.sqrt(
            (vx[0] - m_xyz[k, 0]) ** 2 + (vx[1] - m_xyz[k, 1]) ** 2 + (vx[2] - m_xyz[k, 2]) ** 2
        )
        if d > m_reach[k]:
            return math.inf
        if d > far:
            far = d
    return far


@numba.njit(cache=True, inline="always")
def _usable(v: int, v_kind: U64, v_open: U64, free: U64, kinds: np.uint64) -> bool:
    if (v_kind[v] & kinds) == 0:
        return False
    for w in range(free.shape[0]):  # noqa: SIM110 (compiled: a plain loop, no generator)
        if (v_open[v, w] & free[w]) != 0:
            return True
    return False


@numba.njit(cache=True)
def _centre(m_xyz: F64) -> tuple[F64, float]:
    """Midpoint of the two farthest-apart members, and their squared chord."""
    s = m_xyz.shape[0]
    bi, bj, best = 0, 0, -1.0
    for i in range(s):
        for j in range(i + 1, s):
            d = 0.0
            for a in range(3):
                d += (m_xyz[i, a] - m_xyz[j, a]) ** 2
            if d > best:
                best, bi, bj = d, i, j
    c = np.empty(3)
    for a in range(3):
        c[a] = (m_xyz[bi, a] + m_xyz[bj, a]) / 2.0
    return c, best


@numba.njit(cache=True)
def _limit(c: F64, m_xyz: F64, m_reach: F64) -> float:
    out = math.inf
    for k in range(m_xyz.shape[0]):
        d = math.sqrt(
            (c[0] - m_xyz[k, 0]) ** 2 + (c[1] - m_xyz[k, 1]) ** 2 + (c[2] - m_xyz[k, 2]) ** 2
        )
        out = min(out, d + m_reach[k])
    return out


@numba.njit(cache=True)
def _projected(venues, c):
    """c's position on the tangent plane relative to the grid's origin, and the grid."""
    _, _, _, basis, grid, _, _ = venues
    u = c[0] * basis[0, 0] + c[1] * basis[0, 1] + c[2] * basis[0, 2] - grid[0]
    w = c[0] * basis[1, 0] + c[1] * basis[1, 1] + c[2] * basis[1, 2] - grid[1]
    return u, w, grid[2], int(grid[3]), int(grid[4])


@numba.njit(cache=True)
def _best(venues, c, limit, m_xyz, m_reach, free, kinds):
    """(smallest farthest trip chord, venue index) by rings around c; (inf, -1) when none.

    `venues` is `VenueIndex.kernel_args`: (xyz, kind bits, open-slot words, tangent basis,
    grid origin/size/shape, CSR cell starts, venue order)."""
    v_xyz, v_kind, v_open, _, _, start, order = venues
    u, w, size, nx, ny = _projected(venues, c)
    cx = math.floor(u / size)
    cy = math.floor(w / size)
    best, best_v = math.inf, -1
    cells = ring_buffer(nx, ny)
    r = 0
    while True:
        # Every point of ring r is at least (r - 1) * size from c's projection.
        near = (r - 1) * size
        if near > limit or near >= best:
            break
        in_ring = ring_cells(cx, cy, r, nx, ny, cells)
        if in_ring < 0:
            break
        for k in range(in_ring):
            for p in range(start[cells[k]], start[cells[k] + 1]):
                v = order[p]
                if not _usable(v, v_kind, v_open, free, kinds):
                    continue
                t = _trip(v_xyz[v], m_xyz, m_reach)
                if t < best or (t == best and v < best_v):
                    best, best_v = t, v
        r += 1
    return best, best_v


@numba.njit(cache=True)
def best_trip(venues, m_xyz: F64, m_reach: F64, free: U64, kinds: np.uint64) -> float:
    """The group's smallest farthest trip chord (inf: no usable venue)."""
    c, _ = _centre(m_xyz)
    t, _ = _best(venues, c, _limit(c, m_xyz, m_reach), m_xyz, m_reach, free, kinds)
    return t


@numba.njit(cache=True)
def pair_trips(venues, a: F64, b: F64, ra: F64, rb: F64, free: U64, kinds: U64) -> F64:
    """Per pair, the smallest farthest trip chord (inf: no usable venue)."""
    n = a.shape[0]
    out = np.empty(n)
    m_xyz = np.empty((2, 3))
    m_reach = np.empty(2)
    c = np.empty(3)
    for k in range(n):
        for x in range(3):
            m_xyz[0, x] = a[k, x]
            m_xyz[1, x] = b[k, x]
            c[x] = (a[k, x] + b[k, x]) / 2.0
        m_reach[0], m_reach[1] = ra[k], rb[k]
        half_sq = 0.0
        for x in range(3):
            half_sq += ((a[k, x] - b[k, x]) / 2.0) ** 2
        half = math.sqrt(half_sq)
        # A usable venue lies in both reach discs; there |v - c|^2 = (|v-a|^2 + |v-b|^2)/2 - half^2.
        lens = math.sqrt(max(0.0, (ra[k] ** 2 + rb[k] ** 2) / 2.0 - half_sq))
        limit = min(half + min(ra[k], rb[k]), lens) * (1 + 1e-12) + 1e-9
        out[k], _ = _best(venues, c, limit, m_xyz, m_reach, free[k], kinds[k])
    return out


@numba.njit(cache=True)
def _kth(values, k: int) -> float:
    return np.partition(np.array(values), k - 1)[k - 1]


@numba.njit(cache=True)
def ranked(
    venues, m_xyz: F64, m_reach: F64, free: U64, kinds: np.uint64, first: int
) -> tuple[F64, I64, bool]:
    """Usable venues within reach of all members, by (farthest trip chord, venue index): all
    of them when `first` is 0, else the first `first` (the search stops once the next ring
    lies farther than the first-th trip found). The flag says whether the list is complete."""
    v_xyz, v_kind, v_open, _, _, start, order = venues
    c, _ = _centre(m_xyz)
    limit = _limit(c, m_xyz, m_reach)
    u, w, size, nx, ny = _projected(venues, c)
    cx = math.floor(u / size)
    cy = math.floor(w / size)
    trips = [0.0 for _ in range(0)]
    idx = [0 for _ in range(0)]
    complete = True
    cells = ring_buffer(nx, ny)
    r = 0
    while True:
        near = (r - 1) * size  # every point of ring r is at least this far from c
        if near > limit:
            break
        in_ring = ring_cells(cx, cy, r, nx, ny, cells)
        if in_ring < 0:
            break
        # Nothing farther out can be among the first `first`:
        if first > 0 and len(trips) >= first and near > _kth(trips, first):
            complete = False
            break
        for k in range(in_ring):
            for p in range(start[cells[k]], start[cells[k] + 1]):
                v = order[p]
                if not _usable(v, v_kind, v_open, free, kinds):
                    continue
                t = _trip(v_xyz[v], m_xyz, m_reach)
                if t < math.inf:
                    trips.append(t)
                    idx.append(v)
        r += 1
    if len(trips) == 0:
        return np.empty(0, dtype=np.float64), np.empty(0, dtype=np.int64), complete
    t_arr = np.array(trips, dtype=np.float64)
    i_arr = np.array(idx, dtype=np.int64)
    by_index = np.argsort(i_arr)
    t_arr, i_arr = t_arr[by_index], i_arr[by_index]
    by_trip = np.argsort(t_arr, kind="mergesort")  # stable: ties stay by venue index
    t_arr, i_arr = t_arr[by_trip], i_arr[by_trip]
    if not complete:
        return t_arr[:first], i_arr[:first], complete
    return t_arr, i_arr, complete


@numba.njit(cache=True)
def ranked_many(
    venues,
    xyz: F64,
    reach: F64,
    member_start: I64,
    members: I64,
    free: U64,
    kinds: U64,
    first: int,
) -> tuple[I64, F64, I64, NDArray[np.bool_]]:
    """`ranked` for many groups at once (group g: members[member_start[g]:member_start[g + 1]],
    common free words free[g], common kinds kinds[g]): (offsets, trips, venue indices, complete
    flags), group g's list at offsets[g]:offsets[g + 1]."""
    groups = member_start.shape[0] - 1
    offsets = np.zeros(groups + 1, dtype=np.int64)
    parts_t = []
    parts_i = []
    complete = np.zeros(groups, dtype=np.bool_)
    for g in range(groups):
        who = members[member_start[g] : member_start[g + 1]]
        t, i, done = ranked(venues, xyz[who], reach[who], free[g], kinds[g], first)
        parts_t.append(t)
        parts_i.append(i)
        complete[g] = done
        offsets[g + 1] = offsets[g] + t.shape[0]
    trips = np.empty(offsets[groups], dtype=np.float64)
    idx = np.empty(offsets[groups], dtype=np.int64)
    for g in range(groups):
        trips[offsets[g] : offsets[g + 1]] = parts_t[g]
        idx[offsets[g] : offsets[g + 1]] = parts_i[g]
    return offsets, trips, idx, complete
