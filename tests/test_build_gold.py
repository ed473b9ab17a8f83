"""`wirecopy build` end to end against the gold files: what the archive says each page carries.

The stage tests (`tests/stages/test_segment_gold.py`) check `segment` on pages in memory; these
build the seeds and the example corpus with the command line and read the result back only
through `export` and `show --json`, so the counting of lines across batches, the queue, the
writing of blocks and copies and the assignment to articles are checked too. Expectations
come from the gold files alone: which articles each page carries (found by the first and last
sentence of their body), and which lines are boilerplate.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import REPO, shared_dir
from wirecopy.build import build
from wirecopy.cli import cli
from wirecopy.config import BuildConfig
from wirecopy.textnorm import normalize

Row = dict[str, Any]


@dataclass
class Built:
    gold: Row
    pages: dict[str, Row]  # export pages, by id
    articles: dict[str, Row]  # export articles, by id
    shown: dict[str, Row]  # show --json of each page
    db: str


def _corpus(name: str) -> tuple[Path, Path]:
    if name == "seeds":
        return shared_dir() / "corpus" / "seeds", shared_dir() / "corpus" / "seeds.gold.json"
    return REPO / "examples" / "news", REPO / "examples" / "news.gold.json"


def _invoke(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module", params=["seeds", "examples"])
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Built:
    root, gold_path = _corpus(request.param)
    db = str(tmp_path_factory.mktemp(request.param) / "a.db")
    # Small batches: the counts of a page's lines come from other batches too.
    summary = build([root], db, config=BuildConfig(batch_size=4))
    assert summary.status == "done" and summary.pages_rejected == 0
    pages = {
        r["id"]: r for r in map(json.loads, _invoke("export", "pages", "--db", db).split("\n")[:-1])
    }
    articles = {
        r["id"]: r
        for r in map(json.loads, _invoke("export", "articles", "--db", db).split("\n")[:-1])
    }
    shown = {pid: json.loads(_invoke("show", pid, "--db", db, "--json")) for pid in pages}
    return Built(json.loads(gold_path.read_text(encoding="utf-8")), pages, articles, shown, db)


def _expected(gold: Row) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for key, article in gold["articles"].items():
        for page_id, kind in article["copies"].items():
            out[page_id].append((key, kind))
    return out


def _copies(shown: Row) -> dict[int, tuple[str, str]]:
    """Copy seq -> (article id, body text) of a page, rebuilt from its blocks."""
    bodies: dict[int, list[str]] = defaultdict(list)
    article: dict[int, str] = {}
    for block in shown["blocks"]:
        if block["copy"] is None:
            continue
        article[block["copy"]] = block["article"]
        if block["label"] in ("body", "subhead"):
            bodies[block["copy"]].append(block["text"])
    return {seq: (article[seq], "\n\n".join(bodies[seq])) for seq in article}


def _n(text: str) -> str:
    return normalize(text)


def test_each_page_carries_the_gold_articles_and_no_other(built: Built) -> None:
    expected = _expected(built.gold)
    assert set(expected) <= set(built.pages)
    problems = []
    for page_id, page in sorted(built.pages.items()):
        wanted = expected.get(page_id, [])
        copies = _copies(built.shown[page_id])
        if len(page["articles"]) != len(wanted) or len(copies) != len(wanted):
            problems.append(f"{page_id}: {len(page['articles'])} articles, gold {len(wanted)}")
        # The export lists the page's articles in page order: the order of its copies.
        in_order = list(dict.fromkeys(art for _seq, (art, _t) in sorted(copies.items())))
        if page["articles"] != in_order:
            problems.append(f"{page_id}: articles {page['articles']} not in copy order")
        for key, kind in wanted:
            article = built.gold["articles"][key]
            found = [
                (art, text)
                for art, text in copies.values()
                if _n(text).startswith(_n(article["first"]))
            ]
            if not found:
                problems.append(f"{page_id}: no copy of {key} starts with its first sentence")
                continue
            art, text = found[0]
            if kind != "partial" and not _n(text).endswith(_n(article["last"])):
                problems.append(f"{page_id}: {key} ends {text[-60:]!r}")
            if page_id not in {c["page"] for c in built.articles[art]["copies"]}:
                problems.append(f"{page_id}: article {art} does not list the page as a copy")
    assert not problems, "\n".join(problems)


def test_gold_boilerplate_is_exported_as_boilerplate(built: Built) -> None:
    boilerplate = {_n(line) for line in built.gold["boilerplate"]}
    furniture = set(boilerplate)
    for article in built.gold["articles"].values():
        furniture.add(_n(article["title"]))
        if "caption" in article:
            furniture.add(_n(article["caption"]))
    problems = []
    for page_id, page in sorted(built.pages.items()):
        removed = {_n(text) for text in page["boilerplate"]}
        printed = {_n(block["text"]) for block in built.shown[page_id]["blocks"]}
        for line in sorted(boilerplate & printed):
            if line not in removed:
                problems.append(f"{page_id}: {line!r} not in the page's boilerplate")
        for _art, text in _copies(built.shown[page_id]).values():
            for paragraph in text.split("\n\n"):
                if _n(paragraph) in furniture:
                    problems.append(f"{page_id}: body holds {paragraph!r}")
    assert not problems, "\n".join(problems)


def test_exact_copies_share_one_article(built: Built) -> None:
    by_text: dict[str, set[str]] = defaultdict(set)
    for shown in built.shown.values():
        for art, text in _copies(shown).values():
            by_text[_n(text)].add(art)
    assert all(len(ids) == 1 for ids in by_text.values())


def test_show_explains_every_block(built: Built) -> None:
    for shown in built.shown.values():
        assert shown["segmented"]
        for block in shown["blocks"]:
            assert block["why"] and block["evidence"]["why"] in block["why"]
            assert (block["copy"] is None) == (block["article"] is None)


def _printed(copy: Row) -> tuple[str, ...]:
    """What a copy printed, white space normalised: body, title, caption, date, source."""
    return tuple(
        " ".join((copy[f] or "").split()) for f in ("text", "title", "caption", "date", "source")
    )


def test_similarity_says_exact_or_near_as_printed(built: Built) -> None:
    """Every copy: similarity 1.0 exactly when it printed what the canonical copy printed
    (white space aside); `show` says canonical, exact or near, and lists the fields that
    differ. `duplicate_groups` counts the articles with more than one copy."""
    for article_id, exported in built.articles.items():
        shown = json.loads(_invoke("show", article_id, "--db", built.db, "--json"))
        copies = shown["copies"] if "copies" in shown else shown["article"]["copies"]
        (canon,) = [c for c in copies if c["match"] == "canonical"]
        for copy in copies:
            exact = _printed(copy) == _printed(canon)
            assert (copy["similarity"] == 1.0) == exact, (article_id, copy["page"])
            assert 0.0 <= copy["similarity"] <= 1.0
            if copy is not canon:
                assert copy["match"] == ("exact" if exact else "near")
            fields = {d["field"] for d in copy["fields"]}
            assert fields == {
                f
                for f, n in zip(("title", "caption", "date", "source"), range(1, 5), strict=True)
                if _printed(copy)[n] != _printed(canon)[n]
            }
        assert sorted(c["similarity"] for c in exported["copies"]) == sorted(
            c["similarity"] for c in copies
        )
    stats = json.loads(_invoke("stats", "--db", built.db, "--json"))
    multi = sum(1 for a in built.articles.values() if len(a["copies"]) > 1)
    assert stats["totals"]["duplicate_groups"] == multi
