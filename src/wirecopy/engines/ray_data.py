"""The Ray Data engine: the stages of `wirecopy dedup` on Ray Data's Dataset API.

The same work as `wirecopy.engines.ray` (the Ray tasks engine), calling the same steps
(`wirecopy.engines.ray_stages`): only how the work is run differs. Each step is a Dataset
operation:

1. sign as a map over batches: this process reads the input into units (`read_units`, which
   names every bad line) and puts them in the object store as blocks of whole units;
   `map_batches` calls `sign_unit` on each block (`sign_units`). A block's output is a few
   large rows, not a row per text: one row per key range holding the band rows of that range
   (band key, record, content hash) as NumPy arrays, and one row holding the block's shingle
   sets and bookkeeping (ids, lines, problems: no texts, no signatures). It is materialized,
   since both later steps read it;
2. this process takes in the bookkeeping rows (the only column it reads) in input order with
   the local engine's `DedupIndex.account`: which texts LSH must see, exact copies, problems;
3. bands grouped by key: `groupby(key range).map_groups` hands each key range's rows from
   every block to `sorted_bucket_pairs` (`bucket_pairs`), keeping the texts LSH must see;
   this process merges the ranges' pairs into the candidate pairs, in the local order;
4. verification as a map: the candidate pairs are dealt into groups of whole components
   (`check_groups`); `map_batches` cuts each block's shingle sets into a row per group that
   needs them (`route_shingles`), and `groupby(group).map_groups` checks each group's pairs
   with `verified_components` (`check_pairs`);
5. connected components: each group returns its components as stars, which this process
   joins (`join_stars`) into the labels that `DedupIndex.settle` turns into clusters.

Signatures and shingles never reach this process nor one node as a whole; the input does
reach the object store of this process's node whole before signing starts (Ray spills to disk
what does not fit), where the tasks engine holds a few batches at a time. Why rows this
large: Ray Data's cost is per row and per block (a sort shuffle sorts rows; Arrow copies
each), so a shuffle here moves a few rows per block, each a whole NumPy array as bytes,
instead of a row per band key. Its fixed costs are start-up: importing Ray Data takes a
second or more in every process (this one, each worker, each of its two actors), and its
first execution waits for its actors; so the workers and actors are started while this
process reads the input, and the work is four executions (sign, bookkeeping, bands,
verification), each needing the one before. The shuffle strategy is set explicitly to Ray Data's
pull-based sort shuffle: Ray 2.60's default hash shuffle (aggregator actors) took many times
longer here. Ray Data's progress bars and execution logs are off for the run (the CLI draws
its own progress) and its settings restored after. Ray is imported only here and in
`wirecopy.engines.ray`, and only when a Ray engine is asked for; the cluster is the same as
that engine's (`ray.ray_session`).
"""

from __future__ import annotations

import importlib
import logging
import pickle
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from wirecopy.dedup.config import DedupConfig
from wirecopy.dedup.index import Clusters, DedupIndex
from wirecopy.dedup.io import Unit
from wirecopy.dedup.parse import Problem
from wirecopy.engines import ray_stages
from wirecopy.engines.ray import ray_session
from wirecopy.engines.ray_stages import I64, Phases

log = logging.getLogger(__name__)  # the time of each phase, at INFO
# A row holds up to three NumPy arrays, each as the bytes of one cell.
ARRAYS = ("a0", "a1", "a2")
META = -1  # the key range of a block's row of shingle sets and bookkeeping
# Ray Data's settings for the run: no progress bars or execution logs on the user's
# terminal, and the pull-based sort shuffle (see the module docstring).
QUIET = {
    "enable_progress_bars": False,
    "enable_operator_progress_bars": False,
    "print_on_execution_start": False,
    "enable_auto_log_stats": False,
}


def run_ray_data(
    units: Iterator[Unit],
    index: DedupIndex,
    *,
    field: str,
    id_field: str,
    workers: int,
    on_problems: Callable[[list[Problem]], None],
    on_unit: Callable[[str], None],
) -> Clusters:
    """Cluster `units` on Ray Data, on the cluster `ray.ray_session` connects to."""
    with ray_session(workers) as ray:
        return _run(ray, units, index, field, id_field, on_problems, on_unit)


