"""Pairs: the engine against the exact optimum of the same objective on a whole region.

The exact optimum is rustworkx's maximum-weight matching of the region's complete feasible-pair
graph: every two people within mutual reach who satisfy every hard constraint and have a venue
and slot, weighted by the pair's score (docs/adr/0010). A sample of its edge weights is
re-derived by the brute-force reference scorer. Venue capacity is relaxed for the optimum, so
the engine's actual (capacity-bound) ratio is a lower bound of its true ratio.

    .venv/bin/python -m tests.bench.bench_exact_pairs [--n 5000] [--seeds 1 2 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import rustworkx as rx
from scipy.spatial import cKDTree

from apps.matching.engine import EngineParams, MatchProblem, check_violations, match_region
from apps.matching.engine.cells import _prepare
from apps.matching.engine.edges import pair_score
from apps.matching.engine.geometry import chord_to_km
from apps.matching.engine.population import popcount
from apps.matching.engine.travel import pair_travel
from apps.matching.engine.validate import reference_score
from tests.bench.city import munich_venues, round_problem

SCALE = 1_000_000


def exact_pairs(problem: MatchProblem, sample: int = 300) -> tuple[float, int, int, float]:
    """(optimal objective, matched people, feasible edges, max sampled weight error)."""
    pop, venues = _prepare(problem)
    tree = cKDTree(pop.xyz)
    pairs = tree.query_pairs(r=float(pop.reach.max()), output_type="ndarray")
    i, j = pairs[:, 0].astype(np.int64), pairs[:, 1].astype(np.int64)
    ok = pop.pair_ok(i, j) & pop.can_pair[i] & pop.can_pair[j]
    i, j = i[ok], j[ok]
    obj = problem.objective
    interest = pop.interest_weights.sum(pop.interest_words[i] & pop.interest_words[j])
    common = popcount(pop.free_words[i] & pop.free_words[j])
    avail = np.minimum(common, obj.availability_cap) / max(1, obj.availability_cap)
    trip = pair_travel(
        venues,
        pop.xyz[i],
        pop.xyz[j],
        pop.reach[i],
        pop.reach[j],
        pop.free_words[i] & pop.free_words[j],
        (pop.kind_words[i] & pop.kind_words[j])[:, 0],
    )
    feasible = np.isfinite(trip)
    i, j, interest, avail = i[feasible], j[feasible], interest[feasible], avail[feasible]
    w = pair_score(obj, interest, avail, chord_to_km(trip[feasible]))
    positive = w > 0
    i, j, w = i[positive], j[positive], w[positive]

    rng = np.random.default_rng(0)
    err = 0.0
    for k in rng.choice(len(i), size=min(sample, len(i)), replace=False):
        ref = reference_score(problem, [int(pop.user_ids[i[k]]), int(pop.user_ids[j[k]])])
        assert ref is not None
        err = max(err, abs(ref.score - float(w[k])))

    graph = rx.PyGraph()
    graph.add_nodes_from(range(pop.n))
    graph.add_edges_from(
        list(
            zip(i.tolist(), j.tolist(), np.round(w * SCALE).astype(np.int64).tolist(), strict=True)
        )
    )
    matching = rx.max_weight_matching(graph, weight_fn=lambda x: x)
    lookup = {(a, b): float(x) for a, b, x in zip(i.tolist(), j.tolist(), w.tolist(), strict=True)}
    total = sum(lookup[(min(a, b), max(a, b))] for a, b in matching)
    return total, 2 * len(matching), len(i), err


def relaxed_objective(problem: MatchProblem, groups: list[tuple[int, ...]]) -> float:
    """Engine groups scored at their best venue, capacity ignored (what the optimum assumes)."""
    weights = None
    total = 0.0
    for g in groups:
        ev = reference_score(problem, g, weights)
        assert ev is not None
        total += ev.score
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--cell", type=int, nargs="+", default=[EngineParams().max_cell_size])
    args = parser.parse_args()
    munich_venues()
    print(
        f"Pairs, {args.n} people who all want pairs, Munich, exact = max-weight matching of the "
        "complete feasible-pair graph"
    )
    header = (
        f"{'seed':>4} {'cell':>5} {'edges(full)':>11} {'opt':>10} {'engine':>10} "
        f"{'ratio':>6} {'ratio@cap':>9} {'unm opt':>7} {'unm eng':>7} "
        f"{'viol':>4} {'t opt':>6} {'t eng':>6} {'w err':>7}"
    )
    print(header)
    ratios = []
    for seed in args.seeds:
        base = round_problem(args.n, seed=seed, group_mix=(("pair", 1.0),))
        t0 = time.perf_counter()
        opt, opt_matched, n_edges, err = exact_pairs(base)
        t_opt = time.perf_counter() - t0
        for cell in args.cell:
            problem = MatchProblem(
                candidates=base.candidates,
                venues=base.venues,
                exclusions=base.exclusions,
                max_groups_per_venue_slot=base.max_groups_per_venue_slot,
                objective=base.objective,
                params=EngineParams(max_cell_size=cell),
            )
            t0 = time.perf_counter()
            result = match_region(problem)
            t_eng = time.perf_counter() - t0
            relaxed = relaxed_objective(problem, [g.member_ids for g in result.groups])
            viol = len(check_violations(problem, result))
            ratio = relaxed / opt
            ratios.append(ratio)
            unm_opt = 100.0 * (args.n - opt_matched) / args.n
            unm_eng = 100.0 * len(result.unmatched_ids) / args.n
            print(
                f"{seed:>4} {cell:>5} {n_edges:>11} {opt:>10.1f} {relaxed:>10.1f} "
                f"{ratio:>6.4f} {result.stats.objective / opt:>9.4f} {unm_opt:>6.1f}% "
                f"{unm_eng:>6.1f}% {viol:>4} {t_opt:>5.1f}s {t_eng:>5.1f}s {err:>7.1e}"
            )
    print(f"mean ratio {np.mean(ratios):.4f}, min {np.min(ratios):.4f}")


if __name__ == "__main__":
    main()
