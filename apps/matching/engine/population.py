"""Candidates and venues as arrays and bitsets, indexed 0..n-1 in user-id order.

Sets (interests, languages, venue kinds, free slots) become bitsets twice: as Python ints for
the solver's per-group checks and as `uint64` word arrays for vectorised per-edge checks.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import numba
import numpy as np
from numpy.typing import NDArray

from .geometry import km_to_chord, to_xyz
from .plane import tangent_plane
from .types import Candidate, MatchProblem, VenueOption
from .venue_grid import VenueGrid

U64 = NDArray[np.uint64]
F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
Bools = NDArray[np.bool_]

_MASK64 = (1 << 64) - 1


def idf_weights(candidates: Iterable[Candidate]) -> dict[int, float]:
    """Smoothed inverse document frequency of each interest: ln((1 + N) / (1 + df)) + 1 >= 1."""
    counts: dict[int, int] = {}
    n = 0
    for c in candidates:
        n += 1
        for t in c.interest_ids:
            counts[t] = counts.get(t, 0) + 1
    return {t: math.log((1 + n) / (1 + df)) + 1.0 for t, df in sorted(counts.items())}


def resolved_weights(problem: MatchProblem) -> Mapping[int, float]:
    if problem.interest_weights is not None:
        return problem.interest_weights
    return idf_weights(problem.candidates)


def words_of(masks: Sequence[int], n_words: int) -> U64:
    out = np.zeros((len(masks), n_words), dtype=np.uint64)
    for w in range(n_words):
        out[:, w] = np.fromiter(
            ((m >> (64 * w)) & _MASK64 for m in masks), dtype=np.uint64, count=len(masks)
        )
    return out


def sorted_unique(x: I64) -> I64:
    """np.unique for int64 keys (numpy's hash-based unique is far slower on millions)."""
    if not len(x):
        return x
    s = np.sort(x)
    return s[np.concatenate([[True], s[1:] != s[:-1]])]


def sorted_member(x: I64, sorted_keys: I64) -> Bools:
    """x in sorted_keys, elementwise."""
    if not len(sorted_keys):
        return np.zeros(len(x), dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_keys, x), len(sorted_keys) - 1)
    return np.asarray(sorted_keys[pos] == x)


def popcount(words: U64) -> I64:
    return np.asarray(np.bitwise_count(words).sum(axis=-1, dtype=np.int64))


class WeightedBits:
    """Sum of per-bit weights over the set bits of word rows, by byte lookup tables."""

    def __init__(self, bit_weights: F64) -> None:
        n_words = max(1, math.ceil(len(bit_weights) / 64))
        padded = np.zeros(n_words * 64)
        padded[: len(bit_weights)] = bit_weights
        values = np.arange(256)
        bits = (values[:, None] >> np.arange(8)[None, :]) & 1  # (256, 8)
        per_byte = padded.reshape(-1, 8)  # (8 * n_words, 8), little-endian byte order
        self.tables = per_byte @ bits.T  # (8 * n_words, 256)
        self.live = [p for p in range(self.tables.shape[0]) if self.tables[p].any()]
        self.bit_weights = padded

    def sum(self, words: U64) -> F64:
        as_bytes = np.ascontiguousarray(words).view(np.uint8)
        out = np.zeros(len(words))
        for p in self.live:
            out += self.tables[p][as_bytes[:, p]]
        return out

    def sum_int(self, mask: int) -> float:
        total = 0.0
        while mask:
            low = mask & -mask
            total += self.bit_weights[low.bit_length() - 1]
            mask ^= low
        return total


