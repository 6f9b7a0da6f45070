"""Exact weighted set packing of a small window (compiled branch and bound).

Given groups over at most 62 people (as bit masks) with values, the most valuable set of
pairwise disjoint groups. Depth first: the undecided person with the fewest groups still
possible either joins one of them or stays out. A branch is cut when even giving every undecided
person their best share (value / size) of a group still possible cannot beat the best packing
found.

It replaced a MILP (HiGHS through scipy) for the solver's exact windows: same optimum, without
the ~15 ms set-up cost of each solver call.
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.typing import NDArray

_EPS = 1e-9


def pack(
    members: list[int], options: list[tuple[int, ...]], values: list[float], floor: float = 0.0
) -> tuple[list[int], float]:
    """Indices of the best set of disjoint `options` (groups of `members`) and its value; only
    packings worth more than `floor` are searched for (none found: `([], 0.0)`)."""
    where = {m: r for r, m in enumerate(members)}
    keep = [k for k, v in enumerate(values) if v > _EPS]
    if not keep:
        return [], 0.0
    masks = np.array([sum(1 << where[m] for m in options[k]) for k in keep], dtype=np.int64)
    vals = np.array([values[k] for k in keep], dtype=np.float64)
    chosen = _pack(masks, vals, len(members), floor)
    picked = [keep[c] for c in chosen.tolist()]
    return picked, float(sum(values[k] for k in picked))


@numba.njit(cache=True)
def _pack(
    masks: NDArray[np.int64], values: NDArray[np.float64], n: int, floor: float
) -> NDArray[np.int64]:
    m = masks.shape[0]
    width = 1
    sizes = np.zeros(m, dtype=np.int64)
    for k in range(m):
        for e in range(n):
            if masks[k] >> e & 1:
                sizes[k] += 1
        width = max(width, sizes[k])
    members_of = np.full((m, width), -1, dtype=np.int64)
    per_member = np.empty(m)
    for k in range(m):
        x = 0
        for e in range(n):
            if masks[k] >> e & 1:
                members_of[k, x] = e
                x += 1
        per_member[k] = values[k] / sizes[k]
    # The groups holding each person (CSR), most valuable first: good packings come early.
    order = np.argsort(-values, kind="mergesort")
    holding_start = np.zeros(n + 1, dtype=np.int64)
    for k in range(m):
        for x in range(sizes[k]):
            holding_start[members_of[k, x] + 1] += 1
    for e in range(n):
        holding_start[e + 1] += holding_start[e]
    holding = np.empty(holding_start[n], dtype=np.int64)
    fill = holding_start[:-1].copy()
    for k in order:
        for x in range(sizes[k]):
            e = members_of[k, x]
            holding[fill[e]] = k
            fill[e] += 1

    # Depth first with an explicit stack. A level branches on the undecided person with the
    # fewest groups still possible: each such group in turn, then "stays out".
    covered = np.zeros(n + 2, dtype=np.int64)
    value = np.zeros(n + 2)
    person = np.zeros(n + 2, dtype=np.int64)
    nxt = np.zeros(n + 2, dtype=np.int64)
    done = np.zeros(n + 2, dtype=np.bool_)
    picked = np.zeros(n + 2, dtype=np.int64)
    pick = np.empty(n + 1, dtype=np.int64)
    share = np.zeros(n)
    count = np.zeros(n, dtype=np.int64)
    # Per level, the groups still possible there (a subset of its parent level's).
    alive = np.empty((n + 2, m), dtype=np.int64)
    n_alive = np.zeros(n + 2, dtype=np.int64)
    best_value = max(floor, 0.0)  # a cut below it loses nothing the caller wants
    best_pick = np.empty(0, dtype=np.int64)
    d = 0
    fresh = True
    while d >= 0:
        if fresh:  # entering level d
            fresh = False
            done[d] = True
            if value[d] > best_value + _EPS:
                best_value = value[d]
                best_pick = pick[: picked[d]].copy()
            # Bound: each undecided person at their best share (value / size) among the groups
            # still possible; no packing of them can pay more.
            share[:] = 0.0
            count[:] = 0
            kept = 0
            for a in range(m if d == 0 else n_alive[d - 1]):
                k = a if d == 0 else alive[d - 1, a]
                if masks[k] & covered[d] == 0:
                    alive[d, kept] = k
                    kept += 1
                    for x in range(sizes[k]):
                        y = members_of[k, x]
                        share[y] = max(share[y], per_member[k])
                        count[y] += 1
            n_alive[d] = kept
            if value[d] + share.sum() > best_value + _EPS:
                e, fewest = -1, m + 1
                for y in range(n):
                    if 0 < count[y] < fewest:
                        e, fewest = y, count[y]
                if e >= 0:
                    person[d], nxt[d], done[d] = e, holding_start[e], False
        if done[d]:
            d -= 1
            continue
        e = person[d]
        if nxt[d] < holding_start[e + 1]:
            k = holding[nxt[d]]
            nxt[d] += 1
            if masks[k] & covered[d]:
                continue
            pick[picked[d]] = k
            covered[d + 1] = covered[d] | masks[k]
            value[d + 1] = value[d] + values[k]
            picked[d + 1] = picked[d] + 1
        else:  # last branch: e stays out
            done[d] = True
            covered[d + 1] = covered[d] | (1 << e)
            value[d + 1] = value[d]
            picked[d + 1] = picked[d]
        d += 1
        fresh = True
    return best_pick
