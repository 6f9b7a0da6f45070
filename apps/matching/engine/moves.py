"""The solver's local search, compiled (numba): the same moves as `CellSolver._best_move`.

First-improvement moves until no person can improve, at most `passes` examinations per person
on average; after a move only its neighbourhood is examined again. A person p may join a
neighbour's group, swap places with one of its members (who takes p's place or becomes free),
or pair / form a triple with free neighbours; each move strictly raises the objective.

The partition lives in arrays here (`group_of`, `members`, `size`, `score`); `CellSolver`
copies its groups in and out around a call. Group values follow `CellSolver.value` exactly:
the objective of docs/adr/0010 at the venue that minimises the farthest trip (the compiled
search of `venue_grid`), exact pair weights for candidate edges, and the same optimistic
bound (trip >= half the group's diameter) to skip venue searches that cannot pay off.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numba import types
from numba.typed import Dict

from .geometry import EARTH_RADIUS_KM
from .venue_grid import best_trip

_EPS = 1e-9
_TWO_R = 2.0 * EARTH_RADIUS_KM
_MAX = 6
_NONE = -math.inf  # cached "infeasible or worthless"
_KEY = types.UniTuple(types.int64, _MAX)


@numba.njit(cache=True, inline="always")
def _km(chord: float) -> float:
    return _TWO_R * math.asin(min(1.0, chord / _TWO_R))


@numba.njit(cache=True, inline="always")
def _key(m, s):
    """The cache key of group m[:s]: its members padded with -1 (built without an array: the
    searches make millions of these)."""
    return (
        m[0] if s > 0 else -1,
        m[1] if s > 1 else -1,
        m[2] if s > 2 else -1,
        m[3] if s > 3 else -1,
        m[4] if s > 4 else -1,
        m[5] if s > 5 else -1,
    )


# Columns of the people's numbers (`Arrays.people[0]`).
_X, _REACH, _AGE, _AGE_MIN, _AGE_MAX, _HAS_RANGE, _CAN_PAIR, _CAN_GROUP = 0, 3, 4, 5, 6, 7, 8, 9


class Arrays:
    """Everything the compiled search reads, as tuples of arrays (numba takes no objects).

    People are packed into few arrays: every array a compiled function takes or unpacks costs
    an atomic reference-count increment and decrement per call, and with fourteen separate
    arrays those were most of the search's time. `people` = (numbers: one row per person, the
    columns above; bit words: interests | languages | venue kinds | free slots, side by side;
    interest bit weights; forbidden pair keys; where each kind of word starts and how many)."""

    def __init__(self, pop, venues, objective, pair_keys, pair_weights, nbr_start, nbr_list):
        numbers = np.column_stack(
            [
                pop.xyz,
                pop.reach,
                pop.age,
                pop.age_min,
                pop.age_max,
                pop.has_range.astype(np.float64),
                pop.can_pair.astype(np.float64),
                pop.can_group.astype(np.float64),
            ]
        )
        sections = (pop.interest_words, pop.lang_words, pop.kind_words, pop.free_words)
        starts = np.cumsum([0] + [w.shape[1] for w in sections]).tolist()
        layout = tuple(int(x) for k in range(4) for x in (starts[k], sections[k].shape[1]))
        self.people = (
            np.ascontiguousarray(numbers, dtype=np.float64),
            np.ascontiguousarray(np.hstack(sections), dtype=np.uint64),
            np.ascontiguousarray(pop.interest_weights.bit_weights, dtype=np.float64),
            pop.forbidden_keys,
            layout,
        )
        self.venues = venues.kernel_args
        self.objective = np.array(
            [
                objective.base,
                objective.availability,
                objective.availability_cap,
                objective.travel_per_km,
            ]
        )
        self.pairs = (pair_keys, pair_weights)
        self.nbrs = (nbr_start, nbr_list)


# Position of a word's only set bit: multiplying by a de Bruijn sequence puts a distinct 6-bit
# pattern in the top bits for each of the 64 positions.
_DE_BRUIJN = np.uint64(0x03F79D71B4CB0A89)
_DE_BRUIJN_POSITION = np.zeros(64, dtype=np.int64)
for _k in range(64):
    _DE_BRUIJN_POSITION[((1 << _k) * 0x03F79D71B4CB0A89 & ((1 << 64) - 1)) >> 58] = _k


@numba.njit(cache=True, inline="always")
def _bit_index(low: np.uint64) -> int:
    return _DE_BRUIJN_POSITION[(low * _DE_BRUIJN) >> np.uint64(58)]


@numba.njit(cache=True)
def _pair_info(people, a, b):
    """(shared interest weight, home chord) when a and b may share a group, else (-1, -1)."""
    num, words, bitw, forb, layout = people
    d = 0.0
    for x in range(3):
        d += (num[a, _X + x] - num[b, _X + x]) ** 2
    chord = math.sqrt(d)
    if chord > min(num[a, _REACH], num[b, _REACH]):
        return -1.0, -1.0
    n = num.shape[0]
    if forb.shape[0]:
        key = min(a, b) * n + max(a, b)
        pos = np.searchsorted(forb, key)
        if pos < forb.shape[0] and forb[pos] == key:
            return -1.0, -1.0
    for section in range(1, 4):  # languages, venue kinds, free slots
        start, count = layout[2 * section], layout[2 * section + 1]
        common = False
        for w in range(start, start + count):
            if words[a, w] & words[b, w]:
                common = True
                break
        if not common:
            return -1.0, -1.0
    for who, other in ((a, b), (b, a)):
        if num[who, _HAS_RANGE] and not (
            num[who, _AGE_MIN] <= num[other, _AGE] <= num[who, _AGE_MAX]
        ):
            return -1.0, -1.0
    total = 0.0
    found = False
    for w in range(layout[1]):  # interests (the first section)
        word = words[a, w] & words[b, w]
        while word:  # set bits only, lowest first (the same order of additions as bit by bit)
            low = word & (~word + np.uint64(1))
            total += bitw[64 * w + _bit_index(low)]
            found = True
            word ^= low
    if not found:
        return -1.0, -1.0
    return total, chord


@numba.njit(cache=True)
def _base(people, obj, m, s):
    """(score without travel, diameter chord, common kinds); value -inf when the group breaks
    a hard constraint or a size rule. Allocates nothing (it runs for every candidate move)."""
    num, words, _, _, layout = people
    if s == 2:
        if not (num[m[0], _CAN_PAIR] and num[m[1], _CAN_PAIR]):
            return _NONE, 0.0, np.uint64(0)
    elif s < 3 or s > _MAX:
        return _NONE, 0.0, np.uint64(0)
    else:
        for x in range(s):
            if not num[m[x], _CAN_GROUP]:
                return _NONE, 0.0, np.uint64(0)
    interest_sum = 0.0
    diameter = 0.0
    for x in range(s):
        for y in range(x + 1, s):
            it, ch = _pair_info(people, m[x], m[y])
            if ch < 0:
                return _NONE, 0.0, np.uint64(0)
            interest_sum += it
            diameter = max(diameter, ch)
    kinds_at = layout[4]
    common_kinds = words[m[0], kinds_at]
    for x in range(1, s):
        common_kinds &= words[m[x], kinds_at]
    for section in range(2):  # interests, languages
        start, count = layout[2 * section], layout[2 * section + 1]
        shared = False
        for w in range(start, start + count):
            acc = words[m[0], w]
            for x in range(1, s):
                acc &= words[m[x], w]
            if acc:
                shared = True
                break
        if not shared:
            return _NONE, 0.0, np.uint64(0)
    slots = 0
    for w in range(layout[6], layout[6] + layout[7]):
        word = words[m[0], w]
        for x in range(1, s):
            word &= words[m[x], w]
        while word:
            word &= word - np.uint64(1)
            slots += 1
    if slots == 0 or common_kinds == 0:
        return _NONE, 0.0, np.uint64(0)
    base, availability, cap, _ = obj[0], obj[1], obj[2], obj[3]
    avail = min(slots, cap) / max(1.0, cap)
    value = s * (base + availability * avail) + 2.0 / (s - 1) * interest_sum
    return value, diameter, common_kinds


@numba.njit(cache=True)
def _members_for_search(people, m, s):
    """What a venue search takes about m[:s]: their points, reach chords and the slots all
    are free (as words)."""
    num, words, _, _, layout = people
    xyz = np.empty((s, 3))
    reach = np.empty(s)
    for x in range(s):
        for c in range(3):
            xyz[x, c] = num[m[x], _X + c]
        reach[x] = num[m[x], _REACH]
    start, count = layout[6], layout[7]
    free = words[m[0], start : start + count].copy()
    for x in range(1, s):
        free &= words[m[x], start : start + count]
    return xyz, reach, free


@numba.njit(cache=True)
def _pair_weight(pairs, n, m, s):
    """The candidate edge's exact weight for a pair, or nan when the pair is no edge."""
    if s != 2:
        return math.nan
    keys, weights = pairs
    key = m[0] * n + m[1]
    pos = np.searchsorted(keys, key)
    if pos < keys.shape[0] and keys[pos] == key:
        return weights[pos]
    return math.nan