class Population:
    """The people of one (sub)problem, sorted by user id."""

    def __init__(
        self,
        candidates: Sequence[Candidate],
        weights: Mapping[int, float],
        kind_bits: Mapping[str, int],
        n_slots: int,
        forbidden: Iterable[tuple[int, int]],
    ) -> None:
        people = sorted(candidates, key=lambda c: c.user_id)
        self.people = people
        n = self.n = len(people)
        self.user_ids: I64 = np.array([c.user_id for c in people], dtype=np.int64)
        self.index = {c.user_id: i for i, c in enumerate(people)}
        if len(self.index) != n:
            raise ValueError("candidates must have distinct user_id")

        lat = np.array([c.lat for c in people], dtype=np.float64)
        lng = np.array([c.lng for c in people], dtype=np.float64)
        self.lat, self.lng = lat, lng
        self.xyz: F64 = to_xyz(lat, lng).reshape(n, 3)
        self.reach_km: F64 = np.array([c.max_travel_km for c in people], dtype=np.float64)
        self.reach: F64 = km_to_chord(self.reach_km)
        self.plane: F64 = tangent_plane(self.xyz)  # for grid searches over people

        interest_ids = sorted({t for c in people for t in c.interest_ids})
        self.interest_bit = {t: b for b, t in enumerate(interest_ids)}
        self.interest_of_bit = interest_ids
        bit_weights = np.array([float(weights.get(t, 1.0)) for t in interest_ids])
        self.interest_weights = WeightedBits(bit_weights)
        self.interest_words_n = max(1, math.ceil(len(interest_ids) / 64))
        self.interests = [_mask(self.interest_bit, c.interest_ids) for c in people]
        self.interest_words = words_of(self.interests, self.interest_words_n)

        languages = sorted({code for c in people for code in c.languages})
        lang_bit = {code: b for b, code in enumerate(languages)}
        self.langs = [_mask(lang_bit, c.languages) for c in people]
        self.lang_words = words_of(self.langs, max(1, math.ceil(len(languages) / 64)))

        all_kinds = (1 << len(kind_bits)) - 1
        self.kinds = [
            (_mask(kind_bits, c.venue_kinds) if c.venue_kinds else all_kinds) for c in people
        ]
        self.kind_words = words_of(self.kinds, max(1, math.ceil(len(kind_bits) / 64)))

        self.slot_words_n = max(1, math.ceil(n_slots / 64))
        self.free = [_slot_mask(c.free_slots, n_slots) for c in people]
        self.free_words = words_of(self.free, self.slot_words_n)

        self.can_pair: Bools = np.array([c.can_pair for c in people], dtype=bool)
        self.can_group: Bools = np.array([c.can_group for c in people], dtype=bool)
        nan = float("nan")
        self.age: F64 = np.array([nan if c.age is None else c.age for c in people])
        self.age_min: F64 = np.array(
            [-math.inf if c.age_min is None else c.age_min for c in people]
        )
        self.age_max: F64 = np.array([math.inf if c.age_max is None else c.age_max for c in people])
        self.has_range: Bools = np.array(
            [c.age_min is not None or c.age_max is not None for c in people], dtype=bool
        )

        pairs = set()
        for a, b in forbidden:
            ia, ib = self.index.get(a), self.index.get(b)
            if ia is not None and ib is not None and ia != ib:
                pairs.add((min(ia, ib), max(ia, ib)))
        self.forbidden = pairs
        self.forbidden_keys: I64 = np.array(sorted(i * n + j for i, j in pairs), dtype=np.int64)

    # Pairwise hard constraints, vectorised over index arrays (both directions where it matters).
    def pair_ok(self, i: I64, j: I64) -> Bools:
        return _pair_ok(
            np.ascontiguousarray(i, dtype=np.int64),
            np.ascontiguousarray(j, dtype=np.int64),
            self.xyz,
            self.reach,
            self.can_pair,
            self.can_group,
            self.lang_words,
            self.kind_words,
            self.free_words,
            self.interest_words,
            self.age,
            self.age_min,
            self.age_max,
            self.has_range,
            self.forbidden_keys,
        )

    def age_fits(self, who: int, other: int) -> bool:
        if not self.has_range[who]:
            return True
        age = self.age[other]
        return bool(self.age_min[who] <= age <= self.age_max[who])


