"""Generate a syndication corpus of any size from the real Reuters stories, with its truth.

Outlets republish wire stories with small edits; this script makes a corpus of such pages
with the answer key, for measuring near-duplicate detection (``wirecopy dedup``) and
article grouping (``wirecopy build``).

How the corpus is made:

- Originals are real stories. Every Reuters story with a body is a candidate; exact and near
  duplicates *inside* Reuters (reissues, corrections: Jaccard >= ``--source-max-jaccard`` to
  an earlier story) are left out, so two clusters never share an original text.
- There are only as many originals as the pool holds, never invented ones: a corpus of N
  documents has C = min(pool, N / (1 + variants-mean)) clusters, and the other N - C
  documents are variants. Cluster sizes follow a log-normal spread (``--variants-sigma``),
  and a share of originals stay unique (``--singleton-share``). For N beyond
  pool x (1 + mean), the mean number of variants per original grows (1M documents from
  ~18k originals: ~54 each, which is how widely wire copy travels).
- Each variant is printed by one of ``--outlets`` invented outlets, each with a house style
  (quotes, datelines, bylines, boilerplate, flattened paragraphs) and made by the edits of
  `benchmarks.syndication_edits`, aimed at a word 5-gram Jaccard of 0.8-0.98 to its original
  (light) or, for ``--heavy-share`` of them, 0.5-0.8 (heavy). The true Jaccard of the final
  texts (`benchmarks.syndication.shingles`, computed on hashed shingles) is in the truth.
- Document order is a seeded pseudo-random permutation (a Feistel network), computed per
  position, so copies of one story are scattered through the corpus, each document depends
  only on (seed, cluster, variant), and memory stays constant however large N is.

Outputs: ``--out`` (JSONL, gzip when the name ends in ``.gz``) with
``{"id", "text", "source", "published", "url"}``, and ``--truth`` with
``{"id", "cluster", "edit_ops", "jaccard_to_original", "heavy", "newid"}``; ``cluster`` is
the id of the original (an original is its own cluster, with no edits and Jaccard 1.0);
``newid`` is the Reuters story behind it.

Run from the repository root:

    python -m benchmarks.generate_syndication --docs 100000 --out benchmarks/data/synd.jsonl.gz
"""

from __future__ import annotations

import argparse
import bisect
import gzip
import json
import math
import multiprocessing
import os
import re
import sys
import time
from collections import Counter, deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.pool import AsyncResult
from pathlib import Path
from random import Random

from benchmarks.reuters import iter_stories
from benchmarks.reuters_to_jsonl import shared_corpus, story_url
from benchmarks.syndication import (
    Outlet,
    PoolStats,
    Source,
    Words,
    build_pool,
    hashed_jaccard,
    make_outlets,
    mix64,
    shingle_hashes,
)
from benchmarks.syndication_edits import make_variant

Record = dict[str, object]


@dataclass(frozen=True, slots=True)
class GeneratorConfig:
    docs: int
    seed: int = 0
    variants_mean: float = 3.0  # variants per original, while the pool has enough originals
    variants_sigma: float = 1.0  # log-normal spread of cluster sizes
    singleton_share: float = 0.3  # originals printed once, with no variant
    heavy_share: float = 0.2  # variants aimed at a Jaccard of 0.5-0.8 rather than 0.8-0.98
    outlets: int = 300


_DEFAULTS = GeneratorConfig(docs=1)
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


