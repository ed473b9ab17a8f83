"""The pure parts of `benchmarks.story_weights` on small hand-made inputs: the link features
of a pair, the candidate pairs of a grouping, the fitted weights and the scores reported.
Nothing here builds a corpus."""

from __future__ import annotations

import math
from collections import Counter
from datetime import date
from typing import Any

import bench_support  # noqa: F401  (puts the repository root on sys.path)
import numpy as np
import numpy.typing as npt
import pytest
from benchmarks.story_weights import (
    HELDOUT,
    LINK_FEATURES,
    RARE_DF,
    Matrix,
    _cosines,
    fit,
    link_features,
    pair_features,
    scores,
)
from scipy import sparse

from wirecopy.stages.story_similarity import (
    APART_DAYS,
    FLOOR,
    SAME_DAYS,
    SCALE,
    ArticleFeatures,
    Space,
    entity_df,
    space,
    vectorise,
)

COLUMN = {name: j for j, name in enumerate(LINK_FEATURES)}


def _article(
    ident: str,
    title: str | None,
    text: str,
    entities: list[str] | None = None,
    day: date | None = None,
) -> ArticleFeatures:
    (terms,) = vectorise([(title, text)])
    named = {key: 1.0 for key in entities or []}
    return ArticleFeatures(ident, terms, entities=named, date=day, title=title)


def _space(articles: list[ArticleFeatures]) -> Space:
    """The space `pair_features` builds: document frequencies of these articles alone."""
    term_df: Counter[int] = Counter()
    for art in articles:
        term_df.update(art.terms.terms.tolist())
    return space(articles, term_df, entity_df(articles), len(articles))


def _ints(*values: int) -> npt.NDArray[np.int64]:
    return np.array(values, dtype=np.int64)


# Link features ---------------------------------------------------------------------------------

FILLERS = [  # "market" in more than RARE_DF articles: common, never rare
    _article(f"f{n}", None, f"market {word}")
    for n, word in enumerate(["apples", "pears", "plums", "cherries"])
]


def test_link_features_of_hand_made_pairs() -> None:
    """p and q: one text, one title, the same three entities, eight days apart; r: another
    subject sharing only a common word with them, and twelve entities; t: fifteen."""
    text = "zeppelin marlow quixotic market"
    many = [f"person {chr(ord('a') + n)}" for n in range(15)]
    articles = [
        _article("p", "Zeppelin", text, ["marlow", "zeppelin co", "anna"], date(2026, 3, 2)),
        _article("q", "Zeppelin", text, ["marlow", "zeppelin co", "anna"], date(2026, 3, 10)),
        _article("r", "Harbour", "harbour tolls market", many[:12]),
        _article("t", "Harbour tolls", "harbour tolls rise market", many),
        *FILLERS,
    ]
    assert len(articles) > RARE_DF  # each names "market"
    sp = _space(articles)
    a, b = _ints(0, 0, 2), _ints(1, 2, 3)  # p-q, p-r, r-t
    s = np.array([0.8, 0.1, 0.3])
    best = np.array([0.8, 0.8, 0.6])
    got = link_features(articles, sp, a, b, s, best)
    assert got.shape == (3, len(LINK_FEATURES))

    def column(name: str) -> list[float]:
        values: list[float] = got[:, COLUMN[name]].tolist()
        return values

    assert column("s") == [0.8, 0.1, 0.3]
    text_cos, title_cos, ents_cos = column("text"), column("title"), column("entities")
    assert text_cos[0] == pytest.approx(1.0)  # the same words
    assert 0.0 < text_cos[1] < 0.5  # "market" alone, common
    assert title_cos[:2] == pytest.approx([1.0, 0.0])
    assert 0.0 < title_cos[2] < 1.0  # "Harbour" and "Harbour tolls"
    assert ents_cos[:2] == pytest.approx([1.0, 0.0])
    # Entities weigh their IDF, ln((1 + n) / (1 + df)) + 1 (each named once): the twelve of
    # r are t's too (df 2), t names three more (df 1).
    n = len(articles)
    shared, own = math.log((1 + n) / 3) + 1, math.log((1 + n) / 2) + 1
    both = 12 * shared**2
    assert ents_cos[2] == pytest.approx(both / math.sqrt(both * (both + 3 * own**2)))
    # The smaller number of entities over 10, at most 1: 3, 3, then 12 (capped).
    assert column("entity_count") == pytest.approx([0.3, 0.3, 1.0])
    # p and q eight days apart, r undated: 1.
    eight = 1.0 - (8 - SAME_DAYS) / (APART_DAYS - SAME_DAYS)
    assert column("time") == pytest.approx([eight, 1.0, 1.0])
    assert column("nearest_share") == pytest.approx([1.0, 0.1 / 0.8, 0.5])
    # Rare terms shared: zeppelin, marlow, quixotic (market is in all 8); none; harbour
    # and tolls.
    assert column("rare") == pytest.approx([math.log(4), 0.0, math.log(3)])


