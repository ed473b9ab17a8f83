"""The stages of near-duplicate detection, as plain functions over batches.

Each takes and returns plain data (lists, NumPy arrays, small dataclasses) and imports no
engine, so the local engine (`wirecopy.dedup.run`) and a distributed one can run them alike:

1. cut the input into units (`wirecopy.dedup.io.read_units`);
2. `sign_unit`: parse a unit's records, then `sign_batch` their texts: normalise and hash the
   words of each text, key each text by its word sequence (exact copies share a key), and for
   texts not seen before, shingle, sketch and band;
3. group by exact key (keep the first of each key), then `lsh.candidate_pairs` (or
   `lsh.candidate_pairs_counted`, which also counts the bands a pair shares) over the band
   keys of the kept texts;
4. `verify.checked_jaccard`: exact Jaccard similarity of a candidate pair
   (`verify.verified_components` checks them a forest at a time, for all at once);
5. `cluster.components` / `cluster.choose_keepers`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import threading
import time
from collections.abc import Container, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from wirecopy.dedup.config import DedupConfig
from wirecopy.dedup.io import Unit, unit_records
from wirecopy.dedup.lsh import band_keys
from wirecopy.dedup.memory import retain_freed_memory
from wirecopy.dedup.minhash import seed_stream, sketch
from wirecopy.dedup.parse import Problem
from wirecopy.dedup.verify import sorted_unique_runs
from wirecopy.textnorm import DocHashes, hash_tokens, mix64, shingle

U64 = NDArray[np.uint64]
I64 = NDArray[np.int64]

_POWERS: dict[str, U64] = {}


@dataclass(frozen=True, slots=True)
class SignedBatch:
    """What signing a batch of texts gives; the texts themselves are not kept.

    words, exact: per text, its number of words and its exact key (hash of its word sequence).
    signed: positions (in the batch) of the texts sketched, ascending; keys: their band keys,
    shape (len(signed), bands); shingles: their shingle hashes, one run per signed text,
    sorted and without repeats.
    """

    words: I64
    exact: U64
    signed: I64
    keys: U64
    shingles: DocHashes


def _powers(count: int) -> tuple[U64, U64]:
    """q**i and q**-i mod 2**64 for i < count (cached, grown on demand)."""
    if len(_POWERS.get("fwd", ())) < count:
        q = int(seed_stream(7, 0xE8AC7, 1)[0]) | 1
        size = max(count, 1 << 16)
        for name, base in (("fwd", q), ("inv", pow(q, -1, 1 << 64))):
            steps = np.full(size, base, dtype=np.uint64)
            steps[0] = 1
            _POWERS[name] = np.cumprod(steps)  # wraps modulo 2**64, as intended
    return _POWERS["fwd"][:count], _POWERS["inv"][:count]


def sequence_keys(tokens: DocHashes) -> U64:
    """A 64-bit key per document that depends on its whole token sequence, in order.

    Two texts with the same key have the same shingle set (Jaccard similarity 1), so grouping
    them before any sketching changes no result; texts that differ only in white space,
    punctuation or case share a key.
    """
    t, off = tokens.values, tokens.offsets
    fwd, inv = _powers(len(t) + 1)
    prefix = np.zeros(len(t) + 1, dtype=np.uint64)
    np.cumsum(t * fwd[: len(t)], out=prefix[1:])
    start = off[:-1]
    poly = (prefix[off[1:]] - prefix[start]) * inv[start]
    return mix64(poly + np.diff(off).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15))


def select(runs: DocHashes, docs: I64) -> DocHashes:
    """The runs of `docs` (ascending positions), as a new DocHashes."""
    if len(docs) == len(runs):
        return runs
    counts = np.diff(runs.offsets)[docs]
    offsets = np.zeros(len(docs) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    idx = np.arange(int(offsets[-1]), dtype=np.int64) + np.repeat(
        runs.offsets[docs] - offsets[:-1], counts
    )
    return DocHashes(runs.values[idx], offsets)


def sign_batch(texts: Sequence[str], config: DedupConfig, seen: Container[int] = ()) -> SignedBatch:
    """Hash, key and (for new texts) sketch a batch; `seen` holds exact keys to skip."""
    # Scripts written without spaces are cut into characters: shingles are character n-grams;
    # zero-width characters inside words are ignored.
    tokens = hash_tokens(texts, split_scripts=True, drop_invisible=True)
    words = np.diff(tokens.offsets)
    exact = sequence_keys(tokens)
    _, first = np.unique(exact, return_index=True)
    new = np.zeros(len(texts), dtype=bool)
    new[first] = True
    new &= words > 0
    if seen:
        new &= np.fromiter((k not in seen for k in exact.tolist()), dtype=bool, count=len(texts))
    signed = np.flatnonzero(new)
    # Sorted and unique, as verification needs them: done here, where workers share it.
    shingles = sorted_unique_runs(shingle(select(tokens, signed), config.ngram))
    sketches = sketch(shingles, config.permutations, config.seed)
    keys = band_keys(sketches, config.bands, config.rows, config.seed)
    return SignedBatch(words, exact, signed, keys, shingles)


@dataclass(frozen=True, slots=True)
class SignedUnit:
    """A signed unit of input: per record what the output needs, and the batch of its texts.

    Records are those of one file, in order; `batch` signs the texts of the records without a
    problem, in the same order. The texts themselves are not kept.
    """

    source: str
    lines: list[int]
    ids: list[str]  # JSON text
    lengths: list[int]  # characters of text (0 for a record with a problem)
    problems: list[Problem | None]
    batch: SignedBatch
    # Warnings that leave the record in (an unusable id, a line not valid UTF-8), per record;
    # empty if there are none.
    notes: list[Problem | None] = dataclasses.field(default_factory=list)


def sign_unit(
    unit: Unit, field: str, id_field: str, config: DedupConfig, seen: Container[int] = ()
) -> SignedUnit:
    """Parse a unit's records and sign their texts (the work of one worker task)."""
    records = unit_records(unit, field, id_field)
    _, lines, ids, all_texts, problems, notes = zip(*records, strict=True) if records else ((),) * 6
    texts = [t for t in all_texts if t is not None]
    return SignedUnit(
        source=records[0].source if records else "",
        lines=list(lines),
        ids=list(ids),
        lengths=[0 if t is None else len(t) for t in all_texts],
        problems=list(problems),
        batch=sign_batch(texts, config, seen),
        notes=list(notes) if any(notes) else [],
    )


