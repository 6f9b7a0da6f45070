"""A region's round as independent cells, solved anywhere, merged at the borders.

    plan = plan_cells(problem)                                  # cheap, deterministic
    solutions = [solve_cell(cell_problem(problem, plan, c.index), c.index) for c in plan.cells]
    result = merge_cells(problem, plan, solutions)              # border repair + venues

`solve_cell` is the part worth distributing (a Celery chord: one task per cell, `merge_cells` as
the callback); `CellSolution.to_json()/from_json()` carry its result. `match_region` does all
three in this process, optionally over a process pool.

Borders: people near an inner border were matched only inside their cell. Pairs are re-matched
over the whole region afterwards (`rematch_pairs`). For groups, `merge_cells` can also (with
`repair_passes` > 0; off by default, see EngineParams) take everyone within a band along the
inner borders (`border_band_factor` x the cell's 90th percentile candidate-edge length, at
least 1 km) with their current group mates, cut them into chunks (each current group kept
whole) and re-solve each chunk with the current groups as warm start: people facing each other
across a border share a chunk and can be matched, and no chunk's result is worse than what it
replaces. Further passes re-solve everyone in chunks cut along turned lines.
"""

from __future__ import annotations

import gc
import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from multiprocessing import get_context
from typing import Any, TypeVar

import numpy as np

from .assign import assign_venues
from .edges import build_edges
from .geometry import chord_to_km, km_to_chord, project_km, to_xyz
from .packing import pack
from .pairs import best_pairs
from .population import F64, I64, Population, VenueIndex, resolved_weights, vocabularies
from .solver import CellSolver
from .travel import group_travel
from .types import (
    Candidate,
    Cell,
    CellPlan,
    CellSolution,
    Exclusions,
    Group,
    MatchProblem,
    MatchResult,
    MatchStats,
    VenueOption,
)

_MIN_BAND_KM = 1.0
T = TypeVar("T")
R = TypeVar("R")


@contextmanager
def _heap_frozen() -> Iterator[None]:
    """While a round runs, the garbage collector leaves alone what existed before it (the
    region's people and venues, hundreds of thousands of objects that a full collection would
    otherwise walk again and again); they become collectable again afterwards."""
    if gc.get_freeze_count():
        yield  # an outer round froze it already
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