@numba.njit(cache=True)
def value(people, venues, obj, pairs, cache, m, s, need):
    """`CellSolver.value`: the exact score of a feasible group (members sorted), -inf when
    infeasible, worthless or (without a venue search) unable to reach `need`."""
    key = _key(m, s)
    if key in cache:
        v = cache[key]
        return v if v >= need else _NONE
    num = people[0]
    n = num.shape[0]
    if s == 2 and num[m[0], _CAN_PAIR] and num[m[1], _CAN_PAIR]:
        w = _pair_weight(pairs, n, m, s)
        if not math.isnan(w):
            result = w if w > _EPS else _NONE
            cache[key] = result
            return result if result >= need else _NONE
    v, diameter, kinds = _base(people, obj, m, s)
    if v == _NONE:
        cache[key] = _NONE
        return _NONE
    per_km = obj[3] * s
    if v - per_km * _km(diameter / 2.0) < max(need, _EPS):
        return _NONE
    xyz, reach, free = _members_for_search(people, m, s)
    chord = best_trip(venues, xyz, reach, free, kinds)
    if not math.isfinite(chord):
        cache[key] = _NONE
        return _NONE
    score = v - per_km * _km(chord)
    result = score if score > _EPS else _NONE
    cache[key] = result
    return result if result >= need else _NONE


