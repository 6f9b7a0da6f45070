"""A region's round as independent cells, solved anywhere, merged at the borders.

    plan = plan_cells(problem)                                  # cheap, deterministic
    solutions = [solve_cell(cell_problem(problem, plan, c.index), c.index) for c in plan.cells]
    result = merge_cells(problem, plan, solutions)              # border repair + venues

`solve_cell` is the part worth distributing (a Celery chord: one task per cell, `merge_cells` as
the callback); `CellSolution.to_json()/from_json()` carry its result. `match_region` does all
three in this process, optionally over a process pool.

Borders: people near an inner border were matched only inside their cell. `merge_cells` takes
everyone within `border_band_factor` x (the cell's 90th-percentile candidate-edge length) of an
inner border, together with their current group mates, cuts them into chunks (whole groups
stay together) and re-solves each chunk with the current groups as warm start, so a chunk's
result is never worse than what it replaces and people on both sides of a border can meet.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from multiprocessing import get_context

import numpy as np

from .assign import assign_venues
from .edges import build_edges
from .geometry import chord_to_km, km_to_chord, project_km, to_xyz
from .population import F64, I64, Population, VenueIndex, resolved_weights, vocabularies
from .solver import CellSolver
from .types import (
    Cell,
    CellPlan,
    CellSolution,
    Exclusions,
    MatchProblem,
    MatchResult,
    MatchStats,
)

_MIN_BAND_KM = 0.3


# ------------------------------------------------------------------------------------ planning
def plan_cells(problem: MatchProblem) -> CellPlan:
    """Cut the region into rectangles of at most `params.max_cell_size` people (k-d bisection
    at the median of the longer side), and fix the interest weights for all cells."""
    weights = dict(resolved_weights(problem))
    people = sorted(problem.candidates, key=lambda c: c.user_id)
    if not people:
        return CellPlan(origin=(0.0, 0.0), cells=(), interest_weights=weights)
    lat = np.array([c.lat for c in people])
    lng = np.array([c.lng for c in people])
    origin = (float(np.median(lat)), float(np.median(lng)))
    xy = project_km(lat, lng, origin)
    ids = np.array([c.user_id for c in people], dtype=np.int64)
    leaves: list[tuple[I64, tuple[float, float, float, float]]] = []
    inf = math.inf
    _bisect(xy, np.arange(len(people)), (-inf, inf, -inf, inf), problem.params.max_cell_size,
            leaves)
    cells = tuple(
        Cell(index=k, user_ids=tuple(int(u) for u in np.sort(ids[members])), bounds=bounds)
        for k, (members, bounds) in enumerate(leaves)
    )
    return CellPlan(origin=origin, cells=cells, interest_weights=weights)


def _bisect(
    xy: F64,
    members: I64,
    bounds: tuple[float, float, float, float],
    max_size: int,
    out: list[tuple[I64, tuple[float, float, float, float]]],
) -> None:
    if len(members) <= max(2, max_size):
        out.append((members, bounds))
        return
    pts = xy[members]
    axis = 0 if np.ptp(pts[:, 0]) >= np.ptp(pts[:, 1]) else 1
    order = np.lexsort((members, pts[:, axis]))
    half = len(members) // 2
    left, right = members[order[:half]], members[order[half:]]
    cut = float((xy[left[-1], axis] + xy[right[0], axis]) / 2.0)
    x0, x1, y0, y1 = bounds
    if axis == 0:
        _bisect(xy, left, (x0, cut, y0, y1), max_size, out)
        _bisect(xy, right, (cut, x1, y0, y1), max_size, out)
    else:
        _bisect(xy, left, (x0, x1, y0, cut), max_size, out)
        _bisect(xy, right, (x0, x1, cut, y1), max_size, out)


def sub_problem(problem: MatchProblem, user_ids: Sequence[int], weights: object) -> MatchProblem:
    """The same round restricted to some people, with the venues any of them could reach."""
    wanted = set(user_ids)
    people = tuple(c for c in problem.candidates if c.user_id in wanted)
    venues: tuple = ()
    if people and problem.venues:
        xyz = to_xyz(np.array([c.lat for c in people]), np.array([c.lng for c in people]))
        centre = xyz.mean(axis=0)
        radius = float(
            np.max(np.linalg.norm(xyz - centre, axis=1))
            + np.max(km_to_chord(np.array([c.max_travel_km for c in people])))
        )
        vxyz = to_xyz(
            np.array([v.lat for v in problem.venues]), np.array([v.lng for v in problem.venues])
        )
        near = np.linalg.norm(vxyz - centre, axis=1) <= radius * (1 + 1e-9) + 1e-6
        venues = tuple(v for v, keep in zip(problem.venues, near, strict=True) if keep)
    ex = problem.exclusions
    exclusions = Exclusions(
        blocked=frozenset(p for p in ex.blocked if p[0] in wanted and p[1] in wanted),
        recently_met=frozenset(p for p in ex.recently_met if p[0] in wanted and p[1] in wanted),
    )
    return replace(
        problem, candidates=people, venues=venues, exclusions=exclusions,
        interest_weights=weights,  # type: ignore[arg-type]
    )


def cell_problem(problem: MatchProblem, plan: CellPlan, index: int) -> MatchProblem:
    return sub_problem(problem, plan.cells[index].user_ids, plan.interest_weights)


# ------------------------------------------------------------------------------------ solving
def _prepare(problem: MatchProblem) -> tuple[Population, VenueIndex]:
    kind_bits, n_slots = vocabularies(problem)
    weights = resolved_weights(problem)
    pop = Population(problem.candidates, weights, kind_bits, n_slots,
                     problem.exclusions.forbidden())
    venues = VenueIndex(problem.venues, kind_bits, n_slots)
    return pop, venues


def _solve(
    problem: MatchProblem, warm: Sequence[Sequence[int]] | None
) -> tuple[list[tuple[int, ...]], float, float]:
    """Groups (user ids), objective (capacity relaxed) and p90 candidate-edge length (km)."""
    pop, venues = _prepare(problem)
    if pop.n < 2:
        return [], 0.0, 0.0
    warm_local = None
    extra = None
    if warm is not None:
        warm_local = [[pop.index[u] for u in g] for g in warm]
        extra = [(g[a], g[b]) for g in warm_local for a in range(len(g))
                 for b in range(a + 1, len(g))]
    edges = build_edges(pop, venues, problem.objective, problem.params, extra=extra)
    solver = CellSolver(pop, venues, problem.objective, problem.params, edges)
    groups = solver.solve(warm=warm_local)
    if len(edges):
        lengths = chord_to_km(np.linalg.norm(pop.xyz[edges.i] - pop.xyz[edges.j], axis=1))
        p90 = float(np.percentile(lengths, 90))
    else:
        p90 = 0.0
    uid = pop.user_ids
    out = [tuple(int(uid[m]) for m in g) for g in groups]
    solver_value = sum(solver.value(tuple(g)) or 0.0 for g in groups)
    return out, float(solver_value), p90


def solve_cell(cell: MatchProblem, cell_index: int = 0) -> CellSolution:
    """Solve one cell (a `cell_problem`): pure, so it can run in any worker."""
    groups, objective, p90 = _solve(cell, None)
    return CellSolution(
        cell_index=cell_index, groups=tuple(groups), objective=objective, edge_km_p90=p90
    )


# ------------------------------------------------------------------------------------ merging
def merge_cells(
    problem: MatchProblem, plan: CellPlan, solutions: Sequence[CellSolution]
) -> MatchResult:
    """Repair the borders between cells, then choose venues and slots under the capacity."""
    started = time.perf_counter()
    groups = [g for s in sorted(solutions, key=lambda s: s.cell_index) for g in s.groups]
    if len(plan.cells) > 1:
        groups = _repair_borders(problem, plan, solutions, groups)
    return _finish(problem, plan, groups, time.perf_counter() - started)


def _repair_borders(
    problem: MatchProblem,
    plan: CellPlan,
    solutions: Sequence[CellSolution],
    groups: list[tuple[int, ...]],
) -> list[tuple[int, ...]]:
    people = {c.user_id: c for c in problem.candidates}
    band_km = {
        s.cell_index: max(_MIN_BAND_KM, problem.params.border_band_factor * s.edge_km_p90)
        for s in solutions
    }
    in_band: set[int] = set()
    for cell in plan.cells:
        if not cell.user_ids:
            continue
        lat = np.array([people[u].lat for u in cell.user_ids])
        lng = np.array([people[u].lng for u in cell.user_ids])
        xy = project_km(lat, lng, plan.origin)
        x0, x1, y0, y1 = cell.bounds
        gap = np.full(len(cell.user_ids), math.inf)
        for edge, coord, sign in ((x0, 0, 1), (x1, 0, -1), (y0, 1, 1), (y1, 1, -1)):
            if math.isfinite(edge):
                gap = np.minimum(gap, sign * (xy[:, coord] - edge))
        width = band_km.get(cell.index, _MIN_BAND_KM)
        in_band.update(u for u, g in zip(cell.user_ids, gap.tolist(), strict=True) if g <= width)
    if not in_band:
        return groups

    group_of = {u: k for k, g in enumerate(groups) for u in g}
    touched = sorted({group_of[u] for u in in_band if u in group_of})
    units: list[tuple[int, ...]] = [groups[k] for k in touched]
    units += [(u,) for u in sorted(in_band) if u not in group_of]
    keep = [g for k, g in enumerate(groups) if k not in set(touched)]

    centres = np.array(
        [[np.mean([people[u].lat for u in unit]), np.mean([people[u].lng for u in unit])]
         for unit in units]
    )
    xy = project_km(centres[:, 0], centres[:, 1], plan.origin)
    sizes = np.array([len(u) for u in units])
    chunks: list[I64] = []
    _chunk_units(xy, sizes, np.arange(len(units)), problem.params.max_cell_size, chunks)
    repaired: list[tuple[int, ...]] = []
    for chunk in chunks:
        chunk_units = [units[k] for k in chunk.tolist()]
        members = [u for unit in chunk_units for u in unit]
        warm = [unit for unit in chunk_units if len(unit) > 1]
        sub = sub_problem(problem, members, plan.interest_weights)
        new_groups, _, _ = _solve(sub, warm)
        repaired.extend(new_groups)
    return keep + repaired


def _chunk_units(xy: F64, sizes: I64, idx: I64, max_people: int, out: list[I64]) -> None:
    if int(sizes[idx].sum()) <= max(2, max_people) or len(idx) < 2:
        out.append(idx)
        return
    pts = xy[idx]
    axis = 0 if np.ptp(pts[:, 0]) >= np.ptp(pts[:, 1]) else 1
    order = idx[np.lexsort((idx, pts[:, axis]))]
    cum = np.cumsum(sizes[order])
    half = int(np.searchsorted(cum, cum[-1] / 2.0)) + 1
    half = min(max(half, 1), len(order) - 1)
    _chunk_units(xy, sizes, order[:half], max_people, out)
    _chunk_units(xy, sizes, order[half:], max_people, out)


def _finish(
    problem: MatchProblem, plan: CellPlan, groups: list[tuple[int, ...]], seconds: float
) -> MatchResult:
    matched_ids = sorted(u for g in groups for u in g)
    sub = sub_problem(problem, matched_ids, plan.interest_weights)
    pop, venues = _prepare(sub)
    local = [[pop.index[u] for u in g] for g in groups]
    final, dropped = assign_venues(
        pop, venues, local, problem.objective, problem.max_groups_per_venue_slot,
        problem.interest_names,
    )
    matched = {u for g in final for u in g.member_ids}
    unmatched = tuple(sorted(c.user_id for c in problem.candidates if c.user_id not in matched))
    trips = [t for g in final for t in g.trip_km]
    stats = MatchStats(
        participants=len(problem.candidates),
        matched=len(matched),
        groups=len(final),
        objective=round(float(sum(g.score for g in final)), 6),
        mean_shared_interests=(
            float(np.mean([len(g.shared_interest_ids) for g in final])) if final else 0.0
        ),
        mean_trip_km=float(np.mean(trips)) if trips else 0.0,
        max_trip_km=float(max(trips)) if trips else 0.0,
        cells=len(plan.cells),
        dropped_for_venue_capacity=dropped,
        seconds=seconds,
    )
    return MatchResult(groups=tuple(final), unmatched_ids=unmatched, stats=stats)


# ------------------------------------------------------------------------------------ in process
def _solve_indexed(args: tuple[MatchProblem, int]) -> CellSolution:
    return solve_cell(args[0], args[1])


def match_region(problem: MatchProblem, *, workers: int = 1) -> MatchResult:
    """Plan, solve every cell (over `workers` processes when > 1) and merge, in this process."""
    started = time.perf_counter()
    plan = plan_cells(problem)
    jobs = [(cell_problem(problem, plan, c.index), c.index) for c in plan.cells]
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
            solutions = list(pool.map(_solve_indexed, jobs))
    else:
        solutions = [_solve_indexed(job) for job in jobs]
    result = merge_cells(problem, plan, solutions)
    return replace(result, stats=replace(result.stats, seconds=time.perf_counter() - started))
