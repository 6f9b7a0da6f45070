"""The compiled venue search finds exactly what a brute force over every venue finds."""

from __future__ import annotations

import math

import numpy as np
import pytest

from apps.matching.engine import VenueOption
from apps.matching.engine.geometry import km_to_chord, to_xyz
from apps.matching.engine.population import Population, VenueIndex
from apps.matching.engine.travel import (
    first_ranked_venues,
    group_travel,
    pair_travel,
    ranked_venues,
)
from tests.matching.engine_helpers import at, person

KINDS = ("bar", "cafe", "library")
N_SLOTS = 70  # more than one 64-bit word of slots


def random_venues(rng: np.random.Generator, count: int, spread_km: float) -> VenueIndex:
    venues = []
    for k in range(count):
        lat, lng = at(*rng.uniform(-spread_km, spread_km, size=2))
        slots = frozenset(int(s) for s in rng.choice(N_SLOTS, size=8, replace=False))
        venues.append(VenueOption(k + 1, lat, lng, KINDS[k % 3], slots))
    return VenueIndex(venues, {kind: b for b, kind in enumerate(KINDS)}, N_SLOTS)


def random_members(rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
    centre = rng.uniform(-6, 6, size=2)
    points = [at(*(centre + rng.normal(0, 1.5, size=2))) for _ in range(size)]
    xyz = to_xyz(np.array([p[0] for p in points]), np.array([p[1] for p in points]))
    return xyz, km_to_chord(rng.uniform(1.0, 6.0, size=size))


def brute_force(
    venues: VenueIndex, xyz: np.ndarray, reach: np.ndarray, free: int, kinds: int
) -> list[tuple[float, int]]:
    found = []
    for v in range(venues.v):
        chords = np.linalg.norm(xyz - venues.xyz[v], axis=1)
        if venues.kind[v] & kinds and venues.open[v] & free and (chords <= reach).all():
            found.append((float(chords.max()), v))
    return sorted(found)


@pytest.mark.parametrize("size", [2, 3, 5, 6])
def test_best_and_ranked_venues_equal_a_brute_force_over_every_venue(size: int) -> None:
    rng = np.random.default_rng(size)
    venues = random_venues(rng, 400, spread_km=10.0)
    checked_with_venue = 0
    for _ in range(150):
        xyz, reach = random_members(rng, size)
        free = int(sum(1 << int(s) for s in rng.choice(N_SLOTS, size=30, replace=False)))
        kinds = int(rng.integers(1, 8))
        expected = brute_force(venues, xyz, reach, free, kinds)
        trips, ranked = ranked_venues(venues, xyz, reach, free, kinds)
        assert ranked == [v for _, v in expected]
        assert np.allclose(trips, [t for t, _ in expected], atol=1e-12)
        best = group_travel(venues, xyz, reach, free, kinds)
        assert best == pytest.approx(expected[0][0], abs=1e-12) if expected else math.isinf(best)
        checked_with_venue += bool(expected)
    assert 20 < checked_with_venue < 150  # both outcomes were exercised


def test_pair_trips_equal_a_brute_force_and_handle_slots_beyond_the_first_word() -> None:
    rng = np.random.default_rng(7)
    venues = random_venues(rng, 300, spread_km=8.0)
    count = 300
    a, ra = random_members(rng, count)
    b = a[rng.permutation(count)]
    rb = ra[rng.permutation(count)]
    free_words = rng.integers(0, 2**63, size=(count, 2), dtype=np.uint64)
    free_words[::3, 0] = 0  # only slots 64-69 in common
    kinds = rng.integers(1, 8, size=count).astype(np.uint64)
    trips = pair_travel(venues, a, b, ra, rb, free_words, kinds)
    for k in range(count):
        free = int(free_words[k, 0]) | (int(free_words[k, 1]) << 64)
        pair = np.stack([a[k], b[k]])
        expected = brute_force(venues, pair, np.array([ra[k], rb[k]]), free, int(kinds[k]))
        if expected:
            assert trips[k] == pytest.approx(expected[0][0], abs=1e-12)
        else:
            assert math.isinf(trips[k])


def test_no_venues_means_no_trip() -> None:
    venues = VenueIndex([], {}, N_SLOTS)
    xyz, reach = random_members(np.random.default_rng(1), 3)
    assert math.isinf(group_travel(venues, xyz, reach, 1, 1))
    assert ranked_venues(venues, xyz, reach, 1, 1) == ([], [])


def test_first_ranked_venues_are_the_head_of_the_full_ranking() -> None:
    """The venue pass asks for each group's nearest few usable venues in one call; they are
    exactly the first of the full ranking, and flagged complete only when nothing follows."""
    rng = np.random.default_rng(11)
    venues = random_venues(rng, 400, spread_km=10.0)
    people = []
    for k in range(120):
        east, north = rng.uniform(-3, 3, size=2)
        free = frozenset(int(s) for s in rng.choice(N_SLOTS, size=40, replace=False))
        kinds = frozenset(rng.choice(KINDS, size=int(rng.integers(1, 4)), replace=False))
        reach = float(rng.uniform(2.0, 7.0))
        people.append(
            person(k, east, north, free_slots=free, venue_kinds=kinds, max_travel_km=reach)
        )
    pop = Population(people, {1: 1.0}, {kind: b for b, kind in enumerate(KINDS)}, N_SLOTS, ())
    groups = [
        tuple(sorted(rng.choice(120, size=int(rng.integers(2, 6)), replace=False)))
        for _ in range(200)
    ]
    heads = first_ranked_venues(venues, pop, groups, 4)
    complete_seen = 0
    for members, (trips, found, complete) in zip(groups, heads, strict=True):
        rows = list(members)
        free = int(np.bitwise_and.reduce([pop.free[m] for m in rows]))
        kinds = int(np.bitwise_and.reduce([pop.kinds[m] for m in rows]))
        all_trips, everything = ranked_venues(venues, pop.xyz[rows], pop.reach[rows], free, kinds)
        assert found == everything[: len(found)]
        assert np.allclose(trips, all_trips[: len(found)], atol=1e-12)
        if complete:
            assert found == everything
        else:
            assert len(found) == 4  # the head; more may follow
        complete_seen += complete
    assert 10 < complete_seen < 190  # both outcomes were exercised
