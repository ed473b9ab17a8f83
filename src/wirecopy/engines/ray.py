"""The Ray engine: the stages of `wirecopy dedup` as Ray tasks over whole batches.

The same stage functions as the local engine, run as Ray tasks (the remote functions Ray Data
itself is built on); every shuffle is a hash- or range-partitioned map over whole batches:

1. sign: this process streams the input into units (`read_units`, which names every bad
   line) and hands each to a `sign_unit` task as it is read, a bounded number in flight. A
   task returns the unit's bookkeeping (ids, lines, problems: no texts, no signatures), the
   sorted shingle sets of its signed texts, and their band rows (band key, record, content
   hash) already cut into `parts` ranges of the key's top bits;
2. this process takes in the bookkeeping unit by unit in input order, while later units are
   signed, with the very `DedupIndex.account` of the local engine: record numbers, exact
   copies, repeated ids, problems, and which texts LSH must see (the first of their words);
3. bands grouped by key: one task per key range takes that range's rows from every unit,
   keeps those of the texts LSH must see, and calls `lsh.sorted_bucket_pairs` on them sorted
   by key. This process merges the ranges' pairs into the candidate pairs, each with the
   number of buckets that gave it, in the local engine's order;
4. verification as a map: the candidate pairs are dealt to `parts` tasks, about as many
   each, the pairs of a connected component of the candidate graph (`cluster.components`
   over record numbers) together unless it is larger than a task's share; a task per sign
   task sends each check task the shingle sets of the records it needs (a partitioned
   map), and each check task checks its pairs with `verify.verified_components`, the local
   engine's own check, which never checks a pair already joined;
5. connected components: each check task returns its components as stars (each record with
   the smallest record of its component); this process joins the stars (`components`:
   only a component cut between tasks needs it) into the labels that `DedupIndex.settle`
   turns into clusters, as the local engine does.

Signatures and shingles never reach this process nor one node as a whole: each key range,
unit and task is a task of its own. This process holds per-record bookkeeping, as the local
engine does, and the candidate pairs as record numbers (the local engine holds them too).
Band keys are cut to the same high bits as the local engine's (`lsh.candidate_pairs`), and
each component's pairs checked in the same order, so both engines find the same candidate
pairs and give the same clusters, and check the same pairs unless a component had to be cut.
Ray is imported only here (and in `wirecopy.engines.ray_data`, which runs these same
functions on Ray Data's Dataset API), and only when a Ray engine is asked for.

The cluster: the one this process is connected to; else the one ``RAY_ADDRESS`` names
(``auto``: the one `ray start` runs on this machine), which stays up after the run; else a
local one of `workers` CPUs, started for the run and stopped after it.
"""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from numpy.typing import NDArray

from wirecopy.dedup.cluster import components
from wirecopy.dedup.config import DedupConfig
from wirecopy.dedup.index import Clusters, DedupIndex
from wirecopy.dedup.io import Unit, unit_size
from wirecopy.dedup.lsh import sorted_bucket_pairs
from wirecopy.dedup.parse import Problem
from wirecopy.dedup.stages import SignedBatch, SignedUnit, select, sign_unit
from wirecopy.dedup.verify import ShingleStore, sorted_unique_runs, verified_components
from wirecopy.engines import EngineUnavailableError
from wirecopy.textnorm import DocHashes

I64 = NDArray[np.int64]
U64 = NDArray[np.uint64]
# The shingle sets of a unit's signed texts: record numbers (ascending), offsets, values.
Shingles = tuple[I64, I64, U64]
# Band rows: key, record, content hash of the text (the star centre of a large bucket).
Bands = tuple[U64, I64, U64]

log = logging.getLogger(__name__)  # the time of each phase, at INFO
PART_BITS = 6  # band rows are cut by the top bits of their key: the local engine keeps them
PAIR_BITS = 32  # a candidate pair (a, b) travels as one integer, a << PAIR_BITS | b
RECORDS_PER_TASK = 10_000  # records signed by one task: whole units, at least this many
IN_FLIGHT_PER_CPU = 2  # sign tasks at once, per CPU (bounds the input held by Ray)


def _import_ray() -> Any:
    # No usage report leaves this machine: set before Ray is imported.
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    try:
        import ray
    except ImportError as err:
        raise EngineUnavailableError(
            "the ray engine needs Ray: pip install 'wirecopy[ray]'"
        ) from err
    return ray


def run_ray(
    units: Iterator[Unit],
    index: DedupIndex,
    *,
    field: str,
    id_field: str,
    workers: int,
    on_problems: Callable[[list[Problem]], None],
    on_unit: Callable[[str], None],
) -> Clusters:
    """Cluster `units` on Ray (see the module docstring for which cluster)."""
    with ray_session(workers) as ray:
        return _run(ray, units, index, field, id_field, on_problems, on_unit)


