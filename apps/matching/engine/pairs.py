"""Pairs across a whole region: re-match everyone who is free or in a pair, beyond cell borders.

Cells are bounded (an exact blossom costs ~n^2.2), and in a dense city a cell of a few thousand
people spans a few kilometres while people travel five or ten: the best partner of many people
lives in another cell (a 5,000-person region lost ~3% of the objective at 1,200-person cells,
seam repair recovering only part of it). This pass fixes pairs after the cells:

1. The pool: everyone who accepts pairs and is free or in a pair (groups of 3+ stay as they
   are). Candidate edges over the whole pool (same generator as the cells, so memory stays
   O(n * k)), the current pairs always among them.
2. The LP relaxation of maximum-weight matching on the *bipartite double cover* (each person
   once as a row, once as a column, the pair {i, j} as both (i, j) and (j, i), and (i, i) at
   weight 0 for "stays free"): a sparse linear assignment (scipy's LAPJVsp), tens of
   milliseconds for 5,000 people. Its optimum is a permutation: 2-cycles are pairs, fixed points
   stay free, and its value bounds the best matching (x2) from above. Every candidate edge is
   scored exactly first (venue search included: compiled, it costs less than one solve).
3. Rounding: 2-cycles are kept; each longer cycle keeps its best set of alternate edges (a path
   DP). Then, per odd cycle, an exact blossom over its people, their candidates and those
   candidates' partners settles what rounding left.

The result replaces the pool's pairs only when its exact total is higher, so the pass never
lowers the objective.
"""

from __future__ import annotations

import numpy as np
import rustworkx as rx
from scipy.sparse import csr_array
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from .edges import build_edges, exact_weights
from .population import F64, I64, Population, VenueIndex
from .types import EngineParams, Objective

_EPS = 1e-9
_WEIGHT_SCALE = 1_000_000
_BLOSSOM_UP_TO = 1_500  # people in a matching: exact blossom up to here (~60 ms)
_SETTLE_TOGETHER = 2_000  # odd-cycle neighbourhoods up to this many people: one blossom


def best_pairs(
    pop: Population,
    venues: VenueIndex,
    objective: Objective,
    params: EngineParams,
    warm: list[tuple[int, int]],
) -> list[tuple[int, int]]:
    """Pairs (local indices, i < j) of `pop` at least as good in total as `warm`."""
    if pop.n < 2:
        return []
    warm = [(min(a, b), max(a, b)) for a, b in warm]
    edges = build_edges(pop, objective, params, extra=warm)
    if not len(edges):
        return warm
    # Every candidate edge scored exactly up front: the compiled venue search makes that
    # cheaper than even one extra assignment solve of a lazy scheme.
    exact = exact_weights(pop, venues, objective, edges, np.arange(len(edges)))
    weights = _Weights(pop.n, edges.i, edges.j, exact)
    warm_idx = weights.index_of(np.array([a * pop.n + b for a, b in warm], dtype=np.int64))
    warm_total = float(weights.w[warm_idx].sum()) if len(warm_idx) else 0.0

    pairs = _solve(pop.n, weights)
    total = float(weights.w[weights.index_of(_keys(pop.n, pairs))].sum()) if pairs else 0.0
    return pairs if total > warm_total + 1e-9 else warm


def heavy_matching(n: int, i: I64, j: I64, w: F64, *, settle: bool = True) -> list[tuple[int, int]]:
    """A matching of n nodes on the edges (i[k] < j[k], each pair once, weight w[k] > 0) of
    (near-)maximum weight: an exact blossom when at most `_BLOSSOM_UP_TO` people have an edge;
    above, the way `best_pairs` finds one (the double cover's assignment, rounded, odd cycles
    settled by small blossoms): a blossom costs ~n^2.2 (0.36 s at 3,000 people) and this
    stays within a few tenths of a percent of it.

    `settle=False`: above `_BLOSSOM_UP_TO` people, the assignment rounded, without settling
    its odd cycles, for a matching that is only a starting point (a cell's, when `best_pairs`
    re-matches the region afterwards). Small matchings stay exact either way: a cell of 60
    people matched by the rounded assignment left 2 points more people unmatched than the
    optimum, against 0.3 with the blossom (`bench_exact_groups`)."""
    if not len(i):
        return []
    if len(np.unique(np.concatenate([i, j]))) <= _BLOSSOM_UP_TO:
        graph = rx.PyGraph()
        graph.add_nodes_from(range(n))
        scaled = np.round(np.asarray(w) * _WEIGHT_SCALE).astype(np.int64)
        graph.add_edges_from(list(zip(i.tolist(), j.tolist(), scaled.tolist(), strict=True)))
        return [(min(a, b), max(a, b)) for a, b in rx.max_weight_matching(graph, weight_fn=int)]
    weights = _Weights(n, i, j, w)
    if not settle:
        return _round(_assignment(n, weights), weights)[0]
    return _solve(n, weights)


