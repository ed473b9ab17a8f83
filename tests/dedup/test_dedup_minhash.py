"""Sketches (minhash) and LSH banding (lsh)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from numpy.typing import NDArray

from wirecopy.dedup.config import DEFAULT_BANDS, DEFAULT_ROWS, DedupConfig
from wirecopy.dedup.lsh import (
    band_keys,
    bucket_pairs,
    candidate_pairs,
    candidate_pairs_counted,
    optimal_bands,
    s_curve,
    sorted_bucket_pairs,
)
from wirecopy.dedup.minhash import (
    _RANDOM_PROBES,
    EMPTY,
    ROUNDS,
    _probes,
    _slots,
    estimate_jaccard,
    seed_stream,
    sketch,
)
from wirecopy.textnorm import DocHashes, mix64

U64 = NDArray[np.uint64]
I64 = NDArray[np.int64]


def pairs_with_jaccard(
    size: int, jaccard: float, count: int, seed: int = 0
) -> tuple[DocHashes, float]:
    """`count` pairs of sets of `size` random hashes whose Jaccard similarity is ~`jaccard`."""
    rng = np.random.default_rng(seed)
    common = round(2 * size * jaccard / (1 + jaccard))
    docs = []
    for _ in range(count):
        u = rng.integers(0, 2**64, size=2 * size - common, dtype=np.uint64)
        docs += [u[:size], u[size - common :]]
    offsets = np.zeros(len(docs) + 1, dtype=np.int64)
    np.cumsum([len(d) for d in docs], out=offsets[1:])
    return DocHashes(np.concatenate(docs), offsets), common / (2 * size - common)


@pytest.mark.parametrize("size", [10, 30, 130, 1000])
def test_estimate_is_close_to_true_jaccard(size: int) -> None:
    docs, true = pairs_with_jaccard(size, 0.8, 300)
    sig = sketch(docs)
    est = np.array([estimate_jaccard(sig[i], sig[i + 1]) for i in range(0, len(sig), 2)])
    assert abs(est.mean() - true) < 0.01  # unbiased
    assert est.std() < 1.3 * np.sqrt(true * (1 - true) / 128)  # about MinHash's spread


def test_sketch_does_not_depend_on_batching() -> None:
    docs, _ = pairs_with_jaccard(50, 0.5, 20)
    whole = sketch(docs)
    for i in range(len(docs)):
        one = DocHashes(docs.doc(i), np.array([0, len(docs.doc(i))], dtype=np.int64))
        assert np.array_equal(sketch(one)[0], whole[i])


def reference_sketch(values: U64, k: int, seed: int) -> list[int]:
    """One document's sketch as the module docstring defines it, slot by slot."""
    empty = int(EMPTY)
    sig = [empty] * k
    for r, round_seed in enumerate(seed_stream(seed, 0x5EED, ROUNDS)):
        if r and empty not in sig:
            break
        h = mix64(values ^ round_seed)
        for slot, x in zip(_slots(h, k).tolist(), (h >> np.uint64(6)).tolist(), strict=True):
            sig[slot] = min(sig[slot], x | (r << 58))
    if not len(values):
        return sig
    probes = _probes(k, seed).tolist()
    out = list(sig)
    for s in range(k):
        if sig[s] == empty:  # the first filled slot along its probe sequence
            walk = [(s + j) % k for j in range(1, k)]
            out[s] = sig[next(p for p in probes[s][:_RANDOM_PROBES] + walk if sig[p] != empty)]
    return out


