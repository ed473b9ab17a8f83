"""Exact verification of candidates (verify) and clusters (cluster)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from wirecopy.dedup.cluster import UnionFind, choose_keepers, components, earliest_pairs
from wirecopy.dedup.verify import (
    ShingleStore,
    checked_jaccard,
    intersection_size,
    jaccard,
    sorted_unique,
    sorted_unique_runs,
    verified_components,
)
from wirecopy.textnorm import DocHashes

I64 = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Verified:
    """Outcome of verification: how many pairs were compared, and those found similar."""

    checked: int
    pairs: I64  # shape (similar pairs, 2)
    similarity: NDArray[np.float64]  # exact Jaccard similarity of each similar pair


def verify_pairs(
    pairs: I64, store: ShingleStore, threshold: float, uf: UnionFind | None = None
) -> Verified:
    """Check the pairs one by one, in order: the reference `verified_components` is tested
    against. Find the candidate pairs whose exact Jaccard similarity is >= threshold.

    With `uf`, similar pairs are united in it as they are found, and a pair already in one set
    is skipped: uniting it would change nothing, so the partition is the same whatever the
    order of the pairs, while a large cluster costs about one check per member.
    """
    checked = 0
    found: list[tuple[int, int]] = []
    sims: list[float] = []
    for a, b in pairs.tolist():
        if uf is not None and uf.find(a) == uf.find(b):
            continue
        checked += 1
        sim = checked_jaccard(store.get(a), store.get(b), threshold)
        if sim >= threshold:
            found.append((a, b))
            sims.append(sim)
            if uf is not None:
                uf.union(a, b)
    out = np.array(found, dtype=np.int64).reshape(-1, 2)
    return Verified(checked, out, np.array(sims, dtype=np.float64))


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


def all_pairs(count: int) -> np.ndarray:
    return np.array(
        [(a, b) for a in range(count) for b in range(a + 1, count)], dtype=np.int64
    ).reshape(-1, 2)


@settings(derandomize=True, max_examples=150, deadline=None)
@given(sets, st.sampled_from([0.3, 0.5, 0.8, 1.0]))
def test_similarities_of_all_pairs_at_once_equal_checked_jaccard(
    docs: list[frozenset[int]], threshold: float
) -> None:
    # Small integers tie in their high bits: this takes the value-by-value path too.
    store = store_of(docs)
    pairs = all_pairs(len(docs))
    got = store.similarities(pairs, threshold)
    expected = [checked_jaccard(store.get(a), store.get(b), threshold) for a, b in pairs.tolist()]
    store.close()
    assert got.tolist() == expected


@settings(derandomize=True, max_examples=60, deadline=None)
@given(st.integers(0, 2**32), st.integers(2, 40))
def test_similarities_of_full_width_hashes(seed: int, count: int) -> None:
    rng = np.random.default_rng(seed)
    pool = rng.integers(0, 2**64 - 1, 300, dtype=np.uint64)
    docs = [frozenset(rng.choice(pool, int(rng.integers(1, 120))).tolist()) for _ in range(count)]
    store = store_of(docs)
    pairs = all_pairs(count)
    got = store.similarities(pairs, 0.1)
    store.close()
    for (a, b), sim in zip(pairs.tolist(), got.tolist(), strict=True):
        small, large = sorted([len(docs[a]), len(docs[b])])
        assert sim == (-1.0 if small / large < 0.1 else true_jaccard(docs[a], docs[b]))


@settings(derandomize=True, max_examples=100, deadline=None)
@given(sets, st.sampled_from([0.3, 0.5, 0.8]))
def test_verified_components_equal_components_of_every_similar_pair(
    docs: list[frozenset[int]], threshold: float
) -> None:
    store = store_of(docs)
    pairs = all_pairs(len(docs))
    full = verify_pairs(pairs, store, threshold)
    shuffled = pairs[np.random.default_rng(len(docs)).permutation(len(pairs))]
    labels, checked, similar = verified_components(len(docs), shuffled, store, threshold)
    store.close()
    assert labels.tolist() == components(len(docs), full.pairs).tolist()
    assert checked <= len(pairs) and similar <= len(full.pairs)


def test_sorted_unique_runs() -> None:
    values = np.array([5, 1, 5, 3, 9, 9, 2, 7, 7], dtype=np.uint64)
    offsets = np.array([0, 4, 4, 6, 9], dtype=np.int64)  # a run may be empty
    runs = sorted_unique_runs(DocHashes(values, offsets))
    got = [runs.doc(i).tolist() for i in range(len(runs))]
    assert got == [sorted_unique(values[a:b]).tolist() for a, b in itertools.pairwise(offsets)]
    assert sorted_unique_runs(runs) is runs  # already sorted and unique: kept as it is


def test_earliest_pairs_are_a_forest_of_each_nodes_earliest_pair() -> None:
    pairs = np.array([[0, 1], [1, 2], [2, 0], [1, 0], [4, 5], [3, 3], [5, 4]], dtype=np.int64)
    assert earliest_pairs(6, pairs).tolist() == [0, 1, 4]


@settings(derandomize=True, max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 15), st.integers(0, 15)), max_size=40))
def test_components_equal_union_find(edges: list[tuple[int, int]]) -> None:
    pairs = np.array(edges, dtype=np.int64).reshape(-1, 2)
    uf = UnionFind()
    for a, b in edges:
        uf.union(a, b)
    assert components(16, pairs).tolist() == uf.roots(16).tolist()
    pick = earliest_pairs(16, pairs)
    forest = components(16, pairs[pick])
    assert len(pick) == 16 - len(set(forest.tolist()))  # a forest: no pair is redundant
