"""Venue and slot for each group, under the per-venue-slot capacity, and the readable "why".

Groups are served best score first (ties by member ids). Each takes, among venues of a kind all
members accept and within every member's reach, the one with the shortest farthest trip that
still has room at a slot all members are free and the venue is open; at that venue, the lowest
slot index (the caller orders slots by preference, e.g. chronologically). A group for which no
venue-slot has room is dropped (its members stay free for the next round).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence

import numpy as np

from .geometry import EARTH_RADIUS_KM, chord_to_km
from .population import Population, VenueIndex
from .travel import first_ranked_venues, ranked_venues
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
    groups that found no room. `used` counts groups per (venue id, slot) and is updated.

    A group that finds every usable venue-slot full may take one from a group placed earlier
    in this call when that group can move to another venue-slot with room and the total score
    rises (one ejection step; the moved group's trip grows a little, the newcomer is matched
    instead of dropped)."""
    prepared = []
    ordered = [tuple(sorted(members)) for members in groups]
    nearest = first_ranked_venues(venues, pop, ordered, _FIRST_VENUES)
    flat = np.fromiter((m for ms in ordered for m in ms), dtype=np.int64)
    xyz, reach = pop.xyz[flat], pop.reach[flat]  # group k's rows: views, not copies
    at = 0
    for ms, (trips, found, complete) in zip(ordered, nearest, strict=True):
        value, free, kinds, ints = group_terms(pop, ms, objective)
        rows = slice(at, at + len(ms))
        at += len(ms)
        g = _Placing(ms, value, free, kinds, ints, xyz[rows], reach[rows])
        g.ranked, g.complete = (trips, found), complete
        prepared.append(g)
    # Best first; the key is a pure function of the input, so the order is deterministic.
    prepared.sort(key=lambda g: (-g.value, tuple(pop.user_ids[m] for m in g.members)))
    used = {} if used is None else used
    board = _Board(venues, objective, capacity, used)
    dropped: list[tuple[int, ...]] = []
    for g in prepared:
        spot = board.first_room(g)
        if spot is None and not board.eject_for(g):
            dropped.append(g.members)
        elif spot is not None:
            board.place(g, spot)
    out = _to_groups(pop, venues, objective, board.placed, interest_names)
    out.sort(key=lambda g: g.member_ids)
    return out, dropped


_NOWHERE = (-1, -1, math.inf)
_EJECT_VENUES = 8  # a dropped group looks at its nearest usable venues only
# Usable venues found up front per group (most take one of these); more only when needed.
_FIRST_VENUES = 8


class _Placing:
    """A group being given a venue-slot (`spot`: venue index, slot, farthest trip chord)."""

    __slots__ = (
        "complete",
        "free",
        "ints",
        "kinds",
        "members",
        "ranked",
        "reach",
        "spot",
        "value",
        "xyz",
    )

    def __init__(
        self,
        members: tuple[int, ...],
        value: float,
        free: int,
        kinds: int,
        ints: int,
        xyz: np.ndarray,
        reach: np.ndarray,
    ) -> None:
        self.members, self.value, self.free, self.kinds, self.ints = (
            members,
            value,
            free,
            kinds,
            ints,
        )
        self.xyz, self.reach = xyz, reach
        self.spot = _NOWHERE
        # Usable venues, nearest first (trip chords, venue indices): the first few, or all of
        # them once `complete`.
        self.ranked: tuple[list[float], list[int]] = ([], [])
        self.complete = False


