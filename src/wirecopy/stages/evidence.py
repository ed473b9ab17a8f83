"""Corpus evidence for segmentation: how often a line recurs across pages and sites.

`line_stats(pages)` counts, for every short line of every page, the pages that print it, per
site; `LineStats.merge` adds two counts, so a build can accumulate them over batches and over
runs and persist them (`to_dict` / `from_dict`, plain JSON). Lines are keyed by a hash of their
shape (normalised, numbers masked: ``Viewed 842 times`` and ``Viewed 1,960 times`` are one
key), by the label before an opening colon (``Topics:``), and by the name they carry
(``via X``, ``- X`` and ``X`` are one name).

A page whose site is unknown counts under the site ``""``; each such page counts as a site of
its own when asking how many sites print a line, and never as a site of its own widgets.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import xxhash

from wirecopy.records import PAGE_OK, Page
from wirecopy.stages.lines import head_key, name_key, split_lines

MAX_WORDS = 80  # longer lines are article paragraphs: never counted
UNKNOWN = ""

Counts = dict[str, dict[str, int]]  # key -> site -> pages

# The thresholds segmentation compares the counts with, and nothing else: its decisions (and
# the evidence it keeps) depend on which side of each threshold a count falls, so the
# archive segments a page again only when one of its counts crosses one
# (`wirecopy.archive.evidence.apply`).
#
# A line's share of its site's pages: (name, at least so many pages, and at least
# num/den of the site's pages).
SITE_MARKS: tuple[tuple[str, int, int, int], ...] = (
    ("recurs", 2, 0, 1),  # on other pages of the site: a widget, not a subhead
    ("half", 3, 1, 2),  # on most pages of the site: its furniture
    ("three_quarters", 2, 3, 4),  # prose on nearly all pages: no article
)
HEAD_PAGES = 2  # a ``Label:`` opening lines on this many pages (any site) is a widget's
UNKNOWN_SITE_PAGES = 3  # a line of a page of no known site on this many pages: a widget
NAME_SITES = 2  # a name printed alone on this many sites is a source name

# The kinds of key (``line_keys.kind`` in the archive): a line's shape, its ``Label:`` head,
# the name it carries.
LINE, HEAD, NAME = 0, 1, 2

# What a page's segmentation asked of a key's counts, as bits (``line_keys.asked``): one bit
# per site mark (is the key's share of the site's pages at or over it?) and one for the
# key's corpus threshold (`HEAD_PAGES`, `UNKNOWN_SITE_PAGES` or `NAME_SITES` by kind, and,
# for a name, whether it is a page's metadata source). A page is segmented again only when
# the answer to a question it asked changes.
MARK_BITS = {name: 1 << n for n, (name, _least, _num, _den) in enumerate(SITE_MARKS)}
CORPUS_BIT = 1 << len(SITE_MARKS)
ALL_ASKED = (CORPUS_BIT << 1) - 1  # every question: for pages segmented with no record


def digest(text: str) -> str:
    return xxhash.xxh3_64_hexdigest(text.encode("utf-8"))


def site_of(page: Page) -> str:
    return page.site or UNKNOWN


@dataclass(slots=True)
class LineStats:
    """Mergeable counts of lines across pages and sites."""

    site_pages: dict[str, int] = field(default_factory=dict)
    lines: Counts = field(default_factory=dict)
    heads: Counts = field(default_factory=dict)
    names: Counts = field(default_factory=dict)
    sources: dict[str, int] = field(default_factory=dict)  # page metadata source -> pages

    def merge(self, other: LineStats) -> LineStats:
        """A new LineStats holding both counts."""
        out = LineStats()
        for mine, theirs, into in (
            (self.lines, other.lines, out.lines),
            (self.heads, other.heads, out.heads),
            (self.names, other.names, out.names),
        ):
            for counts in (mine, theirs):
                for key, sites in counts.items():
                    _add_all(into.setdefault(key, {}), sites)
        _add_all(out.site_pages, self.site_pages)
        _add_all(out.site_pages, other.site_pages)
        _add_all(out.sources, self.sources)
        _add_all(out.sources, other.sources)
        return out

    # ---- questions ---------------------------------------------------------------------

    def on_site(self, counts: Counts, key: str, site: str) -> tuple[int, int]:
        """(pages of ``site`` that print ``key``, pages of ``site``); (0, 0) for no site."""
        if site == UNKNOWN:
            return 0, 0
        return counts.get(key, {}).get(site, 0), self.site_pages.get(site, 0)

    def sites(self, counts: Counts, key: str) -> int:
        """How many sites print ``key`` (each page of an unknown site counts as one)."""
        per_site = counts.get(key, {})
        return sum(1 for s in per_site if s != UNKNOWN) + per_site.get(UNKNOWN, 0)

    def pages(self, counts: Counts, key: str) -> int:
        return sum(counts.get(key, {}).values())

    # ---- persistence -------------------------------------------------------------------

    def to_dict(self) -> dict[str, object]:
        return {
            "site_pages": self.site_pages,
            "lines": self.lines,
            "heads": self.heads,
            "names": self.names,
            "sources": self.sources,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LineStats:
        """The inverse of `to_dict` (after a JSON round trip)."""

        def flat(name: str) -> dict[str, int]:
            return {str(k): int(v) for k, v in (data.get(name) or {}).items()}

        def counts(name: str) -> Counts:
            raw = data.get(name) or {}
            return {str(k): {str(s): int(n) for s, n in v.items()} for k, v in raw.items()}

        return cls(
            flat("site_pages"), counts("lines"), counts("heads"), counts("names"), flat("sources")
        )


def site_marks(found: int, total: int) -> frozenset[str]:
    """The `SITE_MARKS` a line printed on ``found`` of its site's ``total`` pages reaches."""
    return frozenset(
        name
        for name, least, num, den in SITE_MARKS
        if found >= least and found * den >= total * num
    )


