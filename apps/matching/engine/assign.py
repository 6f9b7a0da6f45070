"""Venue and slot for each group, under the per-venue-slot capacity, and the readable "why".

Groups are served best score first (ties by member ids). Each takes, among venues of a kind all
members accept and within every member's reach, the one with the shortest farthest trip that
still has room at a slot all members are free and the venue is open; at that venue, the lowest
slot index (the caller orders slots by preference, e.g. chronologically). A group for which no
venue-slot has room is dropped (its members stay free for the next round).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from .geometry import EARTH_RADIUS_KM
from .population import Population, VenueIndex
from .travel import ranked_venues
from .types import Group, Objective

_TWO_R = 2.0 * EARTH_RADIUS_KM
EN_DASH = "\u2013"


def _km(chord: float) -> float:
    return _TWO_R * math.asin(min(1.0, chord / _TWO_R))


def group_terms(
    pop: Population, members: Sequence[int], objective: Objective
) -> tuple[float, int, int, int]:
    """(score without the travel term, common free slots, common kinds, common interests)."""
    s = len(members)
    interest_sum = 0.0
    for x in range(s):
        for y in range(x + 1, s):
            interest_sum += pop.interest_weights.sum_int(
                pop.interests[members[x]] & pop.interests[members[y]]
            )
    ints = kinds = free = -1
    for m in members:
        ints &= pop.interests[m]
        kinds &= pop.kinds[m]
        free &= pop.free[m]
    cap = objective.availability_cap
    avail = min(free.bit_count(), cap) / max(1, cap)
    value = s * (objective.base + objective.availability * avail) + 2.0 / (s - 1) * interest_sum
    return value, free, kinds, ints


def assign_venues(
    pop: Population,
    venues: VenueIndex,
    groups: Sequence[Sequence[int]],
    objective: Objective,
    capacity: int,
    interest_names: Mapping[int, str] | None,
    used: dict[tuple[int, int], int] | None = None,
) -> tuple[list[Group], list[tuple[int, ...]]]:
    """Groups (local indices) to `Group`s with venue, slot, trips and explanation; and the
    groups that found no room. `used` counts groups per (venue id, slot) and is updated."""
    prepared = []
    for members in groups:
        ms = tuple(sorted(members))
        value, free, kinds, ints = group_terms(pop, ms, objective)
        prepared.append((ms, value, free, kinds, ints))
    # Best first; the key is a pure function of the input, so the order is deterministic.
    prepared.sort(key=lambda g: (-g[1], tuple(pop.user_ids[m] for m in g[0])))
    used = {} if used is None else used
    out: list[Group] = []
    dropped: list[tuple[int, ...]] = []
    for ms, value, free, kinds, ints in prepared:
        idx = np.array(ms, dtype=np.int64)
        xyz = pop.xyz[idx]
        chosen: tuple[int, int, float] | None = None
        for trip_chord, v in ranked_venues(venues, xyz, pop.reach[idx], free, kinds):
            slots = free & venues.open[v]
            while slots:
                low = slots & -slots
                slot = low.bit_length() - 1
                if used.get((int(venues.venue_ids[v]), slot), 0) < capacity:
                    chosen = (v, slot, trip_chord)
                    break
                slots ^= low
            if chosen is not None:
                break
        if chosen is None:
            dropped.append(ms)
            continue
        v, slot, trip_chord = chosen
        key = (int(venues.venue_ids[v]), slot)
        used[key] = used.get(key, 0) + 1
        trips = np.linalg.norm(xyz - venues.xyz[v], axis=1)
        trip_km = tuple(round(_km(float(c)), 3) for c in trips)
        score = value - objective.travel_per_km * len(ms) * _km(trip_chord)
        shared = _shared(pop, ints)
        member_ids = tuple(int(pop.user_ids[m]) for m in ms)
        out.append(
            Group(
                member_ids=member_ids,
                venue_id=int(venues.venue_ids[v]),
                slot=slot,
                score=round(float(score), 6),
                shared_interest_ids=shared,
                trip_km=trip_km,
                explanation=explain(shared, trip_km, interest_names),
            )
        )
    out.sort(key=lambda g: g.member_ids)
    return out, dropped


def _shared(pop: Population, ints: int) -> tuple[int, ...]:
    ids = []
    while ints:
        low = ints & -ints
        bit = low.bit_length() - 1
        ids.append((-pop.interest_weights.bit_weights[bit], pop.interest_of_bit[bit]))
        ints ^= low
    return tuple(t for _, t in sorted(ids))


def explain(
    shared_interest_ids: Sequence[int],
    trip_km: Sequence[float],
    interest_names: Mapping[int, str] | None = None,
    *,
    max_named: int = 3,
) -> str:
    """E.g. "You all like board games and jazz · 0.8-2.1 km each" (with an en dash).

    Mentions only interests every member holds (rarest first) and trips to the venue, never a
    distance between people."""
    names = [
        (interest_names or {}).get(t, f"interest #{t}") for t in shared_interest_ids[:max_named]
    ]
    more = len(shared_interest_ids) - len(names)
    if more > 0:
        liked = f"{', '.join(names)} and {more} more"
    elif len(names) > 1:
        liked = f"{', '.join(names[:-1])} and {names[-1]}"
    else:
        liked = names[0] if names else "the same things"
    who = "You both like" if len(trip_km) == 2 else "You all like"
    lo, hi = min(trip_km, default=0.0), max(trip_km, default=0.0)
    trips = (
        f"{lo:.1f} km each" if f"{lo:.1f}" == f"{hi:.1f}" else f"{lo:.1f}{EN_DASH}{hi:.1f} km each"
    )
    return f"{who} {liked} · {trips}"
