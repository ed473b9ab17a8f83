"""Scores of a grouping against gold labels, closed and open gold files (wirecopy.evaluate)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from wirecopy.evaluate import OUTSIDE, bcubed_f1, gold_labels, pairwise, scores


def test_pairwise_counts_pairs_put_together() -> None:
    gold = {"a": 0, "b": 0, "c": 0, "d": 1}
    predicted = {"a": "s", "b": "s", "c": "t", "d": "t"}
    # Put together: ab (right), cd (wrong). Gold pairs: ab, ac, bc.
    assert pairwise(predicted, gold) == {"precision": 0.5, "recall": 1 / 3, "f1": 0.4}


def test_open_gold_scores_no_pair_of_two_outside_articles() -> None:
    gold = {"a": 0, "b": 0, "x": OUTSIDE, "y": OUTSIDE, "z": OUTSIDE}
    # x joined the labelled story (two wrong pairs); y and z together are not scored.
    predicted = {"a": "s", "b": "s", "x": "s", "y": "t", "z": "t"}
    assert pairwise(predicted, gold) == {"precision": 1 / 3, "recall": 1.0, "f1": 0.5}
    # BCubed over a and b only: each is in a story of three holding its two.
    assert bcubed_f1(predicted, gold) == 2 * (2 / 3) / (2 / 3 + 1)
    assert scores(predicted, gold)["ari"] == 1.0  # a and b alone: together, as the gold says


@given(
    st.lists(st.integers(0, 3), min_size=1, max_size=8),
    st.lists(st.integers(0, 5), min_size=1, max_size=8),
)
def test_outside_articles_left_alone_change_no_pairwise_score(
    gold_of: list[int], put_in: list[int]
) -> None:
    n = min(len(gold_of), len(put_in))
    gold: dict[str, int] = {f"a{i}": gold_of[i] for i in range(n)}
    predicted: dict[str, object] = {f"a{i}": put_in[i] for i in range(n)}
    before = pairwise(predicted, gold)
    for k in range(3):
        gold[f"x{k}"] = OUTSIDE
        predicted[f"x{k}"] = f"alone {k}"
    assert pairwise(predicted, gold) == before


def test_gold_labels_keep_an_open_gold_files_unlabelled_articles_as_outside() -> None:
    articles = {
        "g1": {"first": "The dam burst on Monday."},
        "g2": {"first": "Rescuers reached the valley."},
        "g3": {"first": "Bond prices rose."},
    }
    texts = [
        ("A", "The dam burst on Monday. More follows.", "s1"),
        ("B", "Rescuers reached the valley. Then rain.", "s1"),
        ("C", "Bond prices rose. Traders said.", None),
        ("D", "Nothing any gold article opens with.", "s2"),
    ]
    closed = {"articles": articles, "stories": [["g1", "g2"]]}
    labels, predicted, unmatched = gold_labels(closed, texts)
    assert labels == {"A": 0, "B": 0}
    assert unmatched == ["C", "D"]
    labels, predicted, unmatched = gold_labels({**closed, "open": True}, texts)
    assert labels == {"A": 0, "B": 0, "C": OUTSIDE}
    assert predicted["C"] == "(alone) C"
    assert unmatched == ["D"]
