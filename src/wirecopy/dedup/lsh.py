"""Locality-sensitive hashing: band keys of sketches, and candidate pairs from shared bands.

The sketch is cut into `bands` bands of `rows` slots; two documents become a candidate pair
when all the slots of at least one band agree. For Jaccard similarity s the chance is the
S-curve P(s) = 1 - (1 - s**rows) ** bands. Defaults (threshold 0.8, 128 permutations) are
16 bands x 8 rows:

    s     0.3     0.5     0.6     0.7     0.75    0.8     0.85    0.9     0.95
    P(s)  0.0010  0.0607  0.2374  0.6133  0.8151  0.9470  0.9938  0.9999  1.0000

so of pairs whose similarity is spread evenly between 0.8 and 1, 99.4% become candidates.

They come from `optimal_bands`, which, as datasketch does, minimises the weighted areas of
false positives (P below the threshold) and false negatives (1 - P above it). datasketch
weighs both 0.5 and gets 9 x 13, with P(0.8) = 0.40 (83% of such pairs found); we weigh
false negatives 0.95 and false positives 0.05, because every candidate is verified by its
exact Jaccard similarity (a false positive costs one cheap check and is never reported)
while nothing recovers a missed pair.
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.typing import NDArray

from wirecopy.dedup.minhash import seed_stream
from wirecopy.textnorm import mix64

U64 = NDArray[np.uint64]
I64 = NDArray[np.int64]

FP_WEIGHT = 0.05
FN_WEIGHT = 0.95
MAX_ALL_PAIRS = 32  # a bucket larger than this is paired as a star, not all pairs


def s_curve(s: float, bands: int, rows: int) -> float:
    """Probability that two documents of Jaccard similarity `s` share at least one band."""
    return float(1.0 - (1.0 - s**rows) ** bands)


@functools.cache
def optimal_bands(threshold: float, permutations: int = 128) -> tuple[int, int]:
    """(bands, rows) minimising FP_WEIGHT * false-positive + FN_WEIGHT * false-negative area."""
    grid = np.linspace(0.0, 1.0, 2001)
    below, above = grid <= threshold, grid >= threshold
    best: tuple[float, int, int] | None = None
    for bands in range(1, permutations + 1):
        for rows in range(1, permutations // bands + 1):
            p = 1.0 - (1.0 - grid**rows) ** bands
            fp = _area(grid[below], p[below])
            fn = _area(grid[above], 1.0 - p[above])
            error = FP_WEIGHT * fp + FN_WEIGHT * fn
            if best is None or error < best[0]:
                best = (error, bands, rows)
    assert best is not None
    return best[1], best[2]


def _area(x: NDArray[np.float64], y: NDArray[np.float64]) -> float:
    """Trapezoid rule (numpy renamed trapz, so we keep our own)."""
    return float(np.sum((y[1:] + y[:-1]) * np.diff(x)) / 2.0) if len(x) > 1 else 0.0


def band_keys(sketches: U64, bands: int, rows: int, seed: int = 1) -> U64:
    """One 64-bit key per band, shape (documents, bands); keys of different bands never mix."""
    n = len(sketches)
    x = sketches[:, : bands * rows].reshape(n, bands, rows)
    row_mul = seed_stream(seed, 0xB4ED, rows) | np.uint64(1)
    acc = np.broadcast_to(seed_stream(seed, 0xBA5E, bands), (n, bands)).copy()
    for r in range(rows):
        acc += x[:, :, r] * row_mul[r]
    return mix64(acc)


def bucket_pairs(members: I64, order: U64, max_all_pairs: int = MAX_ALL_PAIRS) -> I64:
    """Candidate pairs of one bucket (documents sharing a band key), shape (pairs, 2).

    Up to `max_all_pairs` members, all pairs; beyond, a star around the member whose `order`
    (a content hash) is smallest, so the choice does not depend on input order.
    """
    m = len(members)
    if m <= max_all_pairs:
        i, j = np.triu_indices(m, 1)
        return np.stack([members[i], members[j]], axis=1)
    centre = int(np.argmin(order))
    others = np.delete(members, centre)
    return np.stack([np.full(len(others), members[centre]), others], axis=1)


def sorted_bucket_pairs(keys: U64, docs: I64, order: U64) -> I64:
    """Candidate pairs (a < b, not deduplicated) of rows sorted by band key.

    Each run of equal keys is a bucket, paired as `bucket_pairs` does: all pairs up to
    MAX_ALL_PAIRS members, else a star around the smallest `order`. Rows are band keys of
    documents `docs` with their content hash `order`. An engine that groups band keys itself
    (Ray, by sorting) calls this on each group of whole buckets.
    """
    if len(keys) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    # The buckets' pairs of row positions (`_bucket_codes`, as the local engine makes them),
    # then of documents: a document twice in a bucket (lost key bits) pairs with nothing.
    n = len(keys)
    code = _bucket_codes(keys, np.arange(n, dtype=np.int64), order, n)
    first = code // n
    code -= first * n
    a, b = docs[first], docs[code]
    keep = a != b
    a, b = a[keep], b[keep]
    # Smaller first; np.sort(axis=1) costs many times more on rows of two.
    return np.stack([np.minimum(a, b), np.maximum(a, b)], axis=1)


def candidate_pairs(keys: U64, docs: I64, order: U64) -> I64:
    """Unique candidate pairs (a < b) of documents `docs` (ascending) with band keys `keys`.

    `keys` has shape (documents, bands); `order` holds a content hash per document (for the
    star of large buckets).
    """
    return candidate_pairs_counted(keys, docs, order)[0]


def candidate_pairs_counted(keys: U64, docs: I64, order: U64) -> tuple[I64, I64]:
    """`candidate_pairs`, and for each pair how many buckets gave it (of its shared bands).

    Pairs that share more bands are likelier to be similar. The buckets and pairs are those
    of `sorted_bucket_pairs`; the pairs are made as codes (a * rows + b) directly, in place
    where NumPy allows, since at this size fresh memory costs more than the arithmetic.
    """
    n, bands = keys.shape
    flat = keys.ravel()
    # Sorting keys with their position in the low bits is several times faster than argsort.
    # It drops those low bits of the keys: the rare unrelated keys that then look equal only
    # add candidates, which verification rejects.
    bits = max(len(flat) - 1, 1).bit_length()
    low = np.uint64((1 << bits) - 1)
    packed = flat & ~low
    packed |= np.arange(len(flat), dtype=np.uint64)
    packed.sort()
    owner = (packed & low).view(np.int64)
    owner //= bands
    packed >>= np.uint64(bits)
    code = _bucket_codes(packed, owner, order, n)
    # Sort, then runs: many times faster than np.unique's hash table here. The codes come in
    # sorted stretches (bucket by bucket), which the stable sort (a merge sort) takes as such.
    code.sort(kind="stable")
    new = np.ones(len(code), dtype=bool)
    np.not_equal(code[1:], code[:-1], out=new[1:])
    first = np.flatnonzero(new)
    count = np.diff(first, append=len(code))
    code = code[first]
    a = code // n
    code -= a * n
    return np.stack([docs[a], docs[code]], axis=1), count


def _bucket_codes(keys: U64, rows: I64, order: U64, n: int) -> I64:
    """The pairs of `sorted_bucket_pairs(keys, rows, order[rows])` as codes lo * n + hi."""
    codes = [np.zeros(0, dtype=np.int64)]
    if len(keys) < 2:
        return codes[0]
    new = np.ones(len(keys), dtype=bool)
    np.not_equal(keys[1:], keys[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    sizes = np.diff(starts, append=len(keys))
    shared = sizes > 1
    starts, sizes = starts[shared], sizes[shared]
    for size in np.unique(sizes[sizes <= MAX_ALL_PAIRS]).tolist():
        members = rows[starts[sizes == size][:, None] + np.arange(size)]
        i, j = np.triu_indices(size, 1)
        codes.append(_codes(members[:, i].ravel(), members[:, j].ravel(), n))
    big = sizes > MAX_ALL_PAIRS
    for s, size in zip(starts[big].tolist(), sizes[big].tolist(), strict=True):
        members = rows[s : s + size]
        star = bucket_pairs(members, order[members])
        codes.append(_codes(star[:, 0], star[:, 1], n))
    return np.concatenate(codes)


def _codes(a: I64, b: I64, n: int) -> I64:
    """lo * n + hi of each pair (a[i], b[i]) of distinct rows (a row twice: lost key bits)."""
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    distinct = lo != hi
    lo *= n
    lo += hi
    out: I64 = lo[distinct]
    return out