class Shuffle:
    """A seeded bijection of ``range(n)``, evaluated one index at a time.

    A 4-round unbalanced Feistel network on the smallest number of bits that covers n (the
    two halves differ by one bit when that number is odd and swap widths every round), with
    cycle walking to stay below n: under 2 steps on average. Constant memory for any n.
    """

    def __init__(self, n: int, seed: int) -> None:
        bits = max(2, (n - 1).bit_length())
        self.n = n
        self.widths = (bits // 2, bits - bits // 2)  # of the high and the low part
        self.keys = [mix64(mix64(seed) ^ (r + 1)) for r in range(4)]

    def _encrypt(self, x: int) -> int:
        high, low = self.widths
        for key in self.keys:
            h, lo = x >> low, x & ((1 << low) - 1)
            x = (lo << high) | (h ^ (mix64(lo ^ key) & ((1 << high) - 1)))
            high, low = low, high
        return x

    def _decrypt(self, x: int) -> int:
        high, low = self.widths  # an even number of rounds restores the widths
        for key in reversed(self.keys):
            h, lo = x >> low, x & ((1 << low) - 1)
            x = ((lo ^ (mix64(h ^ key) & ((1 << low) - 1))) << high) | h
            high, low = low, high
        return x

    def __call__(self, i: int) -> int:
        x = self._encrypt(i)
        while x >= self.n:
            x = self._encrypt(x)
        return x

    def inverse(self, j: int) -> int:
        x = self._decrypt(j)
        while x >= self.n:
            x = self._decrypt(x)
        return x


@dataclass(frozen=True, slots=True)
class Plan:
    """Which source each cluster uses and where its documents start (original first)."""

    sources: list[int]  # pool index of each cluster's original
    starts: list[int]  # cumulative: cluster c owns documents starts[c] .. starts[c + 1] - 1

    def locate(self, j: int) -> tuple[int, int]:
        """Cluster and variant number (0 = the original) of document number j."""
        c = bisect.bisect_right(self.starts, j) - 1
        return c, j - self.starts[c]


def plan_clusters(pool_size: int, config: GeneratorConfig) -> Plan:
    """Choose originals and cluster sizes summing to ``config.docs``."""
    if pool_size < 1 or config.docs < 1:
        raise ValueError("need at least one source and one document")
    rng = Random(mix64(config.seed ^ 0x91A7))
    clusters = min(pool_size, config.docs, max(1, round(config.docs / (1 + config.variants_mean))))
    weights = [
        0.0
        if rng.random() < config.singleton_share
        else rng.lognormvariate(0, config.variants_sigma)
        for _ in range(clusters)
    ]
    if not any(weights):
        weights[0] = 1.0
    variants = config.docs - clusters
    total = sum(weights)
    shares = [variants * w / total for w in weights]
    sizes = [math.floor(s) for s in shares]
    by_remainder = sorted(range(clusters), key=lambda c: (sizes[c] - shares[c], c))
    for c in by_remainder[: variants - sum(sizes)]:
        sizes[c] += 1
    starts = [0]
    for size in sizes:
        starts.append(starts[-1] + 1 + size)
    return Plan(rng.sample(range(pool_size), clusters), starts)


class Generator:
    """Makes document ``position`` of the corpus, for any position, in any order."""

    def __init__(self, pool: Sequence[Source], config: GeneratorConfig, words: Words) -> None:
        self.pool = pool
        self.config = config
        self.words = words
        self.plan = plan_clusters(len(pool), config)
        self.shuffle = Shuffle(config.docs, config.seed)
        self.outlets = make_outlets(words, config.outlets, config.seed)
        self.width = max(7, len(str(config.docs - 1)))
        starts = self.plan.starts
        self.originals = [self.doc_id(self.shuffle.inverse(j)) for j in starts[:-1]]

    def doc_id(self, position: int) -> str:
        return f"doc{position:0{self.width}d}"

    def document(self, position: int) -> tuple[Record, Record]:
        """The corpus record and the truth record of the document at `position`."""
        c, v = self.plan.locate(self.shuffle(position))
        src = self.pool[self.plan.sources[c]]
        doc_id = self.doc_id(position)
        cluster = self.originals[c]
        if v == 0:
            record: Record = {
                "id": doc_id,
                "text": src.text,
                "source": "Reuters",
                "published": src.date.isoformat(timespec="seconds"),
                "url": story_url(src.newid),
            }
            truth: Record = {"id": doc_id, "cluster": cluster, "edit_ops": []}
            truth |= {"jaccard_to_original": 1.0, "heavy": False, "newid": src.newid}
            return record, truth
        rng = Random(mix64(mix64(mix64(self.config.seed) ^ c) ^ v))
        outlet = self.outlets[int(len(self.outlets) * rng.random() ** 2)]  # a few print a lot
        other = self.pool[rng.randrange(len(self.pool))].title
        heavy = rng.random() < self.config.heavy_share
        variant = make_variant(src, outlet, rng, self.words, other, heavy)
        published = variant.published
        record = {
            "id": doc_id,
            "text": variant.text,
            "source": outlet.name,
            "published": (
                published.date().isoformat()
                if outlet.date_only
                else published.isoformat(timespec="seconds")
            ),
            "url": _url(outlet, variant.title, published, rng),
        }
        score = hashed_jaccard(shingle_hashes(variant.words), src.hashes)
        truth = {"id": doc_id, "cluster": cluster, "edit_ops": variant.ops}
        truth |= {"jaccard_to_original": round(score, 6), "heavy": heavy, "newid": src.newid}
        return record, truth

    def __iter__(self) -> Iterator[tuple[Record, Record]]:
        for position in range(self.config.docs):
            yield self.document(position)


def _url(outlet: Outlet, title: str, published: datetime, rng: Random) -> str:
    slug = "-".join(_NOT_SLUG.sub(" ", title.lower()).split()[:8]) or "story"
    number = rng.randrange(10**5, 10**7)
    section = rng.choice(outlet.sections)
    if outlet.url_style == 0:
        day = f"{published.year}/{published.month:02d}/{published.day:02d}"
        return f"https://{outlet.domain}/{section}/{day}/{slug}-{number:x}"
    if outlet.url_style == 1:
        return f"https://{outlet.domain}/news/{number}"
    return f"https://{outlet.domain}/{section}/{slug}-{number}"


# ---- writing -------------------------------------------------------------------------------


class _Output:
    """A file to write, gzipped when its name ends in ``.gz`` (with no timestamp inside, so
    the same seed gives the same bytes)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.raw = path.open("wb")
        self.gz = None
        if path.name.endswith(".gz"):
            self.gz = gzip.GzipFile(fileobj=self.raw, mode="wb", compresslevel=5, mtime=0)

    def write(self, data: bytes) -> None:
        (self.gz or self.raw).write(data)

    def __enter__(self) -> _Output:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.gz is not None:
            self.gz.close()
        self.raw.close()


@dataclass(frozen=True, slots=True)
class RunStats:
    docs: int
    clusters: int
    originals_with_variants: int
    seconds: float
    corpus_bytes: int  # uncompressed
    jaccard_buckets: dict[str, int]  # of variants

    @property
    def docs_per_second(self) -> float:
        return self.docs / self.seconds if self.seconds else 0.0


@dataclass(slots=True)
class Chunk:
    """Documents ``start .. stop - 1`` as JSONL bytes, with their counts."""

    corpus: bytes
    truth: bytes
    text_bytes: int
    buckets: Counter[str]


def make_chunk(generator: Generator, start: int, stop: int) -> Chunk:
    docs: list[str] = []
    truths: list[str] = []
    buckets: Counter[str] = Counter()
    for position in range(start, stop):
        record, answer = generator.document(position)
        docs.append(json.dumps(record, ensure_ascii=False))
        truths.append(json.dumps(answer, ensure_ascii=False))
        score = answer["jaccard_to_original"]
        if answer["id"] != answer["cluster"] and isinstance(score, float):
            buckets[_bucket(score)] += 1
    corpus = "".join(f"{line}\n" for line in docs).encode("utf-8")
    truth = "".join(f"{line}\n" for line in truths).encode("utf-8")
    return Chunk(corpus, truth, len(corpus), buckets)


_FORKED: Generator | None = None  # the generator, as worker processes inherit it


def _forked_chunk(bounds: tuple[int, int]) -> Chunk:
    assert _FORKED is not None
    return make_chunk(_FORKED, *bounds)


def chunks(generator: Generator, workers: int = 1, size: int = 1000) -> Iterator[Chunk]:
    """The corpus in order, chunk by chunk, made by `workers` forked processes.

    At most two chunks per worker are in flight, so memory stays bounded. Every document
    depends only on its position, so the output is the same for any number of workers.
    Workers are forked (they share the pool, and its string hashes, with this process);
    where fork is unavailable, chunks are made here.
    """
    n = generator.config.docs
    bounds = ((a, min(a + size, n)) for a in range(0, n, size))
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for start, stop in bounds:
            yield make_chunk(generator, start, stop)
        return
    global _FORKED
    _FORKED = generator
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            pending: deque[AsyncResult[Chunk]] = deque()
            for bound in bounds:
                pending.append(pool.apply_async(_forked_chunk, (bound,)))
                if len(pending) >= 2 * workers:
                    yield pending.popleft().get()
            while pending:
                yield pending.popleft().get()
    finally:
        _FORKED = None


def write_corpus(generator: Generator, out: Path, truth: Path, workers: int = 1) -> RunStats:
    """Stream the corpus and its truth to disk; memory does not grow with the corpus."""
    started = time.perf_counter()
    buckets: Counter[str] = Counter()
    size = 0
    with _Output(out) as corpus_file, _Output(truth) as truth_file:
        for chunk in chunks(generator, workers):
            corpus_file.write(chunk.corpus)
            truth_file.write(chunk.truth)
            size += chunk.text_bytes
            buckets.update(chunk.buckets)
    plan = generator.plan
    sizes = [b - a for a, b in zip(plan.starts, plan.starts[1:], strict=False)]
    return RunStats(
        docs=generator.config.docs,
        clusters=len(plan.sources),
        originals_with_variants=sum(1 for s in sizes if s > 1),
        seconds=time.perf_counter() - started,
        corpus_bytes=size,
        jaccard_buckets=dict(sorted(buckets.items())),
    )


def _bucket(score: float) -> str:
    if score >= 0.8:
        return "0.8-1.0"
    if score >= 0.5:
        return "0.5-0.8"
    return "0.0-0.5"


def default_truth(out: Path) -> Path:
    """``corpus.jsonl.gz`` -> ``corpus.truth.jsonl`` beside it."""
    name = out.name.removesuffix(".gz").removesuffix(".jsonl")
    return out.with_name(f"{name}.truth.jsonl")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Generate a syndication corpus (wire stories republished by outlets).",
        epilog="Example: python -m benchmarks.generate_syndication --docs 100000 "
        "--out benchmarks/data/synd.jsonl.gz",
    )
    parser.add_argument("--docs", type=int, required=True, help="number of documents")
    parser.add_argument("--out", type=Path, required=True, help="corpus JSONL (.gz to gzip)")
    parser.add_argument("--truth", type=Path, help="truth JSONL (default: beside --out)")
    parser.add_argument("--seed", type=int, default=0)
    sizes = parser.add_argument_group("variants per story")
    sizes.add_argument(
        "--variants-mean",
        "--variants-per-story",
        type=float,
        default=_DEFAULTS.variants_mean,
        help="mean variants per original while there are originals enough (default: %(default)s)",
    )
    sizes.add_argument(
        "--variants-sigma",
        type=float,
        default=_DEFAULTS.variants_sigma,
        help="log-normal spread of cluster sizes (default: %(default)s)",
    )
    sizes.add_argument(
        "--singleton-share",
        type=float,
        default=_DEFAULTS.singleton_share,
        help="share of originals printed once, with no variant (default: %(default)s)",
    )
    sizes.add_argument(
        "--heavy-share",
        type=float,
        default=_DEFAULTS.heavy_share,
        help="share of variants aimed at Jaccard 0.5-0.8, not 0.8-0.98 (default: %(default)s)",
    )
    parser.add_argument(
        "--outlets", type=int, default=_DEFAULTS.outlets, help="invented outlets (default: 300)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=min(8, os.cpu_count() or 1),
        help="processes making documents (default: %(default)s); the output is the same",
    )
    parser.add_argument(
        "--source-max-jaccard",
        type=float,
        default=0.3,
        help="leave out Reuters stories this similar to an earlier one (default: %(default)s)",
    )
    parser.add_argument("--corpus", type=Path, default=shared_corpus(), help="reut2-*.sgm folder")
    args = parser.parse_args(argv)
    if args.docs < 1:
        parser.error("--docs must be at least 1")
    started = time.perf_counter()
    pool, pool_stats = build_pool(iter_stories(args.corpus), args.source_max_jaccard)
    pool_seconds = time.perf_counter() - started
    config = GeneratorConfig(
        docs=args.docs,
        seed=args.seed,
        variants_mean=args.variants_mean,
        variants_sigma=args.variants_sigma,
        singleton_share=args.singleton_share,
        heavy_share=args.heavy_share,
        outlets=args.outlets,
    )
    generator = Generator(pool, config, Words.load())
    truth = args.truth or default_truth(args.out)
    stats = write_corpus(generator, args.out, truth, args.workers)
    _report(pool_stats, pool_seconds, stats, args.out, truth)
    return 0


def _report(pool: PoolStats, pool_seconds: float, stats: RunStats, out: Path, truth: Path) -> None:
    err = sys.stderr
    print(
        f"source pool: {pool.kept:,} originals from {pool.with_body:,} stories with a body "
        f"({pool.exact_duplicates:,} exact and {pool.near_duplicates:,} near duplicates left "
        f"out) in {pool_seconds:.1f} s",
        file=err,
    )
    print(
        f"wrote {stats.docs:,} documents in {stats.clusters:,} clusters "
        f"({stats.originals_with_variants:,} with variants) in {stats.seconds:.1f} s: "
        f"{stats.docs_per_second:,.0f} docs/s, {stats.corpus_bytes / 1e6:,.1f} MB of text "
        f"({out.stat().st_size / 1e6:,.1f} MB on disk)",
        file=err,
    )
    print(f"variants by Jaccard to their original: {stats.jaccard_buckets}", file=err)
    print(f"corpus: {out}\ntruth:  {truth}", file=err)


if __name__ == "__main__":
    sys.exit(main())
