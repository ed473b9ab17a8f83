"""Stories: the similarity's parts, the grouping rule, the gold corpora, order independence.

The gold checks here run the stages on their own (segmentation, exact grouping of copies,
entities, dates, clustering) so they do not depend on how the build wires them; the
end-to-end checks through `wirecopy build` are in ``tests/test_derive.py``.
"""

from __future__ import annotations

import itertools
import json
import math
import random
from collections import Counter
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scipy import sparse

from conftest import shared_dir
from wirecopy import derive as derive_module
from wirecopy.archive.db import Archive
from wirecopy.archive.entities import replace_article_entities
from wirecopy.archive.stories import load_features
from wirecopy.config import BuildConfig
from wirecopy.derive import derive, pipeline
from wirecopy.evaluate import gold_labels, scores
from wirecopy.names import entity_keys
from wirecopy.readers import Skipped, discover, read
from wirecopy.records import PAGE_OK, Copy, Page
from wirecopy.stages import stories as stories_module
from wirecopy.stages import story_similarity as similarity_module
from wirecopy.stages.dates import CopyDate, article_date, mentioned_dates
from wirecopy.stages.entities import ENTITIES_VERSION, EntityCount, extract
from wirecopy.stages.segment import line_stats, segment
from wirecopy.stages.stories import (
    AVERAGE,
    AVERAGE_LARGE,
    CENTROID,
    CENTROID_CAP,
    CENTROID_LARGE,
    LARGE_ARCHIVE,
    SMALL_ARCHIVE,
    Grouping,
    Links,
    affected,
    cluster,
    join_bars,
    merge,
    representative,
)
from wirecopy.stages.story_similarity import (
    APART_DAYS,
    COMMON_MIN,
    COMMON_SHARE,
    ENTITY_FULL,
    ENTITY_WEIGHT,
    FLOOR,
    SAME_DAYS,
    SCALE,
    ArticleFeatures,
    Space,
    entity_df,
    entity_weights,
    idf,
    neighbours,
    space,
    term_weights,
    time_factor,
    vectorise,
)

REPO = Path(__file__).resolve().parents[2]
SHARED = shared_dir() / "corpus"
CORPORA = {
    "seeds": (SHARED / "seeds", SHARED / "seeds.gold.json"),
    "examples": (REPO / "examples" / "news", REPO / "examples" / "news.gold.json"),
}
D = date(2026, 3, 2)


# The parts ------------------------------------------------------------------------------------


def test_time_factor() -> None:
    later = date(2026, 3, 2 + SAME_DAYS)
    assert time_factor(D, later, None, None) == 1.0
    assert 0.0 < time_factor(D, date(2026, 3, 20), None, None) < 1.0
    assert time_factor(D, date.fromordinal(D.toordinal() + APART_DAYS + 1), None, None) == 0.0
    assert time_factor(None, None, None, None) == 1.0
    # An undated article written after a date it mentions, long after the other one.
    assert time_factor(D, None, None, date(2026, 9, 1)) == 0.0
    assert time_factor(None, D, date(2026, 9, 1), None) == 0.0
    # Mentioning an old date says nothing: an article may look back.
    assert time_factor(D, None, None, date(2020, 1, 1)) == 1.0


def test_vectors_are_sublinear_and_count_the_title_twice() -> None:
    (one,) = vectorise([("Bridge", "bridge bridge bridge vote the")])
    weights = dict(zip(one.terms.tolist(), one.weights.tolist(), strict=True))
    assert len(weights) == 2  # "the" is a stop word
    assert sorted(weights.values()) == pytest.approx([1.0, 1.0 + np.log(5.0)])
    assert list(one.terms) == sorted(one.terms)


def test_an_entity_named_by_an_acronym_shares_it_with_articles_naming_only_the_acronym(
    tmp_path: Path,
) -> None:
    # Merging folds "U.S." into "United States" within an article; another article naming
    # only "U.S." still shares the entity in story features.
    named = {
        "a-1": [EntityCount("United States", "GPE", 3, ("U.S.", "United States"))],
        "a-2": [EntityCount("U.S.", "GPE", 2, ("U.S.", "US"))],
        "a-3": [EntityCount("United States", "GPE", 1, ("United States",))],
    }
    with Archive.open(tmp_path / "a.db") as archive:
        with archive.transaction() as conn:
            for n, (article_id, entities) in enumerate(named.items()):
                conn.execute(
                    "INSERT INTO articles (id, title, text, text_hash, date, date_evidence) "
                    "VALUES (?, 'T', 'Text.', ?, NULL, '{}')",
                    (article_id, f"h{n}"),
                )
                conn.execute(
                    "INSERT INTO article_terms (article_id, key, terms, weights) "
                    "VALUES (?, '', x'', x'')",
                    (article_id,),
                )
                replace_article_entities(conn, article_id, entities, version=ENTITIES_VERSION)
        held = {f.id: f.entities for f in load_features(archive.conn)}
    assert held == {
        "a-1": {"united states": 3.0, "us": 3.0},
        "a-2": {"us": 2.0},
        "a-3": {"united states": 1.0},
    }


def _pairs(scores: dict[tuple[int, int], float], n: int) -> sparse.csr_matrix:
    """Rounded similarities, both ways, as :func:`merge` takes them."""
    rows = [i for i, j in scores] + [j for i, j in scores]
    cols = [j for i, j in scores] + [i for i, j in scores]
    values = [round(s * SCALE) for s in scores.values()] * 2
    return sparse.csr_matrix((values, (rows, cols)), shape=(n, n), dtype=np.int64)


