"""Compiled k-nearest search (numba): for each holder of an interest, its nearest other holders.

The candidate generator (`edges`) asks, for every interest, each holder's k nearest holders of
the same interest within the holder's reach. One k-d tree per interest answered that before; a
grid per interest, searched ring by ring, answers the same in one compiled call for all
interests, without building trees or crossing into Python per interest.

Points are the people's unit vectors (distances are chords); the grid lies on a plane tangent
to the population. Projecting onto a plane never lengthens a distance, so a point in ring r of
grid cells around the query's cell is at least (r - 1) * cell size away: once k points are held
and a ring starts farther than the k-th, or farther than the reach, the search stops. The k
nearest are found exactly; among points at exactly equal distance, the lower index wins.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numpy.typing import NDArray

from .plane import ring_buffer, ring_cells

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
U64 = NDArray[np.uint64]

_PER_CELL = (
    0.25  # holders per grid cell in their bounding box (homes cluster: most cells are empty)
)


@numba.njit(cache=True)
def holders_nearest(
    xyz: F64, uv: F64, words: U64, reach: F64, only: NDArray[np.bool_], k: int
) -> tuple[I64, I64]:
    """For every interest bit of `words` and every holder q of it (only where `only[q]`): q and
    its nearest holders of that bit, k + 1 at most (q itself among them), each within reach[q]
    of q. Returns the pairs (q, holder) flattened."""
    n = xyz.shape[0]
    bits = 64 * words.shape[1]
    # Holders per bit (CSR).
    held_bits = np.empty(bits, dtype=np.int64)
    count = np.zeros(bits + 1, dtype=np.int64)
    for p in range(n):
        for x in range(_set_bits(words, p, held_bits)):
            count[held_bits[x] + 1] += 1
    for t in range(bits):
        count[t + 1] += count[t]
    holders = np.empty(count[bits], dtype=np.int64)
    fill = count[:-1].copy()
    for p in range(n):
        for x in range(_set_bits(words, p, held_bits)):
            holders[fill[held_bits[x]]] = p
            fill[held_bits[x]] += 1
    # Output bound: each query yields at most min(k + 1, holders) points.
    total = 0
    for t in range(bits):
        h = count[t + 1] - count[t]
        if h < 2:
            continue
        for x in range(count[t], count[t + 1]):
            if only[holders[x]]:
                total += min(k + 1, h)
    out_q = np.empty(total, dtype=np.int64)
    out_p = np.empty(total, dtype=np.int64)
    used = 0
    best_d = np.empty(k + 1)
    best_i = np.empty(k + 1, dtype=np.int64)
    for t in range(bits):
        members = holders[count[t] : count[t + 1]]
        h = members.shape[0]
        if h < 2:
            continue
        used = _one_interest(xyz, uv, reach, only, members, k, best_d, best_i, out_q, out_p, used)
    return out_q[:used], out_p[:used]


@numba.njit(cache=True)
def _set_bits(words: U64, p: int, out: I64) -> int:
    """Positions of row p's set bits, ascending, written to `out`; returns how many."""
    k = 0
    for w in range(words.shape[1]):
        word = words[p, w]
        b = 0
        while word:
            if word & np.uint64(1):
                out[k] = 64 * w + b
                k += 1
            word >>= np.uint64(1)
            b += 1
    return k


@numba.njit(cache=True)
def _one_interest(xyz, uv, reach, only, members, k, best_d, best_i, out_q, out_p, used):
    h = members.shape[0]
    lo0, lo1, hi0, hi1 = math.inf, math.inf, -math.inf, -math.inf
    for x in range(h):
        p = members[x]
        lo0, hi0 = min(lo0, uv[p, 0]), max(hi0, uv[p, 0])
        lo1, hi1 = min(lo1, uv[p, 1]), max(hi1, uv[p, 1])
    width, height = hi0 - lo0, hi1 - lo1
    # About 1 / _PER_CELL cells per holder; never more than ~12 per holder, even when the
    # holders lie on a line (a flat box).
    size = max(math.sqrt(width * height * _PER_CELL / h), (width + height) / (4 * h), 1e-9)
    nx = int((hi0 - lo0) / size) + 1
    ny = int((hi1 - lo1) / size) + 1
    cells = ring_buffer(nx, ny)
    # Members by grid cell (CSR).
    start = np.zeros(nx * ny + 1, dtype=np.int64)
    cell_of = np.empty(h, dtype=np.int64)
    for x in range(h):
        p = members[x]
        c = int((uv[p, 0] - lo0) / size) * ny + int((uv[p, 1] - lo1) / size)
        cell_of[x] = c
        start[c + 1] += 1
    for c in range(nx * ny):
        start[c + 1] += start[c]
    order = np.empty(h, dtype=np.int64)
    fill = start[:-1].copy()
    for x in range(h):
        order[fill[cell_of[x]]] = members[x]
        fill[cell_of[x]] += 1
    want = min(k + 1, h)
    for x in range(h):
        q = members[x]
        if not only[q]:
            continue
        bound = reach[q] * (1 + 1e-9)
        cx = int((uv[q, 0] - lo0) / size)
        cy = int((uv[q, 1] - lo1) / size)
        held = 0
        r = 0
        u, v = uv[q, 0] - lo0, uv[q, 1] - lo1
        while True:
            # Rings before r cover the cells cx - r + 1 .. cx + r - 1 (and so in y): whatever
            # lies in ring r or beyond is at least as far as that square's nearest side.
            near = 0.0
            if r > 0:
                near = max(
                    0.0,
                    min(
                        u - (cx - r + 1) * size,
                        (cx + r) * size - u,
                        v - (cy - r + 1) * size,
                        (cy + r) * size - v,
                    ),
                )
            if near > bound or (held == want and near > best_d[held - 1]):
                break
            in_ring = ring_cells(cx, cy, r, nx, ny, cells)
            if in_ring < 0:
                break
            for ring_k in range(in_ring):
                c = cells[ring_k]
                for pos in range(start[c], start[c + 1]):
                    p = order[pos]
                    d = math.sqrt(
                        (xyz[p, 0] - xyz[q, 0]) ** 2
                        + (xyz[p, 1] - xyz[q, 1]) ** 2
                        + (xyz[p, 2] - xyz[q, 2]) ** 2
                    )
                    if d > bound:
                        continue
                    if held == want and (
                        d > best_d[held - 1] or (d == best_d[held - 1] and p > best_i[held - 1])
                    ):
                        continue
                    # Insert in order of (distance, index), dropping the farthest when full.
                    y = held if held < want else want - 1
                    while y > 0 and (
                        best_d[y - 1] > d or (best_d[y - 1] == d and best_i[y - 1] > p)
                    ):
                        best_d[y] = best_d[y - 1]
                        best_i[y] = best_i[y - 1]
                        y -= 1
                    best_d[y] = d
                    best_i[y] = p
                    if held < want:
                        held += 1
            r += 1
        for y in range(held):
            out_q[used] = q
            out_p[used] = best_i[y]
            used += 1
    return used
