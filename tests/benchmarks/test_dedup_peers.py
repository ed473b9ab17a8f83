"""The measuring parts of benchmarks/dedup_peers.py (never its timings)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from bench_support import REPO  # noqa: F401  (puts the repository on sys.path)
from benchmarks.dedup_peers import (
    adjusted_rand,
    exact_jaccard,
    keeper_of,
    peer_shingles,
    run_rensa,
    split_shingles,
    truth_shingles,
)


def test_adjusted_rand_and_keepers() -> None:
    a = np.array([0, 0, 1, 1, 2], dtype=np.int64)
    assert adjusted_rand(a, a) == 1.0
    assert adjusted_rand(a, np.array([5, 5, 7, 7, 9], dtype=np.int64)) == 1.0
    assert adjusted_rand(a, np.array([0, 1, 0, 1, 2], dtype=np.int64)) < 0.1
    assert keeper_of(np.array([3, 1, 3, 1], dtype=np.int64)).tolist() == [0, 1, 0, 1]


def test_shingles_and_exact_jaccard(tmp_path: Path) -> None:
    assert peer_shingles("One two") == ["one two"]
    assert split_shingles("a b c d e f") == ["a b c d e", "b c d e f"]
    words = " ".join(f"w{i}" for i in range(40))
    path = tmp_path / "in.jsonl"
    texts = [words, words.upper(), words + " extra words at the end", "other text here entirely"]
    path.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(texts)))
    sets = truth_shingles(path)
    sims = exact_jaccard(sets, np.array([[0, 1], [0, 2], [0, 3]], dtype=np.int64))
    assert sims[0] == 1.0 and 0.8 < sims[1] < 1.0 and sims[2] == 0.0
    labels, candidates = run_rensa(path, peer_shingles)
    assert labels[0] == labels[1] and labels[3] != labels[0]
    assert [0, 1] in candidates.tolist()
