"""The measuring parts of benchmarks/dedup_peers.py (never its timings)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from bench_support import REPO  # noqa: F401  (puts the repository on sys.path)
from benchmarks.dedup_peers import (
    RAY_SYSTEMS,
    adjusted_rand,
    exact_jaccard,
    keeper_of,
    peer_shingles,
    reevaluate,
    run_rensa,
    run_wirecopy,
    split_shingles,
    targets,
    true_pair_components,
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


def test_components_of_true_pairs_bound_union_find_precision() -> None:
    # A chain 0~1~2 whose ends are not similar, and a pair 3~4.
    pool = np.array([[0, 1], [1, 2], [0, 2], [3, 4], [2, 3]], dtype=np.int64)
    truth = np.array([True, True, False, True, False])
    got = true_pair_components(pool, truth, 6)
    assert got == {"pair_precision": 3 / 4, "pair_recall": 1.0, "clusters": 3}


def test_reevaluate_adds_the_ceiling_to_a_results_file(tmp_path: Path) -> None:
    words = [f"w{i}" for i in range(60)]
    # Windows of one text: 0.85 between neighbours (5-gram shingles), 0.71 between the ends.
    texts = [" ".join(words[k : k + 40]) for k in (0, 3, 6)]
    texts.append("another story altogether, with words of its own and nothing shared")
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(texts)))
    work = tmp_path / "work" / "tiny"
    work.mkdir(parents=True)
    np.save(work / "chain.labels.npy", np.array([0, 0, 0, 3], dtype=np.int64))
    pairs = np.array([[0, 1], [1, 2], [0, 2]], dtype=np.int64)
    np.save(work / "chain.candidates.npy", pairs)
    np.save(work / "chain.similar.npy", pairs[:2])
    results = tmp_path / "results.json"
    system = {"seconds": 1.0, "cpu_seconds": 1.0}
    data = {"input": str(path), "bytes": 1000, "docs": 4, "systems": {"chain": system}}
    results.write_text(json.dumps({"datasets": {"tiny": data}}))
    assert reevaluate(results, tmp_path / "work") == 0
    tiny = json.loads(results.read_text())["datasets"]["tiny"]
    sets = truth_shingles(path)
    sims = exact_jaccard(sets, pairs)
    assert sims[0] >= 0.8 and sims[1] >= 0.8 and sims[2] < 0.8  # the corpus is the chain
    assert tiny["systems"]["chain"]["pair_precision"] == 2 / 3
    assert tiny["systems"]["chain"]["reported_pair_precision"] == 1.0
    assert tiny["true_pair_components"]["pair_precision"] == 2 / 3
    assert tiny["true_pair_components"]["sampled"] is False


def test_wirecopy_run_gives_its_clusters_and_candidate_pairs(tmp_path: Path) -> None:
    words = [f"w{i}" for i in range(80)]
    texts = [" ".join(words[:60]), " ".join([*words[:59], "x"]), " ".join(words[20:80])]
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(texts)))
    labels, candidates = run_wirecopy(path, tmp_path, 1, "local")
    assert labels[0] == labels[1] != labels[2]
    assert [0, 1] in candidates.tolist()  # the pairs its LSH found, captured for the pool


def test_targets_compare_every_ray_system_with_the_local_engine() -> None:
    local = {"seconds": 10.0, "cpu_seconds": 10.0}
    runs = {"wirecopy-all": local}
    for k, system in enumerate(RAY_SYSTEMS):
        runs[system] = {"seconds": 12.0 + 4 * k, "cpu_seconds": 15.0, "cpu_seconds_driver": 2.0}
    out = targets(runs)
    assert out["ray_cluster_vs_local_time"] == {"ratio": 1.6, "target": 1.5, "met": False}
    assert out["raydata_vs_local_time"]["ratio"] == 2.0
    assert out["raydata_cluster_vs_local_cpu_seconds"] == {"ratio": 1.5}
    assert {RAY_SYSTEMS[s] for s in RAY_SYSTEMS} == {"ray", "ray-data"}  # both engines measured
