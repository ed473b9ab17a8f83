"""Properties of the partition `dedup` makes, on generated corpora."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from dedup_helpers import Rows, partition, run_on, write_lines
from hypothesis import given, settings
from hypothesis import strategies as st

VOCAB = [f"v{i}" for i in range(300)]
SETTINGS = settings(derandomize=True, max_examples=60, deadline=None)


@st.composite
def corpora(draw: st.DrawFn) -> list[str]:
    """Texts drawn from a few bases: verbatim, restyled, lightly edited, or new."""
    rng = random.Random(draw(st.integers(0, 2**32)))
    sizes = draw(st.lists(st.integers(1, 90), min_size=1, max_size=4))
    bases = [[rng.choice(VOCAB) for _ in range(size)] for size in sizes]
    texts = []
    for _ in range(draw(st.integers(1, 14))):
        words = list(rng.choice(bases))
        how = draw(st.sampled_from(["same", "restyle", "edit", "edit", "new"]))
        if how == "restyle":
            texts.append("  " + "\n".join(words).upper() + " !")
            continue
        if how == "edit":
            for _ in range(draw(st.integers(1, 2))):
                words[rng.randrange(len(words))] = rng.choice(VOCAB)
        elif how == "new":
            words = [rng.choice(VOCAB) for _ in range(draw(st.integers(1, 90)))]
        texts.append(" ".join(words))
    return texts


def run(tmp: Path, texts: list[str], ids: list[str]) -> Rows:
    docs = [{"id": i, "text": t} for i, t in zip(ids, texts, strict=True)]
    return run_on([write_lines(tmp / "in.jsonl", docs)], tmp / "out.jsonl")[1]


@pytest.fixture(scope="module")
def tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("properties")


@SETTINGS
@given(corpora())
def test_every_record_is_written_once_in_one_cluster_with_one_keeper(
    tmp: Path, texts: list[str]
) -> None:
    ids = [f"r{i}" for i in range(len(texts))]
    rows = run(tmp, texts, ids)
    assert [r["id"] for r in rows] == ids
    keepers = {r["cluster"] for r in rows if r["duplicate_of"] is None}
    assert keepers == {r["cluster"] for r in rows}
    for r in rows:
        assert r["duplicate_of"] in (None, r["cluster"])
        assert (r["duplicate_of"] is None) == (r["id"] == r["cluster"])


@SETTINGS
@given(corpora(), st.randoms(use_true_random=False))
def test_input_order_does_not_change_the_partition(
    tmp: Path, texts: list[str], rnd: random.Random
) -> None:
    ids = [f"r{i}" for i in range(len(texts))]
    order = list(range(len(texts)))
    rnd.shuffle(order)
    before = partition(run(tmp, texts, ids))
    after = partition(run(tmp, [texts[i] for i in order], [ids[i] for i in order]))
    assert before == after


@SETTINGS
@given(corpora(), st.data())
def test_exact_copies_always_cluster(tmp: Path, texts: list[str], data: st.DataObject) -> None:
    copies = data.draw(st.lists(st.integers(0, len(texts) - 1), min_size=1, max_size=4))
    texts = texts + [texts[i] for i in copies]
    rows = run(tmp, texts, [f"r{i}" for i in range(len(texts))])
    cluster_of = {json.dumps(r["id"]): r["cluster"] for r in rows}
    for k, i in enumerate(copies):
        assert cluster_of[f'"r{len(texts) - len(copies) + k}"'] == cluster_of[f'"r{i}"']
