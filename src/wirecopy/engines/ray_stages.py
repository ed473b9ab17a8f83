"""The steps of `wirecopy dedup` that both Ray engines run, as functions over NumPy arrays.

`wirecopy.engines.ray` runs them as Ray tasks, `wirecopy.engines.ray_data` in Ray Data's
Dataset operations; only how they are run differs, so both engines find the same candidate
pairs and give the same clusters (see `wirecopy.engines.ray` for the steps in full):

- `batches` cuts the input into sign batches of whole units, and `sign_units` signs one
  into bookkeeping, shingle sets and band rows, which `key_ranges` cuts by key range;
- `bucket_pairs` pairs one key range's band rows into candidate pairs, and `merge_pairs`
  merges the ranges' pairs into the candidate pairs in the local engine's order;
- `check_groups` deals the candidate pairs into groups of whole components (`deal`),
  `within` and `route_shingles` route each group the shingle sets it needs, `check_pairs`
  checks a group's pairs, and `join_stars` joins the groups' components;
- `cluster_signed` runs the steps after signing into clusters, `Phases` logs their times.

Nothing here imports Ray: the engines do, and only when a Ray engine is asked for.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from numpy.typing import NDArray

from wirecopy.dedup.cluster import components
from wirecopy.dedup.config import DedupConfig
from wirecopy.dedup.index import Clusters, DedupIndex
from wirecopy.dedup.io import Unit, unit_size
from wirecopy.dedup.lsh import sorted_bucket_pairs
from wirecopy.dedup.stages import SignedBatch, SignedUnit, select, sign_unit
from wirecopy.dedup.verify import ShingleStore, sorted_unique_runs, verified_components
from wirecopy.textnorm import DocHashes

I64 = NDArray[np.int64]
U64 = NDArray[np.uint64]
# The shingle sets of a unit's signed texts: record numbers (ascending), offsets, values.
Shingles = tuple[I64, I64, U64]
# Band rows: key, record, content hash of the text (the star centre of a large bucket).
Bands = tuple[U64, I64, U64]

PART_BITS = 6  # band rows are cut by the top bits of their key: the local engine keeps them
PAIR_BITS = 32  # a candidate pair (a, b) travels as one integer, a << PAIR_BITS | b
RECORDS_PER_TASK = 10_000  # records signed by one task: whole units, at least this many


class Phases:
    """Logs the time of each phase at INFO, on the engine's own logger."""

    def __init__(self, logger: logging.Logger) -> None:
        self.clock = time.perf_counter()
        self.log = logger

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.log.info("%s: %.2f s", name, now - self.clock)
        self.clock = now


def cluster_signed(
    index: DedupIndex,
    signed: tuple[int, list[int]],
    candidates: Callable[[int], I64],
    verify: Callable[[I64], tuple[I64, int, int]],
    phase: Phases,
) -> Clusters:
    """The steps after signing, for both Ray engines, into clusters.

    signed: the records counted while reading, and the texts LSH must see. `candidates`
    gives the candidate pairs of their band keys without their low `bits`, in the order of
    `DedupIndex.finish`; `verify` the component labels of every record, and the pairs checked
    and found similar.
    """
    counted, reps = signed
    n = len(index)
    if n != counted:
        raise AssertionError(f"records counted {counted} while reading, {n} after")
    if n >= 1 << (PAIR_BITS - 1):
        raise ValueError(f"too many records for the Ray engines: {n:,}")
    if len(reps) < 2:
        return index.settle(np.arange(n, dtype=np.int64), 0, 0, 0)
    pairs = candidates(_bits(len(reps), index.config.bands))
    phase("bands and candidate pairs")
    if not len(pairs):
        return index.settle(np.arange(n, dtype=np.int64), 0, 0, 0)
    roots, checked, similar = verify(pairs)
    phase("verification and components")
    return index.settle(roots, len(pairs), checked, similar)


def batches(
    units: Iterator[Unit], on_unit: Callable[[str], None]
) -> Iterator[tuple[int, list[Unit], int]]:
    """The units in batches of whole units of at least RECORDS_PER_TASK records (the last may
    have fewer), each with its first record's number and the number after its last."""
    batch: list[Unit] = []
    base = size = 0
    for unit in units:
        batch.append(unit)
        size += unit_size(unit)
        on_unit("read")
        if size - base >= RECORDS_PER_TASK:
            yield base, batch, size
            batch, base = [], size
    if batch:
        yield base, batch, size


