"""The engine's input as JSON: what a Celery message carries to a cell's worker (JSON
serializer only, never pickle), and what a distributed round keeps for its merge.

Exact round trip: floats are written by `json` with `repr` precision, sets as sorted lists, so
`problem_from_json(problem_to_json(p)) == p` and a worker solves exactly what the planner cut.
Built from the engine's public dataclasses only; fields they gain later with defaults travel
as long as they are JSON-friendly (numbers, strings, booleans).
"""

import json
import zlib
from dataclasses import asdict, fields
from typing import Any

from apps.matching.engine import (
    Candidate,
    EngineParams,
    Exclusions,
    MatchProblem,
    Objective,
    VenueOption,
)

FORMAT = 1


def _candidate(c: Candidate) -> list[Any]:
    return [
        c.user_id,
        c.lat,
        c.lng,
        c.max_travel_km,
        sorted(c.interest_ids),
        sorted(c.free_slots),
        sorted(c.languages),
        c.group_size,
        c.age,
        c.age_min,
        c.age_max,
        sorted(c.venue_kinds),
    ]


def _candidate_from(row: list[Any]) -> Candidate:
    (uid, lat, lng, reach, interests, free, languages, size, age, age_min, age_max, kinds) = row
    return Candidate(
        user_id=int(uid),
        lat=float(lat),
        lng=float(lng),
        max_travel_km=float(reach),
        interest_ids=frozenset(int(i) for i in interests),
        free_slots=frozenset(int(s) for s in free),
        languages=frozenset(str(x) for x in languages),
        group_size=size,
        age=age,
        age_min=age_min,
        age_max=age_max,
        venue_kinds=frozenset(str(k) for k in kinds),
    )


def _venue(v: VenueOption) -> list[Any]:
    return [v.venue_id, v.lat, v.lng, v.kind, sorted(v.open_slots)]


def _venue_from(row: list[Any]) -> VenueOption:
    venue_id, lat, lng, kind, open_slots = row
    return VenueOption(
        venue_id=int(venue_id),
        lat=float(lat),
        lng=float(lng),
        kind=str(kind),
        open_slots=frozenset(int(s) for s in open_slots),
    )


def _pairs(pairs: frozenset[tuple[int, int]]) -> list[list[int]]:
    return [list(p) for p in sorted(pairs)]


def _known(cls: type, data: dict[str, Any]) -> Any:
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})


def problem_to_json(problem: MatchProblem) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "candidates": [_candidate(c) for c in problem.candidates],
        "venues": [_venue(v) for v in problem.venues],
        "blocked": _pairs(problem.exclusions.blocked),
        "recently_met": _pairs(problem.exclusions.recently_met),
        "max_groups_per_venue_slot": problem.max_groups_per_venue_slot,
        "interest_weights": None
        if problem.interest_weights is None
        else [[int(k), float(w)] for k, w in sorted(problem.interest_weights.items())],
        "interest_names": None
        if problem.interest_names is None
        else [[int(k), str(n)] for k, n in sorted(problem.interest_names.items())],
        "objective": asdict(problem.objective),
        "params": asdict(problem.params),
    }


def problem_from_json(data: dict[str, Any]) -> MatchProblem:
    if data.get("format") != FORMAT:
        raise ValueError(f"unknown problem format {data.get('format')!r}")
    weights = data["interest_weights"]
    names = data["interest_names"]
    return MatchProblem(
        candidates=tuple(_candidate_from(row) for row in data["candidates"]),
        venues=tuple(_venue_from(row) for row in data["venues"]),
        exclusions=Exclusions(
            blocked=frozenset((int(a), int(b)) for a, b in data["blocked"]),
            recently_met=frozenset((int(a), int(b)) for a, b in data["recently_met"]),
        ),
        max_groups_per_venue_slot=int(data["max_groups_per_venue_slot"]),
        interest_weights=None if weights is None else {int(k): float(w) for k, w in weights},
        interest_names=None if names is None else {int(k): str(n) for k, n in names},
        objective=_known(Objective, data["objective"]),
        params=_known(EngineParams, data["params"]),
    )


def problem_pack(problem: MatchProblem) -> bytes:
    """Compressed JSON, for the round's row."""
    raw = json.dumps(problem_to_json(problem), separators=(",", ":")).encode()
    return zlib.compress(raw, level=6)


def problem_unpack(blob: bytes | memoryview) -> MatchProblem:
    return problem_from_json(json.loads(zlib.decompress(bytes(blob))))