@contextmanager
def _data_settings(data: Any) -> Iterator[None]:
    """Ray Data quiet and on the sort shuffle for the block; its settings restored after."""
    from ray.data.context import ShuffleStrategy

    with warnings.catch_warnings():  # Ray's own defaults set fields it deprecates
        warnings.simplefilter("ignore", DeprecationWarning)
        context = data.DataContext.get_current()
    wanted: dict[str, object] = {
        **QUIET,
        "shuffle_strategy": ShuffleStrategy.SORT_SHUFFLE_PULL_BASED,
    }
    saved = {name: getattr(context, name) for name in wanted}
    data_log = logging.getLogger("ray.data")
    level = data_log.level
    try:
        for name, value in wanted.items():
            setattr(context, name, value)
        data_log.setLevel(logging.ERROR)
        yield
    finally:
        for name, value in saved.items():
            setattr(context, name, value)
        data_log.setLevel(level)


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
    phase = Phases(log)
    cpus = max(int(ray.cluster_resources().get("CPU", 1)), 1)
    parts = 2 * cpus  # key ranges, and verification groups: a few per CPU
    # Importing Ray Data takes seconds in every process: the workers start and import it
    # (their tasks reuse them) while this process imports it and reads the input.
    warm = ray.remote(_warm_worker)
    warming = [warm.remote() for _ in range(cpus)]
    data: Any = importlib.import_module("ray.data")  # untyped, as `ray` is
    _start_actors()
    with _data_settings(data):
        blocks, total = _put_units(ray, units, on_unit)
        ray.get(warming)
        phase("read")
        if not blocks:
            on_unit("cluster")  # as the tasks engine says, whatever the input
            return index.settle(np.zeros(0, dtype=np.int64), 0, 0, 0)
        signed = (
            data.from_arrow_refs(blocks)
            .map_batches(
                _sign_rows,
                batch_size=None,
                batch_format="pyarrow",
                fn_kwargs={"field": field, "id_field": id_field, "config": config, "parts": parts},
            )
            .materialize()
        )
        phase("sign")
        reps = _account(signed, index, on_problems)
        on_unit("cluster")
        phase("bookkeeping")
        return ray_stages.cluster_signed(
            index,
            (total, reps),
            lambda bits: _candidates(ray, signed, reps, bits, parts),
            lambda pairs: _verify(ray, signed, pairs, len(index), config.threshold, parts),
            phase,
        )


def _warm_worker() -> None:
    """Import what this engine's tasks run in a worker (Ray Data and the stages)."""
    importlib.import_module("ray.data")
    importlib.import_module("wirecopy.engines.ray_data")


def _start_actors() -> None:
    """Start Ray Data's own actors (its statistics, its autoscaling coordinator) now, without
    waiting: its first execution waits seconds for them to start otherwise. Both are named and
    detached, so Ray Data finds them; their functions are internal to Ray Data, so a Ray
    release that moves them only loses the head start."""
    try:
        from ray.data._internal.cluster_autoscaler import default_autoscaling_coordinator
        from ray.data._internal.stats import get_or_create_stats_actor

        get_or_create_stats_actor()
        default_autoscaling_coordinator.get_or_create_autoscaling_coordinator()  # type: ignore[no-untyped-call]
    except Exception as err:  # moved or changed in this Ray release: only the head start is lost
        log.info("ray data actors not started ahead: %s", err)


def _put_units(
    ray: Any, units: Iterator[Unit], on_unit: Callable[[str], None]
) -> tuple[list[Any], int]:
    """The units in the object store as blocks of one row each: a batch's first record
    number and its units, pickled (`batches`). Returns the blocks and the records."""
    import pyarrow as pa

    blocks: list[Any] = []
    ends = [0]
    for base, batch, end in ray_stages.batches(units, on_unit):
        blocks.append(ray.put(pa.table({"base": [base], "units": [_pickled(batch)]})))
        ends.append(end)
    return blocks, ends[-1]


def _pickled(value: object) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def _table(
    columns: dict[str, Sequence[int | bytes | None]], arrays: Sequence[Sequence[Any]]
) -> Any:
    """A table of rows: `columns` of integers (or pickles), and per row up to three NumPy
    arrays, each as the bytes of a cell. Every table has the same array columns, so that
    Ray Data can join the blocks of any step."""
    import pyarrow as pa

    def kind(name: str) -> Any:
        return pa.large_binary() if name == "meta" else pa.int64()

    cells = {
        name: pa.array(
            [row[k].tobytes() if k < len(row) else None for row in arrays], pa.large_binary()
        )
        for k, name in enumerate(ARRAYS)
    }
    plain = {name: pa.array(values, kind(name)) for name, values in columns.items()}
    return pa.table({**plain, **cells})


def _arrays(table: Any, row: int, dtypes: Sequence[type[np.generic]]) -> list[Any]:
    """The arrays of a row of `_table`, as read-only views of its cells."""
    return [
        np.frombuffer(table.column(name)[row].as_buffer(), dtype=dtype)
        for name, dtype in zip(ARRAYS, dtypes, strict=False)
    ]


def _sign_rows(block: Any, field: str, id_field: str, config: DedupConfig, parts: int) -> Any:
    """Sign the units of a block: a row of band rows per key range, then a META row with the
    shingle sets and the units' bookkeeping."""
    part: list[int] = []
    base: list[int] = []
    meta: list[bytes | None] = []
    arrays: list[Sequence[Any]] = []
    for first, payload in zip(
        block.column("base").to_pylist(), block.column("units").to_pylist(), strict=True
    ):
        metas, sets, rows = ray_stages.sign_units(
            pickle.loads(payload), first, field, id_field, config
        )
        part += [*range(parts), META]
        base += [first] * (parts + 1)
        meta += [None] * parts + [_pickled(metas)]
        arrays += [*ray_stages.key_ranges(rows, parts), sets]
    return _table({"part": part, "base": base, "meta": meta}, arrays)


