"""The compiled local search (engine/moves.py) makes exactly the moves of the solver's own
`_best_move`: same best gain for every person, in every state tried."""

from __future__ import annotations

import numpy as np
import pytest

from apps.matching.engine import EngineParams, check_violations, match_region, moves
from apps.matching.engine.cells import _prepare
from apps.matching.engine.edges import build_edges
from apps.matching.engine.solver import _EPS, CellSolver
from tests.bench.city import round_problem


def solver_for(n: int, seed: int) -> CellSolver:
    prob = round_problem(n, seed=seed, params=EngineParams(seed=seed))
    pop, venues = _prepare(prob)
    edges = build_edges(pop, prob.objective, prob.params)
    return CellSolver(pop, venues, prob.objective, prob.params, edges)


def compiled_gain(solver: CellSolver, p: int) -> float:
    a = solver._compiled()
    state, _, _ = solver._export()
    gain, *_ = moves.best_move(
        a.people, a.venues, a.objective, a.pairs, a.nbrs, solver._compiled_cache, state, p,
        _EPS, solver.params.search_neighbours,
    )  # fmt: skip
    return float(gain)


def python_gain(solver: CellSolver, p: int) -> float:
    found = solver._best_move(p, _EPS)
    return -np.inf if found is None else found[0]


@pytest.mark.parametrize("seed", [1, 2])
def test_best_move_of_every_person_matches_the_python_search(seed: int) -> None:
    solver = solver_for(300, seed)
    solver.match_pairs()  # a state with pairs, where joining and swapping moves exist
    rng = np.random.default_rng(seed)
    for step in range(3):
        gains = [(python_gain(solver, p), compiled_gain(solver, p)) for p in range(solver.n)]
        assert sum(np.isfinite(py) for py, _ in gains) > 10  # moves exist to be compared
        for py, compiled in gains:
            assert compiled == pytest.approx(py, abs=1e-9) or py == compiled == -np.inf
        # Next state: the local search's own result, then a few groups broken up.
        solver.local_search(1 + step)
        for gid in rng.choice(sorted(solver.groups), size=5, replace=False).tolist():
            solver._drop(gid)


def test_a_round_with_the_compiled_search_breaks_no_rule() -> None:
    prob = round_problem(1500, seed=5, params=EngineParams(seed=5, max_cell_size=500))

    result = match_region(prob)

    assert check_violations(prob, result) == []
    assert result.stats.matched > 0.85 * 1500


def test_a_search_restarted_after_changes_ends_where_nobody_can_improve() -> None:
    """After the first search converges, later ones start only from people whose group or a
    candidate's group changed; every other person must still have no improving move."""
    solver = solver_for(300, 3)
    solver.match_pairs()
    solver.local_search(8)
    rng = np.random.default_rng(3)
    for gid in rng.choice(sorted(solver.groups), size=8, replace=False).tolist():
        solver._drop(gid)  # changes the restarted search has to pick up
    solver.match_pairs()

    solver.local_search(8)

    active = [p for p in range(solver.n) if solver.nbrs[p] and solver.can_group[p]]
    assert [p for p in active if solver._best_move(p, _EPS) is not None] == []
