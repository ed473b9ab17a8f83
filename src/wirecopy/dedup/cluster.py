"""Clusters: connected components (union-find) of verified pairs, and the record kept per cluster.

A cluster is a connected component of the verified pairs, so a chain A~B~C is one cluster
even when A and C are less similar than the threshold. Every pair verification reports is
at or above the threshold; pairs put together only through a chain may be below it. Two
stricter rules were measured and dropped (benchmarks/dedup_peers.py, BENCHMARKS.md):

- splitting chains into cliques: on syndicated news, where each copy is close to the
  original but two copies often are not close to each other, it lost a third of the true
  pairs;
- verifying each member against its cluster's kept record, a member below the threshold
  standing alone: on 100,000 generated documents pair precision rose from 0.78 to 0.89 but
  recall fell from 0.997 to 0.77 and the adjusted Rand index against the generator's truth
  from 0.80 to 0.62; and the partition would then depend on the input order (the kept record
  is the earliest), which the engines' equality and the order property rule out.

Keeper rule: within a cluster the record kept is the earliest (smallest `rank`; by default the
input position, so the first record read), then the longest text, then the first read. With
the default rank every position is distinct, so the first record read is kept; a caller that
ranks by date (equal dates possible) gets the longest of the earliest.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

I64 = NDArray[np.int64]


class UnionFind:
    """Disjoint sets of integers; only the integers ever united take memory.

    The root of a set is its smallest member, so results do not depend on the order of unions.
    """

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        parent = self.parent
        root = x
        while (up := parent.get(root, root)) != root:
            root = up
        while x != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    def union(self, a: int, b: int) -> bool:
        """Join the sets of `a` and `b`; False if they were one already."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        lo, hi = min(ra, rb), max(ra, rb)
        self.parent[hi] = lo
        self.parent.setdefault(lo, lo)
        return True

    def roots(self, n: int) -> I64:
        """The root of each of 0 .. n-1."""
        out = np.arange(n, dtype=np.int64)
        for x in self.parent:
            out[x] = self.find(x)
        return out


def components(n: int, pairs: I64) -> I64:
    """Label of each of 0 .. n-1: the smallest member of its connected component.

    Hooking and pointer jumping in NumPy, over all pairs at once: each node points to a
    smaller one (or itself), the two roots of a pair still apart hook to the smaller, then
    every node jumps to its root, until no pair is apart. The smallest member of a component
    points to no one smaller, so it is the root.
    """
    labels = np.arange(n, dtype=np.int64)
    a, b = pairs[:, 0], pairs[:, 1]
    while len(a):
        la, lb = labels[a], labels[b]
        apart = la != lb
        if not apart.any():
            break
        a, b, la, lb = a[apart], b[apart], la[apart], lb[apart]
        low = np.minimum(la, lb)
        np.minimum.at(labels, la, low)
        np.minimum.at(labels, lb, low)
        while True:
            jumped = labels[labels]
            if np.array_equal(jumped, labels):
                break
            labels = jumped
    return labels


def earliest_pairs(n: int, pairs: I64) -> I64:
    """Positions (ascending) of the pairs that are the earliest pair of one of their nodes.

    Nodes are 0 .. n-1; a pair of a node with itself is never chosen. The chosen pairs make
    a forest (as in Boruvka's algorithm: each is the lightest edge of a node, weights being
    distinct), so none of them joins two nodes another has joined already.
    """
    count = len(pairs)
    position = np.arange(count, dtype=np.int64)
    other = pairs[:, 0] != pairs[:, 1]
    best = np.full(n, count, dtype=np.int64)
    np.minimum.at(best, pairs[other, 0], position[other])
    np.minimum.at(best, pairs[other, 1], position[other])
    chosen = np.zeros(count + 1, dtype=bool)
    chosen[best] = True
    return np.flatnonzero(chosen[:count])


def choose_keepers(labels: I64, lengths: I64, rank: I64 | None = None) -> I64:
    """For each record, the index of the record kept in its cluster (see the module docstring)."""
    n = len(labels)
    position = np.arange(n, dtype=np.int64)
    rank = position if rank is None else rank
    order = np.lexsort((position, -lengths, rank, labels))
    first = np.ones(n, dtype=bool)
    first[1:] = labels[order[1:]] != labels[order[:-1]]
    keeper_of_label = np.empty(n, dtype=np.int64)
    keeper_of_label[labels[order[first]]] = order[first]
    return keeper_of_label[labels]
