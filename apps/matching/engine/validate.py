"""An independent check of a result against every hard constraint, and a reference scorer.

Written from the rules, not from the solver: plain loops, the haversine formula on latitude and
longitude (the solver uses 3-D chords), brute force over all venues. Tests, benchmarks and a
cautious caller use it; an empty list means no violation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .population import resolved_weights
from .types import MAX_GROUP, MIN_GROUP, Candidate, Group, MatchProblem, MatchResult, VenueOption

EARTH_RADIUS_KM = 6371.0088
TOLERANCE_KM = 1e-6  # float noise between two exact formulas; trips are reported to 1 m


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lng2 - lng1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def _age_fits(who: Candidate, other: Candidate) -> bool:
    if who.age_min is None and who.age_max is None:
        return True
    if other.age is None:
        return False
    if who.age_min is not None and other.age < who.age_min:
        return False
    return not (who.age_max is not None and other.age > who.age_max)


def _accepts(c: Candidate, kind: str) -> bool:
    return not c.venue_kinds or kind in c.venue_kinds


def members_violations(problem: MatchProblem, members: Sequence[Candidate]) -> list[str]:
    """Rules a set of people breaks by being together (venue aside)."""
    out: list[str] = []
    s = len(members)
    names = ",".join(str(c.user_id) for c in members)
    if s < 2 or s > MAX_GROUP:
        out.append(f"[{names}] size {s} outside 2..{MAX_GROUP}")
    for c in members:
        if c.group_size == "pair" and s != 2:
            out.append(f"[{names}] {c.user_id} wants a pair, group has {s}")
        if c.group_size == "group" and not MIN_GROUP <= s <= MAX_GROUP:
            out.append(f"[{names}] {c.user_id} wants a group of 3-6, group has {s}")
    forbidden = problem.exclusions.blocked | problem.exclusions.recently_met
    for x in range(s):
        for y in range(x + 1, s):
            a, b = members[x], members[y]
            d = haversine_km(a.lat, a.lng, b.lat, b.lng)
            if d > min(a.max_travel_km, b.max_travel_km) + TOLERANCE_KM:
                out.append(f"[{names}] {a.user_id}-{b.user_id} {d:.3f} km apart, beyond reach")
            if (a.user_id, b.user_id) in forbidden or (b.user_id, a.user_id) in forbidden:
                out.append(f"[{names}] {a.user_id}-{b.user_id} blocked or recently met")
            if not _age_fits(a, b) or not _age_fits(b, a):
                out.append(f"[{names}] {a.user_id}-{b.user_id} outside an age range")
    if not frozenset.intersection(*(c.languages for c in members)):
        out.append(f"[{names}] no common language")
    if not frozenset.intersection(*(c.interest_ids for c in members)):
        out.append(f"[{names}] no interest shared by all")
    return out


def group_violations(
    problem: MatchProblem,
    group: Group,
    venues: Mapping[int, VenueOption],
    people: Mapping[int, Candidate],
) -> list[str]:
    members = [people[u] for u in group.member_ids if u in people]
    names = ",".join(str(u) for u in group.member_ids)
    if len(members) != len(group.member_ids):
        return [f"[{names}] unknown member"]
    if len(set(group.member_ids)) != len(group.member_ids):
        return [f"[{names}] repeated member"]
    out = members_violations(problem, members)
    venue = venues.get(group.venue_id)
    if venue is None:
        return [*out, f"[{names}] unknown venue {group.venue_id}"]
    if group.slot not in venue.open_slots:
        out.append(f"[{names}] venue {venue.venue_id} closed at slot {group.slot}")
    for c in members:
        if group.slot not in c.free_slots:
            out.append(f"[{names}] {c.user_id} not free at slot {group.slot}")
        if not _accepts(c, venue.kind):
            out.append(f"[{names}] {c.user_id} does not accept {venue.kind}")
    if len(group.trip_km) != len(members):
        out.append(f"[{names}] trips do not match members")
    for c, reported in zip(members, group.trip_km, strict=False):
        trip = haversine_km(c.lat, c.lng, venue.lat, venue.lng)
        if trip > c.max_travel_km + TOLERANCE_KM:
            out.append(f"[{names}] {c.user_id} trip {trip:.3f} km > {c.max_travel_km} km")
        if abs(trip - reported) > 1e-3 + TOLERANCE_KM:
            out.append(f"[{names}] {c.user_id} trip reported {reported}, actual {trip:.4f}")
    common = frozenset.intersection(*(c.interest_ids for c in members))
    if not group.shared_interest_ids or not set(group.shared_interest_ids) <= common:
        out.append(f"[{names}] shared interests {group.shared_interest_ids} not held by all")
    return out


def check_violations(problem: MatchProblem, result: MatchResult | Sequence[Group]) -> list[str]:
    """Every broken hard constraint, as readable lines (empty: none)."""
    groups = result.groups if isinstance(result, MatchResult) else tuple(result)
    people = {c.user_id: c for c in problem.candidates}
    venues = {v.venue_id: v for v in problem.venues}
    out: list[str] = []
    seen: dict[int, int] = {}
    load: dict[tuple[int, int], int] = {}
    for k, g in enumerate(groups):
        for u in g.member_ids:
            if u in seen and seen[u] != k:
                out.append(f"{u} is in more than one group")
            seen[u] = k
        out.extend(group_violations(problem, g, venues, people))
        load[(g.venue_id, g.slot)] = load.get((g.venue_id, g.slot), 0) + 1
    for (venue_id, slot), count in sorted(load.items()):
        if count > problem.max_groups_per_venue_slot:
            out.append(
                f"venue {venue_id} slot {slot} has {count} groups "
                f"> {problem.max_groups_per_venue_slot}"
            )
    if isinstance(result, MatchResult):
        listed = set(result.unmatched_ids) | set(seen)
        if listed != set(people) or set(result.unmatched_ids) & set(seen):
            out.append("matched and unmatched ids do not partition the participants")
    return out


@dataclass(frozen=True)
class Evaluation:
    score: float
    trip_km: float  # the farthest member's trip at the best venue (capacity ignored)
    venue_id: int


def reference_score(
    problem: MatchProblem,
    member_ids: Sequence[int],
    weights: Mapping[int, float] | None = None,
    venue_id: int | None = None,
) -> Evaluation | None:
    """The objective of docs/adr/0010 for one group, by brute force over every venue.

    None when the group breaks a hard constraint. With `venue_id`, the score at that venue
    (trip = its farthest member's trip) instead of the best one."""
    people = {c.user_id: c for c in problem.candidates}
    members = [people[u] for u in member_ids]
    if members_violations(problem, members):
        return None
    w = weights if weights is not None else resolved_weights(problem)
    obj = problem.objective
    s = len(members)
    common_free = frozenset.intersection(*(c.free_slots for c in members))
    best: tuple[float, int] | None = None
    for v in problem.venues:
        if venue_id is not None and v.venue_id != venue_id:
            continue
        if not common_free & v.open_slots or not all(_accepts(c, v.kind) for c in members):
            continue
        trips = [haversine_km(c.lat, c.lng, v.lat, v.lng) for c in members]
        if any(t > c.max_travel_km + TOLERANCE_KM for t, c in zip(trips, members, strict=True)):
            continue
        far = max(trips)
        if best is None or far < best[0]:
            best = (far, v.venue_id)
    if best is None:
        return None
    interest = sum(
        sum(w.get(t, 1.0) for t in members[x].interest_ids & members[y].interest_ids)
        for x in range(s)
        for y in range(x + 1, s)
    )
    avail = min(len(common_free), obj.availability_cap) / max(1, obj.availability_cap)
    score = (
        s * (obj.base + obj.availability * avail - obj.travel_per_km * best[0])
        + 2.0 / (s - 1) * interest
    )
    return Evaluation(score=score, trip_km=best[0], venue_id=best[1])
