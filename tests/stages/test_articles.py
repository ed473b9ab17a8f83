"""Grouping copies into articles (`wirecopy.stages.articles`), on segmented pages.

The quality bar of the articles issue, checked against the gold files only: every article is
identified by its gold first and last sentences, never by what the program printed.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import shared_dir
from wirecopy.config import BuildConfig
from wirecopy.readers import Skipped, discover, read
from wirecopy.records import PAGE_OK, Copy
from wirecopy.stages.articles import (
    FULL,
    PARTIAL,
    CopyInput,
    Grouping,
    Signature,
    group,
    printed_key,
    sign,
)
from wirecopy.stages.copies import text_hash
from wirecopy.stages.segment import line_stats, segment
from wirecopy.textnorm import normalize

REPO = Path(__file__).resolve().parents[2]
SHARED = shared_dir() / "corpus"


def _copies(root: Path) -> list[Copy]:
    pages = [
        p
        for source in discover([root])
        for p in read(source, BuildConfig())
        if not isinstance(p, Skipped) and p.status == PAGE_OK
    ]
    return [c for r in segment(pages, line_stats(pages)) for c in r.copies]


def _signed(copies: list[Copy]) -> list[Signature]:
    return sign(
        [
            CopyInput(c.page_id, c.seq, c.text, c.text_hash, c.date, c.title, c.caption, c.source)
            for c in copies
        ]
    )


_CACHE: dict[str, tuple[dict[str, Any], list[Copy], Grouping]] = {}


def _run(name: str) -> tuple[dict[str, Any], list[Copy], Grouping]:
    if name not in _CACHE:
        root, gold = {
            "seeds": (SHARED / "seeds", SHARED / "seeds.gold.json"),
            "examples": (REPO / "examples" / "news", REPO / "examples" / "news.gold.json"),
        }[name]
        copies = _copies(root)
        _CACHE[name] = (json.loads(gold.read_text("utf-8")), copies, group(_signed(copies)))
    return _CACHE[name]


def _gold_key(gold: dict[str, Any], copy: Copy) -> str | None:
    """The gold article a copy holds: its first or its last sentence is in the copy."""
    text = normalize(copy.text)
    keys = [
        key
        for key, article in gold["articles"].items()
        if normalize(article["first"]) in text or normalize(article["last"]) in text
    ]
    assert len(keys) <= 1, f"{copy.page_id}#{copy.seq} holds several gold articles: {keys}"
    return keys[0] if keys else None


def _check(name: str) -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
    """Check gold grouping; return gold and, per gold article, {page: kind} as grouped."""
    gold, copies, grouping = _run(name)
    where = {(p.page_id, p.seq): p for p in grouping.placements}
    by_gold: dict[str, set[str]] = defaultdict(set)  # gold article -> our article ids
    by_ours: dict[str, set[str]] = defaultdict(set)  # our article -> gold articles
    kinds: dict[str, dict[str, str]] = defaultdict(dict)
    for copy in copies:
        key = _gold_key(gold, copy)
        placed = where[(copy.page_id, copy.seq)]
        if key is None:
            continue
        by_gold[key].add(placed.article_id)
        by_ours[placed.article_id].add(key)
        kinds[key][copy.page_id] = placed.kind
    for key, article in gold["articles"].items():
        assert set(kinds[key]) == set(article["copies"]), f"{key}: pages"
        assert len(by_gold[key]) == 1, f"{key} is split over articles {sorted(by_gold[key])}"
    for article_id, keys in by_ours.items():
        assert len(keys) == 1, f"{article_id} merges gold articles {sorted(keys)}"
    return gold, kinds


def test_seeds_articles() -> None:
    gold, kinds = _check("seeds")
    _, copies, grouping = _run("seeds")
    assert len(grouping.articles) == len(gold["articles"])
    for key, article in gold["articles"].items():
        copies_of: dict[str, str] = article["copies"]
        # A gold "partial" or "teaser" copy is a partial one; an article's only copy is its
        # full text whatever it holds, since there is nothing longer to measure it against.
        expected = {
            page: FULL if how == "full" or len(copies_of) == 1 else PARTIAL
            for page, how in copies_of.items()
        }
        assert kinds[key] == expected, key
    assert len({(p.page_id, p.seq) for p in grouping.placements}) == len(copies)


def _printed(copy: Copy) -> tuple[str, ...]:
    return printed_key(copy.text, copy.title, copy.caption, copy.date, copy.source)


@pytest.mark.parametrize("name", ["seeds", "examples"])
def test_similarity_is_one_exactly_for_copies_printed_as_the_canonical_copy(name: str) -> None:
    """Exact (body with white space normalised, title, caption, date, source: all equal to
    the canonical copy's) gives 1.0; anything else printed differently is below 1."""
    _, copies, grouping = _run(name)
    by_key = {(c.page_id, c.seq): c for c in copies}
    where = {(p.page_id, p.seq): p for p in grouping.placements}
    for article in grouping.articles:
        canon = _printed(by_key[article.canonical])
        for key in article.copies:
            similarity = where[key].similarity
            assert 0.0 <= similarity <= 1.0
            assert (similarity == 1.0) == (_printed(by_key[key]) == canon), key


def test_seeds_edited_copy_is_near_and_canonical_is_the_version_most_ran() -> None:
    """The gold article printed on most pages: the copies printed alike (compared here, not
    assumed) are exact to each other; the edited one (the issue's quality bar: the page whose
    text differs from the others', here by not printing the gold caption) is near, with
    similarity below 1."""
    gold, copies, grouping = _run("seeds")
    where = {(p.page_id, p.seq): p for p in grouping.placements}
    key = max(gold["articles"], key=lambda k: len(gold["articles"][k]["copies"]))
    caption = normalize(gold["articles"][key]["caption"])
    held = [c for c in copies if _gold_key(gold, c) == key]
    forms: dict[tuple[str, ...], list[Copy]] = defaultdict(list)
    for copy in held:
        forms[_printed(copy)].append(copy)
    most = max(len(v) for v in forms.values())
    (article,) = {where[(c.page_id, c.seq)].article_id for c in held}
    (art,) = [a for a in grouping.articles if a.id == article]
    canon = next(c for c in held if (c.page_id, c.seq) == art.canonical)
    assert len(forms[_printed(canon)]) == most > 1
    assert canon.caption and normalize(canon.caption) == caption
    texts = {c.page_id: normalize((SHARED / "seeds" / c.page_id).read_text("utf-8")) for c in held}
    edited = [c for c in held if caption not in texts[c.page_id]]
    assert 0 < len(edited) < len(held)
    assert all(where[(c.page_id, c.seq)].similarity < 1.0 for c in edited)
    for copy in held:
        exact = _printed(copy) == _printed(canon)
        assert (where[(copy.page_id, copy.seq)].similarity == 1.0) == exact


_QUOTES = {"'": "\u2019", '"': "\u201c"}


@settings(max_examples=60, deadline=None)
@given(
    words=st.lists(
        st.sampled_from(["don't", "it's", '"yes"', "word", "other", "Qaani's", "the", "vote"]),
        min_size=8,
        max_size=60,
    ),
    curl=st.lists(st.booleans(), min_size=60, max_size=60),
    spaces=st.lists(st.sampled_from([" ", "  ", "\n", "\n\n", " \n\n "]), min_size=60, max_size=60),
    caption=st.booleans(),
)
def test_similarity_below_one_iff_printed_text_differs_beyond_white_space(
    words: list[str], curl: list[bool], spaces: list[str], caption: bool
) -> None:
    """Perturb the quotes, apostrophes and white space of a body (and maybe the caption):
    the copy is grouped with the original, and its similarity is below 1 exactly when what
    it prints differs beyond white space."""
    original = " ".join(words)
    edited_words = []
    for word, c in zip(words, curl, strict=False):
        if c:
            for plain, fancy in _QUOTES.items():
                word = word.replace(plain, fancy)
        edited_words.append(word)
    edited = "".join(w + sp for w, sp in zip(edited_words, spaces, strict=False)).strip()
    sigs = sign(
        [
            CopyInput("a", 0, original, text_hash(original), None, "T", "C", None),
            CopyInput("b", 0, edited, text_hash(edited), None, "T", "C2" if caption else "C"),
        ]
    )
    placed = {p.page_id: p for p in group(sigs).placements}
    assert placed["a"].article_id == placed["b"].article_id
    differs = " ".join(original.split()) != " ".join(edited.split()) or caption
    for p in placed.values():
        assert 0.0 <= p.similarity <= 1.0
    assert (min(p.similarity for p in placed.values()) < 1.0) == differs


def test_examples_articles() -> None:
    gold, kinds = _check("examples")
    for key, article in gold["articles"].items():
        for page, gold_kind in article["copies"].items():
            want = FULL if gold_kind == "full" else PARTIAL
            if len(article["copies"]) > 1:
                assert kinds[key][page] == want, f"{key} on {page}"


def test_canonical_is_most_complete_full_copy() -> None:
    _, copies, grouping = _run("examples")
    sigs = {s.key: s for s in _signed(copies)}
    for article in grouping.articles:
        canon = sigs[article.canonical]
        for key in article.copies:
            other = sigs[key]
            if other.paragraphs > 1:
                assert len(canon.shingles) >= len(other.shingles)
        assert article.copies[0] == article.canonical


def _words(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(3, 9))) for _ in range(n)]


