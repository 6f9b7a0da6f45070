"""Exact venue search: the venue (open at a common free slot, of a kind everyone accepts, in
everyone's reach) that minimises the farthest member's trip.

The searches themselves are compiled loops over a grid of venues (`venue_grid`); this module
adapts the engine's bitsets (Python ints for groups, word arrays for edges) to them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import venue_grid
from .population import F64, U64, Population, VenueIndex

_MASK64 = (1 << 64) - 1


def _words(mask: int, n_words: int) -> U64:
    return np.array([(mask >> (64 * w)) & _MASK64 for w in range(n_words)], dtype=np.uint64)


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
    if venues.v == 0 or n == 0:
        return np.full(n, np.inf)
    return np.asarray(
        venue_grid.pair_trips(
            venues.kernel_args,
            np.ascontiguousarray(a, dtype=np.float64),
            np.ascontiguousarray(b, dtype=np.float64),
            np.ascontiguousarray(a_reach, dtype=np.float64),
            np.ascontiguousarray(b_reach, dtype=np.float64),
            np.ascontiguousarray(free_and, dtype=np.uint64),
            np.ascontiguousarray(kinds_and, dtype=np.uint64),
        )
    )


def ranked_venues(
    venues: VenueIndex, xyz: F64, reach: F64, free_and: int, kinds_and: int
) -> tuple[list[float], list[int]]:
    """Feasible venues by trip then venue index: (farthest trip chords, venue indices).

    `xyz`/`reach` are the members' points and reach chords; feasibility of a *slot* is only
    that some common free slot is open (the caller picks the slot)."""
    if venues.v == 0 or free_and == 0 or kinds_and == 0:
        return [], []
    trips, idx, _ = venue_grid.ranked(
        venues.kernel_args,
        np.ascontiguousarray(xyz, dtype=np.float64),
        np.ascontiguousarray(reach, dtype=np.float64),
        _words(free_and, venues.open_words.shape[1]),
        np.uint64(kinds_and & _MASK64),
        0,
    )
    return trips.tolist(), idx.tolist()


def first_ranked_venues(
    venues: VenueIndex, pop: Population, groups: Sequence[Sequence[int]], first: int
) -> list[tuple[list[float], list[int], bool]]:
    """Per group (local indices of `pop`), the first `first` venues of `ranked_venues` and
    whether that is all of them: one compiled call for every group."""
    if not groups:
        return []
    sizes = np.array([len(g) for g in groups], dtype=np.int64)
    member_start = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    members = np.fromiter((m for g in groups for m in g), dtype=np.int64, count=int(sizes.sum()))
    if venues.v == 0:
        return [([], [], True) for _ in groups]
    free = np.bitwise_and.reduceat(pop.free_words[members], member_start[:-1], axis=0)
    kinds = np.bitwise_and.reduceat(pop.kind_words[members, 0], member_start[:-1])
    offsets, trips, idx, complete = venue_grid.ranked_many(
        venues.kernel_args,
        pop.xyz,
        pop.reach,
        member_start,
        members,
        np.ascontiguousarray(free, dtype=np.uint64),
        np.ascontiguousarray(kinds, dtype=np.uint64),
        first,
    )
    at, trip, venue, done = offsets.tolist(), trips.tolist(), idx.tolist(), complete.tolist()
    return [
        (trip[at[g] : at[g + 1]], venue[at[g] : at[g + 1]], done[g]) for g in range(len(groups))
    ]


def group_travel(venues: VenueIndex, xyz: F64, reach: F64, free_and: int, kinds_and: int) -> float:
    """The smallest possible farthest trip (chord) for these members, inf when none."""
    if venues.v == 0 or free_and == 0 or kinds_and == 0:
        return float("inf")
    return float(
        venue_grid.best_trip(
            venues.kernel_args,
            np.ascontiguousarray(xyz, dtype=np.float64),
            np.ascontiguousarray(reach, dtype=np.float64),
            _words(free_and, venues.open_words.shape[1]),
            np.uint64(kinds_and & _MASK64),
        )
    )
