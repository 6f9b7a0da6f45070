"""Property: whatever the population, the engine never breaks a hard constraint, and the same
input always gives the same result."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from apps.matching.engine import (
    Candidate,
    EngineParams,
    Exclusions,
    MatchProblem,
    VenueOption,
    check_violations,
    match_region,
)
from tests.matching.engine_helpers import at

# Hypothesis keeps a cache in ./.hypothesis by default; pyproject's `norecursedirs` replaces
# pytest's defaults, so that folder would make the next run fail on a collection warning.
# var/ is ignored by git and by pytest.
set_hypothesis_home_dir(Path(__file__).resolve().parents[2] / "var" / "hypothesis")

# Small domains, so that many people could meet and the constraints actually bite.
coords = st.tuples(st.floats(-2, 2), st.floats(-2, 2))
slots = st.frozensets(st.integers(0, 3), min_size=1, max_size=3)
ranges = st.none() | st.none() | st.none() | st.integers(18, 70)


@st.composite
def candidates(draw: st.DrawFn, user_id: int) -> Candidate:
    east, north = draw(coords)
    lat, lng = at(east, north)
    age = draw(st.integers(18, 70) | st.none())
    lo, hi = draw(ranges), draw(ranges)
    return Candidate(
        user_id=user_id,
        lat=lat,
        lng=lng,
        max_travel_km=draw(st.sampled_from([0.5, 1.0, 2.0, 3.0, 5.0, 8.0])),
        interest_ids=draw(st.frozensets(st.integers(1, 5), min_size=1, max_size=3)),
        free_slots=draw(slots),
        languages=draw(st.frozensets(st.sampled_from(["de", "en", "tr"]), min_size=1, max_size=2)),
        group_size=draw(st.sampled_from(["pair", "group", "any"])),
        age=age,
        age_min=lo,
        age_max=hi,
        venue_kinds=draw(st.frozensets(st.sampled_from(["cafe", "bar", "library"]), max_size=1)),
    )


@st.composite
def problems(draw: st.DrawFn) -> MatchProblem:
    n = draw(st.integers(2, 28))
    ids = draw(st.lists(st.integers(1, 10_000), min_size=n, max_size=n, unique=True))
    people = tuple(draw(candidates(u)) for u in ids)
    venues = []
    for k in range(draw(st.integers(1, 8))):
        east, north = draw(coords)
        lat, lng = at(east, north)
        venues.append(
            VenueOption(
                venue_id=k + 1,
                lat=lat,
                lng=lng,
                kind=draw(st.sampled_from(["cafe", "bar", "library"])),
                open_slots=draw(slots | st.just(frozenset(range(4)))),
            )
        )
    pairs = st.tuples(st.sampled_from(ids), st.sampled_from(ids)) if ids else st.nothing()
    blocked = draw(st.frozensets(pairs, max_size=6)) if ids else frozenset()
    met = draw(st.frozensets(pairs, max_size=6)) if ids else frozenset()
    return MatchProblem(
        candidates=people,
        venues=tuple(venues),
        exclusions=Exclusions(blocked=blocked, recently_met=met),
        max_groups_per_venue_slot=draw(st.integers(1, 3)),
        params=EngineParams(
            max_cell_size=draw(st.sampled_from([4, 9, 1200])), seed=draw(st.integers(0, 3))
        ),
    )


@settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(problems())
def test_random_populations_never_produce_a_violation(problem: MatchProblem) -> None:
    result = match_region(problem)

    assert check_violations(problem, result) == []
    again = match_region(problem)
    assert (again.groups, again.unmatched_ids) == (result.groups, result.unmatched_ids)
    event(f"groups: {min(len(result.groups), 3)}{'+' if len(result.groups) >= 3 else ''}")
