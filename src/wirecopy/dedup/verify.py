"""Verification of candidate pairs by their exact Jaccard similarity.

Verification needs the shingle sets of candidate documents only, but which documents will be
candidates is known only after the last one is read. We therefore keep every signed
document's shingle hashes, 8 bytes a shingle, appended batch by batch to a temporary file and
read back through a memory map: the process holds two integers per document, and the
operating system's page cache decides what stays in memory. (Re-reading the input for the
candidates instead would need the input twice, which standard input cannot give.)
"""

from __future__ import annotations

import contextlib
import mmap
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from wirecopy.dedup.cluster import UnionFind
from wirecopy.textnorm import DocHashes

U64 = NDArray[np.uint64]
I64 = NDArray[np.int64]

_CACHE = 4096  # sorted shingle sets kept for the next pairs (pairs come sorted by document)


class ShingleStore:
    """Shingle hashes of documents, on disk, by document number."""

    def __init__(self, directory: Path | None = None) -> None:
        # Closed by close(): the file lives as long as the store.
        self._file = tempfile.TemporaryFile(dir=directory)  # noqa: SIM115
        self._size = 0
        self._docs: list[I64] = []
        self._starts: list[I64] = []
        self._map: U64 | None = None
        self._mmap: mmap.mmap | None = None
        self._start = np.zeros(0, dtype=np.int64)
        self._stop = np.zeros(0, dtype=np.int64)
        self._cache: dict[int, U64] = {}

    def add(self, docs: I64, shingles: DocHashes) -> None:
        """Store the shingles of `docs` (ascending document numbers), run i for docs[i]."""
        self._file.write(shingles.values.data)  # no copy: values are contiguous
        self._docs.append(docs)
        self._starts.append(shingles.offsets + self._size)
        self._size += len(shingles.values)

    def freeze(self) -> None:
        """Done adding: map the file for reading."""
        self._file.flush()
        docs = np.concatenate([*self._docs, np.zeros(0, dtype=np.int64)])
        n = int(docs.max()) + 1 if len(docs) else 0
        self._start = np.zeros(n, dtype=np.int64)
        self._stop = np.zeros(n, dtype=np.int64)
        for d, s in zip(self._docs, self._starts, strict=True):
            self._start[d], self._stop[d] = s[:-1], s[1:]
        if self._size:
            # A plain array over mmap: slicing an np.memmap costs ten times more.
            self._mmap = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)
            self._map = np.frombuffer(self._mmap, dtype=np.uint64)

    def get(self, doc: int) -> U64:
        """The sorted unique shingle hashes of `doc`."""
        hit = self._cache.get(doc)
        if hit is None:
            assert self._map is not None, "freeze() first"
            hit = sorted_unique(self._map[self._start[doc] : self._stop[doc]])
            if len(self._cache) >= _CACHE:
                self._cache.clear()
            self._cache[doc] = hit
        return hit

    def close(self) -> None:
        """Delete the temporary file (safe to call twice)."""
        self._map = None
        self._cache.clear()
        if self._mmap is not None:
            with contextlib.suppress(BufferError):  # a view still alive: closed when it goes
                self._mmap.close()
            self._mmap = None
        self._file.close()


def sorted_unique(values: U64) -> U64:
    """np.unique, without its overhead (many times slower on arrays of this size)."""
    s = np.sort(values)
    keep = np.empty(len(s), dtype=bool)
    keep[:1] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


def intersection_size(a: U64, b: U64) -> int:
    """Size of the intersection of two sorted unique arrays."""
    if len(a) > len(b):
        a, b = b, a
    if not len(a):
        return 0
    idx = np.searchsorted(b, a)
    idx[idx == len(b)] = 0
    return int(np.count_nonzero(b[idx] == a))


def jaccard(a: U64, b: U64) -> float:
    """Jaccard similarity of two sorted unique arrays (1.0 for two empty sets)."""
    inter = intersection_size(a, b)
    union = len(a) + len(b) - inter
    return inter / union if union else 1.0


def checked_jaccard(a: U64, b: U64, threshold: float) -> float:
    """Jaccard similarity of two sorted unique arrays, or -1.0 when it must be below `threshold`.

    J(A, B) <= |small| / |large|, so a pair of very different sizes is rejected uncounted.
    Every engine verifies a candidate pair with this one function.
    """
    if min(len(a), len(b)) / max(len(a), len(b), 1) < threshold:
        return -1.0
    return jaccard(a, b)


@dataclass(frozen=True, slots=True)
class Verified:
    """Outcome of verification: how many pairs were compared, and those found similar."""

    checked: int
    pairs: I64  # shape (similar pairs, 2)
    similarity: NDArray[np.float64]  # exact Jaccard similarity of each similar pair


def verify_pairs(
    pairs: I64, store: ShingleStore, threshold: float, uf: UnionFind | None = None
) -> Verified:
    """Find the candidate pairs whose exact Jaccard similarity is >= threshold.

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
