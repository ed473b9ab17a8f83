"""The Ray engine gives the same clusters as the local engine, on a local Ray cluster.

One Ray session for the module (starting Ray costs seconds); nothing here depends on timing.
"""

from __future__ import annotations

import json
import random
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "dedup"))
sys.path.insert(0, str(REPO / "tests" / "benchmarks"))

from bench_support import reuters_dir  # noqa: E402
from dedup_helpers import edit, partition, random_words, run_on, write_lines  # noqa: E402

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # inside Ray Data


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, address="local")
    try:
        yield
    finally:
        ray.shutdown()


def both_engines(paths: list[Path], tmp: Path, **kw: object) -> tuple[str, str]:
    local = run_on(paths, tmp / "local.jsonl", workers=1, **kw)[0]
    on_ray = run_on(paths, tmp / "ray.jsonl", engine="ray", workers=2, **kw)[0]
    assert on_ray.engine == "ray" and on_ray.records == local.records
    assert on_ray.clusters == local.clusters and on_ray.duplicates == local.duplicates
    assert sorted(map(str, on_ray.problems)) == sorted(map(str, local.problems))
    return (tmp / "local.jsonl").read_text(), (tmp / "ray.jsonl").read_text()


@pytest.fixture(scope="module")
def syndication(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3,000 documents from the syndication generator, on two Reuters files."""
    from benchmarks.generate_syndication import main

    tmp = tmp_path_factory.mktemp("synd")
    corpus = tmp / "reuters"
    corpus.mkdir()
    for name in ("reut2-000.sgm", "reut2-001.sgm"):
        shutil.copy(reuters_dir() / name, corpus / name)
    out = tmp / "synd.jsonl"
    args = ["--docs", "3000", "--seed", "3", "--out", str(out), "--corpus", str(corpus)]
    assert main([*args, "--workers", "1"]) == 0
    return out


def test_generated_syndication_gives_identical_clusters(
    local_ray: None, syndication: Path, tmp_path: Path
) -> None:
    local, on_ray = both_engines([syndication], tmp_path)
    assert local == on_ray
    rows = [json.loads(line) for line in local.splitlines()]
    assert len(rows) == 3000
    assert sum(len(c) > 1 for c in partition(rows)) > 100  # many real clusters, not a trivial pass


def test_bad_records_chains_and_large_buckets(local_ray: None, tmp_path: Path) -> None:
    rng = random.Random(5)
    base = random_words(rng, 80)
    docs: list[object] = []
    for k in range(45):  # one word changed each: buckets beyond MAX_ALL_PAIRS, paired as stars
        docs.append({"id": f"star{k}", "text": " ".join(edit(rng, base, 1))})
    words = random_words(rng, 120)
    for k in range(12):  # a chain: each step a few words from the last
        words = edit(rng, words, 3)
        docs.append({"id": f"chain{k}", "text": " ".join(words)})
    for k in range(300):
        docs.append({"id": f"solo{k}", "text": " ".join(random_words(rng, 40))})
    docs[100:100] = [
        {"id": "star3", "text": docs[3]["text"].upper()},  # type: ignore[index]
        {"text": "no id, and a copy: " + str(docs[50]["text"])},  # type: ignore[index]
        {"id": "nulltext", "text": None},
        {"id": 7, "body": "no text field"},
        "{broken",
        {"id": "short", "text": "three short words"},
        {"id": "short2", "text": "three short words"},
    ]
    path = write_lines(tmp_path / "in.jsonl", docs)
    local, on_ray = both_engines([path], tmp_path)
    assert local == on_ray
    rows = [json.loads(line) for line in local.splitlines()]
    assert len(rows) == len(docs)
    star = next(c for c in partition(rows) if '"star0"' in c)
    assert len(star) >= 45


def test_no_candidates_and_no_records(local_ray: None, tmp_path: Path) -> None:
    rng = random.Random(9)
    docs = [{"id": k, "text": " ".join(random_words(rng, 30))} for k in range(20)]
    local, on_ray = both_engines([write_lines(tmp_path / "solo.jsonl", docs)], tmp_path)
    assert local == on_ray
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert both_engines([empty], tmp_path) == ("", "")