def test_link_features_are_the_same_either_way() -> None:
    """Given the same s and best, (p, q) and (q, p) have the same features."""
    articles = [
        _article("p", "Zeppelin lands", "zeppelin marlow quixotic market", ["anna"]),
        _article("q", "Zeppelin down", "zeppelin marlow market", ["anna", "marlow"]),
        *FILLERS,
    ]
    sp = _space(articles)
    forth = link_features(articles, sp, _ints(0), _ints(1), np.array([0.5]), np.array([0.5]))
    back = link_features(articles, sp, _ints(1), _ints(0), np.array([0.5]), np.array([0.5]))
    assert forth == pytest.approx(back)
    # No article is dated: time is 1.
    assert forth[0, COLUMN["time"]] == 1.0


def test_a_best_of_zero_does_not_divide_by_zero() -> None:
    articles = [_article("p", None, "zeppelin"), _article("q", None, "harbour")]
    got = link_features(articles, _space(articles), _ints(0), _ints(1), np.zeros(1), np.zeros(1))
    assert got[0, COLUMN["nearest_share"]] == 0.0
    assert np.isfinite(got).all()


# Candidate pairs --------------------------------------------------------------------------------

A1 = (
    "Zeppelin lands at Marlow",
    "The zeppelin landed at Marlow airfield after a quixotic voyage over the market.",
)
EVENTS = [
    _article("a1", *A1),
    _article(
        "a2",
        "Zeppelin down at Marlow",
        "A zeppelin came down at Marlow airfield, ending its voyage above the market.",
    ),
    _article(
        "b1",
        "Harbour budget vote",
        "Councillors voted on the harbour budget and the market tolls for next year.",
    ),
    _article(
        "b2",
        "Harbour budget passes",
        "The harbour budget passed: market tolls rise next year, councillors said.",
    ),
    _article(
        "c1",
        "Harbour tolls",
        "Fishermen said the harbour tolls would drive them to the market at Marlow.",
    ),
]
LABELS = {"a1": 0, "a2": 0, "b1": 1, "b2": 1, "c1": 2}


def _expected(
    articles: list[ArticleFeatures], labels: dict[str, int], k: int
) -> list[tuple[float, bool]]:
    """(s, same story) of the candidate pairs, from the dense cosines of the articles'
    rows: no entities and no dates, so s is the text cosine. Each labelled article with the
    k nearest of its row (similarity FLOOR or more), those that are labelled."""
    sp = _space(articles)
    dense = sp.text.toarray()
    cosines = dense @ dense.T
    found: list[tuple[float, bool]] = []
    for i, art in enumerate(articles):
        if art.id not in labels:
            continue
        row = [(cosines[i, j], j) for j in range(len(articles)) if j != i]
        nearest = sorted((c, j) for c, j in row if c >= FLOOR)[::-1][:k]
        for c, j in nearest:
            if articles[j].id in labels:
                found.append((c, labels[art.id] == labels[articles[j].id]))
    return sorted(found)


def _found(s: Matrix, gold: Any) -> list[tuple[float, bool]]:
    return sorted(zip(s.tolist(), gold.tolist(), strict=True))


@pytest.mark.parametrize("k", [1, 2, 10])
def test_pair_features_are_the_labelled_nearest_of_each_row(k: int) -> None:
    s, features, gold = pair_features(EVENTS, LABELS, k)
    assert features.shape == (len(s), len(LINK_FEATURES))
    assert features[:, COLUMN["s"]].tolist() == s.tolist()
    expected = _expected(EVENTS, LABELS, k)
    found = _found(s, gold)
    assert [same for _, same in found] == [same for _, same in expected]
    assert [c for c, _ in found] == pytest.approx([c for c, _ in expected], abs=2 / SCALE)
    if k == 10:  # every labelled pair over FLOOR, both ways; c1 belongs with neither event
        assert gold.sum() == 4  # a1-a2 and b1-b2, each both ways
        assert (~gold).sum() >= 2


def test_pair_features_s_is_the_text_cosine_without_entities_or_dates() -> None:
    s, features, _ = pair_features(EVENTS, LABELS, 10)
    assert features[:, COLUMN["text"]] == pytest.approx(s, abs=2 / SCALE)
    assert (features[:, COLUMN["time"]] == 1.0).all()
    assert (features[:, COLUMN["entity_count"]] == 0.0).all()


def test_an_unlabelled_article_is_never_a_pair_but_is_the_nearest_it_is() -> None:
    """u, unlabelled, repeats a1: a1's pair with a2 is a share of s(a1, u), which is 1."""
    with_copy = [*EVENTS, _article("u", *A1)]
    s, features, gold = pair_features(with_copy, LABELS, 10)
    expected = _expected(with_copy, LABELS, 10)
    assert [same for _, same in _found(s, gold)] == [same for _, same in expected]
    assert len(s) == len(expected)  # u is in no pair
    share = features[:, COLUMN["nearest_share"]]
    assert share.max() <= 1.0
    # The pairs of a1 are those whose share is below 1 by s(a1, u) = 1 exactly: share == s.
    sp = _space(with_copy)
    dense = sp.text.toarray()
    a1_a2 = float(dense[0] @ dense[1])
    mine = np.isclose(s, a1_a2, atol=2 / SCALE) & np.isclose(share, s, atol=1e-6)
    assert mine.sum() == 1, "a1 -> a2, its share of the copy's similarity"
    others = np.isclose(s, a1_a2, atol=2 / SCALE) & ~mine
    assert share[others] == pytest.approx([1.0])  # a2 -> a1: a1 is a2's nearest


