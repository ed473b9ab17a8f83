"""`wirecopy dedup` as a library call: read, hand the units to an engine, write the clusters.

Input is read as a stream and cut into units; an engine (`wirecopy.engines`) signs them and
clusters. With the local engine only per-record bookkeeping, band keys and (on disk) shingle
hashes outlive a unit, so memory grows linearly with the number of records, not with the size
of their texts. The output needs every record's cluster, so it is written once all input is
read, in input order.

SIGTERM (with its default action in place, in the main thread) stops a run as Ctrl+C does:
it raises `DedupTerminated`, a KeyboardInterrupt, so worker processes are shut down and the
temporary files removed instead of being left behind by a process killed outright.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TextIO

import numpy as np

from wirecopy.dedup.config import DedupConfig
from wirecopy.dedup.index import DedupIndex
from wirecopy.dedup.io import Position, Unit, read_units, write_assignments
from wirecopy.dedup.memory import retain_freed_memory
from wirecopy.dedup.parse import EXCLUDING, LOSING, Problem
from wirecopy.engines import ENGINES
from wirecopy.engines.local import run_local


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
    problems: tuple[Problem, ...]  # the first few of each kind (`DedupIndex.shown_per_kind`)
    engine: str = "local"
    # Every problem, by kind.
    problem_counts: dict[str, int] = dataclasses.field(default_factory=dict)

    @property
    def near_duplicates(self) -> int:
        return self.duplicates - self.exact_duplicates

    @property
    def unshown_problems(self) -> dict[str, int]:
        """How many problems of each kind are counted but not in `problems`."""
        shown: dict[str, int] = {}
        for p in self.problems:
            shown[p.kind] = shown.get(p.kind, 0) + 1
        return {
            kind: count - shown.get(kind, 0)
            for kind, count in self.problem_counts.items()
            if count > shown.get(kind, 0)
        }

    @property
    def failed(self) -> bool:
        """Something was wrong and no record could be used: every one was kept out, or
        no record was read at all from inputs with problems."""
        return self.excluded == self.records and bool(self.problem_counts)

    @property
    def files_lost(self) -> int:
        """Inputs not read whole (a truncated or corrupt stream, a file that cannot be
        opened): the output lacks what they held past the damage."""
        return sum(self.problem_counts.get(kind, 0) for kind in LOSING)

    def to_dict(self) -> dict[str, object]:
        """Plain data for JSON: every count, and each problem with its file and line."""
        return {
            "records": self.records,
            "clusters": self.clusters,
            "duplicates": self.duplicates,
            "exact_duplicates": self.exact_duplicates,
            "near_duplicates": self.near_duplicates,
            "excluded": self.excluded,
            "candidate_pairs": self.candidate_pairs,
            "checked_pairs": self.checked_pairs,
            "similar_pairs": self.similar_pairs,
            "input_bytes": self.input_bytes,
            "seconds": round(self.seconds, 3),
            "engine": self.engine,
            "workers": self.workers,
            "failed": self.failed,
            "files_lost": self.files_lost,
            "problem_counts": dict(self.problem_counts),
            "problems": [
                {"source": p.source, "line": p.line, "kind": p.kind, "message": p.message}
                for p in self.problems
            ],
        }


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


class DedupUsageError(ValueError):
    """A run that cannot give anything useful, refused with a message for the user: the
    output file is one of the inputs, or no record has the text field."""


class DedupTerminated(KeyboardInterrupt):
    """SIGTERM arrived: the run stopped as on Ctrl+C (workers shut down, files removed)."""


@contextlib.contextmanager
def sigterm_stops() -> Iterator[None]:
    """Turn SIGTERM into `DedupTerminated` for the duration, if this process lets us: a
    `dedup` inside stops its workers as on Ctrl+C (else they outlive a terminated parent).

    For a program that owns its process (the CLI has a handler of its own, for every verb):
    `dedup` does not install it itself, so a program calling it keeps its own SIGTERM
    behaviour. Only in the main thread
    (Python runs handlers there alone) and only over the default action: a caller's own
    handler is the caller's choice. A second SIGTERM during the shutdown that the first one
    started kills the process as before.
    """
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    ):
        yield
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        raise DedupTerminated("terminated (SIGTERM)")

    signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _check_output(output: Path, inputs: list[Path]) -> None:
    """Refuse an output file that is one of the inputs: writing it would destroy the corpus."""
    if not output.parent.is_dir():
        # Say so before the work, not after it: the clusters are written last.
        raise FileNotFoundError(f"the folder of the output file does not exist: {output.parent}")
    for path in inputs:
        if str(path) == "-":
            continue
        same = output.resolve() == path.resolve()
        with contextlib.suppress(OSError):  # the output need not exist yet
            same = same or output.samefile(path)
        if same:
            raise DedupUsageError(
                f"the output file {output} is the input {path}: writing the clusters would "
                "overwrite it; choose another output file"
            )


def _missing_field(index: DedupIndex, field: str) -> str | None:
    """Why to refuse the run if no record read has the text field (a misspelt --field)."""
    counts = index.problem_counts
    objects = len(index) - counts["broken_json"] - counts["not_object"]
    if not objects or counts["no_text"] != objects:
        return None
    first = next(p for p in index.problems if p.kind == "no_text")
    some = "the record" if objects == 1 else f"any of the {objects:,} records"
    return f"no {field!r} field in {some} (is the field name right?); first: {first}"


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
    engine: str = "local",
) -> DedupSummary:
    """Cluster near-duplicate records of JSONL (plain, gzip, bzip2, xz, zstd) / Parquet files.

    Writes one JSON line per input record to `output` (standard output if None or the path
    ``-``): ``{"id", "cluster", "duplicate_of"}``. `DedupUsageError` if `output` is one of
    the inputs, or if no record has the field `field` (then nothing is written).

    `workers` None means one per usable core; inputs under POOL_MIN_BYTES are signed in this
    process whatever `workers` says (standard input is not measured: it gets `workers`).
    Worker processes are spawned, so a script calling this must guard its entry point with
    ``if __name__ == "__main__":``. In strict mode the first problem raises `DedupError`;
    otherwise problems are collected in the summary.

    `engine` "ray" runs the stages as Ray tasks (`wirecopy.engines.ray`), "ray-data" on Ray
    Data's Dataset API (`wirecopy.engines.ray_data`): on the Ray cluster this process is
    connected to or `RAY_ADDRESS` names, or else on a local one of `workers` CPUs started for
    the run. They give the same clusters; `EngineUnavailableError` if Ray is not installed.

    On Linux with glibc this process (and its workers) keep freed memory for reuse from then
    on (`wirecopy.dedup.memory`): a fifth less CPU, about a tenth more peak memory.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    paths = list(inputs)
    if isinstance(output, Path) and str(output) == "-":
        output = None
    if isinstance(output, Path):
        _check_output(output, paths)
    return _dedup(
        paths, field, id_field, threshold, workers, output, strict, progress, config,
        tmp_dir, engine,
    )  # fmt: skip


