"""Inputs and outputs of the matching engine: frozen, hashable, free of Django.

Everything the engine needs arrives in one `MatchProblem`; everything it decides leaves in one
`MatchResult`. Ids are the caller's (user ids, venue ids); slots are indices into the round's
list of time slots, which the caller owns (the engine never sees a clock).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

GroupSize = Literal["pair", "group", "any"]

MIN_GROUP = 3
MAX_GROUP = 6


@dataclass(frozen=True, slots=True)
class Candidate:
    """One person taking part in a round.

    * `max_travel_km` bounds both the distance to every other member's home (mutual reach uses the
      smaller of the two) and the person's own trip to the venue.
    * `free_slots`: indices of the round's slots this person is free for.
    * `venue_kinds`: kinds this person accepts; **empty means "no preference"** (every kind).
    * `languages`, `interest_ids`: empty sets make the person unmatchable (a group needs a common
      language and a common interest).
    * Age: when `age_min` or `age_max` is set, every other member must have a known `age` inside
      the range; a member whose `age` is None is excluded from such a person's groups, to be safe.
    """

    user_id: int
    lat: float
    lng: float
    max_travel_km: float
    interest_ids: frozenset[int]
    free_slots: frozenset[int]
    languages: frozenset[str]
    group_size: GroupSize = "any"
    age: int | None = None
    age_min: int | None = None
    age_max: int | None = None
    venue_kinds: frozenset[str] = frozenset()

    @property
    def can_pair(self) -> bool:
        return self.group_size in ("pair", "any")

    @property
    def can_group(self) -> bool:
        return self.group_size in ("group", "any")


@dataclass(frozen=True, slots=True)
class VenueOption:
    """A public place a group may meet at; `open_slots` are the round's slots it is open for."""

    venue_id: int
    lat: float
    lng: float
    kind: str
    open_slots: frozenset[int]


@dataclass(frozen=True, slots=True)
class Exclusions:
    """Pairs that must never share a group, in either order.

    `recently_met` is what the caller derived from the last 8 weeks of meetups, already without
    the pairs where both people asked to meet again.
    """

    blocked: frozenset[tuple[int, int]] = frozenset()
    recently_met: frozenset[tuple[int, int]] = frozenset()

    def forbidden(self) -> frozenset[tuple[int, int]]:
        """Both sets, each pair as (smaller id, larger id)."""
        return frozenset((min(a, b), max(a, b)) for a, b in self.blocked | self.recently_met)


@dataclass(frozen=True, slots=True)
class Objective:
    """Weights of the objective (see docs/adr/0010-matching-objective.md).

    A group g of size s, with a venue and slot chosen to minimise the farthest member's trip T(g)
    (km), scores

        score(g) = s * (base + availability * A(g) - travel_per_km * T(g))
                   + 2 / (s - 1) * sum over member pairs of I(i, j)

    i.e. the sum over members of: a base reward for being matched, the mean IDF-weighted
    interests they share with each other member, an availability bonus and a travel penalty.
    I(i, j) = sum of interest weights over interests both hold; A(g) = min(common free slots,
    availability_cap) / availability_cap. The engine maximises the total score of all groups.
    """

    base: float = 2.0
    availability: float = 0.5
    availability_cap: int = 4
    travel_per_km: float = 0.4