def mark_bits(marks: Iterable[str]) -> int:
    """The `MARK_BITS` of some site marks, or-ed."""
    bits = 0
    for name in marks:
        bits |= MARK_BITS[name]
    return bits


def _add_all(into: dict[str, int], other: Mapping[str, int]) -> None:
    for key, n in other.items():
        into[key] = into.get(key, 0) + n


def line_keys(text: str) -> tuple[set[str], set[str], set[str]]:
    """The line, head and name keys a page text holds (each once)."""
    lines: set[str] = set()
    heads: set[str] = set()
    names: set[str] = set()
    for line in split_lines(text):
        if line.words > MAX_WORDS:
            continue
        lines.add(digest(line.key))
        head = head_key(line.text)
        if head:
            heads.add(digest(head))
        if line.words <= 6:
            names.add(digest(name_key(line.text)))
    return lines, heads, names


@dataclass(frozen=True, slots=True)
class PageKeys:
    """What one page adds to the counts: keep it to take the page out again when it changes."""

    site: str
    source: str | None
    lines: frozenset[str]
    heads: frozenset[str]
    names: frozenset[str]


def page_keys(page: Page) -> PageKeys | None:
    """The keys a page contributes, or None for a rejected or empty page."""
    if page.status != PAGE_OK or not page.text:
        return None
    lines, heads, names = line_keys(page.text)
    source = name_key(page.source) if page.source else None
    return PageKeys(site_of(page), source, frozenset(lines), frozenset(heads), frozenset(names))


def add_page(stats: LineStats, keys: PageKeys, sign: int = 1) -> None:
    """Count one page into ``stats`` in place (``sign=-1`` takes it out again)."""
    site = keys.site
    _bump(stats.site_pages, site, sign)
    if keys.source:
        _bump(stats.sources, keys.source, sign)
    for found, counts in (
        (keys.lines, stats.lines),
        (keys.heads, stats.heads),
        (keys.names, stats.names),
    ):
        for key in found:
            per_site = counts.setdefault(key, {})
            _bump(per_site, site, sign)
            if not per_site:
                del counts[key]


def _bump(counts: dict[str, int], key: str, sign: int) -> None:
    value = counts.get(key, 0) + sign
    if value > 0:
        counts[key] = value
    else:
        counts.pop(key, None)


def line_stats(pages: Iterable[Page]) -> LineStats:
    """Count the short lines of a batch of pages (accepted pages with text only)."""
    stats = LineStats()
    for page in pages:
        keys = page_keys(page)
        if keys is not None:
            add_page(stats, keys)
    return stats