@pytest.mark.parametrize("k", [128, 100, 16])
def test_sketch_equals_its_definition(k: int) -> None:
    """Short documents too, whose empty slots borrow late in their probe sequences."""
    rng = np.random.default_rng(k)
    sizes = [0, 1, 2, 3, 5, 40, 130, 700, 1, 2]
    docs = [rng.integers(0, 2**64, size=n, dtype=np.uint64) for n in sizes]
    offsets = np.zeros(len(docs) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    sig = sketch(DocHashes(np.concatenate(docs), offsets), k, seed=5)
    for i, doc in enumerate(docs):
        assert sig[i].tolist() == reference_sketch(doc, k, 5)


def test_sketch_depends_on_seed_and_not_on_order_or_repeats() -> None:
    values = np.arange(1, 200, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    one = DocHashes(values, np.array([0, len(values)], dtype=np.int64))
    shuffled = DocHashes(np.concatenate([values[::-1], values[:7]]), np.array([0, 206]))
    assert np.array_equal(sketch(one), sketch(shuffled))
    assert not np.array_equal(sketch(one, seed=1), sketch(one, seed=2))


def test_empty_document_gets_empty_sketch() -> None:
    docs = DocHashes(np.array([5], dtype=np.uint64), np.array([0, 0, 1], dtype=np.int64))
    sig = sketch(docs, permutations=16)
    assert (sig[0] == EMPTY).all()
    assert (sig[1] != EMPTY).all()
    assert (sig[1] == sig[1][0]).all()  # one shingle fills every slot


def test_non_power_of_two_permutations() -> None:
    docs, true = pairs_with_jaccard(200, 0.7, 100)
    sig = sketch(docs, permutations=100)
    assert sig.shape == (200, 100)
    est = np.mean([estimate_jaccard(sig[i], sig[i + 1]) for i in range(0, 200, 2)])
    assert abs(est - true) < 0.02


def test_default_bands_are_the_optimum_for_08() -> None:
    assert optimal_bands(0.8, 128) == (DEFAULT_BANDS, DEFAULT_ROWS) == (16, 8)
    assert DedupConfig().bands * DedupConfig().rows == 128


def test_s_curve_values_in_the_docstring() -> None:
    table = {0.3: 0.0010, 0.5: 0.0607, 0.6: 0.2374, 0.7: 0.6133, 0.8: 0.9470, 0.9: 0.9999}
    for s, p in table.items():
        assert s_curve(s, 16, 8) == pytest.approx(p, abs=5e-5)


def test_config_for_other_thresholds() -> None:
    cfg = DedupConfig().with_threshold(0.5)
    assert cfg.bands * cfg.rows <= 128
    assert s_curve(0.5, cfg.bands, cfg.rows) > 0.9
    with pytest.raises(ValueError, match="threshold"):
        DedupConfig(threshold=0.0)
    with pytest.raises(ValueError, match="bands x rows"):
        DedupConfig(bands=20, rows=8)


@pytest.mark.parametrize(
    ("jaccard", "low", "high"), [(0.8, 0.92, 1.0), (0.9, 0.99, 1.0), (0.4, 0.0, 0.03)]
)
def test_lsh_finds_pairs_as_the_s_curve_says(jaccard: float, low: float, high: float) -> None:
    docs, _ = pairs_with_jaccard(150, jaccard, 1000, seed=3)
    keys = band_keys(sketch(docs), DEFAULT_BANDS, DEFAULT_ROWS)
    found = (keys[0::2] == keys[1::2]).any(axis=1).mean()
    assert low <= found <= high


def test_candidate_pairs_from_shared_bands() -> None:
    docs, _ = pairs_with_jaccard(100, 0.95, 3)
    keys = band_keys(sketch(docs), DEFAULT_BANDS, DEFAULT_ROWS)
    ids = np.array([10, 11, 20, 21, 30, 31], dtype=np.int64)
    got = candidate_pairs(keys, ids, np.arange(6, dtype=np.uint64))
    assert got.tolist() == [[10, 11], [20, 21], [30, 31]]


def test_candidate_pairs_count_the_bands_they_share() -> None:
    keys = np.array(
        [[1, 2, 3, 4], [1, 2, 3, 9], [1, 7, 8, 4], [5, 6, 8, 0]], dtype=np.uint64
    ) << np.uint64(40)  # distinct in the high bits, which the sort keeps
    ids = np.array([3, 5, 8, 9], dtype=np.int64)
    pairs, shared = candidate_pairs_counted(keys, ids, np.arange(4, dtype=np.uint64))
    got = dict(zip(map(tuple, pairs.tolist()), shared.tolist(), strict=True))
    assert got == {(3, 5): 3, (3, 8): 2, (5, 8): 1, (8, 9): 1}
    assert pairs.tolist() == candidate_pairs(keys, ids, np.arange(4, dtype=np.uint64)).tolist()
    empty = candidate_pairs_counted(keys[:1], ids[:1], np.zeros(1, dtype=np.uint64))
    assert empty[0].shape == (0, 2) and len(empty[1]) == 0


def bucket_reference(keys: U64, docs: I64, order: U64) -> Counter[tuple[int, int]]:
    """Pairs and bucket counts from the definition, in plain Python: a bucket is the rows
    (document, band) whose keys agree once the low bits that hold a row number are dropped;
    up to 32 members all pairs, beyond a star around the first member of smallest order."""
    n, bands = keys.shape
    bits = max(n * bands - 1, 1).bit_length()
    buckets: dict[int, list[int]] = {}
    for row in range(n):  # row-major, as the sort by (key, position) leaves each bucket
        for band in range(bands):
            buckets.setdefault(int(keys[row, band]) >> bits, []).append(row)
    found: Counter[tuple[int, int]] = Counter()
    for members in buckets.values():
        if len(members) <= 32:
            pairs = [(a, b) for i, a in enumerate(members) for b in members[i + 1 :]]
        else:
            centre = min(members, key=lambda r: (int(order[r]), members.index(r)))
            pairs = [(centre, m) for k, m in enumerate(members) if k != members.index(centre)]
        for a, b in pairs:
            if a != b:
                found[(int(docs[min(a, b)]), int(docs[max(a, b)]))] += 1
    return found


@pytest.mark.parametrize("seed", range(6))
def test_candidate_pairs_counted_equal_their_definition(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, bands = 80, 4
    # Few distinct keys, so buckets are large (some beyond 32) and a document meets itself.
    keys = rng.integers(0, 6 if seed % 2 else 40, size=(n, bands)).astype(np.uint64)
    keys = (keys << np.uint64(50)) | rng.integers(0, 1 << 20, size=(n, bands), dtype=np.uint64)
    docs = np.sort(rng.choice(10_000, n, replace=False)).astype(np.int64)
    order = rng.integers(0, 50, size=n).astype(np.uint64)
    pairs, shared = candidate_pairs_counted(keys, docs, order)
    got = dict(zip(map(tuple, pairs.tolist()), shared.tolist(), strict=True))
    assert got == dict(bucket_reference(keys, docs, order))
    assert list(map(tuple, pairs.tolist())) == sorted(got)  # ascending (a, b), each once


def test_candidate_pairs_counted_equal_sorted_bucket_pairs() -> None:
    """The local engine's pairs are those the Ray engine makes with `sorted_bucket_pairs`."""
    rng = np.random.default_rng(7)
    n, bands = 300, 8
    keys = rng.integers(0, 30, size=(n, bands)).astype(np.uint64) << np.uint64(40)
    docs = np.arange(0, 3 * n, 3, dtype=np.int64)
    order = rng.integers(0, 1000, size=n).astype(np.uint64)
    bits = max(n * bands - 1, 1).bit_length()
    flat = keys.ravel() >> np.uint64(bits)
    sort = np.argsort(flat, kind="stable")
    rows = sort // bands
    ray = sorted_bucket_pairs(flat[sort], docs[rows], order[rows])
    want = Counter(map(tuple, ray.tolist()))
    pairs, shared = candidate_pairs_counted(keys, docs, order)
    assert dict(zip(map(tuple, pairs.tolist()), shared.tolist(), strict=True)) == want


def test_large_buckets_pair_as_a_star_around_the_smallest_order() -> None:
    members = np.arange(100, 140, dtype=np.int64)
    order = np.arange(40, dtype=np.uint64)[::-1].copy()
    star = bucket_pairs(members, order)
    assert len(star) == 39
    assert set(star[:, 0].tolist()) == {139}
    assert len(bucket_pairs(members[:5], order[:5])) == 10  # small: all pairs
