"""Pages to blocks and copies: the build's side of segmentation.

The segmentation stage (`wirecopy.stages.segment`) decides from a page and the corpus
counts of its short lines (`wirecopy.stages.evidence`). A build keeps those counts in the
archive and segments pages in a later phase, once every page of the run is counted; this
module is what it needs from the stages, as plain functions:

- `text_hash`: the hash of a copy's normalised text (equal for exact copies);
- `page_evidence`: what one page adds to the counts, and the names it could read as a source.

The stage itself is `wirecopy.stages.segment.segment(pages, stats, profiles)`.
"""

from __future__ import annotations

from dataclasses import dataclass

import xxhash

from wirecopy.records import Page
from wirecopy.stages.evidence import PageKeys, digest, page_keys
from wirecopy.stages.lines import head_key, name_key, split_lines
from wirecopy.textnorm import normalize

MAX_NAME_TOKENS = 5  # a name of more words is never looked up (see furniture.namelike)


def text_hash(text: str) -> str:
    return xxhash.xxh3_128_hexdigest(normalize(text).encode("utf-8"))


@dataclass(frozen=True, slots=True)
class PageEvidence:
    """What a page adds to the corpus counts (``keys``, taken out again when the page
    changes) and the keys its segmentation looks up (``reads``: line shapes, ``Label:``
    heads and names, as digests), so the page is segmented again when one of them changes."""

    keys: PageKeys
    reads: tuple[frozenset[str], frozenset[str], frozenset[str]]


def page_evidence(page: Page) -> PageEvidence | None:
    """The evidence keys of an accepted page with text; None otherwise."""
    keys = page_keys(page)
    if keys is None or page.text is None:
        return None
    lines: set[str] = set()
    heads: set[str] = set()
    names: set[str] = set()
    for line in split_lines(page.text):
        lines.add(digest(line.key))
        head = head_key(line.text)
        if head:
            heads.add(digest(head))
        name = name_key(line.text)
        if name and len(name.split()) <= MAX_NAME_TOKENS:
            names.add(digest(name))
    if page.source:
        names.add(digest(name_key(page.source)))
    return PageEvidence(keys, (frozenset(lines), frozenset(heads), frozenset(names)))
