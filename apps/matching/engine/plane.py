"""Points on a plane tangent to the sphere, bucketed in square grid cells searched ring by ring.

Both compiled grid searches (venues: `venue_grid`; people sharing an interest: `nearest`) use
these. Projecting onto a tangent plane never lengthens a distance, so whatever lies in ring r
of cells around a point's cell is at least (r - 1) * cell size away from the point.
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]


def tangent_basis(xyz: F64) -> F64:
    """Two orthonormal vectors (rows) spanning the plane tangent to the unit sphere at the mean
    of the points."""
    centre = xyz.mean(axis=0) if len(xyz) else np.array([1.0, 0.0, 0.0])
    normal = centre / max(float(np.linalg.norm(centre)), 1e-12)
    helper = np.array([0.0, 0.0, 1.0]) if abs(normal[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    e1 = np.cross(helper, normal)
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(normal, e1)
    return np.ascontiguousarray(np.stack([e1, e2]))


def tangent_plane(xyz: F64) -> F64:
    """Coordinates of the points on the plane tangent at their mean (`tangent_basis`)."""
    if not len(xyz):
        return np.zeros((0, 2))
    return np.ascontiguousarray(xyz @ tangent_basis(xyz).T)


@numba.njit(cache=True)
def ring_buffer(nx: int, ny: int) -> I64:
    """Room for the cells of any ring of an nx-by-ny grid (`ring_cells`)."""
    return np.empty(2 * (nx + ny) + 1, dtype=np.int64)


@numba.njit(cache=True)
def ring_cells(cx: int, cy: int, r: int, nx: int, ny: int, out: I64) -> int:
    """The cells (gx * ny + gy) of the grid at Chebyshev distance r from cell (cx, cy), written
    to `out`; returns how many, or -1 when the ring lies outside the grid on every side (and so
    will every later one)."""
    if cx - r < 0 and cx + r >= nx and cy - r < 0 and cy + r >= ny:
        return -1
    k = 0
    for gx in range(max(0, cx - r), min(nx - 1, cx + r) + 1):
        # Edge columns of the ring take every row; the others only its top and bottom.
        step = 1 if (gx == cx - r or gx == cx + r) else 2 * r
        for gy in range(cy - r, cy + r + 1, step):
            if 0 <= gy < ny:
                out[k] = gx * ny + gy
                k += 1
    return k