def _bits(reps: int, bands: int) -> int:
    """The low bits of the band keys that `lsh.candidate_pairs` drops, for `reps` texts.

    The same high bits as the local engine keeps, so the same buckets.
    """
    bits = max(reps * bands - 1, 1).bit_length()
    if bits > 64 - PART_BITS:
        raise ValueError(f"too many texts for the Ray engines: {reps:,}")
    return bits


def merge_pairs(found: list[tuple[I64, I64]]) -> I64:
    """The key ranges' pairs (`bucket_pairs`) as the candidate pairs in the local order."""
    codes = np.concatenate([np.zeros(0, dtype=np.int64), *(f[0] for f in found)])
    counts = np.concatenate([np.zeros(0, dtype=np.int64), *(f[1] for f in found)])
    order = np.argsort(codes, kind="stable")
    codes, counts = codes[order], counts[order]
    first = _run_starts(codes)
    shared = np.add.reduceat(counts, first) if len(first) else counts
    code = codes[first][np.argsort(-shared, kind="stable")]
    return np.stack([code >> PAIR_BITS, code & ((1 << PAIR_BITS) - 1)], axis=1)


def check_groups(pairs: I64, n: int, groups: int) -> tuple[list[I64], list[I64]]:
    """The pairs of each check group (`deal`, none empty), and the records each needs."""
    dealt = [mine for mine in deal(pairs, components(n, pairs), groups) if len(mine)]
    return dealt, [np.unique(mine) for mine in dealt]


def join_stars(found: list[tuple[I64, int, int]], n: int) -> tuple[I64, int, int]:
    """The check groups' stars (`check_pairs`) joined into component labels, and the pairs
    checked and found similar."""
    stars = np.concatenate([np.zeros((0, 2), dtype=np.int64), *(f[0] for f in found)])
    return components(n, stars), sum(f[1] for f in found), sum(f[2] for f in found)


def deal(pairs: I64, label: I64, tasks: int) -> list[I64]:
    """The pairs cut into `tasks` runs of about as many pairs (a task's cost is its checks).

    Each candidate component's pairs stay together, in their order of checking, so a task
    checks them as the local engine does; only a component larger than a task's share is cut
    (its parts are joined again by their stars), so that none delays the others.
    """
    comp = label[pairs[:, 0]]
    order = np.argsort(comp, kind="stable")
    starts = _run_starts(comp[order])
    ends = np.append(starts[1:], len(pairs))
    share = len(pairs) / tasks
    cuts = np.round(np.arange(1, tasks) * share).astype(np.int64)
    at = np.searchsorted(starts, cuts, side="right") - 1
    first, last = starts[at], ends[at]
    fits = last - first <= share
    nearer = np.where(cuts - first <= last - cuts, first, last)
    cuts = np.unique(np.where(fits, nearer, cuts))
    return np.split(pairs[order], cuts)


def within(docs: I64, lo: int, hi: int) -> I64:
    """The records of sorted `docs` in [lo, hi)."""
    return docs[np.searchsorted(docs, lo) : np.searchsorted(docs, hi)]


def _run_starts(values: I64) -> I64:
    """Where each run of equal values begins, in a sorted array."""
    starts: I64 = np.flatnonzero(np.concatenate([[True], values[1:] != values[:-1]]))
    return starts[: len(values)]  # none for an empty array


def sign_units(
    units: list[Unit], base: int, field: str, id_field: str, config: DedupConfig
) -> tuple[list[SignedUnit], Shingles, Bands]:
    """`sign_unit` over units of consecutive records, the first being record `base`.

    Returns the units' bookkeeping (no signatures), the shingle sets of their signed texts and
    the texts' band rows (a row per band of each).
    """
    metas: list[SignedUnit] = []
    docs: list[I64] = [np.zeros(0, dtype=np.int64)]
    sets: list[DocHashes] = []
    keys: list[U64] = [np.zeros(0, dtype=np.uint64)]
    exact: list[U64] = [np.zeros(0, dtype=np.uint64)]
    for unit in units:
        signed = sign_unit(unit, field, id_field, config)
        batch = signed.batch
        with_text = np.flatnonzero(np.array([p is None for p in signed.problems], dtype=bool))
        docs.append((base + with_text[batch.signed]).astype(np.int64))
        base += len(signed.ids)
        sets.append(sorted_unique_runs(batch.shingles))
        keys.append(batch.keys.ravel())
        exact.append(batch.exact[batch.signed])
        bare = SignedBatch(
            batch.words,
            batch.exact,
            batch.signed,
            np.zeros((0, config.bands), dtype=np.uint64),
            DocHashes(np.zeros(0, dtype=np.uint64), np.zeros(1, dtype=np.int64)),
        )
        metas.append(
            SignedUnit(
                signed.source,
                signed.lines,
                signed.ids,
                signed.lengths,
                signed.problems,
                bare,
                signed.notes,
            )
        )
    doc = np.concatenate(docs)
    runs = _concat_runs(sets)
    rows: Bands = (
        np.concatenate(keys),
        np.repeat(doc, config.bands),
        np.repeat(np.concatenate(exact), config.bands),
    )
    return metas, (doc, runs.offsets, runs.values), rows