def _sig(page: str, words: list[str], date: str | None = None) -> Signature:
    text = " ".join(words)
    return sign([CopyInput(page, 0, text, text_hash(text), date)])[0]


def test_chaining_guard() -> None:
    """A ≈ B and B ≈ C, C far from A: C does not join A's article."""
    w = _words(200, 1)
    a, b, c = _sig("a", w[0:100]), _sig("b", w[25:125]), _sig("c", w[50:150])
    grouping = group([c, b, a])
    article_of = {p.page_id: p.article_id for p in grouping.placements}
    assert article_of["a"] == article_of["b"] != article_of["c"]


def test_teaser_is_partial_and_contained() -> None:
    w = _words(400, 2)
    story = _sig("story", w)
    teaser = _sig("teaser", w[:60])
    other = _sig("other", _words(400, 3))
    grouping = group([teaser, other, story])
    placed = {p.page_id: p for p in grouping.placements}
    assert placed["teaser"].article_id == placed["story"].article_id
    assert placed["teaser"].kind == PARTIAL
    assert 0.1 < placed["teaser"].similarity < 0.2  # 60 words of 400, as printed
    assert placed["story"].kind == FULL and placed["story"].similarity == 1.0
    assert placed["other"].article_id != placed["story"].article_id


def test_a_full_copy_with_a_few_words_edited_is_full() -> None:
    # 120 words in four paragraphs, five of them changed: a fifth of the shingles are lost,
    # none of the paragraphs.
    w = _words(120, 5)
    edited = list(w)
    for i in (10, 35, 60, 85, 110):
        edited[i] = edited[i] + "x"
    texts = {
        name: "\n\n".join(" ".join(words[i : i + 30]) + "." for i in range(0, 120, 30))
        for name, words in (("wire", w), ("outlet", edited))
    }
    grouping = group(
        sign([CopyInput(name, 0, text, text_hash(text), None) for name, text in texts.items()])
    )
    placed = {p.page_id: p for p in grouping.placements}
    assert placed["outlet"].article_id == placed["wire"].article_id
    assert {p.kind for p in placed.values()} == {FULL}
    assert min(p.similarity for p in placed.values()) < 0.9  # near: what it printed differs