def _links(found: dict[tuple[int, int], float]) -> Links:
    a, b = zip(*found, strict=True)
    score = [round(s * SCALE) for s in found.values()]
    return Links.of(np.array(a), np.array(b), np.array(score))


def test_links_join_stories_only_when_their_average_holds() -> None:
    ids = ["a", "b", "c", "d"]
    near = {(0, 1): 0.3, (0, 2): 0.2, (1, 2): 0.2, (2, 3): 0.3}
    found = _links({(0, 1): 0.3, (2, 3): 0.3, (0, 2): 0.2})
    # {a, b} and {c, d}: the link a-c holds when the mean over the 4 pairs is high enough.
    assert AVERAGE <= 0.1
    small = SMALL_ARCHIVE
    assert merge(ids, found, _pairs(near, 4), n_documents=small) == [[0, 1, 2, 3]]  # mean 0.1
    del near[(0, 2)], near[(1, 2)]
    assert merge(ids, found, _pairs(near, 4), n_documents=small) == [[0, 1], [2, 3]]  # mean 0.0


def _centroid_cosine(within: float, across: float) -> float:
    """The cosine of the centroids of two stories of two articles each (similar by ``within``
    inside each), ``across`` being the sum of the similarities of their four pairs."""
    inner = 2 + 2 * min(within, float(CENTROID_CAP))
    return across / inner


