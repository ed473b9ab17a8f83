"""Scores of a clustering against gold labels (stories against a gold file), for the story
benchmark and the tests: pairwise precision, recall and F1, BCubed F1, adjusted Rand index.

A gold file has the format of ``seeds.gold.json``: ``articles`` (each with its ``first``
sentence) and ``stories`` (lists of article keys).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations
from typing import Any

from sklearn.metrics import adjusted_rand_score

from wirecopy.textnorm import normalize


def _pairs(labels: Mapping[str, object]) -> set[tuple[str, str]]:
    return {(a, b) for a, b in combinations(sorted(labels), 2) if labels[a] == labels[b]}


def pairwise(predicted: Mapping[str, object], gold: Mapping[str, object]) -> dict[str, float]:
    """Pairwise precision, recall and F1 of a clustering (over the items of ``gold``)."""
    items = {k: predicted[k] for k in gold}
    mine, truth = _pairs(items), _pairs(gold)
    both = len(mine & truth)
    precision = both / len(mine) if mine else 1.0
    recall = both / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def bcubed_f1(predicted: Mapping[str, object], gold: Mapping[str, object]) -> float:
    precision = recall = 0.0
    for item in gold:
        mine = {k for k in gold if predicted[k] == predicted[item]}
        truth = {k for k in gold if gold[k] == gold[item]}
        precision += len(mine & truth) / len(mine)
        recall += len(mine & truth) / len(truth)
    precision, recall = precision / len(gold), recall / len(gold)
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def ari(predicted: Mapping[str, object], gold: Mapping[str, object]) -> float:
    keys = sorted(gold)
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
    for ``articles`` given as (id, text, story)."""
    story_of = {key: n for n, keys in enumerate(gold["stories"]) for key in keys}
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
