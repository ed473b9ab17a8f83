"""MinHash sketches of shingle sets, for a whole batch of documents at once.

A sketch has `permutations` slots. For two documents A and B, slot k holds the same value in
both exactly when the smallest item of A | B, in a fixed random order, among the items that
slot k looks at lies in A & B; that happens with probability J(A, B), the Jaccard similarity.
So, as with classic MinHash, the share of equal slots estimates J, and LSH banding over slots
works the same way.

Classic MinHash evaluates `permutations` hash functions on every shingle (128 per shingle by
default), which alone would cost more than our whole time budget. We use one-permutation
hashing (Li, Owen and Zhang, 2012) with optimal densification (Shrivastava, ICML 2017):

1. Rounds r = 0 .. ROUNDS-1: every shingle x is hashed once per round, h = mix64(x ^ seed_r);
   the high bits of h pick its slot and its value is (r, h), ordered round first. A document
   whose slots are all filled skips later rounds: they could only bring larger values.
2. A slot still empty borrows the value of the first non-empty slot along a fixed probe
   sequence of slots (pseudo-random, then every slot in turn, so it always ends). The sequence
   depends only on the slot and the seed, so for A and B the borrowed values agree exactly
   when the first slot non-empty in A | B is non-empty in both and its smallest item is
   shared: the estimate stays unbiased (Shrivastava 2017, Theorem 3.1).

Cost: at most ROUNDS hash evaluations per shingle and O(1) work per empty slot, instead of
`permutations` evaluations per shingle. Results depend on the seed only, not on batching.
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.typing import NDArray

from wirecopy.textnorm import DocHashes, mix64, mix64_inplace

U64 = NDArray[np.uint64]

ROUNDS = 2
EMPTY = np.uint64(0xFFFFFFFFFFFFFFFF)
_MASK64 = (1 << 64) - 1
_RANDOM_PROBES = 64  # then the probe sequence walks the slots in turn


def seed_stream(seed: int, salt: int, count: int) -> U64:
    """`count` 64-bit constants derived from `seed` (distinct salts give unrelated streams)."""
    base = np.arange(count, dtype=np.uint64) + np.uint64(
        ((seed * 0x9E3779B97F4A7C15) ^ salt) & _MASK64
    )
    return mix64(mix64(base))


@functools.cache
def _probes(permutations: int, seed: int) -> NDArray[np.int64]:
    """Probe sequence of each slot: shape (permutations, _RANDOM_PROBES), read-only."""
    h = seed_stream(seed, 0xDE25, permutations * _RANDOM_PROBES)
    table = ((h >> np.uint64(32)) * np.uint64(permutations)) >> np.uint64(32)
    out = table.astype(np.int64).reshape(permutations, _RANDOM_PROBES)
    out.flags.writeable = False
    return out


@functools.cache
def _probes_by_step(permutations: int, seed: int) -> NDArray[np.int64]:
    """`_probes` step by step: row t holds probe t of every slot (read-only)."""
    out = np.ascontiguousarray(_probes(permutations, seed).T)
    out.flags.writeable = False
    return out


def _slots(h: U64, k: int) -> NDArray[np.int64]:
    """Slot of each hash: its high bits, scaled to 0 .. k-1."""
    if k & (k - 1) == 0:  # a power of two: the top bits as they are
        return (
            (h >> np.uint64(64 - k.bit_length() + 1)).view(np.int64)
            if k > 1
            else h.view(np.int64) & 0
        )
    return (((h >> np.uint64(32)) * np.uint64(k)) >> np.uint64(32)).view(np.int64)


def sketch(shingles: DocHashes, permutations: int = 128, seed: int = 1) -> U64:
    """Return the sketches of a batch, shape (documents, permutations), dtype uint64.

    A document without shingles gets a sketch of `EMPTY` values; callers leave it out of LSH.
    """
    k = permutations
    g, off = shingles.values, shingles.offsets
    counts = np.diff(off)
    ndocs = len(counts)
    base = np.repeat(
        np.arange(0, ndocs * k, k, dtype=np.int64), counts
    )  # where each doc's slots start
    sig = np.full(ndocs * k, EMPTY, dtype=np.uint64)

    round_seeds = seed_stream(seed, 0x5EED, ROUNDS)
    for r in range(ROUNDS):
        # Later rounds skip finished documents; when none is finished (short texts) the
        # compaction would only copy.
        if r and not (unfinished := sig.reshape(ndocs, k).max(axis=1) == EMPTY).all():
            keep = np.repeat(unfinished, counts)
            g, base, counts = g[keep], base[keep], np.where(unfinished, counts, 0)
            if not len(g):
                break
        h = g ^ round_seeds[r]
        mix64_inplace(h, np.empty_like(h))
        slot = _slots(h, k)
        slot += base
        h >>= np.uint64(6)
        h |= np.uint64(r << 58)
        np.minimum.at(sig, slot, h)

    # Densify: each empty slot of a document with shingles borrows along its probe sequence.
    filled = sig != EMPTY
    empty = np.flatnonzero(~filled & np.repeat(np.diff(off) > 0, k))
    slot = empty % k
    first = empty - slot  # the document's first slot
    by_step = _probes_by_step(k, seed)
    step = 0
    while len(empty):
        if step < _RANDOM_PROBES:
            src = by_step[step].take(slot)
        else:
            src = (slot + (step - _RANDOM_PROBES + 1)) % k
        src += first
        ok = filled[src]
        # Positions and take(), not boolean masks: half the time at these sizes.
        hit = np.flatnonzero(ok)
        sig[empty.take(hit)] = sig.take(src.take(hit))  # filled by a round: never borrowed
        if len(hit) == len(empty):
            break
        miss = np.flatnonzero(~ok)
        empty, slot, first = empty.take(miss), slot.take(miss), first.take(miss)
        step += 1
    return sig.reshape(-1, k)


def estimate_jaccard(a: U64, b: U64) -> float:
    """The MinHash estimate of the Jaccard similarity of two sketches (share of equal slots)."""
    return float(np.count_nonzero(a == b)) / len(a)