@numba.njit(cache=True)
def upper(people, obj, pairs, cache, m, s):
    """`CellSolver.upper`: a bound of `value` without the venue search (-inf: infeasible)."""
    key = _key(m, s)
    if key in cache:
        return cache[key]
    num = people[0]
    n = num.shape[0]
    if s == 2 and num[m[0], _CAN_PAIR] and num[m[1], _CAN_PAIR]:
        w = _pair_weight(pairs, n, m, s)
        if not math.isnan(w):
            return w if w > _EPS else _NONE
    v, diameter, _ = _base(people, obj, m, s)
    if v == _NONE:
        cache[key] = _NONE
        return _NONE
    return v - obj[3] * s * _km(diameter / 2.0)


def new_cache():
    return Dict.empty(key_type=_KEY, value_type=types.float64)


@numba.njit(cache=True)
def _sorted_with(m, s, extra):
    out = np.empty(_MAX, dtype=np.int64)
    k = 0
    placed = False
    for x in range(s):
        if not placed and extra < m[x]:
            out[k] = extra
            k += 1
            placed = True
        out[k] = m[x]
        k += 1
    if not placed:
        out[k] = extra
    return out


@numba.njit(cache=True)
def _replaced(m, s, old, new):
    """m with `old` swapped for `new`, sorted."""
    out = np.empty(_MAX, dtype=np.int64)
    for x in range(s):
        out[x] = new if m[x] == old else m[x]
    out[:s].sort()
    return out


@numba.njit(cache=True)
def _without(m, s, who):
    out = np.empty(_MAX, dtype=np.int64)
    k = 0
    for x in range(s):
        if m[x] != who:
            out[k] = m[x]
            k += 1
    return out


@numba.njit(cache=True)
def _leftover(people, venues, obj, pairs, cache, m, s):
    if s < 2:
        return 0.0
    v = value(people, venues, obj, pairs, cache, m, s, -math.inf)
    return v if v != _NONE else 0.0


