"""The Ray engine: the stages of `wirecopy dedup` on Ray Data.

The same stage functions as the local engine, run as Ray Data operations:

1. read: this process streams the input into units (`read_units`, which names every bad
   line) and puts each unit in the object store, numbered, with the number of its first record;
2. sign: `sign_unit` as a `map_batches` over the units. Each output block holds a row per
   signed text (record number, exact key, band keys, sorted shingle hashes) and one row with
   the unit's bookkeeping (ids, lines, problems: no texts, no signatures);
3. this process takes in the bookkeeping, unit by unit in input order, with the very
   `DedupIndex.account` of the local engine: record numbers, exact copies, repeated ids,
   problems, and which texts LSH must see (the first of their words);
4. bands grouped by key: one row per (band key, text), sorted by key, and
   `lsh.sorted_bucket_pairs` on each block of whole buckets;
5. verification as a map: each candidate pair meets the shingles of its first text, then of its
   second (two joins, each a sort by record number), and `verify.checked_jaccard` decides;
6. connected components of the similar pairs by alternating large-star and small-star steps
   (Kiveris et al., "Connected components in MapReduce and beyond", 2014), each a sort by node
   and a map, until every component is a star around its smallest record;
7. this process reads back (record, smallest record of its component) and ends in
   `DedupIndex.settle`, as the local engine does.

Signatures and shingles never leave the cluster's object store; this process holds per-record
bookkeeping only, as the local engine does. Band keys are cut to the same high bits as the
local engine's (`lsh.candidate_pairs`), so both find the same candidate pairs; every candidate
is verified (the local engine skips pairs already united, which changes no component), so the
clusters are the same. Ray is imported only here, and only when this engine is asked for.
"""

from __future__ import annotations

import logging
import os
import pickle
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from wirecopy.dedup.cluster import components
from wirecopy.dedup.index import Clusters, DedupIndex
from wirecopy.dedup.io import Unit, unit_size
from wirecopy.dedup.lsh import sorted_bucket_pairs
from wirecopy.dedup.parse import Problem
from wirecopy.dedup.stages import SignedBatch, SignedUnit, sign_unit
from wirecopy.dedup.verify import checked_jaccard, sorted_unique
from wirecopy.engines import EngineUnavailableError
from wirecopy.textnorm import DocHashes

I64 = NDArray[np.int64]
U64 = NDArray[np.uint64]

log = logging.getLogger(__name__)  # the time of each phase, at INFO
MAX_ROUNDS = 200  # star rounds; O(log^2 n) are needed, so this bound is never met in practice
PER_PART = 50_000  # texts per block going into a sort, at least (then two blocks per CPU)
_LIST = pa.list_(pa.uint64())


