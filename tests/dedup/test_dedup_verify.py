"""Exact verification of candidates (verify) and clusters (cluster)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from wirecopy.dedup.cluster import UnionFind, choose_keepers, components
from wirecopy.dedup.verify import ShingleStore, intersection_size, jaccard, verify_pairs
from wirecopy.textnorm import DocHashes

sets = st.lists(st.frozensets(st.integers(0, 40), min_size=1, max_size=30), min_size=2, max_size=8)


def store_of(docs: list[frozenset[int]]) -> ShingleStore:
    store = ShingleStore()
    values = [np.array(sorted(d), dtype=np.uint64) for d in docs]
    offsets = np.zeros(len(docs) + 1, dtype=np.int64)
    np.cumsum([len(v) for v in values], out=offsets[1:])
    half = len(docs) // 2  # two batches, as a run would add them
    store.add(
        np.arange(half),
        DocHashes(np.concatenate(values[:half] or [np.zeros(0, np.uint64)]), offsets[: half + 1]),
    )
    rest = DocHashes(np.concatenate(values[half:]), offsets[half:] - offsets[half])
    store.add(np.arange(half, len(docs)), rest)
    store.freeze()
    return store


def true_jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    return len(a & b) / len(a | b)


@settings(derandomize=True, max_examples=150, deadline=None)
@given(sets, st.sampled_from([0.3, 0.5, 0.8, 1.0]))
def test_verification_reports_exactly_the_pairs_at_or_above_threshold(
    docs: list[frozenset[int]], threshold: float
) -> None:
    store = store_of(docs)
    pairs = np.array([(a, b) for a in range(len(docs)) for b in range(a + 1, len(docs))])
    got = verify_pairs(pairs, store, threshold)
    store.close()
    expected = {(a, b) for a, b in pairs.tolist() if true_jaccard(docs[a], docs[b]) >= threshold}
    assert set(map(tuple, got.pairs.tolist())) == expected
    for (a, b), sim in zip(got.pairs.tolist(), got.similarity.tolist(), strict=True):
        assert sim == true_jaccard(docs[a], docs[b]) >= threshold


@settings(derandomize=True, max_examples=100, deadline=None)
@given(sets)
def test_union_find_skips_do_not_change_the_partition(docs: list[frozenset[int]]) -> None:
    store = store_of(docs)
    pairs = np.array([(a, b) for a in range(len(docs)) for b in range(a + 1, len(docs))])
    full = verify_pairs(pairs, store, 0.5)
    uf = UnionFind()
    verify_pairs(pairs[::-1].copy(), store, 0.5, uf)
    store.close()
    assert np.array_equal(uf.roots(len(docs)), components(len(docs), full.pairs))


def test_intersection_and_jaccard() -> None:
    a = np.array([1, 3, 5, 7], dtype=np.uint64)
    b = np.array([3, 4, 5, 9, 10], dtype=np.uint64)
    assert intersection_size(a, b) == intersection_size(b, a) == 2
    assert jaccard(a, b) == 2 / 7
    assert jaccard(a, a) == 1.0
    assert jaccard(a, np.zeros(0, dtype=np.uint64)) == 0.0


def test_components_label_by_smallest_member() -> None:
    pairs = np.array([[4, 2], [7, 4], [5, 6]], dtype=np.int64)
    assert components(8, pairs).tolist() == [0, 1, 2, 3, 2, 5, 5, 2]


def test_keeper_is_earliest_then_longest() -> None:
    labels = np.array([0, 0, 2, 0, 2], dtype=np.int64)
    lengths = np.array([10, 50, 5, 50, 7], dtype=np.int64)
    assert choose_keepers(labels, lengths).tolist() == [0, 0, 2, 0, 2]
    # With a rank that ties (a date, say), the longest of the earliest is kept.
    rank = np.array([3, 1, 0, 1, 0], dtype=np.int64)
    assert choose_keepers(labels, lengths, rank).tolist() == [1, 1, 4, 1, 4]