@numba.njit(cache=True)
def best_move(people, venues, obj, pairs, nbrs, cache, state, p, threshold, search):
    """`CellSolver._best_move`: (gain, groups to drop (-1: none), groups to create) of p's best
    move gaining more than `threshold`, gain -inf when there is none."""
    group_of, members, size, score = state
    num = people[0]
    can_pair, can_group = num[:, _CAN_PAIR], num[:, _CAN_GROUP]
    nbr_start, nbr_list = nbrs
    drop = np.full(2, -1, dtype=np.int64)
    make = np.full((2, _MAX), -1, dtype=np.int64)
    make_size = np.zeros(2, dtype=np.int64)
    A = group_of[p]
    if A >= 0:
        mem_a, s_a_size = members[A], size[A]
        s_a = score[A]
        rest = _without(mem_a, s_a_size, p)
        rest_size = s_a_size - 1
        leave = _leftover(people, venues, obj, pairs, cache, rest, rest_size) - s_a
    else:
        s_a = 0.0
        rest = np.full(_MAX, -1, dtype=np.int64)
        rest_size = 0
        leave = 0.0
    best = threshold
    found = False
    seen = np.full(search, -1, dtype=np.int64)
    n_seen = 0
    lonely = np.empty(search, dtype=np.int64)
    n_lonely = 0
    bad = np.empty(_MAX, dtype=np.int64)
    end = min(nbr_start[p + 1], nbr_start[p] + search)
    for pos in range(nbr_start[p], end):
        q = nbr_list[pos]
        B = group_of[q]
        if B < 0:
            lonely[n_lonely] = q
            n_lonely += 1
            continue
        if B == A:
            continue
        dup = False
        for x in range(n_seen):
            if seen[x] == B:
                dup = True
                break
        if dup:
            continue
        seen[n_seen] = B
        n_seen += 1
        mem_b, size_b = members[B], size[B]
        n_bad = 0
        for x in range(size_b):
            if _pair_info(people, p, mem_b[x])[1] < 0:
                bad[n_bad] = mem_b[x]
                n_bad += 1
        if n_bad > 1:
            continue
        s_b = score[B]
        if n_bad == 0 and size_b < _MAX and can_group[p]:
            joined = _sorted_with(mem_b, size_b, p)
            v = value(people, venues, obj, pairs, cache, joined, size_b + 1, s_b - leave + best)
            if v != _NONE and v - s_b + leave > best:
                best = v - s_b + leave
                found = True
                drop[0], drop[1] = B, A
                make[0], make_size[0] = joined, size_b + 1
                make[1], make_size[1] = rest, rest_size
        if not (can_pair[p] if size_b == 2 else can_group[p]):
            continue
        n_try = n_bad if n_bad else size_b
        for t in range(n_try):
            r = bad[t] if n_bad else mem_b[t]
            if rest_size:
                clash = False
                for x in range(rest_size):
                    if _pair_info(people, r, rest[x])[1] < 0:
                        clash = True
                        break
                if clash:
                    continue
            new_b = _replaced(mem_b, size_b, r, p)
            ub_b = upper(people, obj, pairs, cache, new_b, size_b)
            if ub_b == _NONE:
                continue
            if A >= 0:
                new_a = _sorted_with(rest, rest_size, r)
                ub_a = upper(people, obj, pairs, cache, new_a, rest_size + 1)
                if ub_a == _NONE:
                    continue
            else:
                new_a = np.full(_MAX, -1, dtype=np.int64)
                ub_a = 0.0
            if ub_a + ub_b - s_a - s_b <= best:
                continue
            vb = value(people, venues, obj, pairs, cache, new_b, size_b, -math.inf)
            if vb == _NONE:
                continue
            if A >= 0:
                va = value(people, venues, obj, pairs, cache, new_a, rest_size + 1, -math.inf)
                if va == _NONE:
                    continue
            else:
                va = 0.0
            delta = va + vb - s_a - s_b
            if delta > best:
                best = delta
                found = True
                drop[0], drop[1] = (A, B) if A >= 0 else (B, -1)
                make[0], make_size[0] = new_a, (rest_size + 1 if A >= 0 else 0)
                make[1], make_size[1] = new_b, size_b
    pair = np.empty(_MAX, dtype=np.int64)
    trio = np.empty(_MAX, dtype=np.int64)
    for x in range(n_lonely):
        q = lonely[x]
        if can_pair[p] and can_pair[q]:
            pair[0], pair[1] = min(p, q), max(p, q)
            v = value(people, venues, obj, pairs, cache, pair, 2, best - leave)
            if v != _NONE and v + leave > best:
                best = v + leave
                found = True
                drop[0], drop[1] = A, -1
                make[0], make_size[0] = pair, 2
                make[1], make_size[1] = rest, rest_size
        if not (can_group[p] and can_group[q]) or _pair_info(people, p, q)[1] < 0:
            continue
        for y in range(x + 1, n_lonely):
            r = lonely[y]
            if not can_group[r]:
                continue
            if _pair_info(people, q, r)[1] < 0 or _pair_info(people, p, r)[1] < 0:
                continue
            trio[0], trio[1], trio[2] = p, q, r
            trio[:3].sort()
            v = value(people, venues, obj, pairs, cache, trio, 3, best - leave)
            if v != _NONE and v + leave > best:
                best = v + leave
                found = True
                drop[0], drop[1] = A, -1
                make[0], make_size[0] = trio, 3
                make[1], make_size[1] = rest, rest_size
    return (best if found else _NONE), drop, make.copy(), make_size


@numba.njit(cache=True)
def _drop_group(state, free_ids, n_free, gid):
    group_of, members, size, _ = state
    for x in range(size[gid]):
        group_of[members[gid, x]] = -1
    size[gid] = 0
    free_ids[n_free] = gid
    return n_free + 1


