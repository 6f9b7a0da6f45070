"""Each person keeps their k best candidate edges: the compiled selection equals a sort."""

from __future__ import annotations

import numpy as np
import pytest

from apps.matching.engine.edges import _top_k_compiled


def by_sorting(n: int, i, j, score, jitter, k: int) -> np.ndarray:
    """Per person, incident edges (their i-side edges, then j-side, each in edge order) sorted
    stably by (score descending, jitter); the first k of every person's list are chosen."""
    chosen = np.zeros(len(i), dtype=bool)
    for v in range(n):
        incident = [e for e in range(len(i)) if i[e] == v] + [e for e in range(len(i)) if j[e] == v]
        ranked = sorted(incident, key=lambda e: (-score[e], jitter[e]))  # stable
        chosen[ranked[:k]] = True
    return chosen


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_top_k_selection_equals_a_stable_sort_ties_included(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m, k = 60, 900, 5
    a, b = rng.integers(0, n, size=m), rng.integers(0, n, size=m)
    keep = a != b
    i, j = np.minimum(a, b)[keep], np.maximum(a, b)[keep]
    score = np.round(rng.normal(size=len(i)))  # many equal scores
    jitter = np.round(rng.random(len(i)), 1)  # and equal jitters too

    chosen = _top_k_compiled(n, i, j, score, jitter, k)

    assert np.array_equal(chosen, by_sorting(n, i, j, score, jitter, k))