@dataclass(frozen=True, slots=True)
class EngineParams:
    """Knobs of the algorithm (not of the objective). Defaults are what the benchmarks use."""

    seed: int = 0
    # Candidate generation: per interest, this many nearest holders of that interest in reach.
    neighbours_per_interest: int = 64
    # Kept per person after scoring (the candidate graph's degree bound; memory is linear in it).
    keep_per_person: int = 16
    # Cells: at most this many people solved together (exact matching is ~n^2.2 inside a cell).
    # Larger cells lose fewer groups at their borders: at 25,000 people, 3,000-person cells
    # without seam repair beat 1,200-person cells with it by 0.6% of the objective, in less time.
    max_cell_size: int = 3000
    # Local search: examinations per person at most, and how many of a person's best
    # candidates are looked at per examination.
    local_search_passes: int = 8
    search_neighbours: int = 16
    # Ejection chains after each local search (a free person displaces r, r moves on).
    ejection_chains: bool = True
    # Exact small solves (re-packing a window of <= 24 people optimally) per person of a cell,
    # at least 20 per cell; 0 turns them off.
    exact_windows: float = 0.01
    # Border repair (off by default: pairs are re-matched region-wide anyway, and the band is
    # most of a dense city, so a pass costs almost a second solve): pass 1 re-solves a band
    # along the inner borders, this many times the cell's 90th-percentile candidate-edge length
    # wide; later passes re-solve everyone in chunks cut along turned lines.
    border_band_factor: float = 1.5
    repair_passes: int = 0
    # Region-wide pair re-matching after the cells (pairs.py), in pieces of at most this many
    # people solved independently.
    region_pairs: bool = True
    pair_region_size: int = 20_000


@dataclass(frozen=True, slots=True)
class MatchProblem:
    """One round in one region (or one cell of it)."""

    candidates: tuple[Candidate, ...]
    venues: tuple[VenueOption, ...]
    exclusions: Exclusions = field(default_factory=Exclusions)
    max_groups_per_venue_slot: int = 1
    # Interest id -> weight. None: IDF from this population, ln((1 + N) / (1 + df)) + 1.
    interest_weights: Mapping[int, float] | None = None
    # Interest id -> readable name, for explanations only.
    interest_names: Mapping[int, str] | None = None
    objective: Objective = field(default_factory=Objective)
    params: EngineParams = field(default_factory=EngineParams)


@dataclass(frozen=True, slots=True)
class Group:
    """One proposal: these people, this venue, this slot.

    `trip_km[k]` is member_ids[k]'s trip to the venue; show each person only their own trip.
    `shared_interest_ids` are interests every member holds, rarest first.
    """

    member_ids: tuple[int, ...]
    venue_id: int
    slot: int
    score: float
    shared_interest_ids: tuple[int, ...]
    trip_km: tuple[float, ...]
    explanation: str


@dataclass(frozen=True, slots=True)
class MatchStats:
    participants: int
    matched: int
    groups: int
    objective: float
    mean_shared_interests: float
    mean_trip_km: float
    max_trip_km: float
    cells: int
    dropped_for_venue_capacity: int
    seconds: float


@dataclass(frozen=True, slots=True)
class MatchResult:
    groups: tuple[Group, ...]
    unmatched_ids: tuple[int, ...]
    stats: MatchStats


@dataclass(frozen=True, slots=True)
class Cell:
    """A rectangle of the region (projected km around `CellPlan.origin`; open sides are inf)."""

    index: int
    user_ids: tuple[int, ...]
    bounds: tuple[float, float, float, float]  # x_min, x_max, y_min, y_max


@dataclass(frozen=True, slots=True)
class CellPlan:
    origin: tuple[float, float]  # lat, lng of the projection centre
    cells: tuple[Cell, ...]
    interest_weights: Mapping[int, float]


@dataclass(frozen=True, slots=True)
class CellSolution:
    """What a worker returns for one cell: groups as member ids, before venue assignment."""

    cell_index: int
    groups: tuple[tuple[int, ...], ...]
    objective: float
    edge_km_p90: float

    def to_json(self) -> dict[str, object]:
        return {
            "cell_index": self.cell_index,
            "groups": [list(g) for g in self.groups],
            "objective": self.objective,
            "edge_km_p90": self.edge_km_p90,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> CellSolution:
        groups = data["groups"]
        if not isinstance(groups, list):
            raise TypeError("groups must be a list of lists of user ids")
        return cls(
            cell_index=int(data["cell_index"]),  # type: ignore[call-overload]
            groups=tuple(tuple(int(u) for u in g) for g in groups),
            objective=float(data["objective"]),  # type: ignore[arg-type]
            edge_km_p90=float(data["edge_km_p90"]),  # type: ignore[arg-type]
        )