# Fitting ---------------------------------------------------------------------------------------


def _set(rows: list[tuple[float, bool, int]]) -> tuple[Matrix, Matrix, Any]:
    """A set of pairs with one feature: (value, gold, how many such pairs)."""
    x = np.array([v for v, _, n in rows for _ in range(n)], dtype=np.float64)
    gold = np.array([g for _, g, n in rows for _ in range(n)])
    return x, x.reshape(-1, 1), gold


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


# One binary feature: the fitted probability at 0 and at 1 is the share of positive pairs
# there, each pair weighing 1 (Reuters) or the gold weight (the rest). Counts are large so
# that the model's regularisation moves it little.
SETS = {
    # x = 0: 10 positive, 50 negative; x = 1: 20 positive, 60 negative.
    "reuters_events_tune/stream/on": _set(
        [(0.0, True, 10), (0.0, False, 50), (1.0, True, 20), (1.0, False, 60)]
    ),
    # x = 0: 10 positive, 10 negative; x = 1: 20 positive, none negative.
    "seeds/alone/on": _set([(0.0, True, 10), (0.0, False, 10), (1.0, True, 20)]),
    # Held out: never fitted on, whatever it says.
    f"{HELDOUT}/stream/on": _set([(0.0, True, 500), (1.0, False, 500)]),
}


@pytest.mark.parametrize(
    ("gold_weight", "at_0", "at_1"),
    [
        (1.0, (10 + 10) / (60 + 20), (20 + 20) / (80 + 20)),
        (5.0, (10 + 50) / (60 + 100), (20 + 100) / (80 + 100)),
    ],
)
def test_fit_learns_the_weighted_share_of_positive_pairs(
    gold_weight: float, at_0: float, at_1: float
) -> None:
    weights, intercept, model = fit(SETS, gold_weight)
    assert weights.shape == (1,)
    assert _sigmoid(intercept) == pytest.approx(at_0, abs=0.01)
    assert _sigmoid(intercept + float(weights[0])) == pytest.approx(at_1, abs=0.01)
    assert model.predict_proba(np.array([[0.0], [1.0]]))[:, 1] == pytest.approx(
        [at_0, at_1], abs=0.01
    )


def test_fit_weights_are_on_the_raw_features() -> None:
    """The weights and intercept reported score raw features as the fitted model does
    (which scales them first)."""
    rng = np.random.default_rng(7)
    sets = {}
    for key in ("reuters_events_tune/stream/off", "examples/alone/off"):
        x = rng.normal(loc=[3.0, -2.0, 50.0], scale=[1.0, 0.1, 20.0], size=(200, 3))
        gold = x[:, 0] + 10 * x[:, 1] + rng.normal(size=200) > -17.0
        sets[key] = (x[:, 0], x, gold)
    weights, intercept, model = fit(sets, 5.0)
    x = rng.normal(loc=[3.0, -2.0, 50.0], scale=[1.0, 0.1, 20.0], size=(20, 3))
    assert x @ weights + intercept == pytest.approx(model.decision_function(x))
    assert weights[0] > 0 and weights[1] > 0


# Scores ----------------------------------------------------------------------------------------


class _Model:
    """Stands for a fitted model: the probability of a pair is its second feature."""

    def predict_proba(self, features: Matrix) -> Matrix:
        p = features[:, 1]
        found: Matrix = np.column_stack([1.0 - p, p])
        return found


def test_scores_are_the_average_precision_of_s_and_of_the_model() -> None:
    gold = np.array([True, False, True, False])
    s = np.array([0.9, 0.8, 0.4, 0.1])
    learned = np.array([0.1, 0.2, 0.7, 0.6])
    sets = {
        "seeds/alone/on": (s, np.column_stack([s, learned]), gold),
        "nothing/alone/on": (s, np.column_stack([s, learned]), np.zeros(4, dtype=bool)),
    }
    got = scores(sets, _Model())
    assert list(got) == ["seeds/alone/on"]  # a set without a positive pair has no score
    # By s: positives at ranks 1 and 3, precision 1 and 2/3. By the model: ranks 1 and 4,
    # precision 1 and 2/4.
    assert got["seeds/alone/on"] == {
        "pairs": 4,
        "positive": 2,
        "ap_s": round((1 + 2 / 3) / 2, 4),
        "ap_learned": round((1 + 2 / 4) / 2, 4),
    }


def test_cosines_are_the_dot_products_of_pairs_of_rows() -> None:
    matrix = sparse.csr_matrix(np.array([[0.6, 0.8, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]))
    assert _cosines(matrix, _ints(0, 0, 1), _ints(1, 2, 1)).tolist() == pytest.approx(
        [0.6, 0.0, 1.0]
    )
    assert _cosines(matrix, _ints(), _ints()).tolist() == []