@numba.njit(cache=True)
def apply_move(
    people, venues, obj, pairs, cache, state, free_ids, n_free, p, drop, make, make_size, changed
):
    """`CellSolver._apply`; returns (free ids count, how many people `changed` holds)."""
    group_of, members, size, score = state
    n_changed = 0
    for gid in drop:
        if gid >= 0:
            for x in range(size[gid]):
                changed[n_changed] = members[gid, x]
                n_changed += 1
            n_free = _drop_group(state, free_ids, n_free, gid)
    changed[n_changed] = p
    n_changed += 1
    for c in range(2):
        s = make_size[c]
        m = make[c]
        if s >= 2:
            taken = False
            for x in range(s):
                if group_of[m[x]] >= 0:
                    taken = True
            if not taken:
                v = value(people, venues, obj, pairs, cache, m, s, -math.inf)
                if v != _NONE:
                    n_free -= 1
                    gid = free_ids[n_free]
                    members[gid, :] = -1
                    members[gid, :s] = m[:s]
                    size[gid] = s
                    score[gid] = v
                    for x in range(s):
                        group_of[m[x]] = gid
        for x in range(s):
            changed[n_changed] = m[x]
            n_changed += 1
    return n_free, n_changed


@numba.njit(cache=True)
def local_search(
    people, venues, obj, pairs, nbrs, cache, state, free_ids, n_free, order, budget, search
):
    """`CellSolver.local_search` over the queue `order` (active people, shuffled); returns
    (moves, people still queued when the budget ran out: 0 when it converged)."""
    group_of = state[0]
    can_group = people[0][:, _CAN_GROUP]
    nbr_start, nbr_list = nbrs
    n = group_of.shape[0]
    queue = np.empty(n + 1, dtype=np.int64)  # a ring: each person is queued at most once
    queued = np.zeros(n, dtype=np.bool_)
    head, count = 0, 0
    for p in order:
        queue[(head + count) % (n + 1)] = p
        count += 1
        queued[p] = True
    changed = np.empty(4 * _MAX + 1, dtype=np.int64)
    moves = 0
    while count and budget > 0:
        budget -= 1
        p = queue[head]
        head = (head + 1) % (n + 1)
        count -= 1
        queued[p] = False
        gain, drop, make, make_size = best_move(
            people, venues, obj, pairs, nbrs, cache, state, p, _EPS, search
        )
        if gain == _NONE:
            continue
        n_free, n_changed = apply_move(
            people, venues, obj, pairs, cache, state, free_ids, n_free, p, drop, make,
            make_size, changed,
        )  # fmt: skip
        moves += 1
        for c in range(n_changed):
            m = changed[c]
            for pos in range(nbr_start[m] - 1, nbr_start[m + 1]):
                q = m if pos < nbr_start[m] else nbr_list[pos]
                if not queued[q] and can_group[q] and nbr_start[q + 1] > nbr_start[q]:
                    queued[q] = True
                    queue[(head + count) % (n + 1)] = q
                    count += 1
    return moves, count


@numba.njit(cache=True)
def window_options(people, venues, obj, pairs, cache, window, largest):
    """Every group of 2..`largest` people of `window` (sorted) worth more than nothing, with
    its exact value: (members, one row per group padded with -1; values)."""
    w = window.shape[0]
    rows = [np.full(_MAX, -1, dtype=np.int64) for _ in range(0)]
    vals = [0.0 for _ in range(0)]
    m = np.full(_MAX, -1, dtype=np.int64)
    # Depth-first over index-ordered combinations; a branch stops at the first incompatible pair.
    idx = np.zeros(_MAX, dtype=np.int64)
    depth = 0
    idx[0] = 0
    while depth >= 0:
        if idx[depth] >= w:
            depth -= 1
            if depth >= 0:
                idx[depth] += 1
            continue
        q = window[idx[depth]]
        fits = True
        for x in range(depth):
            if _pair_info(people, m[x], q)[1] < 0:
                fits = False
                break
        if not fits:
            idx[depth] += 1
            continue
        m[depth] = q
        size = depth + 1
        if size >= 2:
            v = value(people, venues, obj, pairs, cache, m, size, _EPS)
            if v != _NONE:
                row = np.full(_MAX, -1, dtype=np.int64)
                row[:size] = m[:size]
                rows.append(row)
                vals.append(v)
        if size < largest:
            depth += 1
            idx[depth] = idx[depth - 1] + 1
        else:
            idx[depth] += 1
    out = np.full((len(rows), _MAX), -1, dtype=np.int64)
    for k in range(len(rows)):
        out[k, :] = rows[k]
    return out, np.array(vals, dtype=np.float64)
