"""The main-process state of a local run: built batch by batch, turned into clusters at the end.

Per record it keeps what the output needs (id, file, line, text length, exact-copy link); per
text kept for LSH, its band keys (in RAM) and its shingles (in a `ShingleStore` on disk). The
texts themselves are dropped as soon as they are signed.

Names: every record's output id is unique within a run, so that a cluster, named by its kept
record's id, names one record. A record whose id repeats an earlier record's (in any input
file) is named ``<file>#<line>`` instead, with a ``duplicate_id`` problem; should that label
be taken too (two inputs of one name, or an id that looks like a label), ``~2``, ``~3`` ...
is added to it.

Problems: all are counted by kind; only the first `shown_per_kind` of each kind are kept, so a
misspelt field on a corpus of millions makes ten messages, not millions.
"""

from __future__ import annotations

from array import array
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from wirecopy.dedup.cluster import choose_keepers
from wirecopy.dedup.config import DedupConfig
from wirecopy.dedup.lsh import candidate_pairs_counted
from wirecopy.dedup.parse import Problem, label
from wirecopy.dedup.stages import SignedUnit, select
from wirecopy.dedup.verify import ShingleStore, verified_components

U64 = NDArray[np.uint64]
I64 = NDArray[np.int64]

SHOWN_PER_KIND = 10  # problems of one kind kept (and so named on the terminal)


@dataclass(frozen=True, slots=True)
class Clusters:
    """Outcome of a run: per record, its cluster's kept record; plus counts."""

    keepers: I64
    candidate_pairs: int
    checked_pairs: int
    similar_pairs: int