def _import_ray() -> Any:
    # No usage report leaves this machine: set before Ray is imported.
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    try:
        import ray
        import ray.data
    except ImportError as err:
        raise EngineUnavailableError(
            "the ray engine needs Ray Data: pip install 'wirecopy[ray]'"
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
    """Cluster `units` on Ray; connect to the running Ray, or start a local one for the run."""
    ray = _import_ray()
    clock = time.perf_counter()
    started = not ray.is_initialized()
    if started:  # a local cluster of this machine only: no dashboard, nothing listening outside
        ray.init(
            address="local",
            num_cpus=workers,
            include_dashboard=False,
            log_to_driver=False,
            logging_level=logging.ERROR,
            _node_ip_address="127.0.0.1",
        )
        log.info("ray start: %.2f s", time.perf_counter() - clock)
    context = ray.data.DataContext.get_current()
    saved = (context.shuffle_strategy, context.enable_progress_bars)
    data_log = logging.getLogger("ray.data")
    level = data_log.level
    try:
        # Sorting puts equal keys in one block, which the grouping maps below rely on.
        context.shuffle_strategy = type(context.shuffle_strategy).SORT_SHUFFLE_PULL_BASED
        context.enable_progress_bars = False
        data_log.setLevel(logging.ERROR)
        return _run(ray, units, index, field, id_field, on_problems, on_unit)
    finally:
        context.shuffle_strategy, context.enable_progress_bars = saved
        data_log.setLevel(level)
        if started:
            ray.shutdown()


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
    clock = [time.perf_counter()]

    def phase(name: str) -> None:
        now = time.perf_counter()
        log.info("%s: %.2f s", name, now - clock[0])
        clock[0] = now

    blocks, base = [], 0
    for number, unit in enumerate(units):
        payload = pickle.dumps(unit, protocol=pickle.HIGHEST_PROTOCOL)
        table = pa.table({"unit": [number], "base": [base], "payload": [payload]})
        blocks.append(ray.put(table))
        base += unit_size(unit)
        on_unit("read")
    if not blocks:
        return index.settle(np.zeros(0, dtype=np.int64), 0, 0, 0)
    signed = (
        ray.data.from_arrow_refs(blocks)
        .map_batches(
            _sign_block,
            batch_size=None,
            batch_format="pyarrow",
            fn_kwargs={"field": field, "id_field": id_field, "config": config},
        )
        .materialize()
    )
    del blocks
    phase("read and sign")
    metas = signed.map_batches(_meta_rows, batch_format="pyarrow").take_all()
    reps: list[int] = []
    for row in sorted(metas, key=lambda r: -int(r["doc"])):
        unit_meta: SignedUnit = pickle.loads(row["meta"])
        problems, _, docs = index.account(unit_meta)
        on_problems(problems)
        reps += docs
    on_unit("cluster")
    phase("bookkeeping")
    n = len(index)
    if n != base:
        raise AssertionError(f"records counted {base} while reading, {n} after parsing")
    rep_docs = np.array(reps, dtype=np.int64)
    if len(rep_docs) < 2:
        return index.settle(np.arange(n, dtype=np.int64), 0, 0, 0)
    # The same high bits of the band keys as lsh.candidate_pairs keeps, so the same buckets.
    bits = max(len(rep_docs) * config.bands - 1, 1).bit_length()
    # Few, large blocks into each sort: its cost grows with blocks in times blocks out.
    parts = max(2 * int(ray.cluster_resources().get("CPU", 1)), len(rep_docs) // PER_PART)
    pairs = (
        signed.map_batches(
            _band_rows, batch_format="pyarrow", fn_kwargs={"reps": rep_docs, "bits": bits}
        )
        .repartition(parts)
        .sort("key")
        .map_batches(_bucket_pairs, batch_size=None, batch_format="pyarrow")
    )
    shingles = signed.map_batches(
        _shingle_rows, batch_format="pyarrow", fn_kwargs={"reps": rep_docs}
    )
    firsts = (
        pairs.map_batches(_requests, batch_format="pyarrow")
        .union(shingles)
        .repartition(parts)
        .sort("doc")
        .map_batches(_attach_first, batch_size=None, batch_format="pyarrow")
        .materialize()
    )
    candidates = firsts.count()
    phase("bands and candidate pairs")
    if not candidates:
        return index.settle(np.arange(n, dtype=np.int64), 0, 0, 0)
    edges = (
        firsts.union(shingles)
        .repartition(parts)
        .sort("doc")
        .map_batches(
            _verify,
            batch_size=None,
            batch_format="pyarrow",
            fn_kwargs={"threshold": config.threshold},
        )
        .materialize()
    )
    similar = edges.count()
    phase("verification")
    roots = np.arange(n, dtype=np.int64)
    if similar:
        found = _components(edges, parts)
        for batch in found.iter_batches(batch_format="numpy", batch_size=1 << 16):
            roots[batch["a"]] = batch["b"]
    phase("connected components")
    return index.settle(roots, candidates, candidates, similar)


def _lists(values: U64, offsets: I64) -> pa.Array:
    return pa.ListArray.from_arrays(
        pa.array(offsets.astype(np.int32)), pa.array(values, _LIST.value_type)
    )


def _flat(column: Any) -> tuple[U64, I64]:
    """Values and offsets of a list<uint64> column (chunked or not)."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    offsets = array.offsets.to_numpy().astype(np.int64)
    values = array.values.to_numpy(zero_copy_only=False).astype(np.uint64, copy=False)
    return values[offsets[0] : offsets[-1]], offsets - offsets[0]


def _sign_block(table: pa.Table, field: str, id_field: str, config: Any) -> pa.Table:
    """Sign the units of a block: a row per signed text, and a row of bookkeeping per unit."""
    docs: list[I64] = []
    exact: list[U64] = []
    keys: list[U64] = []
    values: list[U64] = []
    counts: list[I64] = []
    meta_docs: list[int] = []
    metas: list[bytes] = []
    for number, base, payload in zip(
        table["unit"].to_pylist(),
        table["base"].to_pylist(),
        table["payload"].to_pylist(),
        strict=True,
    ):
        unit = sign_unit(pickle.loads(payload), field, id_field, config)
        batch = unit.batch
        with_text = np.flatnonzero(np.array([p is None for p in unit.problems], dtype=bool))
        docs.append(base + with_text[batch.signed])
        exact.append(batch.exact[batch.signed])
        keys.append(batch.keys.ravel())
        runs = batch.shingles
        for k in range(len(batch.signed)):
            run = sorted_unique(runs.values[runs.offsets[k] : runs.offsets[k + 1]])
            values.append(run)
            counts.append(np.array([len(run)], dtype=np.int64))
        bare = SignedBatch(
            batch.words,
            batch.exact,
            batch.signed,
            np.zeros((0, config.bands), dtype=np.uint64),
            DocHashes(np.zeros(0, dtype=np.uint64), np.zeros(1, dtype=np.int64)),
        )
        meta = SignedUnit(unit.source, unit.lines, unit.ids, unit.lengths, unit.problems, bare)
        meta_docs.append(-1 - number)
        metas.append(pickle.dumps(meta, protocol=pickle.HIGHEST_PROTOCOL))
    m = len(metas)
    doc = np.concatenate([*docs, np.array(meta_docs, dtype=np.int64)])
    sizes = np.concatenate([*counts, np.zeros(m, dtype=np.int64)])
    shingle_offsets = np.zeros(len(doc) + 1, dtype=np.int64)
    np.cumsum(sizes, out=shingle_offsets[1:])
    flat_keys = np.concatenate([*keys, np.zeros(0, dtype=np.uint64)])
    texts = len(doc) - m
    key_offsets = np.concatenate(
        [np.arange(texts + 1, dtype=np.int64) * config.bands, np.full(m, texts * config.bands)]
    )
    return pa.table(
        {
            "doc": doc,
            "exact": np.concatenate([*exact, np.zeros(m, dtype=np.uint64)]),
            "keys": _lists(flat_keys, key_offsets),
            "shingles": _lists(
                np.concatenate([*values, np.zeros(0, dtype=np.uint64)]), shingle_offsets
            ),
            "meta": pa.array([None] * (len(doc) - m) + metas, pa.binary()),
        }
    )


def _meta_rows(table: pa.Table) -> pa.Table:
    doc = table["doc"].to_numpy()
    return table.select(["doc", "meta"]).take(np.flatnonzero(doc < 0))


def _rep_rows(table: pa.Table, reps: I64) -> tuple[pa.Table, I64]:
    """The rows of texts LSH must see (record numbers in sorted `reps`), and their numbers."""
    doc = table["doc"].to_numpy()
    at = np.searchsorted(reps, doc).clip(0, max(len(reps) - 1, 0))
    keep = np.flatnonzero((doc >= 0) & (reps[at] == doc))
    return table.take(keep), doc[keep]


def _band_rows(table: pa.Table, reps: I64, bits: int) -> pa.Table:
    rows, doc = _rep_rows(table, reps)
    keys, offsets = _flat(rows["keys"])
    bands = np.diff(offsets)
    return pa.table(
        {
            "key": keys >> np.uint64(bits),
            "doc": np.repeat(doc, bands),
            "order": np.repeat(rows["exact"].to_numpy(), bands),
        }
    )


def _bucket_pairs(table: pa.Table) -> pa.Table:
    """Candidate pairs of a block of whole buckets (rows sorted by key)."""
    key = table["key"].to_numpy()
    order = np.argsort(key, kind="stable")
    pairs = sorted_bucket_pairs(
        key[order], table["doc"].to_numpy()[order], table["order"].to_numpy()[order]
    )
    return pa.table({"a": pairs[:, 0], "b": pairs[:, 1]})


def _shingle_rows(table: pa.Table, reps: I64) -> pa.Table:
    rows, doc = _rep_rows(table, reps)
    return pa.table(
        {"doc": doc, "other": np.full(len(doc), -1, dtype=np.int64), "sh": rows["shingles"]}
    )


def _requests(table: pa.Table) -> pa.Table:
    """A pair (a, b) as a request for the shingles of a."""
    n = table.num_rows
    empty = _lists(np.zeros(0, dtype=np.uint64), np.zeros(n + 1, dtype=np.int64))
    return pa.table({"doc": table["a"], "other": table["b"], "sh": empty})


def _meet(table: pa.Table) -> tuple[I64, I64, I64, pa.Table]:
    """Split a block sorted by doc into unique requests (doc, other) and the shingles of doc.

    Returns the requests' doc and other, the row of each request's doc among the shingle
    rows, and the shingle rows.
    """
    doc = table["doc"].to_numpy()
    other = table["other"].to_numpy()
    is_sh = other < 0
    sh = table.take(np.flatnonzero(is_sh))
    sh_doc = doc[is_sh]
    order = np.argsort(sh_doc, kind="stable")
    sh, sh_doc = sh.take(order), sh_doc[order]
    req = np.flatnonzero(~is_sh)
    code = np.unique(np.stack([doc[req], other[req]], axis=1), axis=0)
    at = np.searchsorted(sh_doc, code[:, 0])
    return code[:, 0], code[:, 1], at, sh


def _attach_first(table: pa.Table) -> pa.Table:
    """Each unique pair (a, b), with the shingles of a, as a request for the shingles of b."""
    a, b, at, sh = _meet(table)
    return pa.table({"doc": b, "other": a, "sh": sh["sh"].take(pa.array(at))})


def _verify(table: pa.Table, threshold: float) -> pa.Table:
    """The pairs whose exact Jaccard similarity reaches `threshold`."""
    doc = table["doc"].to_numpy()
    other = table["other"].to_numpy()
    req = np.flatnonzero(other >= 0)
    sh_rows = np.flatnonzero(other < 0)
    sh_doc = doc[sh_rows]
    order = np.argsort(sh_doc, kind="stable")
    sh_rows, sh_doc = sh_rows[order], sh_doc[order]
    values, offsets = _flat(table["sh"])
    found_a: list[int] = []
    found_b: list[int] = []
    for r, b, a in zip(req.tolist(), doc[req].tolist(), other[req].tolist(), strict=True):
        s = sh_rows[np.searchsorted(sh_doc, b)]
        sa = values[offsets[r] : offsets[r + 1]]
        sb = values[offsets[s] : offsets[s + 1]]
        if checked_jaccard(sa, sb, threshold) >= threshold:
            found_a.append(a)
            found_b.append(b)
    return pa.table(
        {"a": np.array(found_a, dtype=np.int64), "b": np.array(found_b, dtype=np.int64)}
    )


# ---- connected components: large-star and small-star steps ------------------------------------
# Edges are rows (a, b); a row with a < 0 is a step's count of unsettled nodes in b.


def _components(edges: Any, parts: int) -> Any:
    """Rows (a, b): each record a of a component of two or more, and b its smallest record."""
    # First each block unites its own edges (a star per local component): the same
    # components, and most of them settled before the first round.
    edges = edges.repartition(parts).map_batches(_local_stars, batch_format="pyarrow")
    for _ in range(MAX_ROUNDS):
        large = _step(edges, _large_star)
        counts = large.map_batches(_count_rows, batch_format="pyarrow").take_all()
        if not sum(int(row["b"]) for row in counts):
            return large.map_batches(_edge_rows, batch_format="pyarrow")
        edges = _step(large, _small_star)
    raise RuntimeError(f"connected components did not settle in {MAX_ROUNDS} rounds")


def _local_stars(table: pa.Table) -> pa.Table:
    """The edges of a block replaced by stars: each node to the smallest node it reaches."""
    a, b = table["a"].to_numpy(), table["b"].to_numpy()
    keep = a >= 0
    pairs = np.stack([a[keep], b[keep]], axis=1)
    nodes, local = np.unique(pairs, return_inverse=True)
    roots = components(len(nodes), local.reshape(-1, 2))
    moved = np.flatnonzero(roots != np.arange(len(nodes)))
    return pa.table({"a": nodes[moved], "b": nodes[roots[moved]]})


def _count_rows(table: pa.Table) -> pa.Table:
    return table.take(np.flatnonzero(table["a"].to_numpy() < 0))


def _edge_rows(table: pa.Table) -> pa.Table:
    return table.take(np.flatnonzero(table["a"].to_numpy() >= 0))


def _step(edges: Any, star: Callable[[pa.Table], pa.Table]) -> Any:
    return (
        edges.map_batches(_both_ways, batch_format="pyarrow")
        .sort("u")
        .map_batches(star, batch_size=None, batch_format="pyarrow")
        .materialize()
    )


def _both_ways(table: pa.Table) -> pa.Table:
    a, b = table["a"].to_numpy(), table["b"].to_numpy()
    keep = a >= 0
    a, b = a[keep], b[keep]
    return pa.table({"u": np.concatenate([a, b]), "w": np.concatenate([b, a])})


def _groups(table: pa.Table) -> tuple[I64, I64, I64, I64]:
    """Unique (u, w) rows sorted by u then w, the start of each u, and each row's group."""
    uw = np.unique(np.stack([table["u"].to_numpy(), table["w"].to_numpy()], axis=1), axis=0)
    u, w = uw[:, 0], uw[:, 1]
    first = np.concatenate([[True], u[1:] != u[:-1]]) if len(u) else np.zeros(0, dtype=bool)
    return u, w, np.flatnonzero(first), np.cumsum(first) - 1


def _edges(a: I64, b: I64, unsettled: int) -> pa.Table:
    ab = np.unique(np.stack([a, b], axis=1), axis=0) if len(a) else np.zeros((0, 2), np.int64)
    return pa.table(
        {
            "a": np.append(ab[:, 0], -1).astype(np.int64),
            "b": np.append(ab[:, 1], unsettled).astype(np.int64),
        }
    )


def _large_star(table: pa.Table) -> pa.Table:
    """Join every larger neighbour of u to the smallest of u and its neighbours.

    Also counts the unsettled nodes: those with a smaller neighbour and another neighbour.
    When none is left every component is a star around its smallest node, and this step
    gives back its input.
    """
    u, w, starts, group = _groups(table)
    if not len(u):
        return _edges(u, w, 0)
    least = np.minimum(np.minimum.reduceat(w, starts), u[starts])
    degree = np.diff(np.append(starts, len(u)))
    unsettled = int(np.count_nonzero((least < u[starts]) & (degree > 1)))
    larger = w > u
    return _edges(w[larger], least[group][larger], unsettled)


def _small_star(table: pa.Table) -> pa.Table:
    """Join u and its smaller neighbours to the smallest of them."""
    u, w, starts, group = _groups(table)
    if not len(u):
        return _edges(u, w, 0)
    smaller = w < u
    least = np.minimum(np.minimum.reduceat(np.where(smaller, w, u), starts), u[starts])
    m = least[group]
    move = smaller & (w != m)
    centre = u[starts] != least
    a = np.concatenate([w[move], u[starts][centre]])
    b = np.concatenate([m[move], least[centre]])
    return _edges(a, b, 0)