class VenueIndex:
    """Venues in a grid (for the compiled searches), with kind bits and open-slot bitsets."""

    def __init__(
        self, venues: Sequence[VenueOption], kind_bits: Mapping[str, int], n_slots: int
    ) -> None:
        ordered = sorted(venues, key=lambda v: v.venue_id)
        self.venues = ordered
        self.v = len(ordered)
        self.venue_ids: I64 = np.array([v.venue_id for v in ordered], dtype=np.int64)
        lat = np.array([v.lat for v in ordered], dtype=np.float64)
        lng = np.array([v.lng for v in ordered], dtype=np.float64)
        self.xyz: F64 = to_xyz(lat, lng).reshape(self.v, 3)
        self.kind: list[int] = [1 << kind_bits[v.kind] for v in ordered]
        self.kind_arr = np.array(self.kind, dtype=np.uint64)
        self.open = [_slot_mask(v.open_slots, n_slots) for v in ordered]
        self.open_words = words_of(self.open, max(1, math.ceil(n_slots / 64)))
        self.grid = VenueGrid(self.xyz)
        self.n_slots = n_slots
        # What the compiled searches (`venue_grid`) take, as one tuple.
        g = self.grid
        self.kernel_args = (
            self.xyz,
            self.kind_arr,
            self.open_words,
            g.basis,
            g.params,
            g.start,
            g.order,
        )


@numba.njit(cache=True)
def _common(words: U64, a: int, b: int) -> bool:
    for w in range(words.shape[1]):  # noqa: SIM110 (compiled: a plain loop, no generator)
        if words[a, w] & words[b, w]:
            return True
    return False


@numba.njit(cache=True)
def _age_fits(age: F64, age_min: F64, age_max: F64, has_range: Bools, who: int, other: int) -> bool:
    """`other` fits `who`'s age range (an unknown age, NaN, never fits a set range)."""
    return (not has_range[who]) or (age_min[who] <= age[other] <= age_max[who])


@numba.njit(cache=True)
def _pair_ok(
    i: I64,
    j: I64,
    xyz: F64,
    reach: F64,
    can_pair: Bools,
    can_group: Bools,
    lang_words: U64,
    kind_words: U64,
    free_words: U64,
    interest_words: U64,
    age: F64,
    age_min: F64,
    age_max: F64,
    has_range: Bools,
    forbidden_keys: I64,
) -> Bools:
    """Every pairwise hard constraint, per (i[k], j[k]): mutual reach, a group size both accept,
    a common language, venue kind, free slot and interest, each in the other's age range, and
    not blocked or recently met (`forbidden_keys`: sorted min * n + max)."""
    n = xyz.shape[0]
    out = np.zeros(i.shape[0], dtype=np.bool_)
    for k in range(i.shape[0]):
        a, b = i[k], j[k]
        d = 0.0
        for x in range(3):
            d += (xyz[a, x] - xyz[b, x]) ** 2
        if math.sqrt(d) > min(reach[a], reach[b]):
            continue
        if not ((can_pair[a] and can_pair[b]) or (can_group[a] and can_group[b])):
            continue
        if not (
            _common(lang_words, a, b)
            and _common(kind_words, a, b)
            and _common(free_words, a, b)
            and _common(interest_words, a, b)
        ):
            continue
        if not (
            _age_fits(age, age_min, age_max, has_range, a, b)
            and _age_fits(age, age_min, age_max, has_range, b, a)
        ):
            continue
        if forbidden_keys.shape[0]:
            key = min(a, b) * n + max(a, b)
            pos = np.searchsorted(forbidden_keys, key)
            if pos < forbidden_keys.shape[0] and forbidden_keys[pos] == key:
                continue
        out[k] = True
    return out


def vocabularies(problem: MatchProblem) -> tuple[dict[str, int], int]:
    """Bit numbers of venue kinds and the number of slots, shared by people and venues."""
    kinds = sorted(
        {v.kind for v in problem.venues} | {k for c in problem.candidates for k in c.venue_kinds}
    )
    slots = [s for c in problem.candidates for s in c.free_slots] + [
        s for v in problem.venues for s in v.open_slots
    ]
    n_slots = max(slots, default=-1) + 1
    if len(kinds) > 64:
        raise ValueError("at most 64 venue kinds are supported")
    if any(s < 0 for s in slots):
        raise ValueError("slots are indices, 0 or more")
    return {k: b for b, k in enumerate(kinds)}, n_slots


def _mask(bits: Mapping[object, int], values: Iterable[object]) -> int:
    m = 0
    for v in values:
        m |= 1 << bits[v]
    return m


def _slot_mask(slots: Iterable[int], n_slots: int) -> int:
    m = 0
    for s in slots:
        if 0 <= s < n_slots:
            m |= 1 << s
    return m
