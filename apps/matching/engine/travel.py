"""Exact venue search: the venue (open at a common free slot, of a kind everyone accepts, in
everyone's reach) that minimises the farthest member's trip.

Branch and bound on the venue k-d tree around the midpoint m of two members i, j: for any venue
v, max(|i-v|, |j-v|) >= |m-v| (triangle inequality on chords), so once the best feasible trip
found among the k venues nearest to m is no larger than the k-th distance, no farther venue can
beat it; and no venue farther than |m-i| + reach_i can be feasible at all. Otherwise k grows 4x.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from scipy.spatial import cKDTree

from .population import F64, I64, U64, VenueIndex

_FIRST_K = 16


def pair_travel(
    venues: VenueIndex,
    a: F64,
    b: F64,
    a_reach: F64,
    b_reach: F64,
    free_and: U64,
    kinds_and: U64,
) -> F64:
    """Per pair, the smallest possible farthest trip as a chord (inf: no feasible venue).

    Searched per (slot, kind) in a k-d tree holding only the venues of that kind open at that
    slot, so every venue looked at is usable but for reach, and pairs with no usable venue at
    all cost nothing."""
    n = len(a)
    best = np.full(n, np.inf)
    if venues.tree is None or n == 0:
        return best
    mid = (a + b) / 2.0
    half = np.linalg.norm(a - b, axis=1) / 2.0
    # A usable venue lies in both reach discs; there |v - mid|^2 = (|v-a|^2 + |v-b|^2)/2 - half^2.
    lens = np.sqrt(np.maximum(0.0, (a_reach**2 + b_reach**2) / 2.0 - half**2))
    limit = np.minimum(half + np.minimum(a_reach, b_reach), lens) * (1 + 1e-12) + 1e-9
    n_kinds = 64
    for slot in range(venues.n_slots):
        w, bit = divmod(slot, 64)
        has_slot = ((free_and[:, w] >> np.uint64(bit)) & np.uint64(1)).astype(bool)
        if not has_slot.any():
            continue
        for kind in range(n_kinds):
            if not (kinds_and[has_slot] >> np.uint64(kind)).any():
                break
            sel = np.flatnonzero(has_slot & (((kinds_and >> np.uint64(kind)) & np.uint64(1)) == 1))
            if not len(sel):
                continue
            combo = venues.combo_tree(slot, kind)
            if combo is None:
                continue
            tree, members = combo
            found = _search(
                tree,
                venues.xyz[members],
                mid[sel],
                a[sel],
                b[sel],
                a_reach[sel],
                b_reach[sel],
                np.minimum(limit[sel], best[sel]),
            )
            best[sel] = np.minimum(best[sel], found)
    return best


def _search(
    tree: cKDTree, vxyz: F64, mid: F64, a: F64, b: F64, ra: F64, rb: F64, limit: F64
) -> F64:
    """Branch and bound over one tree; gives up past `limit` (nothing better can lie there)."""
    n = len(mid)
    best = np.full(n, np.inf)
    size = len(vxyz)
    todo = np.arange(n)
    k = min(4, size)
    while todo.size:
        dist, idx = tree.query(mid[todo], k=k)
        dist = dist.reshape(len(todo), k)
        idx = idx.reshape(len(todo), k)
        vx = vxyz[idx]
        ca = np.linalg.norm(vx - a[todo, None, :], axis=2)
        cb = np.linalg.norm(vx - b[todo, None, :], axis=2)
        ok = (ca <= ra[todo, None]) & (cb <= rb[todo, None])
        found = np.where(ok, np.maximum(ca, cb), np.inf).min(axis=1)
        best[todo] = found
        last = dist[:, -1]
        done = (found <= last) | (last > limit[todo]) | (k >= size)
        todo = todo[~done]
        k = min(k * 4, size)
    return best


def _group_center(xyz: F64) -> tuple[F64, int, int]:
    diff = xyz[:, None, :] - xyz[None, :, :]
    d = np.einsum("ijk,ijk->ij", diff, diff)
    flat = int(np.argmax(d))
    i, j = divmod(flat, len(xyz))
    return (xyz[i] + xyz[j]) / 2.0, i, j


def ranked_venues(
    venues: VenueIndex, xyz: F64, reach: F64, free_and: int, kinds_and: int
) -> Iterator[tuple[float, int]]:
    """Feasible venues (as (farthest trip chord, venue index)) in increasing trip order, lazily.

    `xyz`/`reach` are the members' points and reach chords; feasibility of a *slot* is only
    that some common free slot is open (the caller picks the slot)."""
    if venues.tree is None or free_and == 0 or kinds_and == 0:
        return
    center, _, _ = _group_center(xyz)
    limit = float(np.min(np.linalg.norm(xyz - center, axis=1) + reach))
    free_words = np.array(
        [(free_and >> (64 * w)) & ((1 << 64) - 1) for w in range(venues.open_words.shape[1])],
        dtype=np.uint64,
    )
    kinds = np.uint64(kinds_and)
    seen: set[int] = set()
    k = min(_FIRST_K, venues.v)
    while True:
        dist, idx = venues.tree.query(center, k=k)
        dist = np.atleast_1d(dist)
        idx = np.atleast_1d(idx)
        chords = np.linalg.norm(venues.xyz[idx][None, :, :] - xyz[:, None, :], axis=2)  # (s, k)
        ok = np.all(chords <= reach[:, None], axis=0)
        ok &= (venues.kind_arr[idx] & kinds) != 0
        ok &= np.any((venues.open_words[idx] & free_words) != 0, axis=1)
        far = chords.max(axis=0)
        last = float(dist[-1])
        exhausted = k >= venues.v or last > limit
        order = np.argsort(far, kind="stable")
        for pos in order:
            if not ok[pos]:
                continue
            trip = float(far[pos])
            if trip > last and not exhausted:
                break
            v = int(idx[pos])
            if v not in seen:
                seen.add(v)
                yield trip, v
        if exhausted:
            return
        k = min(k * 4, venues.v)


def group_travel(venues: VenueIndex, xyz: F64, reach: F64, free_and: int, kinds_and: int) -> float:
    """The smallest possible farthest trip (chord) for these members, inf when none."""
    for trip, _ in ranked_venues(venues, xyz, reach, free_and, kinds_and):
        return trip
    return float("inf")


def members_xyz(xyz: F64, members: I64 | list[int] | tuple[int, ...]) -> F64:
    return xyz[np.asarray(members, dtype=np.int64)]
