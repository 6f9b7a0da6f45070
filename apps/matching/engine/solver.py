"""Solving one cell: pair matching plus local search over groups.

1. Near-maximum-weight matching of everyone who accepts pairs, on the candidate graph's exact
   pair scores (`pairs.heavy_matching`: a blossom up to 1,500 people, else the LP relaxation as
   an assignment, its odd cycles settled by small exact blossoms unless the region's pairs are
   re-matched afterwards).
2. Local search over the whole partition, first-improvement, each move strictly raising the
   objective: join a neighbour's group, swap places with one of its members (or take the place
   of one, who becomes free), pair or form a triple with free neighbours.
3. Ejection chains: a free person takes someone's place, who moves on (kept only when the two
   steps together improve).
4. Matching again over everyone currently in a pair or free (groups of 3+ fixed), then
   local search again; repeated while it helps.
5. Exact small solves: windows of <= 24 people grown breadth first from free people over the
   candidate graph, re-packed optimally over every feasible group of 2-4 (a compiled branch
   and bound, `packing`); applied only when their exact value beats the window's current
   groups.

Every group the solver keeps is feasible under every hard constraint and scores > 0.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Sequence

import numpy as np

from . import moves
from .edges import Edges, exact_weights
from .geometry import EARTH_RADIUS_KM
from .packing import pack
from .pairs import heavy_matching
from .population import Population, VenueIndex
from .travel import group_travel
from .types import MAX_GROUP, MIN_GROUP, EngineParams, Objective

_EPS = 1e-9
_MISSING = object()
_EJECT_TRIES = 6
_WINDOW = 24
_MIN_WINDOWS = 20
_WINDOW_GROUP = 4
_TWO_R = 2.0 * EARTH_RADIUS_KM


def _km(chord: float) -> float:
    return _TWO_R * math.asin(min(1.0, chord / _TWO_R))


Members = tuple[int, ...]


class CellSolver:
    def __init__(
        self,
        pop: Population,
        venues: VenueIndex,
        objective: Objective,
        params: EngineParams,
        edges: Edges,
        *,
        settle_pairs: bool = True,
    ) -> None:
        """`settle_pairs=False`: pairs are re-matched over the whole region afterwards
        (`pairs.best_pairs`), so the matchings here need not settle their odd cycles."""
        self.pop = pop
        self.settle_pairs = settle_pairs
        self.venues = venues
        self.obj = objective
        self.params = params
        self.edges = edges
        n = pop.n
        self.n = n
        self.xyz = [tuple(row) for row in pop.xyz.tolist()]
        self.reach = pop.reach.tolist()
        self.can_pair = pop.can_pair.tolist()
        self.can_group = pop.can_group.tolist()
        self.uid = pop.user_ids.tolist()

        # Each person's candidates, best optimistic weight first (ties: lower index first).
        ends = np.concatenate([edges.i, edges.j])
        others = np.concatenate([edges.j, edges.i])
        order = np.lexsort((others, -np.concatenate([edges.weight, edges.weight]), ends))
        self.nbr_list = np.ascontiguousarray(others[order])
        self.nbr_start = np.searchsorted(ends[order], np.arange(n + 1)).astype(np.int64)
        flat, starts = self.nbr_list.tolist(), self.nbr_start.tolist()
        self.nbrs = [flat[starts[p] : starts[p + 1]] for p in range(n)]
        chords = np.linalg.norm(pop.xyz[edges.i] - pop.xyz[edges.j], axis=1).tolist()
        ei, ej = edges.i.tolist(), edges.j.tolist()
        info = zip(edges.interest.tolist(), chords, strict=True)
        keys = (edges.i * n + edges.j).tolist()
        self.pair_cache: dict[int, tuple[float, float] | None] = dict(zip(keys, info, strict=True))
        # Pair scores, exact (-inf: no usable venue) for every edge of two people who accept
        # pairs; the other edges keep their optimistic weight, which only ranks candidates.
        self.w = edges.weight.copy()
        pair_edges = np.flatnonzero(edges.pair_ok)
        self.w[pair_edges] = exact_weights(pop, venues, objective, edges, pair_edges)
        self.edge_index = dict(zip(zip(ei, ej, strict=True), range(len(ei)), strict=True))
        self.group_cache: dict[Members, float | None] = {}
        self.group_of = [-1] * n
        self.groups: dict[int, Members] = {}
        self.score: dict[int, float] = {}
        self._next = 0
        self.rng = np.random.default_rng(params.seed)
        self._arrays: moves.Arrays | None = None
        self._compiled_cache = None
        self._converged: list[Members] | None = None  # the partition where a search converged

    # ---------------------------------------------------------------- evaluation
    def _pair_info(self, a: int, b: int) -> tuple[float, float] | None:
        """(shared interest weight, home chord) when a and b may share a group, else None."""
        key = a * self.n + b if a < b else b * self.n + a
        info = self.pair_cache.get(key, _MISSING)
        if info is _MISSING:
            info = self._pair_check(a, b) if a < b else self._pair_check(b, a)
            self.pair_cache[key] = info
        return info  # type: ignore[return-value]

    def _chord(self, a: int, b: int) -> float:
        xa, xb = self.xyz[a], self.xyz[b]
        return math.sqrt((xa[0] - xb[0]) ** 2 + (xa[1] - xb[1]) ** 2 + (xa[2] - xb[2]) ** 2)

    def _pair_check(self, a: int, b: int) -> tuple[float, float] | None:
        pop = self.pop
        chord = self._chord(a, b)
        if chord > min(self.reach[a], self.reach[b]):
            return None
        if (a, b) in pop.forbidden:
            return None
        shared = pop.interests[a] & pop.interests[b]
        if not shared or not (pop.langs[a] & pop.langs[b]) or not (pop.kinds[a] & pop.kinds[b]):
            return None
        if not (pop.free[a] & pop.free[b]):
            return None
        if not (pop.age_fits(a, b) and pop.age_fits(b, a)):
            return None
        return pop.interest_weights.sum_int(shared), chord

    def _base(self, members: Members) -> tuple[float, float, int, int] | None:
        """Cheap part: (score without travel, diameter chord, common free, common kinds)."""
        s = len(members)
        if s == 2:
            if not (self.can_pair[members[0]] and self.can_pair[members[1]]):
                return None
        elif s < MIN_GROUP or s > MAX_GROUP:
            return None
        else:
            for m in members:
                if not self.can_group[m]:
                    return None
        pop = self.pop
        interest_sum = 0.0
        diameter = 0.0
        for x in range(s):
            a = members[x]
            for y in range(x + 1, s):
                info = self._pair_info(a, members[y])
                if info is None:
                    return None
                interest_sum += info[0]
                if info[1] > diameter:
                    diameter = info[1]
        ints = langs = kinds = free = -1
        for m in members:
            ints &= pop.interests[m]
            langs &= pop.langs[m]
            kinds &= pop.kinds[m]
            free &= pop.free[m]
        if not ints or not langs or not kinds or not free:
            return None
        cap = self.obj.availability_cap
        avail = min(free.bit_count(), cap) / max(1, cap)
        value = s * (self.obj.base + self.obj.availability * avail) + 2.0 / (s - 1) * interest_sum
        return value, diameter, free, kinds

    def value(self, members: Members, need: float = -math.inf) -> float | None:
        """Exact score of a feasible group with score > 0 (members sorted), else None.

        Returns None without the venue search when even the best trip could not reach `need`.
        """
        if members in self.group_cache:
            v = self.group_cache[members]
            return v if v is not None and v >= need else None
        if len(members) == 2 and self.can_pair[members[0]] and self.can_pair[members[1]]:
            k = self.edge_index.get(members)
            if k is not None:
                w = float(self.w[k])
                result = w if w > _EPS else None
                self.group_cache[members] = result
                return result if result is not None and result >= need else None
        base = self._base(members)
        if base is None:
            self.group_cache[members] = None
            return None
        value, diameter, free, kinds = base
        per_km = self.obj.travel_per_km * len(members)
        if value - per_km * _km(diameter / 2.0) < max(need, _EPS):
            return None
        idx = np.array(members, dtype=np.int64)
        chord = group_travel(self.venues, self.pop.xyz[idx], self.pop.reach[idx], free, kinds)
        if not math.isfinite(chord):
            self.group_cache[members] = None
            return None
        score = value - per_km * _km(chord)
        result = score if score > _EPS else None
        self.group_cache[members] = result
        return result if result is not None and result >= need else None

    def upper(self, members: Members) -> float | None:
        """An upper bound of `value` without the venue search (None: infeasible)."""
        if members in self.group_cache:
            return self.group_cache[members]
        if (
            len(members) == 2
            and members in self.edge_index
            and self.can_pair[members[0]]
            and self.can_pair[members[1]]
        ):
            w = float(self.w[self.edge_index[members]])
            return w if w > _EPS else None
        base = self._base(members)
        if base is None:
            self.group_cache[members] = None
            return None
        value, diameter, _, _ = base
        return value - self.obj.travel_per_km * len(members) * _km(diameter / 2.0)

    def leftover(self, members: Members) -> float:
        """Value of what remains of a group after someone leaves (0 when it dissolves)."""
        if len(members) < 2:
            return 0.0
        return self.value(members) or 0.0

    # ---------------------------------------------------------------- state
    def _add(self, members: Members, score: float) -> None:
        gid = self._next
        self._next += 1
        self.groups[gid] = members
        self.score[gid] = score
        for m in members:
            self.group_of[m] = gid

    def _drop(self, gid: int) -> Members:
        members = self.groups.pop(gid)
        del self.score[gid]
        for m in members:
            self.group_of[m] = -1
        return members

    def _set_group_or_dissolve(self, members: Members) -> None:
        if len(members) >= 2:
            v = self.value(members)
            if v is not None:
                self._add(members, v)

    def objective_value(self) -> float:
        return float(sum(self.score.values()))

    def load(self, groups: Iterable[Sequence[int]]) -> None:
        """Warm start from groups of local indices (infeasible or non-positive ones dropped)."""
        for g in groups:
            members = tuple(sorted(g))
            if any(self.group_of[m] >= 0 for m in members):
                continue
            self._set_group_or_dissolve(members)

    def result(self) -> list[Members]:
        return sorted(self.groups.values())

    # ---------------------------------------------------------------- exact matching
    def match_pairs(self) -> None:
        """Re-pair everyone who accepts pairs and is free or in a pair (`pairs.heavy_matching`:
        within a few tenths of a percent of a maximum-weight matching, at a fraction of a
        blossom's cost); kept only when it beats the current pairs."""
        free = [
            p
            for p in range(self.n)
            if self.can_pair[p]
            and (self.group_of[p] < 0 or len(self.groups[self.group_of[p]]) == 2)
        ]
        if len(free) < 2:
            return
        in_pool = np.zeros(self.n, dtype=bool)
        in_pool[free] = True
        e = self.edges
        pool_edges = np.flatnonzero(e.pair_ok & in_pool[e.i] & in_pool[e.j])
        # Current pairs outside the candidate graph (left over from a triple) stay representable,
        # so re-matching never lowers the objective.
        extra = [
            (m[0], m[1], self.score[g])
            for g, m in self.groups.items()
            if len(m) == 2 and m not in self.edge_index
        ]
        xi = np.array([x[0] for x in extra], dtype=np.int64)
        xj = np.array([x[1] for x in extra], dtype=np.int64)
        xw = np.array([x[2] for x in extra], dtype=np.float64)
        live = pool_edges[self.w[pool_edges] > _EPS]
        ei = np.concatenate([e.i[live], xi])
        ej = np.concatenate([e.j[live], xj])
        if not len(ei):
            return
        weights = np.concatenate([self.w[live], xw])
        matching = sorted(heavy_matching(self.n, ei, ej, weights, settle=self.settle_pairs))
        current = {self.group_of[p] for p in free if self.group_of[p] >= 0}
        new = [(pair, self.value(pair)) for pair in matching]
        if sum(v for _, v in new if v is not None) < sum(self.score[g] for g in current) - 1e-9:
            return  # the near-optimal matching fell short of what is there: keep it
        for gid in current:
            self._drop(gid)
        for pair, v in new:
            if v is not None:
                self._add(pair, v)

    # ---------------------------------------------------------------- local search
    def local_search(self, passes: int) -> int:
        """First-improvement moves until no person can improve, at most `passes` examinations
        per person on average. After a move only its neighbourhood is examined again. Runs
        compiled (`moves.local_search`, the same moves as `_best_move`) on a copy of the
        partition in arrays."""
        # Moves among pairs only are what exact matching already optimises: the search is for
        # people who may be in groups of 3+.
        active = [p for p in range(self.n) if self.nbrs[p] and self.can_group[p]]
        order = [active[k] for k in self.rng.permutation(len(active))]
        if self._converged is not None:
            # Everyone had no improving move when the last search ended: only people whose
            # group, or a candidate's group, changed since then can have one now.
            changed = self._changed_since(self._converged)
            order = [p for p in order if changed[p]]
        arrays = self._compiled()
        state, free_ids, n_free = self._export()
        found, unexamined = moves.local_search(
            arrays.people, arrays.venues, arrays.objective, arrays.pairs, arrays.nbrs,
            self._compiled_cache, state, free_ids, n_free, np.array(order, dtype=np.int64),
            passes * len(active), self.params.search_neighbours,
        )  # fmt: skip
        self._import(state)
        self._converged = self._partition() if unexamined == 0 else None
        return int(found)

    def _partition(self) -> list[Members]:
        """Each person's group (() when free)."""
        return [self.groups[g] if g >= 0 else () for g in self.group_of]

    def _changed_since(self, before: list[Members]) -> np.ndarray:
        """People whose group changed since `before`, and everyone they have as a candidate
        (candidate lists are symmetric: the people who have them as a candidate)."""
        now = self._partition()
        out = np.zeros(self.n, dtype=bool)
        for p in range(self.n):
            if now[p] != before[p]:
                out[p] = True
                out[self.nbrs[p]] = True
        return out

    def _compiled(self) -> moves.Arrays:
        if self._arrays is None:
            e = self.edges
            pair_edges = np.flatnonzero(e.pair_ok)
            keys = e.i[pair_edges] * self.n + e.j[pair_edges]
            order = np.argsort(keys)
            self._arrays = moves.Arrays(
                self.pop,
                self.venues,
                self.obj,
                keys[order],
                self.w[pair_edges][order],
                self.nbr_start,
                self.nbr_list,
            )
            self._compiled_cache = moves.new_cache()
        return self._arrays

    def _export(self) -> tuple[tuple[np.ndarray, ...], np.ndarray, int]:
        """The partition as arrays (group_of, members, size, score) and the unused rows."""
        rows = self.n + 1
        group_of = np.full(self.n, -1, dtype=np.int64)
        members = np.full((rows, MAX_GROUP), -1, dtype=np.int64)
        size = np.zeros(rows, dtype=np.int64)
        score = np.zeros(rows)
        for r, gid in enumerate(sorted(self.groups)):
            g = self.groups[gid]
            members[r, : len(g)] = g
            size[r] = len(g)
            score[r] = self.score[gid]
            group_of[list(g)] = r
        used = len(self.groups)
        free_ids = np.zeros(rows, dtype=np.int64)  # a stack of unused rows, lowest on top
        free_ids[: rows - used] = np.arange(rows - 1, used - 1, -1)
        return (group_of, members, size, score), free_ids, rows - used

    def _import(self, state: tuple[np.ndarray, ...]) -> None:
        _, members, size, score = state
        for gid in list(self.groups):
            self._drop(gid)
        for r in np.flatnonzero(size > 0).tolist():
            self._add(tuple(members[r, : size[r]].tolist()), float(score[r]))

    def _best_move(
        self, p: int, threshold: float
    ) -> tuple[float, tuple[list[int], list[Members]]] | None:
        """The best move of p that changes the objective by more than `threshold`."""
        A = self.group_of[p]
        if A >= 0:
            mem_a = self.groups[A]
            s_a = self.score[A]
            rest = tuple(m for m in mem_a if m != p)
            leave = self.leftover(rest) - s_a
        else:
            mem_a, s_a, rest, leave = (), 0.0, (), 0.0
        pair_info = self._pair_info
        can_pair_p, can_group_p = self.can_pair[p], self.can_group[p]
        best = threshold
        best_move: tuple[list[int], list[Members]] | None = None
        seen: set[int] = set()
        lonely: list[int] = []
        for q in self.nbrs[p][: self.params.search_neighbours]:
            B = self.group_of[q]
            if B < 0:
                lonely.append(q)
                continue
            if B == A or B in seen:
                continue
            seen.add(B)
            mem_b = self.groups[B]
            size_b = len(mem_b)
            bad = [m for m in mem_b if pair_info(p, m) is None]
            if len(bad) > 1:
                continue
            s_b = self.score[B]
            if not bad and size_b < MAX_GROUP and can_group_p:
                joined = tuple(sorted((*mem_b, p)))
                v = self.value(joined, need=s_b - leave + best)
                if v is not None and v - s_b + leave > best:
                    best = v - s_b + leave
                    best_move = ([B] + ([A] if A >= 0 else []), [joined, rest])
            if not (can_pair_p if size_b == 2 else can_group_p):
                continue
            for r in bad or mem_b:
                if rest and any(pair_info(r, m) is None for m in rest):
                    continue
                new_b = tuple(sorted(p if m == r else m for m in mem_b))
                ub_b = self.upper(new_b)
                if ub_b is None:
                    continue
                if A >= 0:
                    new_a: Members = tuple(sorted((*rest, r)))
                    ub_a = self.upper(new_a)
                    if ub_a is None:
                        continue
                else:
                    new_a, ub_a = (), 0.0
                if ub_a + ub_b - s_a - s_b <= best:
                    continue
                vb = self.value(new_b)
                if vb is None:
                    continue
                va = self.value(new_a) if A >= 0 else 0.0
                if va is None:
                    continue
                delta = va + vb - s_a - s_b
                if delta > best:
                    best = delta
                    best_move = ([A, B] if A >= 0 else [B], [new_a, new_b])
        for x, q in enumerate(lonely):
            if can_pair_p and self.can_pair[q]:
                pair = (p, q) if p < q else (q, p)
                v = self.value(pair, need=best - leave)
                if v is not None and v + leave > best:
                    best = v + leave
                    best_move = ([A] if A >= 0 else [], [pair, rest])
            if not (can_group_p and self.can_group[q]) or pair_info(p, q) is None:
                continue
            for r in lonely[x + 1 :]:
                if not self.can_group[r] or pair_info(q, r) is None or pair_info(p, r) is None:
                    continue
                trio = tuple(sorted((p, q, r)))
                v = self.value(trio, need=best - leave)
                if v is not None and v + leave > best:
                    best = v + leave
                    best_move = ([A] if A >= 0 else [], [trio, rest])
        if best_move is None:
            return None
        return best, best_move

    def _apply(self, p: int, move: tuple[list[int], list[Members]]) -> list[int]:
        dropped, created = move
        changed: list[int] = []
        for gid in dropped:
            changed.extend(self._drop(gid))
        changed.append(p)
        for members in created:
            if len(members) >= 2 and all(self.group_of[m] < 0 for m in members):
                self._set_group_or_dissolve(members)
            changed.extend(members)
        return changed

    def eject(self) -> int:
        """Ejection chains for free people who may be in groups: p takes r's place in a nearby
        group, and r makes its own best move; applied when the two together improve (each
        alone may not). Bounded: a few candidate places per free person."""
        moves = 0
        for p in range(self.n):
            if self.group_of[p] >= 0 or not self.can_group[p] or not self.nbrs[p]:
                continue
            options: list[tuple[float, int, int, Members]] = []
            seen: set[int] = set()
            for q in self.nbrs[p][: self.params.search_neighbours]:
                B = self.group_of[q]
                if B < 0 or B in seen:
                    continue
                seen.add(B)
                mem_b = self.groups[B]
                if len(mem_b) < MIN_GROUP:
                    continue
                bad = [m for m in mem_b if self._pair_info(p, m) is None]
                if len(bad) > 1:
                    continue
                for r in bad or mem_b:
                    new_b = tuple(sorted(p if m == r else m for m in mem_b))
                    v = self.value(new_b)
                    if v is not None:
                        options.append((v - self.score[B], B, r, new_b))
            options.sort(key=lambda o: (-o[0], o[2]))
            for d1, _, r, new_b in options[:_EJECT_TRIES]:
                B = self.group_of[r]  # a revert re-adds a group under a new id
                if B < 0 or self.group_of[p] >= 0:
                    continue
                old_b, old_s = self.groups[B], self.score[B]
                self._drop(B)
                self._add(new_b, d1 + old_s)
                follow = self._best_move(r, -d1 + _EPS)
                if follow is not None:
                    self._apply(r, follow[1])
                    moves += 1
                    break
                self._drop(self.group_of[p])
                self._add(old_b, old_s)
        return moves

    def lns(self, windows: int) -> int:
        """Exact small solves: around a free person, take them, their candidates' groups, then
        those people's candidates' groups (breadth first, a window of at most `_WINDOW` people),
        score every feasible group of 2-`_WINDOW_GROUP` inside it exactly (compiled,
        `moves.window_options`), and re-pack the window optimally (`packing.pack`). Replaces
        the window's groups only when strictly better."""
        improved = 0
        todo = [p for p in range(self.n) if self.group_of[p] < 0 and self.nbrs[p]]
        todo = [todo[k] for k in self.rng.permutation(len(todo))][:windows]
        a = self._compiled()
        for p in todo:
            if self.group_of[p] >= 0:
                continue
            members = self._window(p)
            current = {self.group_of[m] for m in members if self.group_of[m] >= 0}
            before = sum(self.score[g] for g in current)
            rows, found = moves.window_options(
                a.people, a.venues, a.objective, a.pairs, self._compiled_cache,
                np.array(members, dtype=np.int64), _WINDOW_GROUP,
            )  # fmt: skip
            options = [tuple(r[r >= 0].tolist()) for r in rows] + [self.groups[g] for g in current]
            values = found.tolist() + [self.score[g] for g in current]
            chosen_k, value = pack(members, options, values, floor=before + 1e-6)
            if value > before + 1e-6:
                chosen = [options[k] for k in chosen_k]
                for g in current:
                    self._drop(g)
                for g in chosen:
                    self._set_group_or_dissolve(g)
                improved += 1
        return improved

    def _window(self, p: int) -> list[int]:
        """p and the groups around them, breadth first over the candidate graph."""
        window = {p}
        queue = deque([p])
        while queue:
            x = queue.popleft()
            for q in self.nbrs[x][: self.params.search_neighbours]:
                if q in window:
                    continue
                grp = self.groups[self.group_of[q]] if self.group_of[q] >= 0 else (q,)
                if len(window) + len(grp) > _WINDOW:
                    continue
                window.update(grp)
                queue.extend(grp)
        return sorted(window)

    # ---------------------------------------------------------------- driver
    def solve(self, warm: Iterable[Sequence[int]] | None = None) -> list[Members]:
        if warm is not None:
            self.load(warm)
            start = self.objective_value()
            start_groups = self.result()
        else:
            start, start_groups = 0.0, []
        self.match_pairs()
        for _ in range(4):
            before = self.objective_value()
            moved = self.local_search(self.params.local_search_passes)
            if self.params.ejection_chains:
                moved += self.eject()
            if not moved:
                break
            self.match_pairs()
            if self.objective_value() <= before + 1e-6:
                break
        windows = (
            max(_MIN_WINDOWS, int(self.params.exact_windows * self.n))
            if self.params.exact_windows > 0
            else 0
        )
        if windows and self.lns(windows):
            self.match_pairs()
            self.local_search(self.params.local_search_passes)
        if self.objective_value() < start - 1e-6:
            return start_groups
        return self.result()