class _Board:
    """Venue-slots taken so far (`used`, shared with the caller) and who took them here."""

    def __init__(
        self,
        venues: VenueIndex,
        objective: Objective,
        capacity: int,
        used: dict[tuple[int, int], int],
    ) -> None:
        self.venues, self.objective, self.capacity, self.used = venues, objective, capacity, used
        # Per venue index, the slots already at capacity (bits), kept in step with `used`.
        index = {int(vid): v for v, vid in enumerate(venues.venue_ids.tolist())}
        self.full: dict[int, int] = {}
        for (vid, slot), count in used.items():
            if count >= capacity and vid in index:
                self.full[index[vid]] = self.full.get(index[vid], 0) | (1 << slot)
        self.placed: list[_Placing] = []
        self.at: dict[tuple[int, int], list[_Placing]] = {}

    def key(self, v: int, slot: int) -> tuple[int, int]:
        return int(self.venues.venue_ids[v]), slot

    def ranked(self, g: _Placing) -> Iterator[tuple[float, int]]:
        """g's usable venues, nearest first; the full list is searched only when a walk gets
        past the first few."""
        trips, found = g.ranked
        yield from zip(trips, found, strict=True)
        if not g.complete:
            g.ranked = ranked_venues(self.venues, g.xyz, g.reach, g.free, g.kinds)
            g.complete = True
            more_trips, more_found = g.ranked
            yield from zip(more_trips[len(trips) :], more_found[len(found) :], strict=True)

    def spots(self, g: _Placing) -> Iterator[tuple[int, int, float]]:
        """Usable (venue, slot, trip) of g, nearest venue first, earliest slot first."""
        for trip_chord, v in self.ranked(g):
            slots = g.free & self.venues.open[v]
            while slots:
                low = slots & -slots
                yield v, low.bit_length() - 1, trip_chord
                slots ^= low

    def first_room(
        self, g: _Placing, skip: tuple[int, int] | None = None
    ) -> tuple[int, int, float] | None:
        for trip, v in self.ranked(g):
            slots = g.free & self.venues.open[v] & ~self.full.get(v, 0)
            while slots:
                low = slots & -slots
                slot = low.bit_length() - 1
                if self.key(v, slot) != skip:
                    return v, slot, trip
                slots ^= low
        return None

    def score(self, g: _Placing, trip_chord: float) -> float:
        return g.value - self.objective.travel_per_km * len(g.members) * _km(trip_chord)

    def place(self, g: _Placing, spot: tuple[int, int, float]) -> None:
        key = self.key(spot[0], spot[1])
        self.used[key] = self.used.get(key, 0) + 1
        if self.used[key] >= self.capacity:
            self.full[spot[0]] = self.full.get(spot[0], 0) | (1 << spot[1])
        self.at.setdefault(key, []).append(g)
        if g.spot is _NOWHERE:
            self.placed.append(g)
        g.spot = spot

    def unplace(self, g: _Placing) -> None:
        key = self.key(g.spot[0], g.spot[1])
        self.used[key] -= 1
        if self.used[key] < self.capacity:
            self.full[g.spot[0]] = self.full.get(g.spot[0], 0) & ~(1 << g.spot[1])
        self.at[key].remove(g)

    def eject_for(self, g: _Placing) -> bool:
        """Take a full venue-slot from a group that can move elsewhere, if the total gains."""
        best: tuple[float, _Placing, tuple[int, int, float], tuple[int, int, float]] | None = None
        venues_seen: set[int] = set()
        for v, slot, trip in self.spots(g):
            venues_seen.add(v)
            if len(venues_seen) > _EJECT_VENUES:
                break
            key = self.key(v, slot)
            gain_g = self.score(g, trip)
            if gain_g <= 0 or (best is not None and gain_g <= best[0]):
                continue
            for h in self.at.get(key, ()):
                alt = self.first_room(h, skip=key)
                if alt is None:
                    continue
                gain = gain_g - (self.score(h, h.spot[2]) - self.score(h, alt[2]))
                if gain > 1e-9 and (best is None or gain > best[0]):
                    best = (gain, h, alt, (v, slot, trip))
        if best is None:
            return False
        _, h, alt, spot = best
        self.unplace(h)
        self.place(h, alt)
        self.place(g, spot)
        return True


def _to_groups(
    pop: Population,
    venues: VenueIndex,
    objective: Objective,
    placed: Sequence[_Placing],
    interest_names: Mapping[int, str] | None,
) -> list[Group]:
    """The placed groups as `Group`s: every member's trip computed in one go."""
    if not placed:
        return []
    xyz = np.concatenate([g.xyz for g in placed])
    at_venue = np.repeat([g.spot[0] for g in placed], [len(g.members) for g in placed])
    chords = np.linalg.norm(xyz - venues.xyz[at_venue], axis=1)
    trips = np.round(chord_to_km(chords), 3).tolist()
    out = []
    at = 0
    for g in placed:
        v, slot, trip_chord = g.spot
        trip_km = tuple(trips[at : at + len(g.members)])
        at += len(g.members)
        score = g.value - objective.travel_per_km * len(g.members) * _km(trip_chord)
        shared = _shared(pop, g.ints)
        out.append(
            Group(
                member_ids=tuple(int(pop.user_ids[m]) for m in g.members),
                venue_id=int(venues.venue_ids[v]),
                slot=slot,
                score=round(float(score), 6),
                shared_interest_ids=shared,
                trip_km=trip_km,
                explanation=explain(shared, trip_km, interest_names),
            )
        )
    return out


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
