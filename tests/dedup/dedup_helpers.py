"""Helpers shared by the dedup tests: corpora of near-duplicates, JSONL files, runs.

(A plain module, not a conftest: a second conftest module would clash under mypy.)
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from wirecopy.dedup import DedupSummary, dedup

VOCAB = [f"w{i}" for i in range(5000)]

Rows = list[dict[str, Any]]


def random_words(rng: random.Random, count: int) -> list[str]:
    return [rng.choice(VOCAB) for _ in range(count)]


def edit(rng: random.Random, words: list[str], changes: int) -> list[str]:
    """A copy of `words` with `changes` words replaced at spread-out positions."""
    out = list(words)
    step = max(len(out) // max(changes, 1), 1)
    for k in range(changes):
        out[min(k * step + step // 2, len(out) - 1)] = rng.choice(VOCAB) + "x"
    return out


def write_lines(path: Path, items: Sequence[object]) -> Path:
    """Write dicts as JSON lines and strings as they are (to write broken lines)."""
    lines = [item if isinstance(item, str) else json.dumps(item) for item in items]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def run_on(paths: list[Path], out: Path, **kw: Any) -> tuple[DedupSummary, Rows]:
    kw.setdefault("workers", 1)
    summary = dedup(paths, output=out, **kw)
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return summary, rows


def partition(rows: Rows) -> set[frozenset[str]]:
    clusters: dict[str, set[str]] = {}
    for row in rows:
        clusters.setdefault(json.dumps(row["cluster"]), set()).add(json.dumps(row["id"]))
    return {frozenset(c) for c in clusters.values()}
