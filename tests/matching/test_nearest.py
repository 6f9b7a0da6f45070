"""The compiled nearest-holders search finds exactly what a brute force over every holder finds."""

from __future__ import annotations

import numpy as np
import pytest

from apps.matching.engine.geometry import km_to_chord, to_xyz
from apps.matching.engine.nearest import holders_nearest
from apps.matching.engine.plane import tangent_plane
from tests.matching.engine_helpers import at

N_BITS = 70  # interests over more than one 64-bit word


def random_people(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Homes clustered around a few centres (some people share a home exactly, so distances
    tie), Zipf-like interests, reach 0.5-8 km."""
    centres = rng.uniform(-8, 8, size=(5, 2))
    points = [at(*(centres[rng.integers(5)] + rng.normal(0, 1.2, size=2))) for _ in range(n)]
    for k in range(0, n, 17):
        points[k] = points[(k * 7) % n]
    xyz = to_xyz(np.array([p[0] for p in points]), np.array([p[1] for p in points]))
    popularity = 1.0 / np.arange(1, N_BITS + 1)
    words = np.zeros((n, 2), dtype=np.uint64)
    for p in range(n):
        for bit in rng.choice(N_BITS, size=4, replace=False, p=popularity / popularity.sum()):
            words[p, bit // 64] |= np.uint64(1) << np.uint64(bit % 64)
    return xyz, words, km_to_chord(rng.uniform(0.5, 8.0, size=n))


def brute_force(xyz, words, reach, only, k) -> set[tuple[int, int]]:
    expected = set()
    for bit in range(64 * words.shape[1]):
        has = (words[:, bit // 64] >> np.uint64(bit % 64)) & np.uint64(1) == 1
        holders = np.flatnonzero(has)
        if len(holders) < 2:
            continue
        for q in holders:
            if not only[q]:
                continue
            d = np.linalg.norm(xyz[holders] - xyz[q], axis=1)
            by_distance = sorted(zip(d.tolist(), holders.tolist(), strict=True))
            for dist, p in by_distance[: min(k + 1, len(holders))]:
                if dist <= reach[q] * (1 + 1e-9):
                    expected.add((int(q), int(p)))
    return expected


@pytest.mark.parametrize(("seed", "k", "share"), [(1, 8, 1.0), (2, 3, 1.0), (3, 40, 0.3)])
def test_holders_nearest_equals_a_brute_force_over_every_holder(
    seed: int, k: int, share: float
) -> None:
    rng = np.random.default_rng(seed)
    xyz, words, reach = random_people(rng, 600)
    only = rng.random(600) < share
    q, p = holders_nearest(xyz, tangent_plane(xyz), words, reach, only, k)
    assert set(zip(q.tolist(), p.tolist(), strict=True)) == brute_force(xyz, words, reach, only, k)


def test_holders_on_a_line_and_on_one_point_are_found() -> None:
    """Degenerate boxes (every holder on one street, or in one building) stay exact."""
    lats = np.array([48.1 + 0.0005 * i for i in range(50)] + [48.2] * 10)
    xyz = to_xyz(lats, np.full(60, 11.5))
    words = np.ones((60, 1), dtype=np.uint64)
    reach = km_to_chord(np.full(60, 3.0))
    only = np.ones(60, dtype=bool)
    q, p = holders_nearest(xyz, tangent_plane(xyz), words, reach, only, 5)
    assert set(zip(q.tolist(), p.tolist(), strict=True)) == brute_force(xyz, words, reach, only, 5)
