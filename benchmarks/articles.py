"""Article grouping on generated syndication corpora, built as pages with `wirecopy build`.

For each corpus size: generate the corpus and its truth (`benchmarks.generate_syndication`),
build it into a fresh archive at once, then again in ten parts (ten JSONL files built one after
another into one archive), and report

- pairwise precision and recall of the article grouping against the generator's truth (two
  records are a pair when they print the same original): a page's article is the article of
  its largest copy. `all pages` counts a page segmentation found no copy on as an article of
  its own; `pages with a copy` leaves those pages out, which measures the grouping alone;
- pages per second of the whole build (wall clock, and per CPU second of the process), and
  the CPU seconds spent grouping copies into articles (`group_articles`, timed by wrapping
  it);
- the ten-part build's time over the one build's, and whether both archives group the
  records alike. A build segments an earlier page again when new pages of its site change
  an answer its segmentation asked of the counts (`wirecopy.archive.evidence.apply`), so
  the ten-part build segments some pages twice and regroups their copies when they change;
- the grouping stage alone, incremental: the pages segmented once, their copies written into
  a fresh archive in one go and then in ten parts (no page segmented twice), batch by batch
  as a build writes them; the CPU seconds `group_articles` takes in each case.

Entities are switched off (`BuildConfig(entities=False)`): they have their own benchmark.

    .venv/bin/python -m benchmarks.articles --docs 3000 10000
"""

from __future__ import annotations

import argparse
import itertools
import json
import platform
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import wirecopy.archive.db as archive_db
from wirecopy.archive.articles import group_articles
from wirecopy.archive.db import Archive
from wirecopy.build import build
from wirecopy.config import BuildConfig
from wirecopy.readers import Skipped, discover, read
from wirecopy.records import PAGE_OK, PageResult
from wirecopy.stages.segment import line_stats, segment

DATA = Path("benchmarks/data")
RESULTS = Path("benchmarks/results/articles.json")
CONFIG = BuildConfig(entities=False)
PARTS = 10


class Timer:
    """Wraps `group_articles` where the archive calls it, adding up its CPU time (the
    machine is shared: wall time there measures the neighbours as much as the code)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.original: Callable[..., dict[str, int]] = group_articles

    def __enter__(self) -> Timer:
        def timed(*args: Any, **kwargs: Any) -> dict[str, int]:
            started = time.process_time()
            try:
                return self.original(*args, **kwargs)
            finally:
                self.seconds += time.process_time() - started

        vars(archive_db)["group_articles"] = timed  # where `Archive` looks it up
        return self

    def __exit__(self, *exc: object) -> None:
        vars(archive_db)["group_articles"] = self.original


def generate(docs: int, seed: int) -> tuple[Path, Path]:
    out = DATA / f"synd-articles-{docs}-{seed}.jsonl"
    truth = out.with_name(out.name.replace(".jsonl", ".truth.jsonl"))
    if not out.exists() or not truth.exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.generate_syndication",
                "--docs",
                str(docs),
                "--seed",
                str(seed),
                "--out",
                str(out),
            ],
            check=True,
            capture_output=True,
        )
    return out, truth


def split(corpus: Path, parts: int) -> list[Path]:
    """The corpus as `parts` files of the same name, each holding a run of consecutive lines
    and blank lines for the others, so each page keeps the id it has in the whole corpus."""
    lines = corpus.read_text("utf-8").splitlines(keepends=True)
    size = -(-len(lines) // parts)
    paths = []
    for p in range(parts):
        path = corpus.with_suffix(".parts") / f"p{p:02d}" / corpus.name
        path.parent.mkdir(parents=True, exist_ok=True)
        mine = range(p * size, (p + 1) * size)
        path.write_text("".join(ln if i in mine else "\n" for i, ln in enumerate(lines)), "utf-8")
        paths.append(path)
    return paths


def stage_alone(corpus: Path, work: Path) -> dict[str, Any]:
    """Grouping alone: the same segmented copies written at once, then in ten parts."""
    pages = [
        p
        for source in discover([corpus])
        for p in read(source, CONFIG)
        if not isinstance(p, Skipped) and p.status == PAGE_OK
    ]
    results = segment(pages, line_stats(pages))
    size = -(-len(results) // PARTS)
    out: dict[str, Any] = {}
    assigned = []
    for name, parts in (("one_go", [results]), ("ten_parts", _chunks(results, size))):
        db = work / f"stage-{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        with Archive.open(db) as archive, Timer() as timer:
            run_id = archive.start_run([str(corpus)], {}, "bench")
            for part in parts:
                for batch in _chunks(part, CONFIG.batch_size):
                    archive.write_pages([(r.page, None) for r in batch], run_id)
                    archive.write_segments(batch, run_id)
            out[name] = round(timer.seconds, 2)
            assigned.append(
                archive.conn.execute(
                    "SELECT page_id, seq, article_id, kind, similarity FROM copies "
                    "ORDER BY page_id, seq"
                ).fetchall()
            )
    out["cpu_ratio"] = round(out["ten_parts"] / out["one_go"], 3)
    out["same_grouping"] = assigned[0] == assigned[1]
    return out


def _chunks(items: list[PageResult], size: int) -> list[list[PageResult]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def timed_build(inputs: Iterable[Path], db: Path) -> tuple[float, float, float, int]:
    """Wall and CPU seconds of the builds, CPU seconds grouping, pages segmented."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    segmented = 0
    with Timer() as timer:
        wall, cpu = time.perf_counter(), time.process_time()
        for path in inputs:
            segmented += build([path], db, config=CONFIG).pages_segmented
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        return wall, cpu, timer.seconds, segmented