def _solve(n: int, weights: _Weights) -> list[tuple[int, int]]:
    sigma = _assignment(n, weights)
    pairs, odd_cycles = _round(sigma, weights)
    return _settle(n, pairs, odd_cycles, weights)


class _Weights:
    """Exact edge weights (-inf: no venue), found by key."""

    def __init__(self, n: int, i: I64, j: I64, w: F64) -> None:
        self.n, self.i, self.j = n, i, j
        self.w = np.asarray(w, dtype=np.float64)
        self.keys = i * n + j
        self.order = np.argsort(self.keys, kind="stable")
        self.sorted_keys = self.keys[self.order]

    def index_of(self, keys: I64) -> I64:
        """Edge positions of the given i * n + j keys (every key must be an edge)."""
        if not len(keys):
            return np.zeros(0, dtype=np.int64)
        return np.asarray(self.order[np.searchsorted(self.sorted_keys, keys)])


def _assignment(n: int, weights: _Weights) -> I64:
    """The double cover's optimal permutation."""
    live = np.flatnonzero(weights.w > _EPS)
    if not len(live):
        return np.arange(n)
    # Integer costs (micro-points): with arbitrary float costs scipy's LAPJVsp can stall
    # for minutes on a 16,000-person piece that integer costs solve in under a second.
    w = np.round(weights.w[live] * _WEIGHT_SCALE)
    top = float(w.max()) + 1.0
    rows = np.concatenate([np.arange(n), weights.i[live], weights.j[live]])
    cols = np.concatenate([np.arange(n), weights.j[live], weights.i[live]])
    cost = np.concatenate([np.full(n, top), top - w, top - w])
    r, c = min_weight_full_bipartite_matching(_diagonal_first(n, rows, cols, cost))
    sigma = np.empty(n, dtype=np.int64)
    sigma[r] = c
    return sigma


def _diagonal_first(n: int, rows: I64, cols: I64, cost: F64) -> csr_array:
    """The CSR matrix with each row's diagonal entry stored first.

    scipy checks that a full matching exists (Hopcroft-Karp) before LAPJVsp, and that check can
    take exponential time on layered graphs (scipy gh-26147: it took minutes on a 25,000-person
    piece here). Its first search takes each row's first free column in stored order: with the
    diagonal first, every row takes its own and the check ends at once."""
    order = np.lexsort((cols != rows, rows))  # by row, the diagonal before the others
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))])
    return csr_array((cost[order], cols[order], indptr), shape=(n, n))


def _round(sigma: I64, weights: _Weights) -> tuple[list[tuple[int, int]], list[list[int]]]:
    """Pairs from the permutation's cycles, and its odd cycles."""
    n = len(sigma)
    me = np.arange(n)
    # 2-cycles (most of them) at once: a pair when its edge is worth anything.
    short = sigma[sigma] == me
    a = me[short & (me < sigma)]
    b = sigma[a]
    worth = weights.w[weights.index_of(a * n + b)] > _EPS
    pairs = list(zip(a[worth].tolist(), b[worth].tolist(), strict=True))
    odd_cycles: list[list[int]] = []
    seen = short.tolist()  # fixed points and 2-cycles are done
    sig = sigma.tolist()
    for start in range(n):
        if seen[start]:
            continue
        cycle = [start]
        seen[start] = True
        q = sig[start]
        while q != start:
            cycle.append(q)
            seen[q] = True
            q = sig[q]
        if len(cycle) % 2:
            odd_cycles.append(cycle)  # an odd cycle is where rounding may lose
        ring = list(zip(cycle, cycle[1:] + cycle[:1], strict=True))
        w = weights.w[weights.index_of(_keys(n, ring))].tolist()
        pairs.extend(_best_on_cycle(ring, w))
    return pairs, odd_cycles


