"""Clusters: union-find over verified pairs, and the one record kept per cluster.

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
    """Label of each of 0 .. n-1: the smallest member of its connected component."""
    uf = UnionFind()
    for a, b in pairs.tolist():
        uf.union(a, b)
    return uf.roots(n)


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
