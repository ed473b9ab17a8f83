"""The benchmark's report of the pairs a grouping gets wrong (`benchmarks.stories.pair_parts`)."""

from __future__ import annotations

import json
from datetime import date

import bench_support  # noqa: F401  (puts the repository root on sys.path)
import pytest
from benchmarks.stories import pair_parts

from wirecopy.stages.story_similarity import ArticleFeatures, vectorise

D = date(2026, 3, 2)


def _article(article_id: str, title: str, text: str) -> ArticleFeatures:
    (terms,) = vectorise([(title, text)])
    return ArticleFeatures(article_id, terms, date=D, title=title)


def test_pair_parts_lists_wrong_and_missed_pairs_with_their_similarity() -> None:
    flood = "The river burst its banks at Lowmoor and hundreds were evacuated overnight."
    articles = [
        _article("a", "River bursts banks", flood),
        _article("b", "Hundreds evacuated", flood + " Rescue teams worked until dawn."),
        _article("c", "Council budget", "The council set its budget for the coming year."),
        _article("d", "Budget vote", "Councillors vote on the budget for next year."),
    ]
    labels = {"a": 0, "b": 0, "c": 1, "d": 2}  # c and d: two events
    predicted: dict[str, str | None] = {"a": "x", "b": "y", "c": "z", "d": "z"}
    rows = pair_parts(articles, labels, predicted)
    found = [(r["kind"], r["a"], r["b"]) for r in rows]
    assert found == [("missed", "a", "b"), ("wrong", "c", "d")]
    missed = rows[0]
    # No entities, one day: s is the text cosine, rounded.
    assert missed["entities"] is None and missed["w"] == 0.0 and missed["time"] == 1.0
    assert not missed["apart"]
    assert missed["s"] == pytest.approx(missed["text"], abs=1e-4)
    assert missed["s"] > rows[1]["s"]
    json.dumps(rows)  # written as JSON lines: plain Python values only