# ------------------------------------------------------------------------------------ planning
def plan_cells(problem: MatchProblem) -> CellPlan:
    """Cut the region into rectangles of at most `params.max_cell_size` people (k-d bisection
    at the median of the longer side), and fix the interest weights for all cells."""
    weights = dict(resolved_weights(problem))
    people = sorted(problem.candidates, key=lambda c: c.user_id)
    if len({c.user_id for c in people}) != len(people):
        raise ValueError("candidates must have distinct user_id")
    if not people:
        return CellPlan(origin=(0.0, 0.0), cells=(), interest_weights=weights)
    lat = np.array([c.lat for c in people])
    lng = np.array([c.lng for c in people])
    origin = (float(np.median(lat)), float(np.median(lng)))
    xy = project_km(lat, lng, origin)
    ids = np.array([c.user_id for c in people], dtype=np.int64)
    leaves: list[tuple[I64, tuple[float, float, float, float]]] = []
    inf = math.inf
    _bisect(
        xy, np.arange(len(people)), (-inf, inf, -inf, inf), problem.params.max_cell_size, leaves
    )
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
    # As few cells as the size limit allows (5,000 people at 1,200 -> 5 cells, not 8).
    parts = math.ceil(len(members) / max(2, max_size))
    half = round(len(members) * (parts // 2) / parts)
    left, right = members[order[:half]], members[order[half:]]
    cut = float((xy[left[-1], axis] + xy[right[0], axis]) / 2.0)
    x0, x1, y0, y1 = bounds
    if axis == 0:
        _bisect(xy, left, (x0, cut, y0, y1), max_size, out)
        _bisect(xy, right, (cut, x1, y0, y1), max_size, out)
    else:
        _bisect(xy, left, (x0, x1, y0, cut), max_size, out)
        _bisect(xy, right, (x0, x1, cut, y1), max_size, out)


def sub_problem(
    problem: MatchProblem,
    user_ids: Sequence[int],
    weights: object,
    people_by_id: Mapping[int, Candidate] | None = None,
) -> MatchProblem:
    """The same round restricted to some people, with the venues any of them could reach."""
    wanted = set(user_ids)
    if people_by_id is None:
        people = tuple(c for c in problem.candidates if c.user_id in wanted)
    else:
        people = tuple(people_by_id[u] for u in sorted(wanted))
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
        problem,
        candidates=people,
        venues=venues,
        exclusions=exclusions,
        interest_weights=weights,  # type: ignore[arg-type]
    )


def cell_problem(problem: MatchProblem, plan: CellPlan, index: int) -> MatchProblem:
    return sub_problem(problem, plan.cells[index].user_ids, plan.interest_weights)


# ------------------------------------------------------------------------------------ solving
def _prepare(problem: MatchProblem) -> tuple[Population, VenueIndex]:
    kind_bits, n_slots = vocabularies(problem)
    weights = resolved_weights(problem)
    pop = Population(
        problem.candidates, weights, kind_bits, n_slots, problem.exclusions.forbidden()
    )
    venues = VenueIndex(problem.venues, kind_bits, n_slots)
    return pop, venues


def _solve(
    problem: MatchProblem, warm: Sequence[Sequence[int]] | None, *, final: bool = False
) -> tuple[list[tuple[int, ...]], float, float]:
    """Groups (user ids), objective (capacity relaxed) and p90 candidate-edge length (km).

    Unless `final`, pairs are re-matched region-wide afterwards when `params.region_pairs`."""
    pop, venues = _prepare(problem)
    if pop.n < 2:
        return [], 0.0, 0.0
    warm_local = None
    extra = None
    if warm is not None:
        warm_local = [[pop.index[u] for u in g] for g in warm]
        extra = [
            (g[a], g[b]) for g in warm_local for a in range(len(g)) for b in range(a + 1, len(g))
        ]
    edges = build_edges(pop, problem.objective, problem.params, extra=extra)
    settle = final or not problem.params.region_pairs
    solver = CellSolver(pop, venues, problem.objective, problem.params, edges, settle_pairs=settle)
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
@dataclass(frozen=True)
class RepairChunk:
    """People to re-solve together across old cell borders, with their current groups."""

    problem: MatchProblem
    warm: tuple[tuple[int, ...], ...]


def repair_chunks(
    problem: MatchProblem,
    plan: CellPlan,
    groups: Sequence[tuple[int, ...]],
    pass_index: int,
    band_km: Mapping[int, float] | None = None,
) -> list[RepairChunk]:
    """People to re-solve together, in chunks, each current group kept whole.

    Pass 0 takes the seams: everyone within `band_km[cell]` of an inner border of their cell
    (plus their group mates), so two people facing each other across a border share a chunk.
    Later passes take everyone. Chunks are cut along lines turned by 45 / 2^pass degrees."""
    people = {c.user_id: c for c in problem.candidates}
    grouped = {u: g for g in groups for u in g}
    if pass_index == 0:
        chosen = _seam_people(problem, plan, band_km or {})
        units = sorted({grouped.get(u, (u,)) for u in chosen})
    else:
        units = [tuple(g) for g in groups] + [(u,) for u in sorted(people) if u not in grouped]
    if not units:
        return []
    centres = np.array(
        [
            [np.mean([people[u].lat for u in unit]), np.mean([people[u].lng for u in unit])]
            for unit in units
        ]
    )
    xy = project_km(centres[:, 0], centres[:, 1], plan.origin)
    # Chunks are cut along lines turned against the cells' (45 degrees, then 22.5, ...), else a
    # wide seam band would be cut exactly where the cells were.
    angle = math.radians(45.0 / (2**pass_index))
    rot = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    xy = xy @ rot.T
    sizes = np.array([len(u) for u in units])
    chunks: list[I64] = []
    _chunk_units(xy, sizes, np.arange(len(units)), problem.params.max_cell_size, chunks)
    out = []
    for chunk in chunks:
        chunk_units = [units[k] for k in chunk.tolist()]
        members = [u for unit in chunk_units for u in unit]
        warm = tuple(unit for unit in chunk_units if len(unit) > 1)
        out.append(RepairChunk(sub_problem(problem, members, plan.interest_weights, people), warm))
    return out


def _seam_people(problem: MatchProblem, plan: CellPlan, band_km: Mapping[int, float]) -> set[int]:
    people = {c.user_id: c for c in problem.candidates}
    chosen: set[int] = set()
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
        chosen.update(u for u, g in zip(cell.user_ids, gap.tolist(), strict=True) if g <= width)
    return chosen


def solve_chunk(chunk: RepairChunk) -> list[tuple[int, ...]]:
    """Re-solve a chunk from its warm start; never worse than the warm start."""
    groups, _, _ = _solve(chunk.problem, chunk.warm)
    return groups


@_heap_frozen()
def merge_cells(
    problem: MatchProblem,
    plan: CellPlan,
    solutions: Sequence[CellSolution],
    *,
    workers: int = 1,
) -> MatchResult:
    """Repair the borders between cells, then choose venues and slots under the capacity.

    Each of `params.repair_passes` passes re-solves everyone in chunks cut across the previous
    borders (`repair_chunks` + `solve_chunk`, which a caller may also distribute), with the
    current groups as warm start, so no pass lowers the objective."""
    started = time.perf_counter()
    ordered = sorted(solutions, key=lambda s: s.cell_index)
    groups = [g for s in ordered for g in s.groups]
    band = {
        s.cell_index: max(_MIN_BAND_KM, problem.params.border_band_factor * s.edge_km_p90)
        for s in ordered
    }
    if len(plan.cells) > 1:
        for pass_index in range(problem.params.repair_passes):
            chunks = repair_chunks(problem, plan, groups, pass_index, band)
            touched = {u for c in chunks for u in (x.user_id for x in c.problem.candidates)}
            kept = [g for g in groups if g[0] not in touched]
            repaired = [g for part in _map(solve_chunk, chunks, workers) for g in part]
            groups = kept + repaired
    if problem.params.region_pairs:
        groups = rematch_pairs(problem, plan, groups, workers=workers)
    return finish(problem, plan, groups, seconds=time.perf_counter() - started, workers=workers)


@_heap_frozen()
def rematch_pairs(
    problem: MatchProblem,
    plan: CellPlan,
    groups: Sequence[tuple[int, ...]],
    *,
    workers: int = 1,
) -> list[tuple[int, ...]]:
    """Re-pair everyone who accepts pairs and is free or in a pair, across cell borders
    (`pairs.best_pairs`), in pieces of at most `params.pair_region_size` people; groups of 3+
    are kept. Never lowers the objective."""
    people = {c.user_id: c for c in problem.candidates}
    in_groups = {u for g in groups if len(g) > 2 for u in g}
    pool = [u for u in sorted(people) if people[u].can_pair and u not in in_groups]
    if len(pool) < 2:
        return list(groups)
    pieces = _spatial_chunks(pool, people, plan.origin, problem.params.pair_region_size)
    piece_of = {u: p for p, piece in enumerate(pieces) for u in piece}
    pairs = [g for g in groups if len(g) == 2]
    # A pair cut apart by the pieces (rare: pieces are cut between people) stays as it is.
    split = {u for g in pairs if piece_of[g[0]] != piece_of[g[1]] for u in g}
    jobs = []
    for p, piece in enumerate(pieces):
        members = [u for u in piece if u not in split]
        warm = tuple(g for g in pairs if piece_of[g[0]] == p and g[0] not in split)
        jobs.append((sub_problem(problem, members, plan.interest_weights, people), warm))
    solved = _map(_pairs_of_piece, jobs, workers)
    kept = [g for g in groups if len(g) > 2 or g[0] in split]
    return kept + [pair for part in solved for pair in part]


def _pairs_of_piece(job: tuple[MatchProblem, tuple[tuple[int, ...], ...]]) -> list[tuple[int, ...]]:
    problem, warm = job
    pop, venues = _prepare(problem)
    local = [(pop.index[a], pop.index[b]) for a, b in warm]
    found = best_pairs(pop, venues, problem.objective, problem.params, local)
    uid = pop.user_ids
    return [(int(uid[a]), int(uid[b])) for a, b in found]


# What the forked workers of `_map` run: they inherit it, so jobs are never pickled (one `_map`
# at a time per process: rounds run one per process, in a command or a Celery task).
_forked_work: tuple[Callable[[Any], Any], Sequence[Any]] | None = None


def _map(fn: Callable[[T], R], items: Sequence[T], workers: int) -> list[R]:
    """[fn(x) for x in items], over `workers` forked processes when > 1. The workers inherit
    `fn` and `items` (only indices and results cross between processes: pickling a cell's
    people and venues cost more than a tenth of its solve) and freeze the inherited heap, so
    their garbage collections do not walk the whole region's objects."""
    global _forked_work
    if workers > 1 and len(items) > 1:
        load_compiled_code()
        _forked_work = (fn, items)
        try:
            with ProcessPoolExecutor(
                max_workers=workers, mp_context=get_context("fork"), initializer=gc.freeze
            ) as pool:
                return list(pool.map(_run_forked, range(len(items))))
        finally:
            _forked_work = None
    return [fn(x) for x in items]


def _run_forked(k: int) -> Any:
    if _forked_work is None:
        raise RuntimeError("_run_forked runs only in a worker forked by _map")
    fn, items = _forked_work
    return fn(items[k])


_compiled_code_loaded = False


def load_compiled_code() -> None:
    """Compile (first time, ~1 min, cached on disk by numba) or load (~4 s) the engine's
    compiled kernels in this process, once, by solving a tiny round: forked workers then
    inherit them instead of each loading them again at every phase's fresh pool."""
    global _compiled_code_loaded
    if _compiled_code_loaded:
        return
    _compiled_code_loaded = True
    lat, lng = 48.137, 11.575
    people = tuple(
        Candidate(
            user_id=k,
            lat=lat + 0.001 * k,
            lng=lng,
            max_travel_km=5.0,
            interest_ids=frozenset({1}),
            free_slots=frozenset({0}),
            languages=frozenset({"de"}),
            group_size="pair" if k == 0 else "any",
        )
        for k in range(6)
    )
    venue = VenueOption(
        venue_id=1, lat=lat + 0.002, lng=lng, kind="cafe", open_slots=frozenset({0})
    )
    tiny = MatchProblem(candidates=people, venues=(venue,))
    match_region(tiny)
    # Kernels a round this small may not reach: a group's venue search, the window packing.
    pop, venues = _prepare(tiny)
    group_travel(venues, pop.xyz[:3], pop.reach[:3], pop.free[0], pop.kinds[0])
    pack([0, 1, 2], [(0, 1), (1, 2)], [1.0, 2.0])


def _spatial_chunks(
    user_ids: Sequence[int],
    people: Mapping[int, Candidate],
    origin: tuple[float, float],
    max_people: int,
) -> list[list[int]]:
    """`user_ids` cut into geographic chunks of at most `max_people` (k-d bisection)."""
    xy = project_km(
        np.array([people[u].lat for u in user_ids]),
        np.array([people[u].lng for u in user_ids]),
        origin,
    )
    chunks: list[I64] = []
    count = len(user_ids)
    _chunk_units(xy, np.ones(count, dtype=np.int64), np.arange(count), max_people, chunks)
    return [[user_ids[k] for k in chunk.tolist()] for chunk in chunks]


def _chunk_units(xy: F64, sizes: I64, idx: I64, max_people: int, out: list[I64]) -> None:
    if int(sizes[idx].sum()) <= max(2, max_people) or len(idx) < 2:
        out.append(idx)
        return
    pts = xy[idx]
    axis = 0 if np.ptp(pts[:, 0]) >= np.ptp(pts[:, 1]) else 1
    order = idx[np.lexsort((idx, pts[:, axis]))]
    cum = np.cumsum(sizes[order])
    parts = math.ceil(int(cum[-1]) / max(2, max_people))
    half = int(np.searchsorted(cum, cum[-1] * (parts // 2) / parts)) + 1
    half = min(max(half, 1), len(order) - 1)
    _chunk_units(xy, sizes, order[:half], max_people, out)
    _chunk_units(xy, sizes, order[half:], max_people, out)


@_heap_frozen()
def finish(
    problem: MatchProblem,
    plan: CellPlan,
    groups: Sequence[tuple[int, ...]],
    *,
    seconds: float = 0.0,
    workers: int = 1,
) -> MatchResult:
    """Venues and slots under the capacity, explanations and statistics.

    Groups that find no venue-slot with room are dissolved; their members and everyone still
    free get one more solve, on the venue-slots that still have room."""
    people = {c.user_id: c for c in problem.candidates}
    used: dict[tuple[int, int], int] = {}
    final, dropped = _assign(problem, plan, groups, people, used)
    if dropped:
        placed = {u for g in final for u in g.member_ids}
        leftover = sorted(u for u in people if u not in placed)
        cap = problem.max_groups_per_venue_slot
        venues = tuple(
            replace(
                v,
                open_slots=frozenset(s for s in v.open_slots if used.get((v.venue_id, s), 0) < cap),
            )
            for v in problem.venues
        )
        reduced = replace(problem, venues=venues)
        jobs = [
            sub_problem(reduced, chunk, plan.interest_weights, people)
            for chunk in _spatial_chunks(
                leftover, people, plan.origin, problem.params.max_cell_size
            )
        ]
        second = [g for found in _map(_solve_cold, jobs, workers) for g in found]
        more, dropped = _assign(reduced, plan, second, people, used)
        final = sorted(final + more, key=lambda g: g.member_ids)
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
        dropped_for_venue_capacity=len(dropped),
        seconds=seconds,
    )
    return MatchResult(groups=tuple(final), unmatched_ids=unmatched, stats=stats)


def _solve_cold(problem: MatchProblem) -> list[tuple[int, ...]]:
    return _solve(problem, None, final=True)[0]


def _assign(
    problem: MatchProblem,
    plan: CellPlan,
    groups: Sequence[tuple[int, ...]],
    people: Mapping[int, Candidate],
    used: dict[tuple[int, int], int],
) -> tuple[list[Group], list[tuple[int, ...]]]:
    matched_ids = sorted(u for g in groups for u in g)
    sub = sub_problem(problem, matched_ids, plan.interest_weights, people)
    pop, venues = _prepare(sub)
    local = [[pop.index[u] for u in g] for g in groups]
    final, dropped = assign_venues(
        pop,
        venues,
        local,
        problem.objective,
        problem.max_groups_per_venue_slot,
        problem.interest_names,
        used,
    )
    return final, [tuple(int(pop.user_ids[m]) for m in g) for g in dropped]


# ------------------------------------------------------------------------------------ in process
def _solve_indexed(args: tuple[MatchProblem, int]) -> CellSolution:
    return solve_cell(args[0], args[1])


@_heap_frozen()
def solve_cells(problem: MatchProblem, plan: CellPlan, *, workers: int = 1) -> list[CellSolution]:
    """Every cell of `plan` solved in this process (over `workers` processes when > 1)."""
    people = {c.user_id: c for c in problem.candidates}
    jobs = [
        (sub_problem(problem, c.user_ids, plan.interest_weights, people), c.index)
        for c in plan.cells
    ]
    return _map(_solve_indexed, jobs, workers)


@_heap_frozen()
def match_region(problem: MatchProblem, *, workers: int = 1) -> MatchResult:
    """Plan, solve every cell, repair borders and assign venues, in this process (cells and
    repair chunks over `workers` processes when > 1; the result does not depend on it)."""
    started = time.perf_counter()
    plan = plan_cells(problem)
    solutions = solve_cells(problem, plan, workers=workers)
    result = merge_cells(problem, plan, solutions, workers=workers)
    return replace(result, stats=replace(result.stats, seconds=time.perf_counter() - started))