@contextmanager
def ray_session(workers: int) -> Iterator[Any]:
    """Ray, connected for the block to the cluster the module docstring names.

    Both Ray engines (this one and `wirecopy.engines.ray_data`) connect through here.
    """
    ray = _import_ray()
    clock = time.perf_counter()
    connected = not ray.is_initialized()
    if connected:
        address = os.environ.get("RAY_ADDRESS")
        quiet = {"log_to_driver": False, "logging_level": logging.ERROR}
        if address:
            ray.init(address=address, **quiet)
        else:  # a cluster of this machine only: no dashboard, nothing listening outside
            ray.init(
                address="local",
                num_cpus=workers,
                include_dashboard=False,
                _node_ip_address="127.0.0.1",
                **quiet,
            )
        log.info("ray start: %.2f s", time.perf_counter() - clock)
    try:
        yield ray
    finally:
        if connected:  # stops a cluster started here; leaves a joined one running
            ray.shutdown()


class _Phases:
    """Logs the time of each phase at INFO, on the engine's own logger."""

    def __init__(self, logger: logging.Logger = log) -> None:
        self.clock = time.perf_counter()
        self.log = logger

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.log.info("%s: %.2f s", name, now - self.clock)
        self.clock = now


class _Signed:
    """What signing leaves in the cluster, per sign task, and the texts LSH must see."""

    def __init__(self) -> None:
        self.starts = [0]  # the record number of each task's first record (then the total)
        self.shingles: list[Any] = []  # each task's `Shingles`, an object in the cluster
        self.bands: list[list[Any]] = []  # each task's `Bands`, an object per key range
        self.reps: list[int] = []  # record numbers of the texts LSH must see, ascending


def _run(
    ray: Any,
    units: Iterator[Unit],
    index: DedupIndex,
    field: str,
    id_field: str,
    on_problems: Callable[[list[Problem]], None],
    on_unit: Callable[[str], None],
) -> Clusters:
    config = index.config
    phase = _Phases()
    cpus = max(int(ray.cluster_resources().get("CPU", 1)), 1)
    parts = 2 * cpus  # key ranges, and verification tasks: a few tasks per CPU
    signed = _sign_all(ray, units, index, (field, id_field, parts, cpus), on_problems, on_unit)
    on_unit("cluster")
    phase("read, sign and bookkeeping")
    return cluster_signed(
        index,
        (signed.starts[-1], signed.reps),
        lambda bits: _candidates(ray, signed, bits, parts),
        lambda pairs: _verify(ray, signed, pairs, len(index), config.threshold, parts),
        phase,
    )


