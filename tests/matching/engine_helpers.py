"""Small builders for engine tests: people and venues around Munich's Marienplatz."""

from __future__ import annotations

import math
from typing import Any

from apps.matching.engine import Candidate, Exclusions, MatchProblem, VenueOption
from apps.matching.engine.types import EngineParams

LAT0, LNG0 = 48.1374, 11.5755
KM_LAT = 1 / 111.195
KM_LNG = 1 / (111.195 * math.cos(math.radians(LAT0)))


def at(east_km: float = 0.0, north_km: float = 0.0) -> tuple[float, float]:
    return LAT0 + north_km * KM_LAT, LNG0 + east_km * KM_LNG


def person(
    user_id: int, east_km: float = 0.0, north_km: float = 0.0, **overrides: Any
) -> Candidate:
    lat, lng = at(east_km, north_km)
    fields: dict[str, Any] = {
        "user_id": user_id,
        "lat": lat,
        "lng": lng,
        "max_travel_km": 5.0,
        "interest_ids": frozenset({1}),
        "free_slots": frozenset({0}),
        "languages": frozenset({"de"}),
        "group_size": "any",
        "age": 30,
        "age_min": None,
        "age_max": None,
        "venue_kinds": frozenset(),
    }
    fields.update(overrides)
    return Candidate(**fields)


def venue(
    venue_id: int, east_km: float = 0.0, north_km: float = 0.0, **overrides: Any
) -> VenueOption:
    lat, lng = at(east_km, north_km)
    fields: dict[str, Any] = {
        "venue_id": venue_id,
        "lat": lat,
        "lng": lng,
        "kind": "cafe",
        "open_slots": frozenset(range(8)),
    }
    fields.update(overrides)
    return VenueOption(**fields)


def problem(
    people: list[Candidate],
    venues: list[VenueOption] | None = None,
    *,
    blocked: frozenset[tuple[int, int]] = frozenset(),
    recently_met: frozenset[tuple[int, int]] = frozenset(),
    capacity: int = 1,
    names: dict[int, str] | None = None,
    **params: Any,
) -> MatchProblem:
    return MatchProblem(
        candidates=tuple(people),
        venues=tuple(venues if venues is not None else [venue(1)]),
        exclusions=Exclusions(blocked=blocked, recently_met=recently_met),
        max_groups_per_venue_slot=capacity,
        interest_names=names,
        params=EngineParams(**params),
    )
