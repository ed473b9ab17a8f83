"""Pages to blocks and copies.

Placeholder until segmentation lands: each page's text is one copy, and its blocks are
its paragraphs, all labelled ``body``. Exact copies (equal normalised text) share an
article downstream.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import xxhash

from wirecopy.records import PAGE_OK, Block, Copy, Page, PageResult
from wirecopy.textnorm import normalize

_LINE = re.compile(r"[^\n]+")


def text_hash(text: str) -> str:
    return xxhash.xxh3_128_hexdigest(normalize(text).encode("utf-8"))


def page_copies(pages: Sequence[Page]) -> list[PageResult]:
    """Split each accepted page into blocks and copies; rejected pages pass through."""
    return [_one(page) for page in pages]


def _one(page: Page) -> PageResult:
    if page.status != PAGE_OK or not page.text:
        return PageResult(page, [], [])
    blocks = [
        Block(page.id, seq, m.start(), m.end(), m.group().strip(), "body", copy_seq=0)
        for seq, m in enumerate(m for m in _LINE.finditer(page.text) if m.group().strip())
    ]
    body = "\n\n".join(block.text for block in blocks)
    if not body:
        return PageResult(page, blocks, [])
    copy = Copy(
        page_id=page.id,
        seq=0,
        text=body,
        text_hash=text_hash(body),
        title=page.title,
        date=page.published,
        source=page.source,
        start=blocks[0].start,
        end=blocks[-1].end,
    )
    return PageResult(page, blocks, [copy])
