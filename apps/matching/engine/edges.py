"""The candidate graph: for each person a bounded number of promising, feasible partners.

Never all pairs in reach (a dense city has thousands per person). For each interest t, a grid
over the holders of t returns each holder's nearest other holders in reach (`nearest`); the
union over a person's interests is their raw pool (so partners sharing a rare, valuable
interest are found even when they live farther away than many people sharing only common
ones). Raw pairs are filtered by every pairwise hard constraint, ranked by an optimistic pair
score (the trip can be no shorter than half the distance between homes), and each person keeps
their best `keep_per_person`. Memory is O(n * k).

Edge weights here are optimistic (trip = half the distance between homes, and a venue assumed
to exist); `exact_weights` gives the exact ones (venue search included) for pair scoring.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from .geometry import chord_to_km
from .nearest import holders_nearest
from .population import (
    F64,
    I64,
    Population,
    VenueIndex,
    popcount,
    sorted_member,
    sorted_unique,
)
from .travel import pair_travel
from .types import EngineParams, Objective


@dataclass(frozen=True)
class Edges:
    i: I64  # i < j, local indices
    j: I64
    interest: F64  # I(i, j): summed weights of shared interests
    avail: F64  # A: min(common free slots, cap) / cap
    home_km: F64  # distance between homes
    weight: F64  # optimistic score of {i, j} (trip >= home_km / 2)
    pair_ok: np.ndarray  # both accept pairs

    def __len__(self) -> int:
        return len(self.i)


def pair_score(objective: Objective, interest: F64, avail: F64, trip: F64) -> F64:
    return np.asarray(
        2.0
        * (
            objective.base
            + interest
            + objective.availability * avail
            - objective.travel_per_km * trip
        )
    )


def build_edges(
    pop: Population,
    objective: Objective,
    params: EngineParams,
    extra: list[tuple[int, int]] | None = None,
) -> Edges:
    """Candidate edges of `pop`; `extra` pairs (e.g. a warm start's) are always considered."""
    n = pop.n
    # Raw pairs repeat a lot (the same two people are near holders of several interests):
    # constraints are checked once per distinct pair, counted as often as it was found.
    keys, found_times = _counted(_raw_keys(pop, params.neighbours_per_interest, None))
    i, j = keys // n, keys % n
    ok = pop.pair_ok(i, j)
    # People whose pool is mostly filtered away (age ranges, rare languages, few free slots)
    # search again, much wider, so that constraints do not leave them alone needlessly.
    times_ok = found_times * ok
    degree = np.bincount(i, times_ok, minlength=n) + np.bincount(j, times_ok, minlength=n)
    starved = degree < 2 * params.keep_per_person
    found = [keys[ok]]
    if starved.any():
        found.append(_feasible(pop, _raw_keys(pop, params.neighbours_per_interest * 8, starved)))
    if extra:
        ex = np.array(extra, dtype=np.int64).reshape(-1, 2)
        lo, hi = np.minimum(ex[:, 0], ex[:, 1]), np.maximum(ex[:, 0], ex[:, 1])
        found.append(_feasible(pop, lo * n + hi))
    keys = sorted_unique(np.concatenate(found))
    keys = keys[keys // n != keys % n]  # not oneself
    i, j = keys // n, keys % n

    interest = pop.interest_weights.sum(pop.interest_words[i] & pop.interest_words[j])
    common = popcount(pop.free_words[i] & pop.free_words[j])
    avail = np.minimum(common, objective.availability_cap) / max(1, objective.availability_cap)
    half_km = chord_to_km(np.linalg.norm(pop.xyz[i] - pop.xyz[j], axis=1)) / 2.0
    optimistic = pair_score(objective, interest, avail, half_km)

    chosen = _top_k(n, i, j, optimistic, params.keep_per_person, params.seed, pop.user_ids)
    if extra:
        forced = {(min(a, b), max(a, b)) for a, b in extra}
        fkeys = np.sort(np.array([a * n + b for a, b in forced], dtype=np.int64))
        chosen |= sorted_member(i * n + j, fkeys)
    i, j = i[chosen], j[chosen]
    return Edges(
        i=i,
        j=j,
        interest=interest[chosen],
        avail=avail[chosen],
        home_km=2.0 * half_km[chosen],
        weight=optimistic[chosen],
        pair_ok=pop.can_pair[i] & pop.can_pair[j],
    )


def _feasible(pop: Population, keys: I64) -> I64:
    """The pair keys (min * n + max) that meet every pairwise hard constraint."""
    return keys[pop.pair_ok(keys // pop.n, keys % pop.n)]


def _counted(keys: I64) -> tuple[I64, I64]:
    """Distinct keys, sorted, and how often each occurs."""
    if not len(keys):
        return keys, keys
    s = np.sort(keys)
    starts = np.flatnonzero(np.concatenate([[True], s[1:] != s[:-1]]))
    return s[starts], np.diff(np.append(starts, len(s)))


def exact_weights(
    pop: Population, venues: VenueIndex, objective: Objective, edges: Edges, which: I64
) -> F64:
    """Exact pair scores of the edges `which` (-inf: no usable venue)."""
    i, j = edges.i[which], edges.j[which]
    trip_chord = pair_travel(
        venues,
        pop.xyz[i],
        pop.xyz[j],
        pop.reach[i],
        pop.reach[j],
        pop.free_words[i] & pop.free_words[j],
        (pop.kind_words[i] & pop.kind_words[j])[:, 0],
    )
    out = np.full(len(which), -np.inf)
    ok = np.isfinite(trip_chord)
    out[ok] = pair_score(
        objective, edges.interest[which][ok], edges.avail[which][ok], chord_to_km(trip_chord[ok])
    )
    return out


def _raw_keys(pop: Population, per_interest: int, only: np.ndarray | None) -> I64:
    """For each interest, each holder (or each holder in `only`) with its nearest holders
    (`per_interest` of them, within the holder's reach; the holder itself among them), as
    pair keys min * n + max (repeats included)."""
    if pop.n < 2:
        return np.zeros(0, dtype=np.int64)
    wanted = np.ones(pop.n, dtype=np.bool_) if only is None else np.asarray(only, dtype=np.bool_)
    q, p = holders_nearest(pop.xyz, pop.plane, pop.interest_words, pop.reach, wanted, per_interest)
    return np.minimum(q, p) * pop.n + np.maximum(q, p)


def tie_break(seed: int, a: I64, b: I64) -> F64:
    """A deterministic pseudo-random number in [0, 1) per unordered id pair."""
    lo = np.minimum(a, b).astype(np.uint64)
    hi = np.maximum(a, b).astype(np.uint64)
    with np.errstate(over="ignore"):
        x = lo * np.uint64(0x9E3779B97F4A7C15) ^ hi * np.uint64(0xC2B2AE3D27D4EB4F)
        x ^= np.uint64(seed & ((1 << 64) - 1)) * np.uint64(0x165667B19E3779F9)
        x ^= x >> np.uint64(31)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(29)
    return np.asarray((x >> np.uint64(11)).astype(np.float64) / float(1 << 53))


def _top_k(n: int, i: I64, j: I64, score: F64, k: int, seed: int, user_ids: I64) -> np.ndarray:
    """Edges among the k best of either endpoint (ties broken by a seeded hash)."""
    if len(i) == 0:
        return np.zeros(0, dtype=bool)
    jitter = tie_break(seed, user_ids[i], user_ids[j])
    return np.asarray(_top_k_compiled(n, i, j, score, jitter, k))


@numba.njit(cache=True)
def _top_k_compiled(n: int, i: I64, j: I64, score: F64, jitter: F64, k: int) -> np.ndarray:
    """Per node, its incident edges by (score descending, jitter, edge index); the first k of
    each node's list are chosen."""
    m = i.shape[0]
    start = np.zeros(n + 1, dtype=np.int64)
    for e in range(m):
        start[i[e] + 1] += 1
        start[j[e] + 1] += 1
    for v in range(n):
        start[v + 1] += start[v]
    incident = np.empty(2 * m, dtype=np.int64)
    fill = start[:-1].copy()
    for half in range(2):
        ends = i if half == 0 else j
        for e in range(m):
            incident[fill[ends[e]]] = e
            fill[ends[e]] += 1
    chosen = np.zeros(m, dtype=np.bool_)
    best_s = np.empty(k)
    best_t = np.empty(k)
    best_e = np.empty(k, dtype=np.int64)
    for v in range(n):
        if start[v + 1] - start[v] <= k:
            for pos in range(start[v], start[v + 1]):
                chosen[incident[pos]] = True
            continue
        # The k best seen so far, best first; an edge equal to one already held comes after
        # it (the order of a stable sort).
        held = 0
        for pos in range(start[v], start[v + 1]):
            e = incident[pos]
            sc, jt = score[e], jitter[e]
            if held == k and (sc < best_s[k - 1] or (sc == best_s[k - 1] and jt >= best_t[k - 1])):
                continue
            y = held if held < k else k - 1
            while y > 0 and (best_s[y - 1] < sc or (best_s[y - 1] == sc and best_t[y - 1] > jt)):
                best_s[y], best_t[y], best_e[y] = best_s[y - 1], best_t[y - 1], best_e[y - 1]
                y -= 1
            best_s[y], best_t[y], best_e[y] = sc, jt, e
            if held < k:
                held += 1
        for y in range(k):
            chosen[best_e[y]] = True
    return chosen