def test_flattened_copy_matches_full_copy() -> None:
    w = _words(120, 4)
    paragraphs = "\n\n".join(" ".join(w[i : i + 20]) + "." for i in range(0, 120, 20))
    flat = paragraphs.replace("\n\n", " ")
    sigs = sign(
        [
            CopyInput("full", 0, paragraphs, text_hash(paragraphs), None),
            CopyInput("flat", 0, flat, text_hash(flat) + "x", None),
        ]
    )
    grouping = group(sigs)
    placed = {p.page_id: p for p in grouping.placements}
    assert placed["flat"].article_id == placed["full"].article_id
    assert placed["flat"].kind == PARTIAL
    assert grouping.articles[0].canonical == ("full", 0)


def test_scripts_without_spaces_are_compared_by_characters() -> None:
    # Chinese prints no spaces: were a run of characters up to a punctuation mark one word,
    # a word changed in each paragraph would leave few shingles in common.
    folder = Path(__file__).parents[1] / "data" / "unspaced"
    texts = {
        name: (folder / f"{name}.txt").read_text(encoding="utf-8").split("\n\n", 1)[1]
        for name in ("bridge", "bridge_edited")
    }
    grouping = group(
        sign([CopyInput(name, 0, text, text_hash(text), None) for name, text in texts.items()])
    )
    placed = {p.page_id: p for p in grouping.placements}
    assert placed["bridge_edited"].article_id == placed["bridge"].article_id
    # Printed characters, not printed runs, are compared: a few changed of about 250.
    near, canonical = sorted(p.similarity for p in placed.values())
    assert 0.8 < near < 0.95 and canonical == 1.0


@settings(max_examples=30, deadline=None)
@given(st.randoms(use_true_random=False))
def test_grouping_ignores_input_order(rng: random.Random) -> None:
    _, copies, grouping = _run("examples")
    sigs = _signed(copies)
    rng.shuffle(sigs)
    again = group(sigs)
    assert sorted(again.placements, key=lambda p: (p.page_id, p.seq)) == sorted(
        grouping.placements, key=lambda p: (p.page_id, p.seq)
    )
    assert sorted(a.id for a in again.articles) == sorted(a.id for a in grouping.articles)


@pytest.mark.parametrize("name", ["seeds", "examples"])
def test_every_copy_placed_once(name: str) -> None:
    _, copies, grouping = _run(name)
    keys = [(p.page_id, p.seq) for p in grouping.placements]
    assert len(keys) == len(set(keys)) == len(copies)
