"""Region-wide pair re-matching (engine/pairs.py): as good as an exact blossom on the same
candidate graph, never worse than what it starts from, and blind to cell borders."""

from __future__ import annotations

import numpy as np
import pytest
import rustworkx as rx

from apps.matching.engine import match_region
from apps.matching.engine import pairs as pairs_module
from apps.matching.engine.cells import _prepare
from apps.matching.engine.edges import build_edges, exact_weights
from apps.matching.engine.pairs import best_pairs
from apps.matching.engine.validate import check_violations
from tests.bench.city import round_problem
from tests.matching.engine_helpers import person, problem, venue


def pair_total(prob, pairs) -> float:
    pop, venues = _prepare(prob)
    edges = build_edges(pop, prob.objective, prob.params, extra=list(pairs))
    w = exact_weights(pop, venues, prob.objective, edges, np.arange(len(edges)))
    lookup = dict(
        zip(zip(edges.i.tolist(), edges.j.tolist(), strict=True), w.tolist(), strict=True)
    )
    return sum(lookup[(min(a, b), max(a, b))] for a, b in pairs)


def blossom_optimum(prob) -> float:
    """Exact maximum-weight matching of the same candidate graph, every edge weight exact."""
    pop, venues = _prepare(prob)
    edges = build_edges(pop, prob.objective, prob.params)
    w = exact_weights(pop, venues, prob.objective, edges, np.arange(len(edges)))
    ok = w > 0
    graph = rx.PyGraph()
    graph.add_nodes_from(range(pop.n))
    micro = np.round(w[ok] * 1_000_000).astype(np.int64)  # blossom needs integer weights
    graph.add_edges_from(
        list(zip(edges.i[ok].tolist(), edges.j[ok].tolist(), micro.tolist(), strict=True))
    )
    matching = rx.max_weight_matching(graph, weight_fn=int)
    return sum(graph.get_edge_data(a, b) for a, b in matching) / 1_000_000


def run(prob, warm=()):
    pop, venues = _prepare(prob)
    return best_pairs(pop, venues, prob.objective, prob.params, list(warm))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_region_pairs_reach_the_exact_optimum_of_the_candidate_graph(seed: int) -> None:
    prob = round_problem(400, seed=seed, group_mix=(("pair", 1.0),))

    found = run(prob)

    assert len({p for pair in found for p in pair}) == 2 * len(found)  # nobody twice
    assert pair_total(prob, found) >= 0.999 * blossom_optimum(prob)


def test_odd_cycles_settled_one_at_a_time_stay_close_to_the_optimum(monkeypatch) -> None:
    # Large regions settle each odd cycle's neighbourhood on its own (their union is one giant
    # component in a city); force that path on a small one.
    monkeypatch.setattr(pairs_module, "_SETTLE_TOGETHER", 0)
    prob = round_problem(400, seed=1, group_mix=(("pair", 1.0),))

    found = run(prob)

    assert len({p for pair in found for p in pair}) == 2 * len(found)
    assert pair_total(prob, found) >= 0.995 * blossom_optimum(prob)


def test_three_people_who_all_fit_make_one_pair_not_a_cycle() -> None:
    # The relaxation's best answer is the 3-cycle (each person "half" with both others).
    prob = problem([person(1, 0.0), person(2, 0.2), person(3, 0.4)], [venue(1, 0.2)])

    found = run(prob)

    assert len(found) == 1
    assert pair_total(prob, found) == pytest.approx(blossom_optimum(prob))


def test_a_fourth_person_within_reach_of_one_of_them_makes_two_pairs() -> None:
    # 4 lives 4.9 km from 3 and farther than 5 km from 1 and 2: only 3 can be their partner.
    people = [person(1, 0.0), person(2, 0.2), person(3, 0.4), person(4, 5.3)]
    prob = problem(people, [venue(1, 0.1), venue(2, 2.85)], capacity=2)

    found = run(prob)

    pop, _ = _prepare(prob)
    assert sorted((int(pop.user_ids[a]), int(pop.user_ids[b])) for a, b in found) == [
        (1, 2),
        (3, 4),
    ]
    assert pair_total(prob, found) == pytest.approx(blossom_optimum(prob))


def test_never_worse_than_the_pairs_it_starts_from() -> None:
    prob = round_problem(300, seed=4, group_mix=(("pair", 1.0),))
    good = run(prob)

    again = run(prob, warm=good)

    assert pair_total(prob, again) >= pair_total(prob, good) - 1e-9


def test_best_partners_across_many_small_cells_find_each_other() -> None:
    # Twelve people in a row, 300 m apart, all sharing interest 1; k and k + 6 also share a rare
    # interest of their own, worth far more. Cells of four people split every such couple.
    people = [
        person(k, 0.3 * k, interest_ids=frozenset({1, 100 + k % 6}), group_size="pair")
        for k in range(12)
    ]
    venues = [venue(v, 0.3 * v) for v in range(12)]
    prob = problem(people, venues, capacity=12, max_cell_size=4)

    result = match_region(prob)

    assert check_violations(prob, result) == []
    assert {g.member_ids for g in result.groups} == {(k, k + 6) for k in range(6)}


def test_each_row_of_the_assignment_matrix_stores_its_diagonal_first() -> None:
    # scipy's full-matching check (Hopcroft-Karp) takes each row's first free column in stored
    # order; with the diagonal ("stays free") first it ends at once instead of searching
    # layered graphs for minutes (scipy gh-26147).
    rows = np.array([0, 1, 2, 0, 1, 1, 2], dtype=np.int64)
    cols = np.array([0, 1, 2, 1, 0, 2, 1], dtype=np.int64)
    cost = np.array([9.0, 9.0, 9.0, 1.0, 1.0, 2.0, 2.0])
    reordered = pairs_module._diagonal_first(
        3, rows[::-1].copy(), cols[::-1].copy(), cost[::-1].copy()
    )

    firsts = [int(reordered.indices[reordered.indptr[r]]) for r in range(3)]
    assert firsts == [0, 1, 2]
    assert reordered.toarray().tolist() == [[9.0, 1.0, 0.0], [1.0, 9.0, 2.0], [0.0, 2.0, 9.0]]
