"""The local engine of `wirecopy dedup`: read, sign (in worker processes), index, cluster, write.

Input is read as a stream and signed batch by batch; only per-record bookkeeping, band keys
and (on disk) shingle hashes outlive a batch, so memory grows linearly with the number of
records, not with the size of their texts. The output needs every record's cluster, so it is
written once all input is read, in input order.
"""

from __future__ import annotations

import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import TextIO

from wirecopy.dedup.config import DedupConfig
from wirecopy.dedup.index import DedupIndex
from wirecopy.dedup.io import Position, Unit, read_units, write_assignments
from wirecopy.dedup.parse import EXCLUDING, Problem
from wirecopy.dedup.stages import SignedUnit, sign_unit


@dataclass(frozen=True, slots=True)
class DedupProgress:
    stage: str  # "read" while input is read and signed, then "cluster", then "write"
    records: int
    input_bytes: int
    total_bytes: int  # sum of the input files' sizes (0 for standard input)


@dataclass(frozen=True, slots=True)
class DedupSummary:
    records: int  # input records, each written as one output line
    clusters: int
    duplicates: int  # records with a duplicate_of
    exact_duplicates: int  # records whose words repeat an earlier record's
    excluded: int  # records kept out by a problem (each its own cluster)
    candidate_pairs: int
    checked_pairs: int
    similar_pairs: int
    input_bytes: int
    seconds: float
    workers: int
    problems: tuple[Problem, ...]

    @property
    def near_duplicates(self) -> int:
        return self.duplicates - self.exact_duplicates


# Below this much input, worker processes (each starts a Python with NumPy) are not worth it.
POOL_MIN_BYTES = 64 << 20


def _usable_cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on every platform
        return max(1, os.cpu_count() or 1)


class DedupError(Exception):
    """A problem with the input, raised in strict mode."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


ProgressCallback = Callable[[DedupProgress], None]


def dedup(
    inputs: Iterable[Path],
    *,
    field: str = "text",
    id_field: str = "id",
    threshold: float = 0.8,
    workers: int | None = None,
    output: TextIO | Path | None = None,
    strict: bool = False,
    progress: ProgressCallback | None = None,
    config: DedupConfig | None = None,
    tmp_dir: Path | None = None,
) -> DedupSummary:
    """Cluster near-duplicate records of JSONL / JSONL.gz / Parquet files.

    Writes one JSON line per input record to `output` (standard output if None):
    ``{"id", "cluster", "duplicate_of"}``. `workers` None means one per usable core; inputs
    under POOL_MIN_BYTES are signed in this process whatever `workers` says. Worker processes
    are spawned, so a script calling this must guard its entry point with
    ``if __name__ == "__main__":``. In strict mode the first problem raises `DedupError`;
    otherwise problems are collected in the summary.
    """
    started = time.perf_counter()
    config = config or DedupConfig()
    if threshold != config.threshold:
        config = config.with_threshold(threshold)
    paths = list(inputs)
    total = sum(p.stat().st_size for p in paths if str(p) != "-" and p.is_file())
    nworkers = _usable_cpus() if workers is None else max(1, workers)
    if total < POOL_MIN_BYTES and all(str(p) != "-" for p in paths):
        nworkers = 1  # starting processes would cost more than they save
    index = DedupIndex(config, tmp_dir)
    done = Position()

    def report(stage: str) -> None:
        if progress is not None:
            progress(DedupProgress(stage, len(index), done.consumed, total))

    def file_problem(problem: Problem) -> None:
        index.problems.append(problem)
        if strict:
            raise DedupError(problem)

    units = _units(paths, field, id_field, config.batch_size, done, file_problem)
    try:
        for signed in _sign(units, (field, id_field, config), nworkers, index.first_by_key):
            problems = index.add(signed)
            if strict and problems:
                raise DedupError(problems[0])
            report("read")
        report("cluster")
        clusters = index.finish()
    finally:
        index.close()
    report("write")
    keepers = clusters.keepers.tolist()
    labels = [index.label(k) for k in keepers]
    dups = [None if k == i else labels[i] for i, k in enumerate(keepers)]
    if isinstance(output, Path):
        with output.open("w", encoding="utf-8", newline="\n") as out:
            write_assignments(out, index.ids, labels, dups)
    else:
        write_assignments(output or sys.stdout, index.ids, labels, dups)
    return DedupSummary(
        records=len(index),
        clusters=len(set(keepers)),
        duplicates=sum(d is not None for d in dups),
        exact_duplicates=index.exact_duplicates,
        excluded=sum(p.kind in EXCLUDING for p in index.problems),
        candidate_pairs=clusters.candidate_pairs,
        checked_pairs=clusters.checked_pairs,
        similar_pairs=clusters.similar_pairs,
        input_bytes=done.consumed,
        seconds=time.perf_counter() - started,
        workers=nworkers,
        problems=tuple(index.problems),
    )


def _units(
    paths: list[Path],
    field: str,
    id_field: str,
    size: int,
    done: Position,
    on_problem: Callable[[Problem], None],
) -> Iterator[Unit]:
    """Units of all inputs, in order; problems of whole files go to `on_problem`."""
    for path in paths:
        pos = Position()
        before = done.consumed
        for unit in read_units(path, field, id_field, size, pos):
            done.consumed = before + pos.consumed
            if isinstance(unit, Problem):
                on_problem(unit)
            else:
                yield unit


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
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        pending: deque[Future[SignedUnit]] = deque()
        try:
            for unit in _chain(first, second, units):
                pending.append(pool.submit(sign_unit, unit, *args))
                if len(pending) > 2 * workers:  # enough queued to keep every worker busy
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:  # stopped early (strict mode, an error): drop the queued work
            for future in pending:
                future.cancel()


def _chain(first: Unit, second: Unit | None, rest: Iterator[Unit]) -> Iterator[Unit]:
    yield first
    if second is not None:
        yield second
        yield from rest
