"""Corpus line statistics: counting, merging, persisting."""

from __future__ import annotations

import json

from wirecopy.records import Page
from wirecopy.stages.evidence import LineStats, add_page, digest, line_stats, page_keys
from wirecopy.stages.lines import shape_key


def _page(pid: str, text: str, site: str | None) -> Page:
    return Page(id=pid, uri=None, format="text", content_hash=pid, raw=b"", text=text, site=site)


PAGES = [
    _page("a", "Masthead\nViewed 12 times\nA paragraph of the first story here.", "one.example"),
    _page("b", "Masthead\nViewed 3,400 times\nAnother paragraph entirely.", "one.example"),
    _page("c", "Masthead\nSomething else.", "two.example"),
    _page("d", "Masthead\nNo site here.", None),
    _page("e", "Masthead\nNo site either.", None),
]


def test_counts_per_site_and_across_sites() -> None:
    stats = line_stats(PAGES)
    masthead = digest(shape_key("Masthead"))
    viewed = digest(shape_key("Viewed 1 times"))
    assert stats.on_site(stats.lines, masthead, "one.example") == (2, 2)
    assert stats.on_site(stats.lines, viewed, "one.example") == (2, 2)  # numbers masked
    assert stats.on_site(stats.lines, masthead, "") == (0, 0)  # unknown site: no site evidence
    assert stats.sites(stats.lines, masthead) == 4  # two sites, and two pages of no known site
    assert stats.pages(stats.lines, masthead) == 5


def test_merge_equals_counting_together() -> None:
    together = line_stats(PAGES)
    merged = line_stats(PAGES[:2]).merge(line_stats(PAGES[2:]))
    assert merged == together


def test_json_round_trip() -> None:
    stats = line_stats(PAGES)
    assert LineStats.from_dict(json.loads(json.dumps(stats.to_dict()))) == stats


def test_a_changed_page_can_be_taken_out_again() -> None:
    stats = line_stats(PAGES)
    old = page_keys(PAGES[0])
    assert old is not None
    add_page(stats, old, -1)
    assert stats == line_stats(PAGES[1:])