def test_links_join_stories_only_when_their_centroids_are_close(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two pairs of near copies (0.9 within each, counted as CENTROID_CAP) and two links
    between them: their mean holds, but the centroids are too far apart; a little more
    across brings them close enough."""
    ids = ["a", "b", "c", "d"]
    found = _links({(0, 1): 0.9, (2, 3): 0.9, (0, 2): 0.17})
    near = {(0, 1): 0.9, (0, 2): 0.17, (1, 2): 0.17, (2, 3): 0.9}
    assert AVERAGE <= 0.34 / 4 and _centroid_cosine(0.9, 0.34) < CENTROID
    assert merge(ids, found, _pairs(near, 4), n_documents=SMALL_ARCHIVE) == [[0, 1], [2, 3]]
    near[(0, 2)] = near[(1, 2)] = 0.2
    found = _links({(0, 1): 0.9, (2, 3): 0.9, (0, 2): 0.2})
    assert _centroid_cosine(0.9, 0.4) >= CENTROID
    assert merge(ids, found, _pairs(near, 4), n_documents=SMALL_ARCHIVE) == [[0, 1, 2, 3]]
    # Counted in full, the near copies would have kept them apart still.
    monkeypatch.setattr(stories_module, "CENTROID_CAP", Fraction(1))
    assert merge(ids, found, _pairs(near, 4), n_documents=SMALL_ARCHIVE) == [[0, 1], [2, 3]]


def test_the_bars_of_a_join_rise_with_the_archive() -> None:
    """AVERAGE and CENTROID in a small archive, the LARGE bars from LARGE_ARCHIVE on, and
    between them bars that never fall as the archive grows."""
    assert join_bars(0) == join_bars(SMALL_ARCHIVE) == (AVERAGE, CENTROID)
    assert join_bars(LARGE_ARCHIVE) == join_bars(50 * LARGE_ARCHIVE)
    assert join_bars(LARGE_ARCHIVE) == (AVERAGE_LARGE, CENTROID_LARGE)
    assert AVERAGE < AVERAGE_LARGE and CENTROID < CENTROID_LARGE
    sizes = range(SMALL_ARCHIVE, LARGE_ARCHIVE + 1, 50)
    bars = [join_bars(n) for n in sizes]
    assert all(x <= y for x, y in itertools.pairwise(bars))
    # Halfway on a logarithmic scale, halfway between the bars (to a step of 1/1000).
    middle = join_bars(round(math.sqrt(SMALL_ARCHIVE * LARGE_ARCHIVE)))
    assert float(middle[1]) == pytest.approx(float(CENTROID + CENTROID_LARGE) / 2, abs=1e-3)


def test_two_articles_that_link_in_a_small_archive_stay_apart_in_a_large_one() -> None:
    between = (float(CENTROID) + float(CENTROID_LARGE)) / 2
    found = _links({(0, 1): between})
    near = _pairs({(0, 1): between}, 2)
    assert merge(["a", "b"], found, near, n_documents=SMALL_ARCHIVE) == [[0, 1]]
    assert merge(["a", "b"], found, near, n_documents=LARGE_ARCHIVE) == [[0], [1]]
    # The archive's size has no default: a caller that forgot it would get the small
    # archive's bars without a word.
    with pytest.raises(TypeError, match="n_documents"):
        merge(["a", "b"], found, near)  # type: ignore[call-arg]


def test_the_mean_bar_rises_with_the_archive(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the centroid bar out of the way: two pairs whose mean similarity, over their four
    pairs, is between AVERAGE and AVERAGE_LARGE join in a small archive only."""
    monkeypatch.setattr(stories_module, "CENTROID", Fraction(0))
    monkeypatch.setattr(stories_module, "CENTROID_LARGE", Fraction(0))
    across = 2 * (float(AVERAGE) + float(AVERAGE_LARGE))  # the sum of the four: mean between
    near = {(0, 1): 0.3, (0, 2): across / 2, (1, 2): across / 2, (2, 3): 0.3}
    found = _links({(0, 1): 0.3, (2, 3): 0.3, (0, 2): across / 2})
    ids = ["a", "b", "c", "d"]
    assert merge(ids, found, _pairs(near, 4), n_documents=SMALL_ARCHIVE) == [[0, 1, 2, 3]]
    assert merge(ids, found, _pairs(near, 4), n_documents=LARGE_ARCHIVE) == [[0, 1], [2, 3]]


def test_links_are_taken_strongest_first_and_ties_by_id() -> None:
    # weak joins two articles, but not an article and a pair it is far from.
    weak = (float(CENTROID) + 2 * AVERAGE) / 2
    assert weak >= CENTROID and weak / 2 < AVERAGE
    # b-c is the stronger link: {b, c} forms first, and a's weak link to it fails the mean
    # (taken first, it would have held, and c joined {a, b} after).
    found = {(0, 1): weak, (1, 2): 0.6}
    links, scores = _links(found), _pairs(found, 3)
    assert merge(["a", "b", "c"], links, scores, n_documents=SMALL_ARCHIVE) == [[0], [1, 2]]
    # Two equal links from b: the one to the smallest id is taken first, whatever the order
    # of the rows ("c" is row 0 here), and the other then fails the mean.
    found = {(1, 0): weak, (1, 2): weak}
    links, scores = _links(found), _pairs(found, 3)
    assert merge(["c", "b", "a"], links, scores, n_documents=SMALL_ARCHIVE) == [[0], [1, 2]]
    assert merge(["a", "b", "c"], links, scores, n_documents=SMALL_ARCHIVE) == [[0, 1], [2]]


def features(article_id: str, title: str, text: str, day: date | None = None) -> ArticleFeatures:
    (terms,) = vectorise([(title, text)])
    return ArticleFeatures(article_id, terms, date=day, title=title)


def test_the_same_people_months_apart_are_another_story() -> None:
    text = "Councillor Edda Varn opened the new Saltgate ferry terminal at Portvale harbour."
    same = [
        features("a", "Ferry terminal opens", text, D),
        features("b", "Terminal opens", text, D),
    ]
    assert cluster(same) == [["a", "b"]]
    apart = [same[0], features("b", "Terminal opens", text, date(2026, 9, 2))]
    assert cluster(apart) == [["a"], ["b"]]


@pytest.mark.parametrize("gap", [APART_DAYS, 184])
def test_an_undated_article_does_not_bridge_two_articles_months_apart(gap: int) -> None:
    # Undated, "u" is as close to both; the two dated ones, whose time factor is 0, may not
    # end in one story through it (it joins one of them).
    text = "Councillor Edda Varn opened the new Saltgate ferry terminal at Portvale harbour."
    assert time_factor(D, D + timedelta(days=gap), None, None) == 0.0
    articles = [
        features("a", "Ferry terminal opens", text, D),
        features("u", "Terminal opens", text, None),
        features("z", "Ferry terminal opens again", text, D + timedelta(days=gap)),
    ]
    groups = sorted(sorted(group) for group in cluster(articles))
    assert sorted(map(len, groups)) == [1, 2] and ["a", "z"] not in groups
    for order in itertools.permutations(articles):
        assert sorted(sorted(group) for group in cluster(list(order))) == groups


def test_an_undated_article_mentioning_a_later_day_does_not_bridge_into_the_past() -> None:
    # "u" is undated but names a day half a year after "a": it was written then or later.
    text = "Councillor Edda Varn opened the new Saltgate ferry terminal at Portvale harbour."
    late = features("u", "Terminal opens", text, None)
    late.mentioned = date(2026, 9, 1)
    articles = [features("a", "Ferry terminal opens", text, D), late]
    assert cluster(articles) == [["a"], ["u"]]
    near = features("n", "Terminal opens", text, None)
    found = sorted(sorted(group) for group in cluster([*articles, near]))
    assert found in ([["a", "n"], ["u"]], [["a"], ["n", "u"]])


# Terms common to many articles -----------------------------------------------------------------


def test_articles_in_another_language_are_not_alike_by_its_function_words() -> None:
    # Two German articles on unrelated subjects share dozens of function words ("der", "und",
    # "nicht"); in a small archive nothing discounts them, so they joined when only English
    # stop words were left out. Two reports of one event still join.
    texts = json.loads((REPO / "tests" / "data" / "other_languages.json").read_text("utf-8"))
    bakery, again, coach = (
        features(name, *texts[name]) for name in ("de_bakery", "de_bakery_again", "de_coach")
    )
    assert cluster([bakery, coach]) == [["de_bakery"], ["de_coach"]]
    assert cluster([bakery, coach, again]) == [["de_bakery", "de_bakery_again"], ["de_coach"]]


def test_articles_in_chinese_are_compared_by_pairs_of_characters() -> None:
    # Chinese prints no spaces: whole runs of characters as terms, two outlets' own reports
    # of one event shared almost none of them.
    folder = REPO / "tests" / "data" / "unspaced"
    texts = {
        name: (folder / f"{name}.txt").read_text("utf-8").split("\n\n", 1)
        for name in ("bridge", "bridge_report", "school_games")
    }
    found = cluster([features(name, title, body) for name, (title, body) in texts.items()])
    assert found == [["bridge", "bridge_report"], ["school_games"]]


def test_terms_in_many_articles_weigh_less() -> None:
    n = 40 * COMMON_MIN
    common = max(COMMON_MIN, COMMON_SHARE * n)
    df = np.array([1.0, common, 2 * common, 4 * common])
    assert term_weights(df, n)[:2] == pytest.approx(idf(df[:2], n))
    assert term_weights(df, n)[2:] == pytest.approx(idf(df[2:], n) * [1 / 2, 1 / 4])
    # A small archive discounts no term of COMMON_MIN articles or fewer, however common.
    small = np.array([float(COMMON_MIN)])
    assert term_weights(small, COMMON_MIN + 1) == pytest.approx(idf(small, COMMON_MIN + 1))


def newswire(seed: int, crowd: int, event: int, others: int) -> list[ArticleFeatures]:
    """``crowd`` articles cast in one template (a few template words, each with its own
    figure, under a title naming its own subject), ``event`` articles on one event (each
    retells some of its ten facts: names, common words and a figure), and ``others`` on
    subjects of their own. Ids start with t, e and o."""
    rng = random.Random(seed)
    letters = "bcdfghjklmnprstvz"

    def word() -> str:
        return "".join(rng.choice(letters) + rng.choice("aeiou") for _ in range(3))

    def figure() -> str:
        return f"{rng.randint(100, 999)},{rng.randint(100, 999)}"

    language = [word() for _ in range(400)]
    template = [word() for _ in range(6)]
    names = [word() for _ in range(10)]
    facts = [[*rng.sample(names, 2), *rng.sample(language, 8), figure()] for _ in range(10)]
    found = []
    for k in range(crowd):
        body = " ".join(f"{w} {figure()}" for w in template)
        title = f"{word()} {word()} {template[0]} {template[1]}"
        found.append(features(f"t{k:04d}", title, body, D))
    for k in range(event):
        told = [w for fact in facts if rng.random() < 0.6 for w in fact]
        body = " ".join([*told, *rng.sample(language, 10), word(), word()])
        found.append(features(f"e{k:04d}", " ".join(rng.sample(names, 3)), body, D))
    for k in range(others):
        own = [word() for _ in range(8)]
        body = " ".join([*own, *rng.sample(language, 12)])
        found.append(features(f"o{k:04d}", " ".join(own[:3]), body, D))
    return found


@pytest.mark.parametrize("seed", [0, 1])
def test_articles_cast_in_one_template_are_not_one_story(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A template shared by 15% of a large archive links none of its articles; an event
    of 150 articles in the same archive stays one story."""
    articles = newswire(seed, crowd=300, event=150, others=1550)
    event = sorted(a.id for a in articles if a.id.startswith("e"))

    def crowd_sizes() -> list[int]:
        return [sum(a.startswith("t") for a in group) for group in cluster(articles)]

    assert event in cluster(articles)
    assert max(crowd_sizes()) <= 3
    # Without the discount and the centroid test, the template alone chains its articles
    # into stories of dozens.
    monkeypatch.setattr(similarity_module, "COMMON_MIN", len(articles))
    monkeypatch.setattr(stories_module, "CENTROID", Fraction(0))
    monkeypatch.setattr(stories_module, "CENTROID_LARGE", Fraction(0))
    assert max(crowd_sizes()) > 30


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_an_event_of_most_of_a_small_archive_stays_one_story(seed: int) -> None:
    articles = newswire(seed, crowd=0, event=150, others=100)
    df: Counter[int] = Counter()
    for art in articles:
        df.update(art.terms.terms.tolist())
    common = max(COMMON_MIN, COMMON_SHARE * len(articles))
    assert sum(n > common for n in df.values()) >= 5  # its words are discounted
    event = sorted(a.id for a in articles if a.id.startswith("e"))
    assert event in cluster(articles)


def multi_outlet(seed: int, copies: int, own: int, others: int) -> list[ArticleFeatures]:
    """One event as many outlets print it: ``copies`` edited copies of one wire story (a
    quarter of its words dropped, a few of the outlet's own added: near copies of each
    other) and ``own`` articles written by the outlets themselves (each retells some of the
    event's ten facts in words of its own), among ``others`` articles on subjects of their
    own. Ids start with c, e and o."""
    rng = random.Random(seed)
    letters = "bcdfghjklmnprstvz"

    def word() -> str:
        return "".join(rng.choice(letters) + rng.choice("aeiou") for _ in range(3))

    language = [word() for _ in range(400)]
    names = [word() for _ in range(10)]
    facts = [[*rng.sample(names, 2), *rng.sample(language, 8), str(rng.randint(100, 999))]]
    facts += [[*rng.sample(names, 2), *rng.sample(language, 8)] for _ in range(9)]
    wire = [w for fact in facts for w in fact] + rng.sample(language, 20)
    found = []
    for k in range(copies):
        body = [w for w in wire if rng.random() > 0.25] + [word() for _ in range(5)]
        found.append(features(f"c{k:04d}", " ".join(rng.sample(names, 3)), " ".join(body), D))
    for k in range(own):
        told = [w for fact in facts if rng.random() < 0.3 for w in fact]
        body = [*told, *rng.sample(language, 30), *(word() for _ in range(10))]
        title = " ".join([*rng.sample(names, 2), word()])
        found.append(features(f"e{k:04d}", title, " ".join(body), D))
    for k in range(others):
        mine = [word() for _ in range(8)]
        text = " ".join([*mine, *rng.sample(language, 12)])
        found.append(features(f"o{k:04d}", " ".join(mine[:3]), text, D))
    return found


@pytest.mark.parametrize(("seed", "others"), [(0, 300), (1, 1000)])
def test_a_multi_outlet_event_around_near_copies_stays_one_story(
    seed: int, others: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Near copies of a wire story make a tight core (its centroid far from any one article
    written apart): the centroid test, with each similarity counted at most CENTROID_CAP,
    takes no article of the event away, and lets none in."""
    articles = multi_outlet(seed, copies=30, own=30, others=others)
    event = {a.id for a in articles if not a.id.startswith("o")}

    def story() -> set[str]:
        return max((set(group) for group in cluster(articles)), key=lambda g: len(g & event))

    found = story()
    assert found <= event and len(found) >= 0.95 * len(event)
    monkeypatch.setattr(stories_module, "CENTROID", Fraction(0))
    monkeypatch.setattr(stories_module, "CENTROID_LARGE", Fraction(0))
    assert story() == found


def test_few_entities_weigh_less() -> None:
    """Two articles that name only one entity, the same: their entity cosine is 1, but it
    counts for W × 1 / ENTITY_FULL of their similarity, not W."""
    one = features("a", "Bridge vote", "council bridge vote tonight", D)
    two = features("b", "Budget vote", "council budget vote tomorrow", D)
    one.entities = two.entities = {"harbour board": 1.0}
    articles = [one, two]
    term_df: Counter[int] = Counter()
    for art in articles:
        term_df.update(art.terms.terms.tolist())
    sp = space(articles, term_df, entity_df(articles), 2)
    text = float(sp.text[0].toarray()[0] @ sp.text[1].toarray()[0])
    assert text >= FLOOR
    w = ENTITY_WEIGHT / ENTITY_FULL
    expected = (1 - w) * text + w * 1.0
    assert int(neighbours(sp, [0]).toarray()[0, 1]) == pytest.approx(expected * SCALE, abs=1)
    assert entity_weights(sp, np.array([0]), np.array([1])) == pytest.approx([w])


def _entity_pair(entities_a: dict[str, float], entities_b: dict[str, float]) -> Space:
    """Two articles cast in one template (their texts alike), naming the given entities."""
    one = features("a", "Company sells notes", "the company sold notes due 1997 via dealers", D)
    two = features("b", "Company sells notes", "the company sold notes due 1999 via dealers", D)
    one.entities, two.entities = entities_a, entities_b
    articles = [one, two]
    term_df: Counter[int] = Counter()
    for art in articles:
        term_df.update(art.terms.terms.tolist())
    return space(articles, term_df, entity_df(articles), 2)


def test_articles_naming_many_entities_and_none_in_common_are_apart() -> None:
    """Alike in text, each naming ENTITY_FULL entities and none of the other's: two subjects
    of one template, not one event (s = 0). One entity in common, or fewer entities named,
    and s is the weighted sum again."""
    own_a = {f"alpha {k}": 1.0 for k in range(ENTITY_FULL)}
    own_b = {f"beta {k}": 1.0 for k in range(ENTITY_FULL)}
    sp = _entity_pair(own_a, own_b)
    text = float(sp.text[0].toarray()[0] @ sp.text[1].toarray()[0])
    assert text > 0.5
    assert neighbours(sp, [0]).nnz == 0 and neighbours(sp, [1]).nnz == 0
    assert cluster([_article(sp, 0, own_a), _article(sp, 1, own_b)]) == [["a"], ["b"]]
    # One entity in common: the formula, its entity part small but not zero.
    shared = {**own_b, "alpha 0": 1.0}
    sp = _entity_pair(own_a, shared)
    ents = float(sp.ents[0].toarray()[0] @ sp.ents[1].toarray()[0])
    expected = (1 - ENTITY_WEIGHT) * text + ENTITY_WEIGHT * ents
    assert 0 < ents < 0.5
    assert int(neighbours(sp, [0]).toarray()[0, 1]) == pytest.approx(expected * SCALE, abs=1)
    # Fewer entities than ENTITY_FULL on one side: too little evidence to keep them apart.
    fewer = dict(list(own_b.items())[: ENTITY_FULL - 1])
    sp = _entity_pair(own_a, fewer)
    w = ENTITY_WEIGHT * (ENTITY_FULL - 1) / ENTITY_FULL
    found = int(neighbours(sp, [0]).toarray()[0, 1])
    assert found == pytest.approx((1 - w) * text * SCALE, abs=1)


def _article(sp: Space, i: int, entities: dict[str, float]) -> ArticleFeatures:
    title = "Company sells notes"
    year = "1997" if i == 0 else "1999"
    art = features(sp.ids[i], title, f"the company sold notes due {year} via dealers", D)
    art.entities = entities
    return art


# Similarities and incremental placement on generated articles ---------------------------------


def generated(seed: int, n: int, topics: int = 6) -> list[ArticleFeatures]:
    """``n`` articles on ``topics`` topics: each topic has its own words, every article some
    common ones; dates within a few days of their topic's, or none, or a mentioned date."""
    rng = random.Random(seed)
    letters = "bcdfghjklmnprstvz"

    def word() -> str:
        return "".join(rng.choice(letters) + rng.choice("aeiou") for _ in range(3))

    common = [word() for _ in range(40)]
    themes = [([word() for _ in range(12)], D + timedelta(days=9 * t)) for t in range(topics)]
    found = []
    for k in range(n):
        words, day = themes[rng.randrange(topics)]
        body = [rng.choice(words if rng.random() < 0.5 else common) for _ in range(30)]
        title = " ".join(rng.sample(words, 3))
        when = rng.choice([day, day + timedelta(days=rng.randint(0, 5)), None])
        art = features(f"a{k:03d}", title, " ".join(body), when)
        art.mentioned = date(2026, 9, 1) if when is None and rng.random() < 0.2 else None
        found.append(art)
    return found


def _space(articles: list[ArticleFeatures]) -> Space:
    term_df: Counter[int] = Counter()
    for art in articles:
        term_df.update(art.terms.terms.tolist())
    return space(articles, term_df, {}, len(articles))


@given(seed=st.integers(0, 10_000))
@settings(max_examples=15, deadline=None, derandomize=True, database=None)
def test_similarities_are_the_documented_formula_and_symmetric(seed: int) -> None:
    articles = generated(seed, 40)
    sp = _space(articles)
    found = neighbours(sp, range(len(articles))).toarray()
    assert (found == found.T).all()  # the same integer whichever row it is worked out in
    text = sp.text.toarray()
    for i, a in enumerate(articles):
        for j, b in enumerate(articles):
            cosine = float(text[i] @ text[j])
            s = time_factor(a.date, b.date, a.mentioned, b.mentioned) * cosine
            expected = round(s * SCALE) if i != j and s >= FLOOR else 0
            assert abs(int(found[i, j]) - expected) <= 1, (i, j, s)


def _apply(grouping: Grouping, story_of: list[str | None], label: str) -> list[str | None]:
    now = list(story_of)
    for n, group in enumerate(grouping.groups):
        for i in group:
            now[i] = f"{label}{n}"
    return now


def _partition(story_of: list[str | None]) -> set[frozenset[int]]:
    groups: dict[str | None, set[int]] = {}
    for i, story in enumerate(story_of):
        groups.setdefault(story, set()).add(i)
    return {frozenset(g) for g in groups.values()}


def _stories(story_of: list[str | None]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for i, story in enumerate(story_of):
        found.setdefault(story or "", []).append(i)
    return found


@given(seed=st.integers(0, 10_000), dirty=st.sets(st.integers(0, 59), min_size=1, max_size=12))
@settings(max_examples=25, deadline=None, derandomize=True, database=None)
def test_placing_again_what_changed_is_grouping_all_at_once(seed: int, dirty: set[int]) -> None:
    """For fixed similarities, regrouping what some articles affect (as a new or changed
    article, or one whose story lost an article) gives the stories of grouping all at once."""
    articles = generated(seed, 60)
    sp = _space(articles)
    n = len(articles)
    once = _apply(affected(sp, range(n), {}, [None] * n), [None] * n, "s")
    again = _apply(affected(sp, dirty, _stories(once), once), once, "t")
    assert _partition(again) == _partition(once)
    # New articles: the others grouped first without them, then the new ones placed.
    old = [i for i in range(n) if i not in dirty]
    before = _apply(affected(sp, old, {}, [None] * n), [None] * n, "s")
    for i in dirty:
        before[i] = None  # not placed yet
    placed = affected(sp, dirty, _stories([s if s else None for s in before]), before)
    assert _partition(_apply(placed, before, "t")) == _partition(once)


def test_a_large_story_reached_through_links_is_kept_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    articles = generated(3, 60, topics=2)
    first = articles[0]
    articles.append(features("zz", first.title or "", "a copy of the first one", first.date))
    articles[-1].terms = first.terms  # the same words: its nearest is article 0
    sp = _space(articles)
    n = len(articles)
    once = _apply(affected(sp, range(n), {}, [None] * n), [None] * n, "s")
    before = [*once[:-1], None]  # the copy is new: placed alone after the others
    story = [i for i in range(n - 1) if before[i] == before[0]]
    assert len(story) > 2
    monkeypatch.setattr(stories_module, "KEEP_WHOLE", len(story) - 1)
    grouping = affected(sp, [n - 1], _stories(before), before)
    assert [i for i in range(n) if grouping.held[i]] == story  # in whole, without rows
    assert [*story, n - 1] in grouping.groups  # the copy joins it
    assert _partition(_apply(grouping, before, "t")) == _partition(once)
    # A story holding a dirty article is grouped again, whatever its size.
    freed = affected(sp, [0], _stories(once), once)
    assert not freed.held.any()
    assert _partition(_apply(freed, once, "t")) == _partition(once)


def test_stories_kept_whole_are_not_split(monkeypatch: pytest.MonkeyPatch) -> None:
    articles = generated(5, 60, topics=3)
    n = len(articles)
    once = _apply(affected(_space(articles), range(n), {}, [None] * n), [None] * n, "s")
    # A copy of an article of each of two stories comes in: both stories are reached.
    other = next(i for i in range(n) if once[i] != once[0])
    for k, i in enumerate((0, other)):
        copy = features(f"zz{k}", articles[i].title or "", "copy", articles[i].date)
        copy.terms = articles[i].terms
        articles.append(copy)
    sp = _space(articles)
    before: list[str | None] = [*once, None, None]
    monkeypatch.setattr(stories_module, "KEEP_WHOLE", 1)
    grouping = affected(sp, [n, n + 1], _stories(before), before)
    held = {before[i] for i in range(n) if grouping.held[i]}
    assert {once[0], once[other]} <= held
    for story in held:
        inside = {i for i in range(n) if before[i] == story}
        assert any(inside <= set(group) for group in grouping.groups)
    assert (grouping.scores != grouping.scores.T).nnz == 0
    assert grouping.scores.diagonal().sum() == 0


def test_the_representative_is_the_closest_when_titles_and_copies_tie() -> None:
    text = "Ferry terminal opens at Portvale harbour after delays and a dispute over fares"
    articles = [
        features("a", "Ferry terminal opens", text + " councillors cheered", D),
        features("b", "Ferry terminal opens", text, D),
        features("c", "Ferry terminal opens", text + " tourists", D),
    ]
    sp = _space(articles)
    grouping = affected(sp, range(3), {}, [None] * 3)
    assert grouping.groups == [[0, 1, 2]]
    titles = [a.title for a in articles]
    totals = grouping.closeness([0, 1, 2])
    best = representative([0, 1, 2], titles, [1, 1, 1], sp.ids, grouping.closeness)
    assert totals[best] == max(totals)
    # More copies beat closeness; a title beats copies.
    assert representative([0, 1, 2], titles, [1, 1, 3], sp.ids, grouping.closeness) == 2
    assert representative([0, 1, 2], [None, None, "t"], [5, 5, 1], sp.ids, grouping.closeness) == 2


# The gold corpora, stage by stage ---------------------------------------------------------------


def _pages(root: Path) -> list[Page]:
    pages: list[Page] = []
    for source in discover([root]):
        pages.extend(p for p in read(source, BuildConfig()) if not isinstance(p, Skipped))
    return [p for p in pages if p.status == PAGE_OK]


def stage_articles(root: Path) -> tuple[list[ArticleFeatures], list[tuple[str, str, None]]]:
    """Articles by segmentation and exact grouping of copies, with entities and dates."""
    pages = _pages(root)
    results = segment(pages, line_stats(pages))
    groups: dict[str, list[tuple[Copy, CopyDate]]] = {}
    for result in results:
        for copy in result.copies:
            dateline = next(
                (b.text for b in result.blocks if b.copy_seq == copy.seq and b.label == "dateline"),
                None,
            )
            evidence = CopyDate(
                copy.page_id, copy.seq, copy.date, dateline, result.page.published, copy.caption
            )
            groups.setdefault(copy.text_hash, []).append((copy, evidence))
    docs, dates, texts = [], {}, []
    for text_hash, copies in sorted(groups.items()):
        canonical = min((c for c, _ in copies), key=lambda c: (c.page_id, c.seq))
        article_id = "a-" + text_hash[:12]
        docs.append((article_id, canonical.title, canonical.text))
        dates[article_id] = article_date([evidence for _, evidence in copies])[0]
        texts.append((article_id, canonical.text, None))
    found = extract(pipeline(), docs)
    vectors = vectorise([(title, text) for _, title, text in docs])
    articles = []
    for (article_id, title, text), terms in zip(docs, vectors, strict=True):
        keys: Counter[str] = Counter()
        for entity in found[article_id]:
            for key in entity_keys(entity.text, entity.mentions):
                keys[key] += entity.count
        mentioned = mentioned_dates(text)
        day = dates[article_id]
        articles.append(
            ArticleFeatures(
                article_id,
                terms,
                entities=dict(keys),
                date=date.fromisoformat(day) if day else None,
                mentioned=max(mentioned) if mentioned else None,
                title=title,
            )
        )
    return articles, texts


@pytest.mark.parametrize("name", sorted(CORPORA))
def test_stages_find_the_gold_stories(name: str) -> None:
    root, gold_path = CORPORA[name]
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    articles, texts = stage_articles(root)
    labels, _, unmatched = gold_labels(gold, texts)
    assert not unmatched
    story_of = {article_id: n for n, group in enumerate(cluster(articles)) for article_id in group}
    result = scores(story_of, labels)
    assert result["f1"] == 1.0 and result["ari"] == 1.0, result


# Order independence through the archive ---------------------------------------------------------


Record = dict[str, Any]


@pytest.fixture(scope="module")
def example_articles(tmp_path_factory: pytest.TempPathFactory) -> list[Record]:
    """The example corpus's articles as a build leaves them, with their entities."""
    from wirecopy.build import build

    db = tmp_path_factory.mktemp("examples") / "e.db"
    build([CORPORA["examples"][0]], db)
    with Archive.open(db) as archive:
        rows = archive.conn.execute(
            "SELECT id, title, text, text_hash, date FROM articles ORDER BY id"
        ).fetchall()
        found = []
        for row in rows:
            entities = [
                EntityCount(e["text"], e["label"], e["count"])
                for e in archive.conn.execute(
                    "SELECT e.text, e.label, ae.count FROM article_entities ae "
                    "JOIN entities e ON e.id = ae.entity_id WHERE ae.article_id = ?",
                    (row["id"],),
                )
            ]
            found.append({**dict(row), "entities": entities})
    return found


def stories_after(
    db: Path,
    articles: list[Record],
    batches: list[list[int]],
    *,
    incremental: bool = True,
    drift: list[float] | None = None,
) -> dict[str, str]:
    """Add the articles batch by batch (a derive after each); the final story of each.

    ``incremental``: regroup only what each batch affects, as a large archive does (a small
    one regroups everything, see `wirecopy.derive.FULL_REGROUP`), and everything as the archive
    grows past each of `wirecopy.derive.regroup_sizes`. ``drift``: filled with the pairwise F1,
    after each batch, of the archive's stories against grouping what it holds then at once."""
    full = derive_module.FULL_REGROUP
    derive_module.FULL_REGROUP = 0 if incremental else full
    try:
        return _stories_after(db, articles, batches, drift)
    finally:
        derive_module.FULL_REGROUP = full


def _stories_after(
    db: Path, articles: list[Record], batches: list[list[int]], drift: list[float] | None
) -> dict[str, str]:
    with Archive.open(db) as archive:
        for batch in batches:
            with archive.transaction() as conn:
                for i in batch:
                    art = articles[i]
                    conn.execute(
                        "INSERT INTO articles (id, title, text, text_hash, date, date_evidence) "
                        "VALUES (?, ?, ?, ?, ?, '{}')",
                        (art["id"], art["title"], art["text"], art["text_hash"], art["date"]),
                    )
                    replace_article_entities(
                        conn, art["id"], art["entities"], version=ENTITIES_VERSION
                    )
            derive(archive, entities=False)
            if drift is not None:
                held = load_features(archive.conn)
                now = {f.id: f.story or "" for f in held}
                once = {a: str(n) for n, group in enumerate(cluster(held)) for a in group}
                drift.append(scores(now, once)["f1"])
        rows = archive.conn.execute("SELECT id, story_id FROM articles").fetchall()
        return {row[0]: row[1] for row in rows}


TOLERANCE = 0.9
"""Pairwise F1 of stories built in any order against stories built at once (README)."""
EXAMPLE_ARTICLES = 15
"""Articles of the example corpus (the orders below are permutations of their indices)."""


@pytest.fixture(scope="module")
def at_once(
    example_articles: list[Record], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    n = len(example_articles)
    db = tmp_path_factory.mktemp("once") / "a.db"
    return stories_after(db, example_articles, [list(range(n))])


@given(
    order=st.permutations(range(EXAMPLE_ARTICLES)),
    cuts=st.sets(st.integers(1, EXAMPLE_ARTICLES - 1), max_size=4),
)
# Found by a reviewer (pairwise F1 0.88 before regroups on growth): with the IDF of the first
# 8 articles, article 5 is just below the link threshold of its story; the 7 added after
# bring it above, though none of them comes near that story.
@example(order=[0, 1, 2, 3, 4, 5, 8, 9, 6, 7, 10, 11, 12, 13, 14], cuts={8})
# Found by a sweep: F1 0.8 after the third batch (8 articles) before regroups on growth.
@example(order=[5, 13, 6, 11, 8, 4, 0, 7, 1, 14, 12, 3, 9, 10, 2], cuts={4, 6, 8})
@example(order=list(range(EXAMPLE_ARTICLES)), cuts={13, 14})
@example(order=list(reversed(range(EXAMPLE_ARTICLES))), cuts={1, 5, 9, 12})
@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,  # the same draws on every run: CI fails for a change, never by chance
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_stories_do_not_depend_on_build_order(
    order: list[int],
    cuts: set[int],
    example_articles: list[Record],
    at_once: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    n = len(example_articles)
    assert n == EXAMPLE_ARTICLES
    points = sorted(cuts)
    batches = [list(order[a:b]) for a, b in zip([0, *points], [*points, n], strict=True)]
    drift: list[float] = []
    db = tmp_path_factory.mktemp("order") / "a.db"
    in_order = stories_after(db, example_articles, batches, drift=drift)
    assert all(in_order.values())
    assert scores(in_order, at_once)["f1"] >= TOLERANCE
    # After every batch, not only at the end: an archive of 15 articles is regrouped whole
    # (15 is one of the regroup sizes), one of 13 or 14 only where the batch reached.
    assert min(drift) >= TOLERANCE, drift


def test_a_small_archive_is_grouped_exactly_the_same_in_any_order(
    example_articles: list[Record], tmp_path: Path
) -> None:
    n = len(example_articles)
    at_once = stories_after(tmp_path / "a.db", example_articles, [list(range(n))])
    for k, order in enumerate([list(reversed(range(n))), [*range(1, n, 2), *range(0, n, 2)]]):
        batches = [order[: n // 3], order[n // 3 :]]
        found = stories_after(tmp_path / f"{k}.db", example_articles, batches, incremental=False)
        assert found == at_once


def test_the_example_corpus_is_grouped_the_same_in_any_order(
    example_articles: list[Record], tmp_path: Path
) -> None:
    n = len(example_articles)
    at_once = stories_after(tmp_path / "once.db", example_articles, [list(range(n))])
    one_by_one = stories_after(tmp_path / "one.db", example_articles, [[i] for i in range(n)])
    backwards = stories_after(
        tmp_path / "back.db", example_articles, [[i] for i in reversed(range(n))]
    )
    assert scores(one_by_one, at_once)["f1"] == scores(backwards, at_once)["f1"] == 1.0
