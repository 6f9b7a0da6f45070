"""Exact set packing of a window: the same optimum as a MILP, never two groups sharing anyone."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array

from apps.matching.engine.packing import pack


def milp_optimum(members: list[int], options: list[tuple[int, ...]], values: list[float]) -> float:
    where = {m: r for r, m in enumerate(members)}
    rows = [where[m] for g in options for m in g]
    cols = [k for k, g in enumerate(options) for _ in g]
    a = csr_array((np.ones(len(rows)), (rows, cols)), shape=(len(members), len(options)))
    res = milp(
        -np.maximum(np.array(values), 0.0),
        constraints=LinearConstraint(a, ub=np.ones(len(members))),
        integrality=np.ones(len(options)),
        bounds=Bounds(0, 1),
    )
    return float(-res.fun)


@pytest.mark.parametrize("seed", range(6))
def test_packing_equals_a_milp_optimum_and_uses_nobody_twice(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(40):
        members = sorted(rng.choice(500, size=int(rng.integers(3, 25)), replace=False).tolist())
        options = sorted(
            {
                tuple(sorted(rng.choice(members, size=int(rng.integers(2, 5)), replace=False)))
                for _ in range(int(rng.integers(1, 300)))
                if len(members) >= 4
            }
            | {tuple(members[:2])}
        )
        values = rng.uniform(-2.0, 10.0, size=len(options)).tolist()

        chosen, value = pack(members, options, values)

        used = [m for k in chosen for m in options[k]]
        assert len(used) == len(set(used))
        assert value == pytest.approx(sum(values[k] for k in chosen))
        assert value == pytest.approx(milp_optimum(members, options, values), abs=1e-6)


def test_worthless_groups_are_never_packed() -> None:
    assert pack([1, 2, 3], [(1, 2), (2, 3)], [0.0, -1.0]) == ([], 0.0)


def test_a_floor_at_or_above_the_optimum_finds_nothing_and_below_it_the_optimum() -> None:
    members = [1, 2, 3, 4]
    options = [(1, 2), (3, 4), (1, 3), (2, 4)]
    values = [3.0, 3.0, 2.0, 5.0]  # best: (1, 3) + (2, 4) = 7

    assert pack(members, options, values, floor=7.0) == ([], 0.0)
    assert pack(members, options, values, floor=6.9) == ([2, 3], 7.0)