def cluster_signed(
    index: DedupIndex,
    signed: tuple[int, list[int]],
    candidates: Callable[[int], I64],
    verify: Callable[[I64], tuple[I64, int, int]],
    phase: _Phases,
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


def _sign_all(
    ray: Any,
    units: Iterator[Unit],
    index: DedupIndex,
    args: tuple[str, str, int, int],
    on_problems: Callable[[list[Problem]], None],
    on_unit: Callable[[str], None],
) -> _Signed:
    """Sign every unit on the cluster, taking in each one's bookkeeping in input order."""
    field, id_field, parts, cpus = args
    sign = ray.remote(_sign_task).options(num_returns=2 + parts)
    in_flight: deque[list[Any]] = deque()
    out = _Signed()

    def take_in() -> None:
        refs = in_flight.popleft()
        for meta in ray.get(refs[0]):
            problems, _, docs = index.account(meta)
            on_problems(problems)
            out.reps += docs
        out.shingles.append(refs[1])
        out.bands.append(refs[2:])

    for base, batch, end in batches(units, on_unit):
        in_flight.append(sign.remote(batch, base, parts, field, id_field, index.config))
        out.starts.append(end)
        while len(in_flight) > IN_FLIGHT_PER_CPU * cpus:
            take_in()
    while in_flight:
        take_in()
    return out


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


def _candidates(ray: Any, signed: _Signed, bits: int, parts: int) -> I64:
    """Unique candidate pairs (a < b), those that most buckets gave first, then by (a, b).

    The order of `DedupIndex.finish`, so that both engines check the same pairs.
    """
    bucket = ray.remote(_bucket_task)
    reps = ray.put(np.array(signed.reps, dtype=np.int64))
    found = ray.get(
        [bucket.remote(reps, bits, *[b[p] for b in signed.bands]) for p in range(parts)]
    )
    return _merge_pairs(found)


def _bits(reps: int, bands: int) -> int:
    """The low bits of the band keys that `lsh.candidate_pairs` drops, for `reps` texts.

    The same high bits as the local engine keeps, so the same buckets.
    """
    bits = max(reps * bands - 1, 1).bit_length()
    if bits > 64 - PART_BITS:
        raise ValueError(f"too many texts for the Ray engines: {reps:,}")
    return bits


def _merge_pairs(found: list[tuple[I64, I64]]) -> I64:
    """The key ranges' pairs (`_bucket_task`) as the candidate pairs in the local order."""
    codes = np.concatenate([np.zeros(0, dtype=np.int64), *(f[0] for f in found)])
    counts = np.concatenate([np.zeros(0, dtype=np.int64), *(f[1] for f in found)])
    order = np.argsort(codes, kind="stable")
    codes, counts = codes[order], counts[order]
    first = _run_starts(codes)
    shared = np.add.reduceat(counts, first) if len(first) else counts
    code = codes[first][np.argsort(-shared, kind="stable")]
    return np.stack([code >> PAIR_BITS, code & ((1 << PAIR_BITS) - 1)], axis=1)


def _verify(
    ray: Any, signed: _Signed, pairs: I64, n: int, threshold: float, parts: int
) -> tuple[I64, int, int]:
    """Component labels of every record, and the pairs checked and found similar."""
    dealt, wanted = _dealt(pairs, n, parts)
    route = ray.remote(_route_task).options(num_returns=len(dealt))
    routed = [
        _as_list(route.remote(sets, [_within(w, lo, hi) for w in wanted]))
        for sets, lo, hi in zip(signed.shingles, signed.starts[:-1], signed.starts[1:], strict=True)
    ]
    check = ray.remote(_check_task)
    found = ray.get(
        [check.remote(threshold, mine, *[r[t] for r in routed]) for t, mine in enumerate(dealt)]
    )
    return _joined(found, n)


def _dealt(pairs: I64, n: int, tasks: int) -> tuple[list[I64], list[I64]]:
    """The pairs of each check task (`_deal`, none empty), and the records each needs."""
    dealt = [mine for mine in _deal(pairs, components(n, pairs), tasks) if len(mine)]
    return dealt, [np.unique(mine) for mine in dealt]


def _joined(found: list[tuple[I64, int, int]], n: int) -> tuple[I64, int, int]:
    """The check tasks' stars (`_check_task`) joined into component labels, and the pairs
    checked and found similar."""
    stars = np.concatenate([np.zeros((0, 2), dtype=np.int64), *(f[0] for f in found)])
    return components(n, stars), sum(f[1] for f in found), sum(f[2] for f in found)


def _deal(pairs: I64, label: I64, tasks: int) -> list[I64]:
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


def _within(docs: I64, lo: int, hi: int) -> I64:
    """The records of sorted `docs` in [lo, hi)."""
    return docs[np.searchsorted(docs, lo) : np.searchsorted(docs, hi)]


def _run_starts(values: I64) -> I64:
    """Where each run of equal values begins, in a sorted array."""
    starts: I64 = np.flatnonzero(np.concatenate([[True], values[1:] != values[:-1]]))
    return starts[: len(values)]  # none for an empty array


def _as_list(refs: Any) -> list[Any]:
    """The object refs of a call: Ray gives a bare ref for num_returns=1."""
    return list(refs) if isinstance(refs, list) else [refs]


def _sign_task(
    units: list[Unit], base: int, parts: int, field: str, id_field: str, config: DedupConfig
) -> tuple[Any, ...]:
    """Sign units of consecutive records, the first being record `base`.

    Returns the units' bookkeeping, the shingle sets of their signed texts, and the texts'
    band rows by key range.
    """
    metas, sets, rows = sign_units(units, base, field, id_field, config)
    return (metas, sets, *_split(rows, _key_part(rows[0], parts), parts))


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
                signed.source, signed.lines, signed.ids, signed.lengths, signed.problems, bare
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


def _key_part(keys: U64, parts: int) -> I64:
    """The key range of each band key: by its top PART_BITS bits, which truncation keeps."""
    top = (keys >> np.uint64(64 - PART_BITS)).astype(np.int64)
    return (top * parts) >> PART_BITS


def _split(rows: Bands, part: I64, parts: int) -> list[Bands]:
    order = np.argsort(part, kind="stable")
    cuts = np.searchsorted(part[order], np.arange(1, parts))
    pieces = [np.split(column[order], cuts) for column in rows]
    return [(k, d, o) for k, d, o in zip(*pieces, strict=True)]


def _bucket_task(reps: I64, bits: int, *rows: Bands) -> tuple[I64, I64]:
    """Candidate pairs of one key range (codes a << PAIR_BITS | b, ascending), and for each
    the number of buckets that gave it."""
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


def _route_task(sets: Shingles, wanted: list[I64]) -> Any:
    """The shingle sets of a sign task's records, for each check task those it wants."""
    docs, offsets, values = sets
    out = []
    for records in wanted:
        pick = np.searchsorted(docs, records)
        if not np.array_equal(docs[pick.clip(0, max(len(docs) - 1, 0))], records):
            raise AssertionError("a candidate record was not signed")
        runs = select(DocHashes(values, offsets), pick)
        out.append((records, runs.offsets, runs.values))
    return out[0] if len(out) == 1 else tuple(out)


def _check_task(threshold: float, pairs: I64, *sets: Shingles) -> tuple[I64, int, int]:
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
