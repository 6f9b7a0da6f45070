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

from .population import F64, I64, U64, VenueIndex

_FIRST_K = 16
_CHUNK = 40_000


def pair_travel(
    venues: VenueIndex,
    a: F64,
    b: F64,
    a_reach: F64,
    b_reach: F64,
    free_and: U64,
    kinds_and: U64,
) -> F64:
    """Per pair, the smallest possible farthest trip as a chord (inf: no feasible venue)."""
    n = len(a)
    best = np.full(n, np.inf)
    if venues.tree is None or n == 0:
        return best
    for start in range(0, n, _CHUNK):
        part = slice(start, min(n, start + _CHUNK))
        best[part] = _pair_chunk(
            venues, a[part], b[part], a_reach[part], b_reach[part], free_and[part], kinds_and[part]
        )
    return best


def _pair_chunk(
    venues: VenueIndex, a: F64, b: F64, ra: F64, rb: F64, free_and: U64, kinds_and: U64
) -> F64:
    assert venues.tree is not None
    n = len(a)
    best = np.full(n, np.inf)
    mid = (a + b) / 2.0
    limit = np.linalg.norm(a - b, axis=1) / 2.0 + np.minimum(ra, rb)
    todo = np.arange(n)
    k = min(_FIRST_K, venues.v)
    while todo.size:
        dist, idx = venues.tree.query(mid[todo], k=k)
        dist = dist.reshape(len(todo), k)
        idx = idx.reshape(len(todo), k)
        vx = venues.xyz[idx]  # (t, k, 3)
        ca = np.linalg.norm(vx - a[todo, None, :], axis=2)
        cb = np.linalg.norm(vx - b[todo, None, :], axis=2)
        ok = (ca <= ra[todo, None]) & (cb <= rb[todo, None])
        ok &= (venues.kind_arr[idx] & kinds_and[todo, None]) != 0
        ok &= np.any((venues.open_words[idx] & free_and[todo, None, :]) != 0, axis=2)
        found = np.where(ok, np.maximum(ca, cb), np.inf).min(axis=1)
        best[todo] = found
        last = dist[:, -1]
        done = (found <= last) | (last > limit[todo]) | (k >= venues.v)
        todo = todo[~done]
        k = min(k * 4, venues.v)
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


def group_travel(
    venues: VenueIndex, xyz: F64, reach: F64, free_and: int, kinds_and: int
) -> float:
    """The smallest possible farthest trip (chord) for these members, inf when none."""
    for trip, _ in ranked_venues(venues, xyz, reach, free_and, kinds_and):
        return trip
    return float("inf")


def members_xyz(xyz: F64, members: I64 | list[int] | tuple[int, ...]) -> F64:
    return xyz[np.asarray(members, dtype=np.int64)]