_STOPS = {signal.SIGINT, signal.SIGTERM}


@contextlib.contextmanager
def held_signals() -> Iterator[None]:
    """Hold Ctrl+C and SIGTERM in this thread meanwhile: a worker process started meanwhile
    is born holding them (a new process keeps its parent's signal mask), so one arriving
    while it starts up, before `setup_worker` ignores them, cannot stop it half way (a
    traceback of its imports, and a pool left broken). Held, not ignored: this process
    takes them when the block ends."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows: no signal masks
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def setup_worker() -> None:
    """A worker process's start (an engine's pool runs it): it keeps freed memory as the
    main process does, and leaves Ctrl+C and SIGTERM to the main process.

    Ctrl+C signals the whole process group, and so does a shell or a job scheduler stopping
    a job with SIGTERM: a worker stopped half way through sending its result leaves the
    pool waiting for the rest of it for ever. Ignoring both, workers finish the unit at hand
    (seconds at most) while the main process cancels the rest and shuts the pool down. A
    worker whose main process is gone (killed outright) ends by itself: it would wait for
    work for ever, and it no longer ends on SIGTERM.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):  # held since it started (`held_signals`)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPS)
    retain_freed_memory()
    parent = os.getppid()
    threading.Thread(target=_end_with, args=(parent,), daemon=True).start()


def _end_with(parent: int) -> None:
    # A process whose parent died is re-parented (to init or a subreaper). Checked once a
    # second: only how soon an orphan goes depends on it.
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)