def assignment(db: Path, line_of: Callable[[str], int]) -> dict[int, str | None]:
    """Input line -> article of the page's largest copy (None: no copy)."""
    conn = sqlite3.connect(db)
    out: dict[int, str | None] = {line_of(r[0]): None for r in conn.execute("SELECT id FROM pages")}
    best: dict[int, int] = {}
    for page, article, size in conn.execute(
        "SELECT page_id, article_id, LENGTH(text) FROM copies ORDER BY page_id, seq"
    ):
        line = line_of(page)
        if size > best.get(line, -1):
            best[line], out[line] = size, article
    conn.close()
    return out


def pairs(labels: dict[int, str]) -> set[tuple[int, int]]:
    groups: dict[str, list[int]] = defaultdict(list)
    for line, label in labels.items():
        groups[label].append(line)
    return {p for members in groups.values() for p in itertools.combinations(sorted(members), 2)}


def scores(found: dict[int, str | None], truth: dict[int, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, keep in (("all pages", found), ("pages with a copy", None)):
        lines = [k for k in truth if keep is not None or found.get(k) is not None]
        ours = pairs({k: found.get(k) or f"none-{k}" for k in lines})
        gold = pairs({k: truth[k] for k in lines})
        hit = len(ours & gold)
        out[name] = {
            "pages": len(lines),
            "precision": round(hit / len(ours), 4) if ours else 1.0,
            "recall": round(hit / len(gold), 4) if gold else 1.0,
            "pairs": len(gold),
        }
    return out


def run(docs: int, seed: int, work: Path) -> dict[str, Any]:
    corpus, truth_path = generate(docs, seed)
    truth = {
        n: json.loads(line)["cluster"]
        for n, line in enumerate(truth_path.read_text("utf-8").splitlines(), 1)
    }
    once_s, once_cpu, once_group, once_segmented = timed_build([corpus], work / "once.db")
    once = assignment(work / "once.db", lambda page: int(page.rsplit("#", 1)[1]))
    parts = split(corpus, PARTS)
    parts_s, parts_cpu, parts_group, parts_segmented = timed_build(parts, work / "parts.db")
    in_parts = assignment(work / "parts.db", lambda page: int(page.rsplit("#", 1)[1]))
    same = in_parts == once
    return {
        "docs": docs,
        "seed": seed,
        "pages_with_no_copy": sum(1 for v in once.values() if v is None),
        "grouping": scores(once, truth),
        "one_build": {
            "seconds": round(once_s, 2),
            "cpu_seconds": round(once_cpu, 2),
            "pages_per_second": round(docs / once_s, 1),
            "pages_per_cpu_second": round(docs / once_cpu, 1),
            "grouping_cpu_seconds": round(once_group, 2),
            "pages_segmented": once_segmented,
        },
        "ten_parts": {
            "seconds": round(parts_s, 2),
            "cpu_seconds": round(parts_cpu, 2),
            "grouping_cpu_seconds": round(parts_group, 2),
            "pages_segmented": parts_segmented,
            "ratio": round(parts_s / once_s, 3),
            "cpu_ratio": round(parts_cpu / once_cpu, 3),
            "same_grouping": same,
        },
        "grouping_stage_alone": stage_alone(corpus, work),
    }


def _partition(found: dict[int, str | None]) -> set[frozenset[int]]:
    groups: dict[str, set[int]] = defaultdict(set)
    for line, article in found.items():
        if article is not None:
            groups[article].add(line)
    return {frozenset(g) for g in groups.values()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--docs", type=int, nargs="+", default=[3000, 10000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    DATA.mkdir(parents=True, exist_ok=True)
    results = []
    for docs in args.docs:
        work = DATA / f"articles-{docs}"
        work.mkdir(exist_ok=True)
        result = run(docs, args.seed, work)
        print(json.dumps(result), flush=True)
        results.append(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "command": "python -m benchmarks.articles " + " ".join(sys.argv[1:]),
                "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
                "python": platform.python_version(),
                "results": results,
            },
            indent=2,
        )
        + "\n",
        "utf-8",
    )


if __name__ == "__main__":
    main()
