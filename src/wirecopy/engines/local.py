"""The local engine: sign units in this process or a pool of worker processes, then cluster.

Units are signed in input order; the main process keeps the bookkeeping, band keys and (on
disk) shingles in a `DedupIndex`, then finds candidate pairs, verifies them and unites them
(`DedupIndex.finish`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context

from wirecopy.dedup.config import DedupConfig
from wirecopy.dedup.index import Clusters, DedupIndex
from wirecopy.dedup.io import Unit
from wirecopy.dedup.parse import Problem
from wirecopy.dedup.stages import SignedUnit, held_signals, setup_worker, sign_unit


def run_local(
    units: Iterator[Unit],
    index: DedupIndex,
    *,
    field: str,
    id_field: str,
    workers: int,
    on_problems: Callable[[list[Problem]], None],
    on_unit: Callable[[str], None],
) -> Clusters:
    """Sign every unit, add it to `index`, and cluster; `on_problems` may raise to stop."""
    args = (field, id_field, index.config)
    for signed in _sign(units, args, workers, index.first_by_key):
        on_problems(index.add(signed))
        on_unit("read")
    on_unit("cluster")
    return index.finish()


def _sign(
    units: Iterator[Unit],
    args: tuple[str, str, DedupConfig],
    workers: int,
    seen: dict[int, int],
) -> Iterator[SignedUnit]:
    """Sign units in order: in this process, or in a pool once there is a second unit."""
    first = next(units, None)
    if first is None:
        return
    second = next(units, None)
    if workers == 1 or second is None:
        for unit in _chain(first, second, units):
            yield sign_unit(unit, *args, seen)
        return
    # Spawned workers share nothing with this process (not its threads, not its state).
    # Workers sign unit after unit: they keep freed memory as this process does.
    spawn = get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=spawn, initializer=setup_worker) as pool:
        pending: deque[Future[SignedUnit]] = deque()
        try:
            for unit in _chain(first, second, units):
                with held_signals():  # the pool starts its workers as work is submitted
                    pending.append(pool.submit(sign_unit, unit, *args))
                if len(pending) > 2 * workers:  # enough queued to keep every worker busy
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:  # stopped early (strict mode, an error, Ctrl+C): drop the queued work
            for future in pending:
                future.cancel()


def _chain(first: Unit, second: Unit | None, rest: Iterator[Unit]) -> Iterator[Unit]:
    yield first
    if second is not None:
        yield second
        yield from rest