class DedupIndex:
    """Bookkeeping of a run; `add` each signed unit in input order, then `finish` once."""

    def __init__(
        self,
        config: DedupConfig,
        tmp_dir: Path | None = None,
        shown_per_kind: int | None = SHOWN_PER_KIND,
    ) -> None:
        self.config = config
        self.ids: list[str] = []  # output ids (JSON text), unique
        self.sources: list[str] = []
        self.problems: list[Problem] = []  # the first `shown_per_kind` of each kind
        self.problem_counts: Counter[str] = Counter()  # every problem, by kind
        self.shown_per_kind = shown_per_kind
        self.exact_duplicates = 0
        self.first_by_key: dict[int, int] = {}  # exact key -> first record with it
        self._source_no: dict[str, int] = {}
        self._source = array("i")
        self._line = array("q")
        self._length = array("q")
        self._exact_of = array("q")  # first record with the same word sequence, or itself
        self._first_by_id: dict[str, int] = {}  # output id -> its record
        self._keys: list[U64] = []
        self._docs: list[I64] = []
        self._order: list[U64] = []
        self.store = ShingleStore(tmp_dir)

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, unit: SignedUnit) -> list[Problem]:
        """Take in a signed unit; return the problems its records had."""
        signed = unit.batch
        problems, rep_rows, rep_docs = self.account(unit)
        if rep_rows:
            r = np.array(rep_rows, dtype=np.int64)
            docs = np.array(rep_docs, dtype=np.int64)
            self._keys.append(signed.keys[r])
            self._docs.append(docs)
            self._order.append(signed.exact[signed.signed[r]])
            self.store.add(docs, select(signed.shingles, r))
        return problems

    def account(self, unit: SignedUnit) -> tuple[list[Problem], list[int], list[int]]:
        """The bookkeeping of `add`, without keeping band keys or shingles.

        Numbers the unit's records after those taken in before, links exact copies to the
        first record of their words, notes repeated ids and texts too short for a shingle.
        Returns the problems of the unit's records, and for each text that LSH must see (the
        first of its words) its row in `unit.batch.signed` and its record number. An engine
        that keeps band keys and shingles elsewhere (Ray) calls this alone.
        """
        problems: list[Problem] = []
        signed = unit.batch
        row_of = np.full(len(signed.words), -1, dtype=np.int64)
        row_of[signed.signed] = np.arange(len(signed.signed))
        rep_rows: list[int] = []
        rep_docs: list[int] = []
        first_by_id, first_by_key = self._first_by_id, self.first_by_key
        start = len(self.ids)
        source_no = self._source_no.setdefault(unit.source, len(self.sources))
        if source_no == len(self.sources):
            self.sources.append(unit.source)
        self.ids.extend(unit.ids)
        self._line.extend(unit.lines)
        self._length.extend(unit.lengths)
        self._source.extend([source_no] * len(unit.ids))
        if self._plain(unit, start, row_of, rep_rows, rep_docs):
            return problems, rep_rows, rep_docs
        words, exact = signed.words.tolist(), signed.exact.tolist()
        rows, n = row_of.tolist(), self.config.ngram
        j = 0
        notes = unit.notes or [None] * len(unit.ids)
        records = zip(unit.ids, unit.problems, notes, strict=True)
        for i, (rid, problem, note) in enumerate(records, start):
            if note is not None:
                problems.append(note)
            if first_by_id.setdefault(rid, i) != i:
                problems.append(self._repeated(unit.source, i, rid))
            if problem is not None:
                problems.append(problem)
                self._exact_of.append(i)
                continue
            w, row = words[j], rows[j]
            first = first_by_key.setdefault(exact[j], i) if w else i
            j += 1
            self._exact_of.append(first)
            if w < n:
                problems.append(_few_words(unit.source, self._line[i], w, n))
                if not w:
                    continue
            if first != i:
                self.exact_duplicates += 1
                continue
            assert row >= 0, "a text seen for the first time must have been signed"
            rep_rows.append(row)
            rep_docs.append(i)
        for problem in problems:
            self.note(problem)
        return problems, rep_rows, rep_docs

    def note(self, problem: Problem) -> None:
        """Count a problem, and keep it if it is among the first of its kind."""
        self.problem_counts[problem.kind] += 1
        limit = self.shown_per_kind
        if limit is None or self.problem_counts[problem.kind] <= limit:
            self.problems.append(problem)

    def _plain(
        self, unit: SignedUnit, start: int, row_of: I64, rep_rows: list[int], rep_docs: list[int]
    ) -> bool:
        """`account`'s loop for the common unit, in bulk: False (nothing done) unless every
        record has a new id, no problem and at least a shingle's worth of words."""
        m = len(unit.ids)
        words = unit.batch.words
        if len(words) != m or (m and int(words.min()) < self.config.ngram):
            return False
        if any(p is not None for p in unit.problems) or any(unit.notes):
            return False
        fresh = dict(zip(unit.ids, range(start, start + m), strict=True))
        if len(fresh) != m or not self._first_by_id.keys().isdisjoint(fresh):
            return False
        self._first_by_id.update(fresh)
        numbers = range(start, start + m)
        firsts = list(map(self.first_by_key.setdefault, unit.batch.exact.tolist(), numbers))
        self._exact_of.extend(firsts)
        rep = np.flatnonzero(np.array(firsts, dtype=np.int64) == np.arange(start, start + m))
        self.exact_duplicates += m - len(rep)
        row = row_of[rep]
        assert (row >= 0).all(), "a text seen for the first time must have been signed"
        rep_rows += row.tolist()
        rep_docs += (rep + start).tolist()
        return True

    def _repeated(self, source: str, i: int, rid: str) -> Problem:
        """Rename record `i`, whose id `rid` an earlier record has, by its file and line."""
        first = self._first_by_id[rid]
        line = self._line[i]
        name, k = label(source, line), 1
        while self._first_by_id.setdefault(name, i) != i:  # the label is taken as well
            k += 1
            name = label(source, f"{line}~{k}")
        self.ids[i] = name
        where = f"line {self._line[first]} of {self.sources[self._source[first]]}"
        msg = f"id {rid} was already used on {where}; this record is named {name}"
        return Problem(source, line, "duplicate_id", msg)

    def finish(self) -> Clusters:
        """Find candidate pairs, verify them, and choose each cluster's kept record."""
        n = len(self.ids)
        pairs = np.zeros((0, 2), dtype=np.int64)
        if self._keys:
            docs, order = np.concatenate(self._docs), np.concatenate(self._order)
            pairs, shared = candidate_pairs_counted(np.concatenate(self._keys), docs, order)
            self._keys.clear()
            # Check first the pairs sharing most bands, likeliest to be similar: a check that
            # fails joins nothing, so it leaves more to check.
            pairs = pairs[np.argsort(-shared, kind="stable")]
        self.store.freeze()
        roots, checked, similar = verified_components(n, pairs, self.store, self.config.threshold)
        self.store.close()
        return self.settle(roots, len(pairs), checked, similar)

    def settle(self, roots: I64, candidates: int, checked: int, similar: int) -> Clusters:
        """Clusters from the component label (`roots`) of each text LSH saw, by record number.

        Exact copies take the label of the first record of their words; each cluster keeps
        one record by `choose_keepers`. Both engines end here, so their rules cannot drift.
        """
        n = len(self.ids)
        exact_of = np.frombuffer(self._exact_of, dtype=np.int64) if n else np.zeros(0, np.int64)
        labels = roots[exact_of]
        length = np.frombuffer(self._length, dtype=np.int64) if n else np.zeros(0, np.int64)
        keepers = choose_keepers(labels, length)
        return Clusters(keepers, candidates, checked, similar)

    def close(self) -> None:
        """Let go of the shingle store (its temporary file); done by `finish` too."""
        self.store.close()


def _few_words(source: str, line: int, words: int, n: int) -> Problem:
    if not words:
        msg = "the text has no words (only punctuation, symbols or controls)"
        return Problem(source, line, "no_words", msg)
    msg = (
        f"the text has {words} word{'s' if words > 1 else ''}, fewer than one {n}-word "
        "shingle: it can match only texts of the same words"
    )
    return Problem(source, line, "short_text", msg)
