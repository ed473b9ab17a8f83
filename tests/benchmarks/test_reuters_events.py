"""The hand-labelled Reuters event corpus (tests/data/reuters_events): well formed, and what
`benchmarks.reuters_events` writes from its labels and the collection."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from bench_support import REPO, reuters_dir
from benchmarks.reuters import ReutersStory
from benchmarks.reuters_events import (
    DEVELOPING,
    FOLDER,
    PAGES_FILE,
    developing_gold,
    opening,
    part_gold,
    write,
    write_developing,
)
from benchmarks.stories import DEFAULT, _name, labelled_stories
from hypothesis import given
from hypothesis import strategies as st

from wirecopy.evaluate import OUTSIDE
from wirecopy.textnorm import normalize

PARTS = ("tune", "heldout")


def _gold(part: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FOLDER / part / "gold.json").read_text(encoding="utf-8"))
    return data


def _pages(part: str) -> list[dict[str, str]]:
    lines = (FOLDER / part / "pages" / PAGES_FILE).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_the_corpus_is_in_the_repository_and_small() -> None:
    assert FOLDER.is_relative_to(REPO / "tests")
    size = sum(p.stat().st_size for p in FOLDER.rglob("*") if p.is_file())
    assert size < 2_000_000


@pytest.mark.parametrize("part", PARTS)
def test_each_article_is_in_exactly_one_story(part: str) -> None:
    gold = _gold(part)
    placed = Counter(key for story in gold["stories"] for key in story)
    assert set(placed) == set(gold["articles"])
    assert set(placed.values()) == {1}
    assert all(story for story in gold["stories"])


@pytest.mark.parametrize("part", PARTS)
def test_copies_resolve_to_pages_holding_the_opening(part: str) -> None:
    gold, pages = _gold(part), _pages(part)
    texts = [normalize(page["text"]) for page in pages]
    owners: Counter[int] = Counter()
    for key, article in gold["articles"].items():
        first = normalize(article["first"])
        holders = {n for n, text in enumerate(texts, start=1) if first in text}
        copies = set()
        for page_id in article["copies"]:
            name, _, number = page_id.partition("#")
            assert name == PAGES_FILE, key
            assert 1 <= int(number) <= len(pages), key
            copies.add(int(number))
        # The opening is in every copy and in no other page: matching is unambiguous.
        assert holders == copies, key
        owners.update(copies)
    # Every page is a copy of exactly one gold article.
    assert owners == Counter(range(1, len(pages) + 1))


@pytest.mark.parametrize("part", PARTS)
def test_pages_are_one_contiguous_slice_of_days(part: str) -> None:
    labels = json.loads((FOLDER / "events.json").read_text(encoding="utf-8"))
    days = set(labels["parts"][part]["days"])
    pages = _pages(part)
    assert {page["published"][:10] for page in pages} == days
    newids = [int(page["url"].rsplit("/", 1)[1]) for page in pages]
    assert newids == sorted(newids)


@pytest.mark.parametrize("part", PARTS)
def test_gold_events_are_the_labels(part: str) -> None:
    labels = json.loads((FOLDER / "events.json").read_text(encoding="utf-8"))
    gold = _gold(part)
    copies_of = {
        key: {int(p.partition("#")[2]) for p in article["copies"]}
        for key, article in gold["articles"].items()
    }
    newid_of_line = {
        n: int(page["url"].rsplit("/", 1)[1]) for n, page in enumerate(_pages(part), start=1)
    }
    for event, newids in labels["parts"][part]["events"].items():
        # Every labelled story's page is a copy of an article of one gold story.
        stories = {
            n
            for n, story in enumerate(gold["stories"])
            for key in story
            if {newid_of_line[line] for line in copies_of[key]} & set(newids)
        }
        assert len(stories) == 1, event
        (story,) = stories
        printed = {newid_of_line[line] for key in gold["stories"][story] for line in copies_of[key]}
        assert printed == set(newids), event


def test_files_are_what_the_labels_and_the_collection_give(tmp_path: Path) -> None:
    (tmp_path / "events.json").write_bytes((FOLDER / "events.json").read_bytes())
    counts = write(tmp_path, reuters_dir())
    assert counts == {part: len(_pages(part)) for part in PARTS}
    for part in PARTS:
        for name in ("gold.json", f"pages/{PAGES_FILE}"):
            assert (tmp_path / part / name).read_bytes() == (FOLDER / part / name).read_bytes()


def test_developing_stories_are_labelled_whole_in_an_open_gold_file(tmp_path: Path) -> None:
    labels = json.loads(DEVELOPING.read_text(encoding="utf-8"))
    labelled = Counter(n for story in labels["stories"].values() for n in story["newids"])
    assert set(labelled.values()) == {1}  # each story in at most one happening
    assert all(len(story["newids"]) >= 4 and story["note"] for story in labels["stories"].values())
    gold_path = write_developing(tmp_path, reuters_dir())
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    lines = (tmp_path / "pages" / PAGES_FILE).read_text(encoding="utf-8").splitlines()
    pages = [json.loads(line) for line in lines]
    assert gold["open"] is True
    assert {page["published"][:10] for page in pages} == set(labels["days"])
    assert len(pages) == 2468  # every story with a body of the week: nothing picked
    newid_of_line = {n: int(page["url"].rsplit("/", 1)[1]) for n, page in enumerate(pages, 1)}
    # Each labelled happening is one gold story printed by exactly its labelled pages.
    assert sorted(gold["events"]) == sorted(labels["stories"])
    for name, story in labels["stories"].items():
        printed = {
            newid_of_line[int(page.partition("#")[2])]
            for key in gold["events"][name]
            for page in gold["articles"][key]["copies"]
        }
        assert printed == set(story["newids"]), name
    assert sorted(map(sorted, gold["stories"])) == sorted(map(sorted, gold["events"].values()))
    # Every page is a copy of one gold article, labelled or not.
    copies = Counter(page for article in gold["articles"].values() for page in article["copies"])
    assert copies == Counter(f"{PAGES_FILE}#{n}" for n in range(1, len(pages) + 1))


def _story(newid: int, body: str) -> ReutersStory:
    return ReutersStory(newid, datetime(1987, 3, 2), f"T{newid}", "", body, (), ())


def test_one_text_in_two_stories_is_an_error_unless_both_are_unlabelled() -> None:
    stories = [
        _story(1, "The dam burst on Monday. Rescuers came."),
        _story(2, "The dam burst on Monday. Rescuers came."),  # sent again
        _story(3, "Bond prices rose. Traders said."),
        _story(4, "Bond prices rose. Traders said."),  # sent again, unlabelled too
    ]
    with pytest.raises(ValueError, match="print one text, two events"):
        part_gold("p", stories, {"dam": [1, 3]})  # the repeat of 1 left out of its event
    with pytest.raises(ValueError, match="print one text, two events"):
        part_gold("p", stories, {"dam": [1, 3]}, open_=True)
    gold = developing_gold(
        {"days": ["1987-03-02"], "stories": {"dam": {"newids": [1, 2], "note": "."}}}, stories
    )
    # One gold article per text; only the labelled one is in a story.
    assert gold["open"] is True and gold["stories"] == [["r1"]] == list(gold["events"].values())
    assert sorted(gold["articles"]) == ["r1", "r3"]
    assert set(gold["articles"]["r3"]["copies"]) == {f"{PAGES_FILE}#3", f"{PAGES_FILE}#4"}
    # The labelled stories alone: every article labelled, a closed gold file.
    alone = developing_gold(
        {"days": ["1987-03-02"], "stories": {"dam": {"newids": [1, 2], "note": "."}}}, stories[:2]
    )
    assert alone["open"] is False and alone["stories"] == [["r1"]]


def test_labelled_stories_say_how_each_was_split_and_what_joined_it() -> None:
    gold = {"stories": [["g1", "g2", "g3"], ["g4"]], "events": {"dam": ["g1", "g2", "g3"]}}
    labels = {"a": 0, "b": 0, "c": 0, "d": 1, "x": OUTSIDE, "y": OUTSIDE}
    predicted: dict[str, str | None] = {
        "a": "s",
        "b": "s",
        "c": "t",
        "d": "u",
        "x": "s",
        "y": "t",
    }
    found = labelled_stories(gold, labels, predicted)
    assert found == [
        {"story": "dam", "articles": 3, "put_in": 2, "largest_share": 0.6667, "others_joined": 2},
        {"story": "1", "articles": 1, "put_in": 1, "largest_share": 1.0, "others_joined": 0},
    ]


def test_opening_grows_until_no_other_text_holds_it() -> None:
    body = "Shr 10 cts vs 5 cts. Net 1.2 mln vs 600,000. Revs 5 mln."
    other = normalize("Shr 10 cts vs 5 cts. Net 3 mln vs 1 mln.")
    assert opening(body, [other]) == "Shr 10 cts vs 5 cts. Net 1.2 mln vs 600,000."
    assert opening(body, []) == "Shr 10 cts vs 5 cts."


@given(st.lists(st.text(alphabet="ab .", max_size=30), max_size=4), st.text("ab .", max_size=40))
def test_opening_is_a_prefix_and_unique_when_it_can_be(others: list[str], body: str) -> None:
    found = opening(body, [normalize(o) for o in others])
    assert normalize(body).startswith(normalize(found))
    if not any(normalize(body) in normalize(o) for o in others):
        assert not any(normalize(found) in normalize(o) for o in others if normalize(found))


def test_the_story_benchmark_runs_the_labelled_corpus_by_default() -> None:
    assert DEFAULT["reuters_events_tune"] == (
        FOLDER / "tune" / "pages",
        FOLDER / "tune" / "gold.json",
    )
    assert DEFAULT["reuters_events_heldout"][1] == FOLDER / "heldout" / "gold.json"
    for pages, gold in DEFAULT.values():
        assert pages.is_dir() and gold.is_file()
    assert _name(FOLDER / "tune" / "pages") == "tune"
    assert _name(Path("corpus") / "seeds") == "seeds"