def _dedup(
    paths: list[Path],
    field: str,
    id_field: str,
    threshold: float,
    workers: int | None,
    output: TextIO | Path | None,
    strict: bool,
    progress: ProgressCallback | None,
    config: DedupConfig | None,
    tmp_dir: Path | None,
    engine: str,
) -> DedupSummary:
    started = time.perf_counter()
    config = config or DedupConfig()
    if threshold != config.threshold:
        config = config.with_threshold(threshold)
    total = sum(p.stat().st_size for p in paths if str(p) != "-" and p.is_file())
    requested = _usable_cpus() if workers is None else max(1, workers)
    nworkers = requested
    if total < POOL_MIN_BYTES and all(str(p) != "-" for p in paths):
        nworkers = 1  # starting processes would cost more than they save
    retain_freed_memory()  # every unit allocates and frees arrays of a few MB
    index = DedupIndex(config, tmp_dir)
    done = Position()

    def report(stage: str) -> None:
        if progress is not None:
            progress(DedupProgress(stage, len(index), done.consumed, total))

    def file_problem(problem: Problem) -> None:
        index.note(problem)
        if strict:
            raise DedupError(problem)

    def unit_problems(problems: list[Problem]) -> None:
        if strict and problems:
            raise DedupError(problems[0])

    units = _units(paths, field, id_field, config.batch_size, done, file_problem)
    try:
        run_engine = run_local
        if engine == "ray":
            from wirecopy.engines.ray import run_ray

            run_engine = run_ray
        elif engine == "ray-data":
            from wirecopy.engines.ray_data import run_ray_data

            run_engine = run_ray_data
        if engine != "local":
            nworkers = requested  # the small-input cut applies to local processes only
        clusters = run_engine(
            units,
            index,
            field=field,
            id_field=id_field,
            workers=nworkers,
            on_problems=unit_problems,
            on_unit=report,
        )
    finally:
        index.close()
    why = _missing_field(index, field)
    if why is not None:
        raise DedupUsageError(why)
    report("write")
    keepers = clusters.keepers.tolist()
    labels = [index.ids[k] for k in keepers]  # a cluster is named by its kept record's id
    dups = [None if k == i else labels[i] for i, k in enumerate(keepers)]
    duplicates = int(np.count_nonzero(clusters.keepers != np.arange(len(keepers))))
    if isinstance(output, Path):
        with output.open("w", encoding="utf-8", newline="\n") as out:
            write_assignments(out, index.ids, labels, dups)
    else:
        write_assignments(output or sys.stdout, index.ids, labels, dups)
    return DedupSummary(
        records=len(index),
        clusters=len(set(keepers)),
        duplicates=duplicates,
        exact_duplicates=index.exact_duplicates,
        excluded=sum(n for kind, n in index.problem_counts.items() if kind in EXCLUDING),
        candidate_pairs=clusters.candidate_pairs,
        checked_pairs=clusters.checked_pairs,
        similar_pairs=clusters.similar_pairs,
        input_bytes=done.consumed,
        seconds=time.perf_counter() - started,
        workers=nworkers,
        problems=tuple(index.problems),
        engine=engine,
        problem_counts=dict(index.problem_counts),
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
