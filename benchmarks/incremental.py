"""Incremental builds: one build of a corpus against the same corpus built in ten parts.

Segmentation decides from counts kept in the archive (how many pages of a site print each
short line), and a build segments an earlier page again only when one of its counts crosses
a threshold segmentation uses (`wirecopy.archive.evidence.apply`). This measures what that
costs on

- a generated single-site feed (``--pages``, default 5,000): every page carries the site's
  furniture (masthead, menu, share line, footer, counters, ``Topics:`` line), a sign-up prompt
  on a third of the pages, a "most read" list naming other pages' titles, bylines of a few
  reporters; one page in ten reprints a wire story (so copies group into articles);
- the Reuters-21578 stories as JSONL pages (``--reuters N``: the first N; 0 leaves it out).

Each corpus is written as ten JSONL files in one folder (``part00.jsonl`` ...): the one build
reads the folder, the ten-part build reads the files one after another into one archive, so
every page has the same id in both and the archives can be compared (blocks with their
stored evidence, copies, articles). Reported per corpus, with entities off (segmentation and
grouping alone) and on: wall and CPU seconds of each build, pages segmented, the ratios.

    .venv/bin/python -m benchmarks.incremental --pages 5000 --reuters 5000

``--regroup DB`` times instead one regroup of every article of an archive (stories placed all
at once, as a build does each time the archive grows past a regroup size): CPU and wall
seconds and the process's peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

import wirecopy.build as build_module
from wirecopy.build import build
from wirecopy.config import BuildConfig

DATA = Path("benchmarks/data")
RESULTS = Path("benchmarks/results")
PARTS = 10


def _vocabulary(rng: random.Random, size: int = 600) -> list[str]:
    letters = "abcdefghiklmnoprstuvw"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(3, 9))) for _ in range(size)]


def _sentence(rng: random.Random, words: list[str], n: int) -> str:
    chosen = [rng.choice(words) for _ in range(n)]
    return " ".join([chosen[0].capitalize(), *chosen[1:]]) + "."


def _title(rng: random.Random, words: list[str]) -> str:
    return " ".join(w.capitalize() for w in rng.sample(words, rng.randint(5, 9)))


def feed_pages(count: int, seed: int = 1) -> list[dict[str, str]]:
    """A single-site feed of ``count`` pages as JSONL records."""
    rng = random.Random(seed)
    words = _vocabulary(rng)
    reporters = [f"By {_title(rng, words)[:20].strip()}" for _ in range(12)]
    wire = [
        (_title(rng, words), [_sentence(rng, words, rng.randint(14, 26)) for _ in range(5)])
        for _ in range(max(1, count // 25))
    ]
    titles: list[str] = []
    pages = []
    for n in range(count):
        lines = ["THE HARBOUR HERALD", "News | Sport | Business | Opinion | Weather"]
        if n % 10 == 9:
            title, paragraphs = rng.choice(wire)
            source = "Northgate Wire"
        else:
            title = _title(rng, words)
            paragraphs = [
                " ".join(_sentence(rng, words, rng.randint(10, 22)) for _ in range(2))
                for _ in range(rng.randint(3, 6))
            ]
            source = rng.choice(reporters)
        lines += [title, source, f"Published {1 + n % 28} March 2026", *paragraphs]
        if source == "Northgate Wire":
            lines.append("- Northgate Wire")
        lines += ["Share this story", f"Topics: {rng.choice(words)}, {rng.choice(words)}"]
        lines.append(f"{rng.randint(2, 400)} comments")
        if n % 3 == 0:
            lines.append("Sign up for the Herald morning letter, it is free every weekday.")
        if titles:
            lines += ["Most read", *rng.sample(titles, min(3, len(titles)))]
        lines.append("© 2026 The Harbour Herald. All rights reserved")
        titles = [*titles[-40:], title]
        pages.append({"url": f"https://herald.example/2026/{n:05d}", "text": "\n\n".join(lines)})
    return pages


def reuters_records(limit: int) -> list[dict[str, Any]]:
    from benchmarks.build import reuters_input

    path, _count = reuters_input()
    records = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                records.append(json.loads(line))
            if len(records) >= limit:
                break
    return records


def write_parts(folder: Path, records: list[dict[str, Any]]) -> list[Path]:
    """The records as ten JSONL files, in order, a tenth each."""
    folder.mkdir(parents=True, exist_ok=True)
    size = -(-len(records) // PARTS)
    paths = []
    for i in range(PARTS):
        path = folder / f"part{i:02d}.jsonl"
        chunk = records[i * size : (i + 1) * size]
        path.write_text("".join(json.dumps(r) + "\n" for r in chunk), encoding="utf-8")
        paths.append(path)
    return paths


def content(db: Path) -> dict[str, list[tuple[object, ...]]]:
    queries = {
        "blocks": 'SELECT page_id, seq, start, "end", text, label, copy_seq, evidence '
        "FROM blocks ORDER BY page_id, seq",
        "copies": "SELECT page_id, seq, article_id, kind, similarity, text_hash FROM copies "
        "ORDER BY page_id, seq",
        "articles": "SELECT id, title, caption, date, source, text, canonical_page "
        "FROM articles ORDER BY id",
    }
    conn = sqlite3.connect(db)
    try:
        return {name: conn.execute(sql).fetchall() for name, sql in queries.items()}
    finally:
        conn.close()


def _timed(inputs: list[Path], db: Path, config: BuildConfig) -> dict[str, Any]:
    """One build: wall and CPU seconds, and the CPU seconds of `derive` (entities, dates,
    stories: other stages, timed by wrapping it) apart."""
    spent = [0.0]
    namespace = vars(build_module)  # `build` calls `derive` through its module's globals
    derive = namespace["derive"]

    def timed_derive(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return derive(*args, **kwargs)
        finally:
            spent[0] += time.process_time() - start

    namespace["derive"] = timed_derive
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        summary = build(inputs, db, config=config)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        namespace["derive"] = derive
    return {
        "wall": wall,
        "cpu": cpu,
        "cpu_derive": spent[0],
        "cpu_read_segment_group": cpu - spent[0],
        "pages_read": summary.pages_read,
        "pages_segmented": summary.pages_segmented,
    }


def measure(name: str, records: list[dict[str, Any]], entities: bool) -> dict[str, Any]:
    config = BuildConfig(entities=entities)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        parts = write_parts(root / "corpus", records)
        once = _timed([root / "corpus"], root / "once.db", config)
        steps = [_timed([path], root / "parts.db", config) for path in parts]
        same = content(root / "once.db") == content(root / "parts.db")
    keys = ("wall", "cpu", "cpu_derive", "cpu_read_segment_group", "pages_segmented")
    total = {k: sum(s[k] for s in steps) for k in keys}
    row = {
        "corpus": name,
        "pages": len(records),
        "entities": entities,
        "once": {k: round(v, 2) if isinstance(v, float) else v for k, v in once.items()},
        "parts": {
            **{k: round(v, 2) for k, v in total.items() if k != "pages_segmented"},
            "pages_segmented": total["pages_segmented"],
            "segmented_per_part": [s["pages_segmented"] for s in steps],
            "wall_per_part": [round(s["wall"], 2) for s in steps],
            "cpu_derive_per_part": [round(s["cpu_derive"], 2) for s in steps],
        },
        "wall_ratio": round(total["wall"] / once["wall"], 3),
        "cpu_ratio": round(total["cpu"] / once["cpu"], 3),
        "cpu_ratio_read_segment_group": round(
            total["cpu_read_segment_group"] / once["cpu_read_segment_group"], 3
        ),
        "cpu_ratio_derive": round(total["cpu_derive"] / once["cpu_derive"], 3),
        "same_archive": same,
    }
    print(json.dumps(row), flush=True)
    return row


def regroup(db: Path) -> dict[str, Any]:
    """One regroup of every article of the archive ``db`` (a copy of it, entities as they are):
    CPU and wall seconds of `derive` placing them all at once, and this process's peak
    resident memory (start it fresh for that to be the regroup's)."""
    import resource
    import shutil

    from wirecopy.archive.db import Archive
    from wirecopy.derive import derive

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "a.db"
        shutil.copy(db, copy)
        with Archive.open(copy) as archive:
            with archive.transaction() as conn:
                conn.execute("UPDATE articles SET story_version = NULL")
            articles = archive.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
            derive(archive, entities=False)  # dates and terms first: not what is timed
            with archive.transaction() as conn:
                conn.execute("UPDATE articles SET story_version = NULL")
            wall, cpu = time.perf_counter(), time.process_time()
            summary = derive(archive, entities=False)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            stories = archive.conn.execute("SELECT COUNT(*) FROM stories").fetchone()[0]
    row = {
        "archive": str(db),
        "articles": articles,
        "placed": summary.placed,
        "stories": stories,
        "cpu": round(cpu, 2),
        "wall": round(wall, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(row), flush=True)
    return row


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--pages", type=int, default=5000, help="pages of the generated feed (0: none)"
    )
    parser.add_argument("--reuters", type=int, default=5000, help="Reuters pages (0: none)")
    parser.add_argument(
        "--entities", choices=("off", "on", "both"), default="both", help="runs with entities"
    )
    parser.add_argument("--out", type=Path, default=RESULTS / "incremental.json")
    parser.add_argument(
        "--regroup", type=Path, metavar="DB", help="time one regroup of every article of DB"
    )
    args = parser.parse_args(argv)
    if args.regroup:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(regroup(args.regroup), indent=2) + "\n", encoding="utf-8")
        return
    corpora = []
    if args.pages:
        corpora.append((f"generated single-site feed ({args.pages} pages)", feed_pages(args.pages)))
    if args.reuters:
        corpora.append((f"Reuters-21578, first {args.reuters}", reuters_records(args.reuters)))
    rows = [
        measure(name, records, entities)
        for entities in {"off": (False,), "on": (True,), "both": (False, True)}[args.entities]
        for name, records in corpora
    ]
    result = {
        "benchmark": "incremental",
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpu_count": os.cpu_count(), "python": platform.python_version()},
        "command": "python -m benchmarks.incremental "
        + f"--pages {args.pages} --reuters {args.reuters} --entities {args.entities}",
        "parts": PARTS,
        "rows": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