def _concat_runs(runs: list[DocHashes]) -> DocHashes:
    offsets = [np.zeros(1, dtype=np.int64)]
    total = 0
    for r in runs:
        offsets.append(r.offsets[1:] - r.offsets[0] + total)
        total += int(r.offsets[-1] - r.offsets[0])
    values = [r.values[r.offsets[0] : r.offsets[-1]] for r in runs]
    return DocHashes(
        np.concatenate([np.zeros(0, dtype=np.uint64), *values]), np.concatenate(offsets)
    )


def key_ranges(rows: Bands, parts: int) -> list[Bands]:
    """Band rows cut into `parts` key ranges, by the top PART_BITS bits of their keys."""
    part = _key_part(rows[0], parts)
    order = np.argsort(part, kind="stable")
    cuts = np.searchsorted(part[order], np.arange(1, parts))
    pieces = [np.split(column[order], cuts) for column in rows]
    return [(k, d, o) for k, d, o in zip(*pieces, strict=True)]


def _key_part(keys: U64, parts: int) -> I64:
    """The key range of each band key: by its top PART_BITS bits, which truncation keeps."""
    top = (keys >> np.uint64(64 - PART_BITS)).astype(np.int64)
    return (top * parts) >> PART_BITS


def bucket_pairs(reps: I64, bits: int, *rows: Bands) -> tuple[I64, I64]:
    """Candidate pairs of one key range (codes a << PAIR_BITS | b, ascending), and for each
    the number of buckets that gave it.

    reps: the texts LSH must see, ascending; rows: the key range's band rows, by unit.
    """
    key = np.concatenate([r[0] for r in rows])
    doc = np.concatenate([r[1] for r in rows])
    order = np.concatenate([r[2] for r in rows])
    at = np.searchsorted(reps, doc).clip(0, len(reps) - 1)
    keep = np.flatnonzero(reps[at] == doc)  # the texts LSH must see
    key = key[keep] >> np.uint64(bits)
    sort = np.argsort(key, kind="stable")
    pairs = sorted_bucket_pairs(key[sort], doc[keep][sort], order[keep][sort])
    code = np.sort((pairs[:, 0] << PAIR_BITS) | pairs[:, 1])
    first = _run_starts(code)
    return code[first], np.diff(np.append(first, len(code)))


def route_shingles(sets: Shingles, wanted: list[I64]) -> Any:
    """The shingle sets of a sign task's records, for each check group those it wants.

    One `Shingles` for one group, else a tuple of them (a Ray task's returns).
    """
    docs, offsets, values = sets
    out = []
    for records in wanted:
        pick = np.searchsorted(docs, records)
        if not np.array_equal(docs[pick.clip(0, max(len(docs) - 1, 0))], records):
            raise AssertionError("a candidate record was not signed")
        runs = select(DocHashes(values, offsets), pick)
        out.append((records, runs.offsets, runs.values))
    return out[0] if len(out) == 1 else tuple(out)


def check_pairs(threshold: float, pairs: I64, *sets: Shingles) -> tuple[I64, int, int]:
    """Check the pairs of whole candidate components, as `DedupIndex.finish` does.

    sets: the shingle sets of the pairs' records, by unit. Returns the components as stars
    (record, smallest record of its component), and the pairs checked and found similar.
    """
    docs = np.concatenate([np.zeros(0, dtype=np.int64), *(s[0] for s in sets)])
    local = np.searchsorted(docs, pairs.ravel())
    if not np.array_equal(docs[local], pairs.ravel()):
        raise AssertionError("a candidate record came without its shingles")
    # Records are numbered 0 .. len(docs)-1 in the order of `sets`, as `local` numbers them.
    store = ShingleStore.in_memory(_concat_runs([DocHashes(v, o) for _, o, v in sets]))
    try:
        labels, checked, similar = verified_components(
            len(docs), local.reshape(-1, 2), store, threshold
        )
    finally:
        store.close()
    moved = np.flatnonzero(labels != np.arange(len(docs)))
    return np.stack([docs[moved], docs[labels[moved]]], axis=1), checked, similar
