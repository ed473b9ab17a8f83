"""Stories: the similarity's parts, the grouping rule, the gold corpora, order independence.

The gold checks here run the stages on their own (segmentation, exact grouping of copies,
entities, dates, clustering) so they do not depend on how the build wires them; the
end-to-end checks through `wirecopy build` are in ``tests/test_derive.py``.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import shared_dir
from wirecopy import derive as derive_module
from wirecopy.archive.db import Archive
from wirecopy.archive.entities import replace_article_entities
from wirecopy.archive.stories import load_features
from wirecopy.config import BuildConfig
from wirecopy.derive import derive, pipeline
from wirecopy.evaluate import gold_labels, scores
from wirecopy.readers import Skipped, discover, read
from wirecopy.records import PAGE_OK, Copy, Page
from wirecopy.stages.dates import CopyDate, article_date, mentioned_dates
from wirecopy.stages.entities import ENTITIES_VERSION, EntityCount, extract
from wirecopy.stages.segment import line_stats, segment
from wirecopy.stages.stories import (
    APART_DAYS,
    SAME_DAYS,
    ArticleFeatures,
    cluster,
    entity_key,
    merge,
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


def test_entity_keys_ignore_case_and_punctuation() -> None:
    assert entity_key("Al-Sadr") == entity_key("al sadr") == "al sadr"


def test_links_join_stories_only_when_their_average_holds() -> None:
    ids = ["a", "b", "c", "d"]
    near = {
        0: {1: 0.5, 2: 0.2},
        1: {0: 0.5, 2: 0.2},
        2: {0: 0.2, 1: 0.2, 3: 0.5},
        3: {2: 0.5},
    }
    edges = {0: {1: 0.5}, 1: {0: 0.5}, 2: {3: 0.5, 0: 0.2}, 3: {2: 0.5}}
    # {a, b} and {c, d}: the link a-c holds when the mean over the 4 pairs is high enough.
    assert merge(ids, range(4), edges, near) == [[0, 1, 2, 3]]  # mean 0.1
    near[2] = {3: 0.5}
    near[0] = {1: 0.5}
    assert merge(ids, range(4), edges, near) == [[0, 1], [2, 3]]  # mean 0.0


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
            keys[entity_key(entity.text)] += entity.count
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
