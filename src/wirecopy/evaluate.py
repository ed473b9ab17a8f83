"""Scores of a clustering against gold labels (stories against a gold file), for the story
benchmark and the tests: pairwise precision, recall and F1, BCubed F1, adjusted Rand index.

A gold file has the format of ``seeds.gold.json``: ``articles`` (each with its ``first``
sentence) and ``stories`` (lists of article keys). An *open* gold file (``"open": true``)
labels only some stories of its corpus: its articles in none of ``stories`` are in stories
nobody labelled (:data:`OUTSIDE`). A pair of two of them is not scored; a labelled article put
with one of them is a wrong pair (the labels list every article of the stories they name).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations
from typing import Any

from sklearn.metrics import adjusted_rand_score

from wirecopy.textnorm import normalize

OUTSIDE = -1
"""The gold label of an article of an open gold file that is in no labelled story (gold labels
are otherwise story numbers, 0 and up, as `gold_labels` gives them)."""


def _pairs(labels: Mapping[str, object], outside: Mapping[str, object]) -> set[tuple[str, str]]:
    return {
        (a, b)
        for a, b in combinations(sorted(labels), 2)
        if labels[a] == labels[b] and not (outside[a] == OUTSIDE and outside[b] == OUTSIDE)
    }


def pairwise(predicted: Mapping[str, object], gold: Mapping[str, object]) -> dict[str, float]:
    """Pairwise precision, recall and F1 of a clustering (over the items of ``gold``; pairs of
    two :data:`OUTSIDE` items are not scored)."""
    items = {k: predicted[k] for k in gold}
    mine, truth = _pairs(items, gold), _pairs(gold, gold)
    both = len(mine & truth)
    precision = both / len(mine) if mine else 1.0
    recall = both / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def bcubed_f1(predicted: Mapping[str, object], gold: Mapping[str, object]) -> float:
    """BCubed F1, averaged over the items of ``gold`` that are not :data:`OUTSIDE` (an
    outside item in one's predicted story counts against its precision)."""
    labelled = [k for k in gold if gold[k] != OUTSIDE]
    precision = recall = 0.0
    for item in labelled:
        mine = {k for k in gold if predicted[k] == predicted[item]}
        truth = {k for k in gold if gold[k] == gold[item]}
        precision += len(mine & truth) / len(mine)
        recall += len(mine & truth) / len(truth)
    if not labelled:
        raise ValueError("no labelled article to score")
    precision, recall = precision / len(labelled), recall / len(labelled)
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def ari(predicted: Mapping[str, object], gold: Mapping[str, object]) -> float:
    """Adjusted Rand index over the items of ``gold`` that are not :data:`OUTSIDE`."""
    keys = sorted(k for k in gold if gold[k] != OUTSIDE)
    return float(
        adjusted_rand_score([str(gold[k]) for k in keys], [str(predicted[k]) for k in keys])
    )


def scores(predicted: Mapping[str, object], gold: Mapping[str, object]) -> dict[str, float]:
    return {
        **pairwise(predicted, gold),
        "bcubed_f1": bcubed_f1(predicted, gold),
        "ari": ari(predicted, gold),
    }


def gold_labels(
    gold: Mapping[str, Any], articles: Sequence[tuple[str, str, str | None]]
) -> tuple[dict[str, int], dict[str, str | None], list[str]]:
    """(archive article -> gold story number, archive article -> its story, unmatched ids)
    for ``articles`` given as (id, text, story). In an open gold file an article in no
    labelled story has the gold story :data:`OUTSIDE`."""
    story_of = {key: n for n, keys in enumerate(gold["stories"]) for key in keys}
    if gold.get("open"):
        story_of.update((key, OUTSIDE) for key in gold["articles"] if key not in story_of)
    firsts = {key: normalize(article["first"]) for key, article in gold["articles"].items()}
    labels: dict[str, int] = {}
    predicted: dict[str, str | None] = {}
    unmatched: list[str] = []
    for article_id, text, story in articles:
        body = normalize(text)
        keys = [key for key, first in firsts.items() if first in body]
        if len(keys) != 1 or keys[0] not in story_of:
            unmatched.append(article_id)
            continue
        labels[article_id] = story_of[keys[0]]
        # An article in no story is a story of its own.
        predicted[article_id] = story or f"(alone) {article_id}"
    return labels, predicted, unmatched
