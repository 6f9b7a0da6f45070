"""Groups: the engine against the exact optimum (OR-Tools CP-SAT) on small instances.

Each instance is n people of one Munich district (mixed pair / group / any preferences). Every
feasible group of 2-6 of them is enumerated (cliques of the pairwise-compatibility graph that
keep a common interest, language, venue kind and free slot, respect the size preferences and
have a venue in everyone's reach, open at a common free slot), scored by the objective of
docs/adr/0010 at its best venue, and CP-SAT picks the best disjoint set (set packing, proven
optimal). Capacity is relaxed on both sides: the engine's groups are re-scored at their best
venue, exactly like the optimum's.

    .venv/bin/python -m tests.bench.bench_exact_groups [--sizes 30 45 60] [--instances 10]
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Sequence

import numpy as np
from ortools.sat.python import cp_model

from apps.matching.engine import Candidate, MatchProblem, check_violations, match_region
from apps.matching.engine.population import resolved_weights
from apps.matching.engine.validate import EARTH_RADIUS_KM, haversine_km, reference_score
from tests.bench.city import DISTRICTS, munich_venues, round_problem

SCALE = 10_000


def _age_fits(who: Candidate, other: Candidate) -> bool:
    if who.age_min is None and who.age_max is None:
        return True
    if other.age is None:
        return False
    lo = who.age_min if who.age_min is not None else -math.inf
    hi = who.age_max if who.age_max is not None else math.inf
    return lo <= other.age <= hi


def enumerate_groups(problem: MatchProblem) -> list[tuple[tuple[int, ...], float]]:
    """Every feasible group with a positive score, with that score."""
    people = sorted(problem.candidates, key=lambda c: c.user_id)
    n = len(people)
    forbidden = problem.exclusions.blocked | problem.exclusions.recently_met
    compat = np.zeros((n, n), dtype=bool)
    for a in range(n):
        for b in range(a + 1, n):
            x, y = people[a], people[b]
            ok = (
                haversine_km(x.lat, x.lng, y.lat, y.lng) <= min(x.max_travel_km, y.max_travel_km)
                and (x.user_id, y.user_id) not in forbidden
                and (y.user_id, x.user_id) not in forbidden
                and bool(x.languages & y.languages)
                and bool(x.interest_ids & y.interest_ids)
                and _age_fits(x, y)
                and _age_fits(y, x)
            )
            compat[a, b] = compat[b, a] = ok
    venues = problem.venues
    vlat = np.radians([v.lat for v in venues])
    vlng = np.radians([v.lng for v in venues])
    vkind = np.array([v.kind for v in venues])
    trips = np.zeros((n, len(venues)))
    for a, c in enumerate(people):
        dphi = vlat - math.radians(c.lat)
        dlmb = vlng - math.radians(c.lng)
        h = (
            np.sin(dphi / 2) ** 2
            + math.cos(math.radians(c.lat)) * np.cos(vlat) * np.sin(dlmb / 2) ** 2
        )
        trips[a] = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    reach_ok = trips <= np.array([c.max_travel_km for c in people])[:, None] + 1e-9
    accepts = np.array([[not c.venue_kinds or k in c.venue_kinds for k in vkind] for c in people])
    open_sets = [v.open_slots for v in venues]
    weights = resolved_weights(problem)
    obj = problem.objective
    out: list[tuple[tuple[int, ...], float]] = []

    def score(members: Sequence[int], free: frozenset[int]) -> float | None:
        s = len(members)
        if s == 2 and not all(people[m].can_pair for m in members):
            return None
        if s >= 3 and not all(people[m].can_group for m in members):
            return None
        ok = np.all(reach_ok[list(members)] & accepts[list(members)], axis=0)
        cand = np.flatnonzero(ok)
        cand = [v for v in cand.tolist() if open_sets[v] & free]
        if not cand:
            return None
        far = trips[np.ix_(list(members), cand)].max(axis=0).min()
        interest = sum(
            sum(
                weights.get(t, 1.0)
                for t in people[members[x]].interest_ids & people[members[y]].interest_ids
            )
            for x in range(s)
            for y in range(x + 1, s)
        )
        avail = min(len(free), obj.availability_cap) / obj.availability_cap
        value = (
            s * (obj.base + obj.availability * avail - obj.travel_per_km * far)
            + 2.0 / (s - 1) * interest
        )
        return value if value > 0 else None

    def extend(
        members: list[int],
        interests: frozenset[int],
        langs: frozenset[str],
        free: frozenset[int],
        start: int,
    ) -> None:
        if len(members) >= 2:
            value = score(members, free)
            if value is not None:
                out.append((tuple(people[m].user_id for m in members), value))
        if len(members) == 6:
            return
        for nxt in range(start, n):
            if not all(compat[m, nxt] for m in members):
                continue
            c = people[nxt]
            i2, l2, f2 = interests & c.interest_ids, langs & c.languages, free & c.free_slots
            if i2 and l2 and f2:
                extend([*members, nxt], i2, l2, f2, nxt + 1)

    for first in range(n):
        c = people[first]
        extend([first], c.interest_ids, c.languages, c.free_slots, first + 1)
    return out


def exact_groups(
    problem: MatchProblem, groups: list[tuple[tuple[int, ...], float]], time_limit: float = 120.0
) -> tuple[float, int, str]:
    model = cp_model.CpModel()
    xs = [model.new_bool_var(f"g{k}") for k in range(len(groups))]
    by_person: dict[int, list[cp_model.IntVar]] = {}
    for x, (members, _) in zip(xs, groups, strict=True):
        for u in members:
            by_person.setdefault(u, []).append(x)
    for vars_ in by_person.values():
        model.add_at_most_one(vars_)
    model.maximize(sum(round(v * SCALE) * x for x, (_, v) in zip(xs, groups, strict=True)))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 2
    status = solver.solve(model)
    chosen = [g for x, g in zip(xs, groups, strict=True) if solver.value(x)]
    total = sum(v for _, v in chosen)
    matched = sum(len(m) for m, _ in chosen)
    return total, matched, solver.status_name(status)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[30, 45, 60])
    parser.add_argument("--instances", type=int, default=10)
    parser.add_argument("--spread", type=float, default=1.5)
    args = parser.parse_args()
    venues, _ = munich_venues()
    print(
        "Groups: engine vs CP-SAT optimum (set packing over all feasible groups of 2-6), "
        "one Munich district per instance, preferences pair 35% / group 25% / any 40%"
    )
    print(
        f"{'n':>3} {'inst':>4} {'district':<28} {'groups':>7} {'opt':>8} {'engine':>8} "
        f"{'ratio':>6} {'unm opt':>7} {'unm eng':>7} {'sizes eng':<14} {'viol':>4} "
        f"{'status':>8} {'t opt':>6}"
    )
    for n in args.sizes:
        ratios, gaps = [], []
        for inst in range(args.instances):
            seed = 1000 * n + inst
            district = inst % len(DISTRICTS)
            problem = round_problem(
                n, seed=seed, district_index=district, spread_km=args.spread, capacity=n
            )
            problem = MatchProblem(
                candidates=problem.candidates,
                venues=venues,
                exclusions=problem.exclusions,
                max_groups_per_venue_slot=n,
                objective=problem.objective,
                params=problem.params,
            )
            t0 = time.perf_counter()
            feasible = enumerate_groups(problem)
            opt, opt_matched, status = exact_groups(problem, feasible)
            t_opt = time.perf_counter() - t0
            result = match_region(problem)
            viol = len(check_violations(problem, result))
            weights = resolved_weights(problem)
            engine = 0.0
            for g in result.groups:
                ev = reference_score(problem, g.member_ids, weights)
                assert ev is not None
                engine += ev.score
            ratio = engine / opt if opt > 0 else 1.0
            unm_opt = 100 * (n - opt_matched) / n
            unm_eng = 100 * len(result.unmatched_ids) / n
            ratios.append(ratio)
            gaps.append(unm_eng - unm_opt)
            sizes = np.bincount([len(g.member_ids) for g in result.groups], minlength=7)[2:]
            print(
                f"{n:>3} {inst:>4} {DISTRICTS[district][0][:28]:<28} {len(feasible):>7} "
                f"{opt:>8.1f} {engine:>8.1f} {ratio:>6.4f} {unm_opt:>6.1f}% {unm_eng:>6.1f}% "
                f"{'/'.join(str(x) for x in sizes):<14} {viol:>4} {status:>8} {t_opt:>5.1f}s"
            )
        print(
            f"n={n}: mean ratio {np.mean(ratios):.4f}, min {np.min(ratios):.4f}, "
            f"mean unmatched gap {np.mean(gaps):+.1f} points"
        )


if __name__ == "__main__":
    main()
