"""Quality and speed of whole rounds on synthetic Munich populations (see city.py).

For each size: participants, match rate, groups by size, mean shared interests (interests every
member holds), mean / max trip, venue-capacity drops, violations of any hard constraint (the
independent validator), wall time and peak memory. Each size runs in a fresh process so peak
RSS is its own.

    .venv/bin/python -m tests.bench.bench_engine [--sizes 1000 10000 100000] [--workers 2]
        [--phases]   # also: seconds per phase (cells, region-wide pairs, venue pass)
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import tracemalloc

import numpy as np

from apps.matching.engine import (
    EngineParams,
    MatchProblem,
    MatchResult,
    check_violations,
    finish,
    match_region,
    plan_cells,
)
from apps.matching.engine.cells import rematch_pairs, solve_cells
from tests.bench.city import munich_venues, round_problem

FAST = {"ejection_chains": False, "exact_windows": 0.0}


def phase_by_phase(problem: MatchProblem, workers: int) -> tuple[MatchResult, dict[str, float]]:
    """`match_region`'s steps one by one, timed (same result)."""
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    plan = plan_cells(problem)
    solutions = solve_cells(problem, plan, workers=workers)
    times["cells"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    groups = [g for s in sorted(solutions, key=lambda s: s.cell_index) for g in s.groups]
    groups = rematch_pairs(problem, plan, groups, workers=workers)
    times["pairs"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = finish(problem, plan, groups, workers=workers)
    times["venues"] = time.perf_counter() - t0
    return result, times


def run_one(
    n: int, workers: int, seed: int, trace: bool, fast: bool, phases: bool = False
) -> dict[str, object]:
    munich_venues()
    t0 = time.perf_counter()
    params = EngineParams(seed=seed, **(FAST if fast else {}))  # type: ignore[arg-type]
    problem = round_problem(n, seed=seed, params=params)
    build = time.perf_counter() - t0
    if trace:
        tracemalloc.start()
    t0 = time.perf_counter()
    if phases and problem.params.repair_passes == 0:
        result, times = phase_by_phase(problem, workers)
    else:
        result, times = match_region(problem, workers=workers), {}
    seconds = time.perf_counter() - t0
    traced = tracemalloc.get_traced_memory()[1] / 2**20 if trace else float("nan")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    violations = len(check_violations(problem, result))
    sizes = np.bincount([len(g.member_ids) for g in result.groups], minlength=7)[2:]
    s = result.stats
    return {
        "n": n,
        "tiles": len(problem.venues) // 1476,
        "cells": s.cells,
        "matched": s.matched / max(1, n),
        "groups": "/".join(str(int(x)) for x in sizes),
        "shared": s.mean_shared_interests,
        "trip": s.mean_trip_km,
        "max_trip": s.max_trip_km,
        "dropped": s.dropped_for_venue_capacity,
        "violations": violations,
        "seconds": seconds,
        "build": build,
        "rss_mb": max(rss, children),
        "traced_mb": traced,
        "phases": times,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tracemalloc", action="store_true", help="slower; Python heap peak")
    parser.add_argument(
        "--fast",
        action="store_true",
        help="no ejection chains, no exact small solves (local search only)",
    )
    parser.add_argument("--phases", action="store_true", help="seconds per phase")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(
            json.dumps(
                run_one(args.one, args.workers, args.seed, args.tracemalloc, args.fast, args.phases)
            )
        )
        return
    print(
        f"Rounds on synthetic Munich (25,000 people per city tile), preferences pair 35% / "
        f"group 25% / any 40%, capacity 2 groups per venue and slot, workers={args.workers}"
    )
    print(
        f"{'people':>7} {'tiles':>5} {'cells':>5} {'matched':>7} {'groups 2/3/4/5/6':>20} "
        f"{'shared':>6} {'trip':>5} {'max':>5} {'cap drop':>8} {'viol':>4} {'time':>7} "
        f"{'peak RSS':>9}"
    )
    for n in args.sizes:
        cmd = [
            sys.executable,
            "-m",
            "tests.bench.bench_engine",
            "--one",
            str(n),
            "--workers",
            str(args.workers),
            "--seed",
            str(args.seed),
        ]
        if args.tracemalloc:
            cmd.append("--tracemalloc")
        if args.fast:
            cmd.append("--fast")
        if args.phases:
            cmd.append("--phases")
        # Our own interpreter and module, arguments are numbers: nothing untrusted.
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout  # noqa: S603
        r = json.loads(out.strip().splitlines()[-1])
        print(
            f"{r['n']:>7} {r['tiles']:>5} {r['cells']:>5} {100 * r['matched']:>6.1f}% "
            f"{r['groups']:>20} {r['shared']:>6.2f} {r['trip']:>5.2f} {r['max_trip']:>5.1f} "
            f"{r['dropped']:>8} {r['violations']:>4} {r['seconds']:>6.1f}s "
            f"{r['rss_mb']:>7.0f}MB"
        )
        if r["phases"]:
            print("        " + ", ".join(f"{k} {v:.1f}s" for k, v in r["phases"].items()))


if __name__ == "__main__":
    main()
