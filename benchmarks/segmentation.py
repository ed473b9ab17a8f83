"""Segmentation benchmark: block-label precision, recall and F1 against the gold files.

Usage::

    python -m benchmarks.segmentation [--repeat 20] [-o benchmarks/results/segmentation.json]

Gold block labels come from the gold annotation (``seeds.gold.json`` beside the shared seed
corpus, ``examples/news.gold.json``): a block whose text is a gold boilerplate line is
``boilerplate``; an article's title and caption are ``title`` and ``caption`` where first
printed and ``echo`` when printed again; its subheads are ``subhead``; the blocks from the one
starting with its ``first`` sentence to the one ending with its ``last`` are ``body``. Blocks the
gold says nothing about (datelines, source lines, swapped captions) are not scored.

Both gold corpora were used while developing the stage, so their scores are training-set
scores. ``labels_page_alone`` scores each page segmented on its own, without the corpus
statistics: closer to what a page from an unseen site gets.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.reuters_to_jsonl import shared_corpus
from wirecopy.config import BuildConfig
from wirecopy.readers import Skipped, discover, read
from wirecopy.records import PAGE_OK, Block, Page
from wirecopy.stages.lines import split_lines
from wirecopy.stages.segment import LABELS, line_stats, segment
from wirecopy.textnorm import normalize

REPO = Path(__file__).resolve().parents[1]
SHARED = shared_corpus().parent  # ../shared/corpus, or $WIRECOPY_SHARED/corpus
CORPORA = {
    "seeds": (SHARED / "seeds", SHARED / "seeds.gold.json"),
    "examples": (REPO / "examples" / "news", REPO / "examples" / "news.gold.json"),
}


def load(root: Path) -> list[Page]:
    pages: list[Page] = []
    for source in discover([root]):
        pages.extend(p for p in read(source, BuildConfig()) if not isinstance(p, Skipped))
    return [p for p in pages if p.status == PAGE_OK]


def gold_labels(blocks: list[Block], page_id: str, gold: dict[str, Any]) -> list[str | None]:
    """The gold label of each block, or None where the gold file does not say."""
    norm = [normalize(b.text) for b in blocks]
    labels: list[str | None] = [None] * len(blocks)
    boilerplate = {normalize(line) for line in gold["boilerplate"]}
    for article in gold["articles"].values():
        kind = article["copies"].get(page_id)
        if kind is None:
            continue
        first, last = normalize(article["first"]), normalize(article["last"])
        start = next((i for i, n in enumerate(norm) if n.startswith(first)), None)
        end = next((i for i, n in enumerate(norm) if n.endswith(last)), None)
        if start is not None:
            stop = end if end is not None and end >= start and kind != "partial" else start
            for i in range(start, stop + 1):
                labels[i] = "body"
        heads = {normalize(s) for s in article.get("subheads", [])}
        for i, n in enumerate(norm):
            if n in heads:
                labels[i] = "subhead"
        for field, label in (("title", "title"), ("caption", "caption")):
            text = normalize(article.get(field) or "")
            hits = [i for i, n in enumerate(norm) if text and n == text]
            for rank, i in enumerate(hits):
                labels[i] = label if rank == 0 else "echo"
    for i, n in enumerate(norm):
        if n in boilerplate:
            labels[i] = "boilerplate"
    return labels


def prf(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "support": tp + fn}


def score(pairs: list[tuple[str, str]]) -> dict[str, dict[str, float | int]]:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for predicted, gold in pairs:
        if predicted == gold:
            tp[gold] += 1
        else:
            fp[predicted] += 1
            fn[gold] += 1
    return {
        label: prf(tp[label], fp[label], fn[label])
        for label in LABELS
        if tp[label] + fp[label] + fn[label]
    }


def run(repeat: int) -> dict[str, Any]:
    report: dict[str, Any] = {"corpora": {}, "labels": {}, "pages": {}}
    every: list[tuple[str, str]] = []
    all_pages: list[Page] = []
    for name, (root, gold_path) in CORPORA.items():
        if not gold_path.exists():
            continue
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        pages = load(root)
        all_pages += pages
        results = segment(pages, line_stats(pages))
        pairs: list[tuple[str, str]] = []
        for result in results:
            gold_of = gold_labels(result.blocks, result.page.id, gold)
            page_pairs = [(b.label, g) for b, g in zip(result.blocks, gold_of, strict=True) if g]
            pairs += page_pairs
            right = sum(p == g for p, g in page_pairs)
            report["pages"][f"{name}:{result.page.id}"] = {
                "scored_blocks": len(page_pairs),
                "accuracy": round(right / len(page_pairs), 4) if page_pairs else None,
                "errors": [f"{p} (gold {g})" for p, g in page_pairs if p != g],
            }
        report["corpora"][name] = {"pages": len(pages), "labels": score(pairs)}
        every += pairs
        # The same pages segmented one at a time: no corpus evidence, only per-page and
        # prose evidence (how the stage does on a site it has seen once).
        alone: list[tuple[str, str]] = []
        for page in pages:
            (result,) = segment([page], line_stats([page]))
            gold_of = gold_labels(result.blocks, page.id, gold)
            alone += [(b.label, g) for b, g in zip(result.blocks, gold_of, strict=True) if g]
        report["corpora"][name]["labels_page_alone"] = score(alone)
    report["labels"] = score(every)
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(repeat):
        split_lines.cache_clear()  # time a cold run, as a build sees each page once
        segment(all_pages, line_stats(all_pages))
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu  # the machine may be shared: CPU time is the fairer one
    report["speed"] = {
        "pages": len(all_pages) * repeat,
        "seconds": round(seconds, 3),
        "pages_per_second": round(len(all_pages) * repeat / seconds, 1),
        "cpu_seconds": round(cpu, 3),
        "pages_per_cpu_second": round(len(all_pages) * repeat / cpu, 1),
    }
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=20, help="timing rounds over all pages")
    parser.add_argument(
        "-o", "--output", type=Path, default=REPO / "benchmarks/results/segmentation.json"
    )
    args = parser.parse_args(argv)
    report = run(args.repeat)
    report["command"] = "python benchmarks/segmentation.py " + " ".join(argv or sys.argv[1:])
    report["machine"] = (
        f"{platform.machine()} {platform.system()} Python {platform.python_version()}"
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    width = max(len(label) for label in LABELS)
    for label, row in report["labels"].items():
        p, r, f = row["precision"], row["recall"], row["f1"]
        print(f"{label:{width}s}  P {p:.3f}  R {r:.3f}  F1 {f:.3f}  n={row['support']}")
    speed = report["speed"]
    print(f"{speed['pages_per_second']} pages/s, {speed['pages_per_cpu_second']} pages/CPU s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
