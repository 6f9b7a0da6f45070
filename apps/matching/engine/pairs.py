"""Pairs across a whole region: re-match everyone who is free or in a pair, beyond cell borders.

Cells are small (an exact blossom costs ~n^2.2), and in a dense city a cell of 1,200 people
spans a few kilometres while people travel five or ten: the best partner of many people lives
in another cell, and seam repair recovers only part of that (a 5,000-person region loses ~3%
of the objective at 1,200-person cells). This pass fixes pairs after the cells:

1. The pool: everyone who accepts pairs and is free or in a pair (groups of 3+ stay as they
   are). Candidate edges over the whole pool (same generator as the cells, so memory stays
   O(n * k)), the current pairs always among them.
2. The LP relaxation of maximum-weight matching on the *bipartite double cover* (each person
   once as a row, once as a column, the pair {i, j} as both (i, j) and (j, i), and (i, i) at
   weight 0 for "stays free"): a sparse linear assignment (scipy's LAPJVsp), tens of
   milliseconds for 5,000 people. Its optimum is a permutation: 2-cycles are pairs, fixed points
   stay free, and its value bounds the best matching (x2) from above. Weights are exact lazily,
   as in the cells: optimistic until an edge is used, then exact, re-solved until every used
   edge is exact.
3. Rounding: 2-cycles are kept; each longer cycle keeps its best set of alternate edges (a path
   DP). Then an exact blossom over everyone whose cycle was not a 2-cycle, their candidates and
   those candidates' partners settles what rounding left.

The result replaces the pool's pairs only when its exact total is higher, so the pass never
lowers the objective.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import rustworkx as rx
from scipy.sparse import csr_array
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from .edges import build_edges, exact_weights, top_per_node
from .population import F64, I64, Population, VenueIndex
from .types import EngineParams, Objective

_EPS = 1e-9
_LAZY_ROUNDS = 8
_WEIGHT_SCALE = 1_000_000
_EXACT_UP_FRONT = 3  # each person's most promising edges are made exact before the first solve


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
    weights = _Weights(
        pop.n,
        edges.i,
        edges.j,
        edges.weight,
        lambda which: exact_weights(pop, venues, objective, edges, which),
    )
    warm_idx = weights.index_of(np.array([a * pop.n + b for a, b in warm], dtype=np.int64))
    weights.make_exact(warm_idx)
    weights.make_exact(top_per_node(edges.i, edges.j, edges.weight, _EXACT_UP_FRONT))
    warm_total = float(weights.w[warm_idx].sum()) if len(warm_idx) else 0.0

    pairs = _solve(pop.n, weights)
    total = float(weights.w[weights.index_of(_keys(pop.n, pairs))].sum()) if pairs else 0.0
    return pairs if total > warm_total + 1e-9 else warm


def _solve(n: int, weights: _Weights) -> list[tuple[int, int]]:
    sigma = _assignment(n, weights)
    pairs, loose = _round(sigma, weights)
    return _settle(n, pairs, loose, weights)


class _Weights:
    """Edge weights: optimistic until made exact by `evaluate` (-inf: no venue)."""

    def __init__(self, n: int, i: I64, j: I64, w: F64, evaluate: Callable[[I64], F64]) -> None:
        self.i, self.j = i, j
        self.w = np.array(w, dtype=np.float64)
        self.evaluate = evaluate
        self.exact = np.zeros(len(i), dtype=bool)
        self.keys = i * n + j
        self.order = np.argsort(self.keys, kind="stable")
        self.sorted_keys = self.keys[self.order]

    def index_of(self, keys: I64) -> I64:
        """Edge positions of the given i * n + j keys (every key must be an edge)."""
        if not len(keys):
            return np.zeros(0, dtype=np.int64)
        return np.asarray(self.order[np.searchsorted(self.sorted_keys, keys)])

    def make_exact(self, which: I64) -> None:
        todo = np.unique(which[~self.exact[which]])
        if len(todo):
            self.w[todo] = self.evaluate(todo)
            self.exact[todo] = True


def _assignment(n: int, weights: _Weights) -> I64:
    """The double cover's optimal permutation, every used edge exact."""
    sigma = np.arange(n)
    for _ in range(_LAZY_ROUNDS):
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
        moved = np.flatnonzero(sigma != np.arange(n))
        used = weights.index_of(_keys(n, zip(moved.tolist(), sigma[moved].tolist(), strict=True)))
        if weights.exact[used].all():
            break
        weights.make_exact(used)
    moved = np.flatnonzero(sigma != np.arange(n))
    weights.make_exact(
        weights.index_of(_keys(n, zip(moved.tolist(), sigma[moved].tolist(), strict=True)))
    )
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


