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
The steps are functions of `wirecopy.engines.ray_stages`, which this module runs as tasks and
`wirecopy.engines.ray_data` on Ray Data's Dataset API. Ray is imported only here and in
`wirecopy.engines.ray_data`, and only when a Ray engine is asked for.

The cluster: the one this process is connected to; else the one ``RAY_ADDRESS`` names
(``auto``: the one `ray start` runs on this machine), which stays up after the run; else a
local one of `workers` CPUs, started for the run and stopped after it.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from wirecopy.dedup.config import DedupConfig
from wirecopy.dedup.index import Clusters, DedupIndex
from wirecopy.dedup.io import Unit
from wirecopy.dedup.parse import Problem
from wirecopy.engines import EngineUnavailableError
from wirecopy.engines.ray_stages import (
    I64,
    Phases,
    batches,
    bucket_pairs,
    check_groups,
    check_pairs,
    cluster_signed,
    join_stars,
    key_ranges,
    merge_pairs,
    route_shingles,
    sign_units,
    within,
)

log = logging.getLogger(__name__)  # the time of each phase, at INFO
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
            check_reachable(address)
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


CONNECT_SECONDS = 5.0


def check_reachable(address: str) -> None:
    """Raise ConnectionError when nothing answers at a cluster's ``host:port`` (or
    ``ray://host:port``): Ray itself retries such an address for minutes, printing its own
    logs. ``auto`` and other forms are left to Ray, which fails fast on them."""
    host, sep, port = address.removeprefix("ray://").rpartition(":")
    if not sep or not host or not port.isdigit():
        return
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_SECONDS):
            pass
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ConnectionError(f"nothing answers at {address}: {reason}") from None


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
    phase = Phases(log)
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


def _candidates(ray: Any, signed: _Signed, bits: int, parts: int) -> I64:
    """Unique candidate pairs (a < b), those that most buckets gave first, then by (a, b).

    The order of `DedupIndex.finish`, so that both engines check the same pairs.
    """
    bucket = ray.remote(bucket_pairs)
    reps = ray.put(np.array(signed.reps, dtype=np.int64))
    found = ray.get(
        [bucket.remote(reps, bits, *[b[p] for b in signed.bands]) for p in range(parts)]
    )
    return merge_pairs(found)


def _verify(
    ray: Any, signed: _Signed, pairs: I64, n: int, threshold: float, parts: int
) -> tuple[I64, int, int]:
    """Component labels of every record, and the pairs checked and found similar."""
    dealt, wanted = check_groups(pairs, n, parts)
    route = ray.remote(route_shingles).options(num_returns=len(dealt))
    routed = [
        _as_list(route.remote(sets, [within(w, lo, hi) for w in wanted]))
        for sets, lo, hi in zip(signed.shingles, signed.starts[:-1], signed.starts[1:], strict=True)
    ]
    check = ray.remote(check_pairs)
    found = ray.get(
        [check.remote(threshold, mine, *[r[t] for r in routed]) for t, mine in enumerate(dealt)]
    )
    return join_stars(found, n)


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
    return (metas, sets, *key_ranges(rows, parts))