def _best_on_cycle(ring: list[tuple[int, int]], w: list[float]) -> list[tuple[int, int]]:
    """Best set of pairwise disjoint edges of a cycle (edges k and k+1 share a vertex)."""
    best: tuple[float, list[int]] = (0.0, [])
    for skip in (0, 1):  # the cycle is a path once edge `skip` (and so its ends' use) is out
        order = [(skip + 1 + k) % len(ring) for k in range(len(ring) - 1)]
        take: list[tuple[float, list[int]]] = [(0.0, []), (0.0, [])]
        for k in order:
            gain = w[k] if w[k] > _EPS else -np.inf
            with_k = (take[-2][0] + gain, [*take[-2][1], k])
            take.append(with_k if with_k[0] > take[-1][0] else take[-1])
        if take[-1][0] > best[0]:
            best = take[-1]
    return [(min(ring[k]), max(ring[k])) for k in best[1]]


def _settle(
    n: int,
    pairs: list[tuple[int, int]],
    odd_cycles: list[list[int]],
    weights: _Weights,
) -> list[tuple[int, int]]:
    """An exact blossom over the people of odd cycles, their candidates and those candidates'
    partners (an even cycle of an optimal assignment splits into two equally good matchings,
    so only odd cycles can cost anything); its pairs replace those of the neighbourhood when
    they weigh more. All neighbourhoods together when they hold at most `_SETTLE_TOGETHER`
    people, else one odd cycle's at a time: in a city their union is one giant component whose
    blossom cost 6 s at 25,000 people for a hundredth of a percent of the objective."""
    if not odd_cycles:
        return pairs
    partner = np.full(n, -1)
    for a, b in pairs:
        partner[a], partner[b] = b, a
    live = np.flatnonzero(weights.w > _EPS)
    ends = np.concatenate([weights.i[live], weights.j[live]])
    others = np.concatenate([weights.j[live], weights.i[live]])
    order = np.argsort(ends, kind="stable")
    adjacent = others[order].tolist()
    start = np.searchsorted(ends[order], np.arange(n + 1)).tolist()
    neighbourhoods = []
    for cycle in odd_cycles:
        near = set(cycle)
        for p in cycle:
            near.update(adjacent[start[p] : start[p + 1]])
        near.update(int(partner[p]) for p in list(near) if partner[p] >= 0)
        neighbourhoods.append(near)
    union = set().union(*neighbourhoods)
    if len(union) <= _SETTLE_TOGETHER:
        neighbourhoods = [union]
    for near in neighbourhoods:
        # Closed under the current partners (an earlier neighbourhood's blossom may have paired
        # someone here with someone outside).
        near.update(int(partner[p]) for p in list(near) if partner[p] >= 0)
        _settle_one(sorted(near), partner, weights)
    return sorted((a, int(b)) for a, b in enumerate(partner.tolist()) if a < b)


def _settle_one(near: list[int], partner: I64, weights: _Weights) -> None:
    """Re-pair `near` (closed under `partner`) optimally on the live edges inside it."""
    inside_mask = np.zeros(len(partner), dtype=bool)
    inside_mask[near] = True
    inside = np.flatnonzero(inside_mask[weights.i] & inside_mask[weights.j] & (weights.w > _EPS))
    if not len(inside):
        return
    local = {p: k for k, p in enumerate(near)}
    graph = rx.PyGraph()
    graph.add_nodes_from(near)
    scaled = np.round(weights.w[inside] * _WEIGHT_SCALE).astype(np.int64)
    graph.add_edges_from(
        [
            (local[a], local[b], w)
            for a, b, w in zip(
                weights.i[inside].tolist(), weights.j[inside].tolist(), scaled.tolist(), strict=True
            )
        ]
    )
    found = [(near[a], near[b]) for a, b in rx.max_weight_matching(graph, weight_fn=int)]
    current = [(p, int(partner[p])) for p in near if p < partner[p]]
    if _total(weights, found) <= _total(weights, current) + 1e-9:
        return
    for p in near:
        partner[p] = -1
    for a, b in found:
        partner[a], partner[b] = b, a


def _total(weights: _Weights, pairs: list[tuple[int, int]]) -> float:
    if not pairs:
        return 0.0
    keys = np.array([min(a, b) * weights.n + max(a, b) for a, b in pairs], dtype=np.int64)
    return float(weights.w[weights.index_of(keys)].sum())


def _keys(n: int, pairs: object) -> I64:
    return np.array([min(a, b) * n + max(a, b) for a, b in pairs], dtype=np.int64)  # type: ignore[attr-defined]
