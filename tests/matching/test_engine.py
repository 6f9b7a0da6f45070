"""The pure matching engine: hard constraints, venue and slot choice, cells, determinism.

No database: these are plain functions on frozen dataclasses.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from apps.matching.engine import (
    CellSolution,
    Group,
    MatchResult,
    cell_problem,
    check_violations,
    match_region,
    merge_cells,
    plan_cells,
    reference_score,
    solve_cell,
)
from apps.matching.engine.assign import EN_DASH
from tests.matching.engine_helpers import person, problem, venue


def groups_of(result: MatchResult) -> set[tuple[int, ...]]:
    return {g.member_ids for g in result.groups}


def solve(p: object) -> MatchResult:
    result = match_region(p)  # type: ignore[arg-type]
    assert check_violations(p, result) == []  # type: ignore[arg-type]
    return result


# ----------------------------------------------------------------------------- the happy path
def test_two_neighbours_sharing_an_interest_meet_at_a_venue_between_them() -> None:
    p = problem([person(1, -1.0), person(2, 1.0)], [venue(10, 0.0), venue(11, 3.0)])

    result = solve(p)

    assert groups_of(result) == {(1, 2)}
    group = result.groups[0]
    assert group.venue_id == 10
    assert group.trip_km == pytest.approx((1.0, 1.0), abs=0.01)
    assert result.unmatched_ids == ()


def test_venue_minimises_the_farthest_members_trip_not_the_sum() -> None:
    # Venue 10 is on top of person 1 (trips 0 and 2 km), venue 11 in the middle (1 and 1 km).
    p = problem([person(1, 0.0), person(2, 2.0)], [venue(10, 0.0), venue(11, 1.0, 0.1)])

    assert solve(p).groups[0].venue_id == 11


def test_slot_is_the_earliest_that_both_are_free_and_the_venue_is_open() -> None:
    p = problem(
        [
            person(1, 0, free_slots=frozenset({1, 3, 5})),
            person(2, 0.5, free_slots=frozenset({3, 5})),
        ],
        [venue(10, 0.2, open_slots=frozenset({5, 6}))],
    )

    assert solve(p).groups[0].slot == 5


def test_explanation_names_shared_interests_and_only_trips_to_the_venue() -> None:
    p = problem(
        [
            person(1, -0.8, interest_ids=frozenset({1, 2, 3})),
            person(2, 2.1, interest_ids=frozenset({2, 3, 4})),
        ],
        [venue(10, 0.0)],
        names={1: "Chess", 2: "Board games", 3: "Jazz", 4: "Hiking"},
    )

    group = solve(p).groups[0]

    assert set(group.shared_interest_ids) == {2, 3}
    assert group.explanation in (
        f"You both like Board games and Jazz · 0.8{EN_DASH}2.1 km each",
        f"You both like Jazz and Board games · 0.8{EN_DASH}2.1 km each",
    )


def test_groups_of_three_share_an_interest_everyone_holds() -> None:
    people = [
        person(1, 0.0, group_size="group", interest_ids=frozenset({7, 1})),
        person(2, 0.3, group_size="group", interest_ids=frozenset({7, 2})),
        person(3, 0.6, group_size="group", interest_ids=frozenset({7, 3})),
    ]

    result = solve(problem(people))

    assert groups_of(result) == {(1, 2, 3)}
    assert result.groups[0].shared_interest_ids == (7,)
    assert result.groups[0].explanation.startswith("You all like interest #7")


# ----------------------------------------------------------------------------- hard constraints
@pytest.mark.parametrize(
    ("first", "second", "together"),
    [
        # mutual reach uses the smaller max_travel_km
        ({"max_travel_km": 5.0}, {"max_travel_km": 5.0}, True),
        ({"max_travel_km": 5.0}, {"max_travel_km": 2.0}, False),
        # a common language
        ({"languages": frozenset({"de", "en"})}, {"languages": frozenset({"en"})}, True),
        ({"languages": frozenset({"de"})}, {"languages": frozenset({"fr"})}, False),
        # a shared interest
        ({"interest_ids": frozenset({1, 2})}, {"interest_ids": frozenset({2})}, True),
        ({"interest_ids": frozenset({1})}, {"interest_ids": frozenset({2})}, False),
        # a common free slot at which the venue is open
        ({"free_slots": frozenset({0, 1})}, {"free_slots": frozenset({1})}, True),
        ({"free_slots": frozenset({0})}, {"free_slots": frozenset({1})}, False),
        # size preference: pair or any may pair, group may not
        ({"group_size": "pair"}, {"group_size": "any"}, True),
        ({"group_size": "pair"}, {"group_size": "group"}, False),
        ({"group_size": "group"}, {"group_size": "group"}, False),
        # age ranges, in both directions; unknown age never fits a set range
        ({"age_min": 25, "age_max": 35}, {"age": 30}, True),
        ({"age_min": 25, "age_max": 35}, {"age": 40}, False),
        ({"age": 50}, {"age_max": 45}, False),
        ({"age_min": 20}, {"age": None}, False),
        ({"age": None}, {"age": None}, True),
        # the venue's kind must suit everyone; no preference accepts every kind
        ({"venue_kinds": frozenset({"cafe"})}, {"venue_kinds": frozenset()}, True),
        ({"venue_kinds": frozenset({"cafe"})}, {"venue_kinds": frozenset({"bar"})}, False),
    ],
)
def test_pair_constraints(first: dict, second: dict, together: bool) -> None:
    p = problem([person(1, 0.0, **first), person(2, 3.0, **second)], [venue(10, 1.5)])

    assert (groups_of(solve(p)) == {(1, 2)}) is together


@pytest.mark.parametrize("pair", [(1, 2), (2, 1)])
def test_blocked_people_are_never_matched_whoever_blocked(pair: tuple[int, int]) -> None:
    people = [person(1, 0.0), person(2, 0.5)]

    assert groups_of(solve(problem(people))) == {(1, 2)}
    assert groups_of(solve(problem(people, blocked=frozenset({pair})))) == set()


def test_recently_met_people_are_not_matched_again() -> None:
    people = [person(1, 0.0), person(2, 0.5), person(3, 0.7, interest_ids=frozenset({1}))]

    result = solve(problem(people, recently_met=frozenset({(2, 1)})))

    assert (1, 2) not in groups_of(result)


def test_the_venue_must_be_within_each_members_own_reach() -> None:
    # They live 1 km apart, but the only venue is 3 km from person 1, who travels 2 km at most.
    near = [person(1, 0.0, max_travel_km=2.0), person(2, 1.0)]

    assert groups_of(solve(problem(near, [venue(10, 0.5)]))) == {(1, 2)}
    assert groups_of(solve(problem(near, [venue(10, 3.0)]))) == set()


def test_a_closed_venue_is_not_used() -> None:
    people = [person(1, 0.0), person(2, 0.5)]

    assert groups_of(solve(problem(people, [venue(10, open_slots=frozenset({1}))]))) == set()


def test_each_venue_takes_at_most_the_configured_number_of_groups_per_slot() -> None:
    people = [person(k, 0.01 * k, interest_ids=frozenset({k // 2 + 10})) for k in range(4)]
    one_venue = [venue(10, 0.0, open_slots=frozenset({0}))]

    assert len(solve(problem(people, one_venue, capacity=1)).groups) == 1
    assert len(solve(problem(people, one_venue, capacity=2)).groups) == 2


def test_a_full_venue_slot_is_freed_when_its_group_can_move_to_another_venue() -> None:
    # The jazz fans (served first: two shared interests) prefer A but can also reach B; the
    # chess players can reach only A. Both pairs meet: the jazz fans move to B.
    jazz = [
        person(1, 0.5, interest_ids=frozenset({1, 2})),
        person(2, 0.7, interest_ids=frozenset({1, 2})),
    ]
    chess = [
        person(3, -3.0, interest_ids=frozenset({3}), max_travel_km=3.2),
        person(4, -2.6, interest_ids=frozenset({3}), max_travel_km=3.2),
    ]
    a, b = venue(10, 0.0, open_slots=frozenset({0})), venue(20, 1.5, open_slots=frozenset({0}))

    result = solve(problem(jazz + chess, [a, b], capacity=1))

    assert {g.member_ids: g.venue_id for g in result.groups} == {(1, 2): 20, (3, 4): 10}


def test_group_only_people_wait_for_a_third() -> None:
    two = [person(1, 0.0, group_size="group"), person(2, 0.3, group_size="group")]
    three = [*two, person(3, 0.6, group_size="any")]

    assert groups_of(solve(problem(two))) == set()
    assert groups_of(solve(problem(three))) == {(1, 2, 3)}


def test_a_pair_person_is_never_put_in_a_group() -> None:
    people = [
        person(1, 0.0, group_size="pair"),
        person(2, 0.2, group_size="group"),
        person(3, 0.4, group_size="group"),
        person(4, 0.6, group_size="any"),
    ]

    result = solve(problem(people))

    for g in result.groups:
        if 1 in g.member_ids:
            assert len(g.member_ids) == 2


def test_groups_never_exceed_six() -> None:
    people = [person(k, 0.05 * k, group_size="group") for k in range(1, 14)]

    result = solve(problem(people, capacity=5))

    assert result.groups
    assert all(3 <= len(g.member_ids) <= 6 for g in result.groups)


# ----------------------------------------------------------------------------- cells and borders
def test_two_people_on_either_side_of_a_cell_border_are_matched() -> None:
    # Two neighbourhoods 10 km apart; 1 and 2 live either side of the gap between them, share a
    # rare interest and nothing else with anyone else (all others share interest 1 among them).
    west = [
        person(k, -10.0 + 0.05 * k, interest_ids=frozenset({1}), max_travel_km=3.0)
        for k in range(10, 16)
    ]
    east = [
        person(k, 10.0 + 0.05 * k, interest_ids=frozenset({1}), max_travel_km=3.0)
        for k in range(20, 26)
    ]
    pair = [
        person(1, -0.6, interest_ids=frozenset({99})),
        person(2, 0.6, interest_ids=frozenset({99})),
    ]
    p = problem(
        west + pair + east,
        [venue(1, -10.0), venue(2, 0.0), venue(3, 10.0)],
        capacity=5,
        max_cell_size=7,
    )

    plan = plan_cells(p)
    cell_of = {u: c.index for c in plan.cells for u in c.user_ids}
    assert cell_of[1] != cell_of[2]

    result = solve(p)

    assert (1, 2) in groups_of(result)


@pytest.mark.parametrize("repair_passes", [0, 2])  # seam repair is off by default
def test_distributed_pipeline_equals_in_process_result(repair_passes: int) -> None:
    people = [
        person(
            k,
            0.3 * (k % 7),
            0.3 * (k // 7),
            interest_ids=frozenset({k % 3, 9}),
            free_slots=frozenset({k % 2, 2}),
        )
        for k in range(1, 43)
    ]
    p = problem(
        people,
        [venue(v, 0.6 * v, 0.6 * v) for v in range(1, 6)],
        capacity=3,
        max_cell_size=10,
        repair_passes=repair_passes,
    )

    plan = plan_cells(p)
    solutions = [
        CellSolution.from_json(solve_cell(cell_problem(p, plan, c.index), c.index).to_json())
        for c in plan.cells
    ]
    merged = merge_cells(p, plan, solutions)

    assert len(plan.cells) > 1
    assert merged.groups == solve(p).groups
    assert check_violations(p, merged) == []


# ----------------------------------------------------------------------------- determinism
def _crowd() -> list:
    return [
        person(
            k,
            0.2 * (k % 9),
            0.2 * (k // 9),
            interest_ids=frozenset({k % 4, k % 5 + 10}),
            group_size=("pair", "group", "any")[k % 3],
            free_slots=frozenset({k % 3, 3}),
        )
        for k in range(1, 60)
    ]


def test_same_input_same_result_whatever_the_order() -> None:
    venues = [venue(v, 0.4 * v, 0.3 * v, open_slots=frozenset(range(4))) for v in range(1, 6)]
    people = _crowd()

    first = solve(problem(people, venues, capacity=3))
    again = solve(problem(list(reversed(people)), list(reversed(venues)), capacity=3))

    assert first.groups == again.groups
    assert first.unmatched_ids == again.unmatched_ids


def test_workers_do_not_change_the_result() -> None:
    venues = [venue(v, 0.4 * v, 0.3 * v, open_slots=frozenset(range(4))) for v in range(1, 6)]
    p = problem(_crowd(), venues, capacity=3, max_cell_size=15)

    assert match_region(p, workers=2).groups == match_region(p).groups


# ----------------------------------------------------------------------------- degenerate input
@pytest.mark.parametrize(
    "people",
    [
        [],
        [person(1)],
        [person(1, interest_ids=frozenset()), person(2, interest_ids=frozenset())],
        [person(1, languages=frozenset()), person(2, languages=frozenset())],
        [person(1, free_slots=frozenset()), person(2, free_slots=frozenset())],
    ],
)
def test_nobody_to_match_gives_an_empty_result(people: list) -> None:
    result = solve(problem(people))

    assert result.groups == ()
    assert result.unmatched_ids == tuple(sorted(c.user_id for c in people))
    assert result.stats.participants == len(people)


def test_no_venues_means_no_groups() -> None:
    result = solve(problem([person(1), person(2, 0.5)], []))

    assert result.groups == ()
    assert result.unmatched_ids == (1, 2)


def test_duplicate_user_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="distinct"):
        match_region(problem([person(1), person(1, 0.5)]))


# ----------------------------------------------------------------------------- objective
def test_reported_scores_are_the_objective_of_the_adr() -> None:
    venues = [venue(v, 0.4 * v, 0.3 * v, open_slots=frozenset(range(4))) for v in range(1, 6)]
    p = problem(_crowd(), venues, capacity=50)

    result = solve(p)

    assert result.groups
    for g in result.groups:
        ref = reference_score(p, g.member_ids, venue_id=g.venue_id)
        assert ref is not None
        assert g.score == pytest.approx(ref.score, abs=1e-4)
    assert result.stats.objective == pytest.approx(sum(g.score for g in result.groups), abs=1e-3)


def test_a_free_person_is_matched_when_it_takes_rearranging_a_group_two_steps_away() -> None:
    # 1 can meet only 2 (interest 4), but 2 (pairs only) shares two interests with 3; the best
    # pairs are (2, 3) and (4, 5), leaving 1 alone. Better overall: 1 pairs with 2, and 3 moves
    # on to join 4 and 5 (interest 3). No single move gets there (each step alone loses), and
    # (4, 5) is not a candidate group of 1's: only a re-packing that reaches it finds this.
    people = [
        person(1, 0.0, interest_ids=frozenset({4})),
        person(2, 0.2, interest_ids=frozenset({2, 4, 5}), group_size="pair"),
        person(3, 0.4, interest_ids=frozenset({2, 3, 5})),
        person(4, 0.6, interest_ids=frozenset({3})),
        person(5, 0.8, interest_ids=frozenset({3})),
    ]
    p = replace(
        problem(people, [venue(10, 0.4)], capacity=2),
        interest_weights=dict.fromkeys(range(1, 6), 1.0),
    )

    result = solve(p)

    assert groups_of(result) == {(1, 2), (3, 4, 5)}
    assert result.unmatched_ids == ()


def test_validator_reports_every_broken_rule() -> None:
    p = problem(
        [
            person(1, 0.0, group_size="pair", age_min=40),
            person(2, 9.0, languages=frozenset({"fr"})),
        ],
        [venue(10, 0.0, open_slots=frozenset({3}))],
        blocked=frozenset({(1, 2)}),
    )
    bad = Group(
        member_ids=(1, 2),
        venue_id=10,
        slot=0,
        score=1.0,
        shared_interest_ids=(5,),
        trip_km=(0.0, 1.0),
        explanation="",
    )

    problems = "\n".join(check_violations(p, [bad, bad]))

    for expected in (
        "beyond reach",
        "blocked",
        "age range",
        "common language",
        "closed at slot",
        "trip",
        "shared interests",
        "more than one group",
    ):
        assert expected in problems
