"""The pure matching engine: nearby people with overlapping interests -> small groups, each with
a venue and a time slot. Plain Python + numpy/scipy/rustworkx; no Django, no ORM, no settings.

Interface (all inputs and outputs are frozen dataclasses in `types`):

    problem = MatchProblem(candidates=(Candidate(...), ...), venues=(VenueOption(...), ...),
                           exclusions=Exclusions(blocked=..., recently_met=...),
                           max_groups_per_venue_slot=1, interest_names={id: "Jazz", ...})
    result = match_region(problem)            # everything in this process
    result.groups         -> tuple[Group]     # members, venue, slot, trips, shared interests, why
    result.unmatched_ids  -> tuple[int]
    check_violations(problem, result) == []   # independent validator

Distributed (a Celery chord): `plan_cells(problem)` -> `CellPlan`; per cell, in a worker,
`solve_cell(cell_problem(problem, plan, i), i)` -> `CellSolution` (JSON via `to_json`);
callback `merge_cells(problem, plan, solutions)` -> `MatchResult` (border repair, then venues
and slots under the capacity). The border repair inside `merge_cells` can itself be spread:
`repair_chunks(problem, plan, groups, pass_index, band_km)` -> chunks, `solve_chunk(chunk)` per
worker, then `finish(problem, plan, groups)`. Same result as `match_region` for the same input:
the whole pipeline is deterministic (seeded tie-breaks), whatever the input order or workers.
A worker needs only the `MatchProblem` of its cell: it can rebuild the round's problem from the
database (deterministically) or receive the cell's problem.

Inner loops are compiled by numba on first use and cached on disk (`load_compiled_code()` does
it up front: `make setup` calls it, so neither a test nor a worker's first round waits for it).

The objective, hard constraints and algorithm are in docs/adr/0010-matching-objective.md.
"""

from .assign import explain
from .cells import (
    RepairChunk,
    cell_problem,
    finish,
    load_compiled_code,
    match_region,
    merge_cells,
    plan_cells,
    repair_chunks,
    solve_cell,
    solve_chunk,
    sub_problem,
)
from .population import idf_weights
from .types import (
    Candidate,
    Cell,
    CellPlan,
    CellSolution,
    EngineParams,
    Exclusions,
    Group,
    GroupSize,
    MatchProblem,
    MatchResult,
    MatchStats,
    Objective,
    VenueOption,
)
from .validate import Evaluation, check_violations, reference_score

__all__ = [
    "Candidate",
    "Cell",
    "CellPlan",
    "CellSolution",
    "EngineParams",
    "Evaluation",
    "Exclusions",
    "Group",
    "GroupSize",
    "MatchProblem",
    "MatchResult",
    "MatchStats",
    "Objective",
    "RepairChunk",
    "VenueOption",
    "cell_problem",
    "check_violations",
    "explain",
    "finish",
    "idf_weights",
    "load_compiled_code",
    "match_region",
    "merge_cells",
    "plan_cells",
    "reference_score",
    "repair_chunks",
    "solve_cell",
    "solve_chunk",
    "sub_problem",
]