def _round(sigma: I64, weights: _Weights) -> tuple[list[tuple[int, int]], list[int]]:
    """Pairs from the permutation's cycles, and the people of cycles longer than two."""
    n = len(sigma)
    seen = np.zeros(n, dtype=bool)
    pairs: list[tuple[int, int]] = []
    loose: list[int] = []
    sig = sigma.tolist()
    for start in range(n):
        if seen[start] or sig[start] == start:
            seen[start] = True
            continue
        cycle = [start]
        seen[start] = True
        q = sig[start]
        while q != start:
            cycle.append(q)
            seen[q] = True
            q = sig[q]
        if len(cycle) == 2:
            pair = (min(cycle), max(cycle))
            if weights.w[weights.index_of(_keys(n, [pair]))[0]] > _EPS:
                pairs.append(pair)
            continue
        if len(cycle) % 2:
            loose.extend(cycle)  # an odd cycle is where rounding may lose
        ring = list(zip(cycle, cycle[1:] + cycle[:1], strict=True))
        w = weights.w[weights.index_of(_keys(n, ring))].tolist()
        pairs.extend(_best_on_cycle(ring, w))
    return pairs, loose


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
    loose: list[int],
    weights: _Weights,
) -> list[tuple[int, int]]:
    """Exact blossom over the people of odd cycles, their candidates and those candidates'
    partners (an even cycle of an optimal assignment splits into two equally good matchings,
    so only odd cycles can cost anything), one connected piece at a time."""
    partner = np.full(n, -1)
    for a, b in pairs:
        partner[a], partner[b] = b, a
    if not loose:
        return pairs
    unsure = np.zeros(n, dtype=bool)
    unsure[loose] = True
    live = weights.w > _EPS
    near = unsure.copy()
    i, j = weights.i, weights.j
    touch = live & (unsure[i] | unsure[j])
    near[i[touch]] = True
    near[j[touch]] = True
    mates = partner[near]
    near[mates[mates >= 0]] = True
    inside = np.flatnonzero(live & near[i] & near[j])
    weights.make_exact(inside)
    inside = inside[weights.w[inside] > _EPS]
    if not len(inside):
        return pairs
    graph = rx.PyGraph()
    graph.add_nodes_from(range(n))
    scaled = np.round(weights.w[inside] * _WEIGHT_SCALE).astype(np.int64)
    graph.add_edges_from(
        list(zip(i[inside].tolist(), j[inside].tolist(), scaled.tolist(), strict=True))
    )
    settled = []
    for piece in rx.connected_components(graph):
        if len(piece) < 2:
            continue
        sub = graph.subgraph(sorted(piece))  # node payloads are the original indices
        for a, b in rx.max_weight_matching(sub, weight_fn=int):
            x, y = sub[a], sub[b]
            settled.append((min(x, y), max(x, y)))
    kept = [p for p in pairs if not (near[p[0]] and near[p[1]])]
    return sorted(kept + settled)


def _keys(n: int, pairs: object) -> I64:
    return np.array([min(a, b) * n + max(a, b) for a, b in pairs], dtype=np.int64)  # type: ignore[attr-defined]