def _account(
    signed: Any, index: DedupIndex, on_problems: Callable[[list[Problem]], None]
) -> list[int]:
    """Take in every block's bookkeeping, in input order; the texts LSH must see."""
    from ray.data.expressions import col

    metas = signed.filter(expr=col("part") == META).select_columns(["base", "meta"])
    found: list[tuple[int, bytes]] = []
    for batch in metas.iter_batches(batch_size=None, batch_format="pyarrow"):
        found += zip(
            batch.column("base").to_pylist(), batch.column("meta").to_pylist(), strict=True
        )
    reps: list[int] = []
    for _, meta in sorted(found, key=lambda f: f[0]):
        for unit in pickle.loads(meta):
            problems, _, docs = index.account(unit)
            on_problems(problems)
            reps += docs
    return reps


def _candidates(ray: Any, signed: Any, reps: list[int], bits: int, parts: int) -> I64:
    """The candidate pairs in the order of `DedupIndex.finish` (`merge_pairs`)."""
    from ray.data.expressions import col

    found = (
        signed.filter(expr=col("part") != META)
        .groupby("part", num_partitions=parts)
        .map_groups(
            _bucket_group,
            batch_format="pyarrow",
            fn_kwargs={"reps": ray.put(np.array(reps, dtype=np.int64)), "bits": bits},
        )
    )
    return ray_stages.merge_pairs(
        [(codes, counts) for codes, counts in _rows_of(found, (np.int64, np.int64))]
    )


def _bucket_group(rows: Any, reps: Any, bits: int) -> Any:
    """One key range: its band rows from every block, paired by `bucket_pairs`."""
    import ray

    bands = [
        tuple(_arrays(rows, i, (np.uint64, np.int64, np.uint64))) for i in range(rows.num_rows)
    ]
    codes, counts = ray_stages.bucket_pairs(ray.get(reps), bits, *bands)
    return _table({}, [(codes, counts)])


def _verify(
    ray: Any, signed: Any, pairs: I64, n: int, threshold: float, parts: int
) -> tuple[I64, int, int]:
    """Component labels of every record, and the pairs checked and found similar."""
    from ray.data.expressions import col

    dealt, wanted = ray_stages.check_groups(pairs, n, parts)
    found = (
        signed.filter(expr=col("part") == META)
        .map_batches(
            _route_rows,
            batch_size=None,
            batch_format="pyarrow",
            fn_kwargs={"wanted": ray.put(wanted)},
        )
        .groupby("group", num_partitions=len(dealt))
        .map_groups(
            _check_group,
            batch_format="pyarrow",
            fn_kwargs={"dealt": [ray.put(mine) for mine in dealt], "threshold": threshold},
        )
    )
    checks = [
        (stars.reshape(-1, 2), int(counts[0]), int(counts[1]))
        for stars, counts in _rows_of(found, (np.int64, np.int64))
    ]
    return ray_stages.join_stars(checks, n)


def _route_rows(block: Any, wanted: Any) -> Any:
    """Each block's shingle sets, cut into a row per verification group that needs some."""
    import ray

    needs = ray.get(wanted)
    group: list[int] = []
    base: list[int] = []
    arrays: list[Sequence[Any]] = []
    for i, first in enumerate(block.column("base").to_pylist()):
        sets = _arrays(block, i, (np.int64, np.int64, np.uint64))
        docs = sets[0]
        if not len(docs):
            continue
        mine = [ray_stages.within(w, int(docs[0]), int(docs[-1]) + 1) for w in needs]
        routed = ray_stages.route_shingles((sets[0], sets[1], sets[2]), mine)
        for g, part in enumerate([routed] if len(mine) == 1 else routed):
            if len(mine[g]):
                group.append(g)
                base.append(first)
                arrays.append(part)
    return _table({"group": group, "base": base}, arrays)


def _check_group(rows: Any, dealt: list[Any], threshold: float) -> Any:
    """One group's pairs checked by `check_pairs` on the shingle sets routed to it."""
    import ray

    rows = rows.sort_by("base")  # the records in ascending order, as the check expects
    sets = [tuple(_arrays(rows, i, (np.int64, np.int64, np.uint64))) for i in range(rows.num_rows)]
    pairs = ray.get(dealt[rows.column("group")[0].as_py()])
    stars, checked, similar = ray_stages.check_pairs(threshold, pairs, *sets)
    return _table({}, [(stars.ravel(), np.array([checked, similar], dtype=np.int64))])


def _rows_of(found: Any, dtypes: Sequence[type[np.generic]]) -> Iterator[list[Any]]:
    """The arrays of every row of a dataset of `_table` rows."""
    for table in found.iter_batches(batch_size=None, batch_format="pyarrow"):
        for i in range(table.num_rows):
            yield _arrays(table, i, dtypes)
