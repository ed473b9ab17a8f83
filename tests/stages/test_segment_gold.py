"""The segmentation stage against the hand-annotated gold files.

Each gold file lists the articles a corpus carries (title, caption, first and last sentence of
the body, paragraph count, subheads, the pages holding a copy) and every boilerplate line. The
checks here are the quality bar of the segmentation issue: every article found on every page
that carries it and no extra copy; each body starts with ``first`` and ends with ``last``;
no title, caption, echo or boilerplate line inside a body; every gold boilerplate line labelled
boilerplate; the caption kept once, as the copy's caption.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from conftest import shared_dir
from wirecopy.config import BuildConfig
from wirecopy.readers import Skipped, discover, read
from wirecopy.records import PAGE_OK, Page, PageResult
from wirecopy.stages.segment import BODY, BOILERPLATE, SUBHEAD, line_stats, segment
from wirecopy.textnorm import normalize

REPO = Path(__file__).resolve().parents[2]
SHARED = shared_dir() / "corpus"
CORPORA = {
    "seeds": (SHARED / "seeds", SHARED / "seeds.gold.json"),
    "examples": (REPO / "examples" / "news", REPO / "examples" / "news.gold.json"),
    # Each seed page segmented alone: only per-page and prose evidence can decide.
    "seeds-alone": (SHARED / "seeds", SHARED / "seeds.gold.json"),
}


@dataclass
class Run:
    gold: dict[str, Any]
    results: dict[str, PageResult]


def _pages(root: Path) -> list[Page]:
    pages: list[Page] = []
    for source in discover([root]):
        pages.extend(p for p in read(source, BuildConfig()) if not isinstance(p, Skipped))
    return pages


_RUNS: dict[str, Run] = {}


def _run(name: str) -> Run:
    if name not in _RUNS:
        root, gold_path = CORPORA[name]
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        pages = [p for p in _pages(root) if p.status == PAGE_OK]
        if name.endswith("-alone"):
            results = [r for p in pages for r in segment([p], line_stats([p]))]
        else:
            results = segment(pages, line_stats(pages))
        _RUNS[name] = Run(gold, {r.page.id: r for r in results})
    return _RUNS[name]


def _n(text: str) -> str:
    return normalize(text)


def _expected(run: Run) -> dict[str, list[tuple[str, str]]]:
    """Page id -> [(article key, copy kind)] from the gold file."""
    out: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for key, article in run.gold["articles"].items():
        for page_id, kind in article["copies"].items():
            out[page_id].append((key, kind))
    return out


def _find(result: PageResult, article: dict[str, Any]) -> int | None:
    first = _n(article["first"])
    for copy in result.copies:
        if _n(copy.text).startswith(first):
            return copy.seq
    return None


@pytest.mark.parametrize("name", sorted(CORPORA))
def test_every_gold_page_is_read(name: str) -> None:
    run = _run(name)
    missing = sorted(set(_expected(run)) - set(run.results))
    assert not missing


@pytest.mark.parametrize("name", sorted(CORPORA))
def test_copies_found_and_no_extra(name: str) -> None:
    run = _run(name)
    problems = []
    expected = _expected(run)
    for page_id, result in sorted(run.results.items()):
        wanted = expected.get(page_id, [])
        if len(result.copies) != len(wanted):
            got = [c.text[:60] for c in result.copies]
            problems.append(f"{page_id}: {len(result.copies)} copies, gold {len(wanted)}: {got}")
        for key, _kind in wanted:
            if _find(result, run.gold["articles"][key]) is None:
                problems.append(f"{page_id}: no copy of {key} starts with its first sentence")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", sorted(CORPORA))
def test_bodies_match_gold(name: str) -> None:
    run = _run(name)
    gold = run.gold
    furniture = {_n(line) for line in gold["boilerplate"]}
    for article in gold["articles"].values():
        furniture |= {_n(article["title"])} | (
            {_n(article["caption"])} if "caption" in article else set()
        )
    problems = []
    for page_id, wanted in sorted(_expected(run).items()):
        result = run.results[page_id]
        for key, kind in wanted:
            article = gold["articles"][key]
            seq = _find(result, article)
            if seq is None:
                continue  # reported by test_copies_found_and_no_extra
            copy = result.copies[seq]
            body = _n(copy.text)
            where = f"{page_id} {key}"
            if kind != "partial" and not body.endswith(_n(article["last"])):
                problems.append(f"{where}: body ends {copy.text[-80:]!r}")
            blocks = [b for b in result.blocks if b.copy_seq == seq]
            paragraphs = [b for b in blocks if b.label == BODY]
            for block in blocks:
                if block.label in (BODY, SUBHEAD) and _n(block.text) in furniture:
                    problems.append(f"{where}: {block.label} block is furniture: {block.text!r}")
            for line in copy.text.split("\n\n"):
                if _n(line) in furniture:
                    problems.append(f"{where}: body holds furniture line {line!r}")
            if (
                kind == "full"
                and "paragraphs" in article
                and len(paragraphs) != article["paragraphs"]
            ):
                problems.append(
                    f"{where}: {len(paragraphs)} paragraphs, gold {article['paragraphs']}"
                )
            for subhead in article.get("subheads", []) if kind != "teaser" else []:
                if _n(subhead) not in {_n(b.text) for b in blocks if b.label == SUBHEAD}:
                    problems.append(f"{where}: subhead {subhead!r} not kept")
            if "\n\n".join(b.text for b in blocks if b.label in (BODY, SUBHEAD)) != copy.text:
                problems.append(f"{where}: copy text is not its body and subhead blocks joined")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", sorted(CORPORA))
def test_titles_and_captions(name: str) -> None:
    run = _run(name)
    problems = []
    for page_id, wanted in sorted(_expected(run).items()):
        result = run.results[page_id]
        lines = {_n(line) for line in (result.page.text or "").splitlines()}
        for key, _kind in wanted:
            article = run.gold["articles"][key]
            seq = _find(result, article)
            if seq is None:
                continue
            copy = result.copies[seq]
            where = f"{page_id} {key}"
            printed = _n(article["title"]) in lines | {_n(result.page.title or "")}
            if printed and _n(copy.title or "") != _n(article["title"]):
                problems.append(f"{where}: title {copy.title!r}")
            caption = article.get("caption")
            if caption and _n(caption) in lines and _n(copy.caption or "") != _n(caption):
                problems.append(f"{where}: caption {copy.caption!r}")
            if copy.caption and _n(copy.caption) in _n(copy.text):
                problems.append(f"{where}: caption inside the body")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", sorted(CORPORA))
def test_gold_boilerplate_is_boilerplate(name: str) -> None:
    run = _run(name)
    boilerplate = {_n(line) for line in run.gold["boilerplate"]}
    problems = []
    for page_id, result in sorted(run.results.items()):
        for block in result.blocks:
            text = _n(block.text)
            if text in boilerplate and (block.label != BOILERPLATE or block.copy_seq is not None):
                problems.append(f"{page_id}: {block.text!r} labelled {block.label}")
        for copy in result.copies:
            for line in boilerplate:
                if _n(copy.text).endswith(" " + line):
                    problems.append(f"{page_id}: copy {copy.seq} ends with {line!r}")
    assert not problems, "\n".join(problems)


def test_seed_duplicates_are_carried() -> None:
    """Every page the gold file lists for an article carries a copy of it."""
    run = _run("seeds")
    shared = [key for key, article in run.gold["articles"].items() if len(article["copies"]) > 1]
    assert shared, "the seed gold file names no article printed on several pages"
    for key in shared:
        article = run.gold["articles"][key]
        for page_id in article["copies"]:
            assert _find(run.results[page_id], article) is not None, (key, page_id)


def _printed_forms(iso: str) -> list[str]:
    """The ways a page may print a date: ISO, "February 3, 2024", "3 February 2024"."""
    day = date.fromisoformat(iso)
    return [iso, f"{day:%B} {day.day}, {day.year}", f"{day.day} {day:%B} {day.year}"]


def test_seed_teaser_sources_and_dates() -> None:
    """Each gold source is its copies' source; a gold date is the date of each copy whose
    page prints it (the edited copy, whose text differs from the article's other copies)."""
    run = _run("seeds")
    articles = run.gold["articles"]
    with_source = [key for key, article in articles.items() if "source" in article]
    assert with_source
    for key in with_source:
        article = articles[key]
        for page_id in article["copies"]:
            seq = _find(run.results[page_id], article)
            assert seq is not None, (key, page_id)
            assert run.results[page_id].copies[seq].source == article["source"], (key, page_id)
    dated = 0
    for key, article in articles.items():
        if "date" not in article:
            continue
        forms = _printed_forms(article["date"])
        for page_id in article["copies"]:
            if not any(form in (run.results[page_id].page.text or "") for form in forms):
                continue
            seq = _find(run.results[page_id], article)
            assert seq is not None, (key, page_id)
            assert run.results[page_id].copies[seq].date == article["date"], (key, page_id)
            dated += 1
    assert dated, "no seed page prints a gold article's date"
