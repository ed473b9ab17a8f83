"""Clusters: union-find over verified pairs, and the one record kept per cluster.

A cluster is a connected component of the verified pairs, so a chain A~B~C is one cluster
even when A and C are less similar than the threshold. (Splitting such chains into cliques
was tried and dropped: on syndicated news, where each copy is close to the original but two
copies are often not close to each other, it lost a third of the true pairs.)

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
