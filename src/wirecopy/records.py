"""The records that flow through a build: pages, blocks, copies, articles.

Plain typed dataclasses with no logic; stages turn batches of one into the next.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

PAGE_OK = "ok"
PAGE_REJECTED = "rejected"
DATE_IN_MARKUP = "date_in_markup"
"""The key of ``Page.meta`` saying the page's date is written in its markup as an ISO day
(a meta tag, JSON-LD, a ``datetime`` attribute), not a date a reader took from the text."""


@dataclass(frozen=True, slots=True)
class Source:
    """One input file found on disk, before it is read."""

    path: Path
    page_id: str  # path relative to the folder given, or the file's name
    format: str  # text | html | warc | jsonl | unknown
    site: str | None = None  # from a `wget --mirror`-style first folder, when it looks like a host
    problem: str | None = None  # set when the file cannot be read at all (broken symlink, loop)


@dataclass(slots=True)
class Page:
    """One input document as read: a text file, an HTML page, a WARC record, a JSONL line."""

    id: str
    uri: str | None
    format: str
    content_hash: str
    raw: bytes
    status: str = PAGE_OK
    error: str | None = None
    site: str | None = None
    source: str | None = None
    encoding: str | None = None
    text: str | None = None
    title: str | None = None
    published: str | None = None  # ISO date or datetime as the page states it
    fetched: str | None = None  # when a crawler fetched it (WARC-Date)
    meta: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Block:
    """A run of lines of a page: a paragraph, a title, a caption, a widget."""

    page_id: str
    seq: int
    start: int  # character offsets into the page text
    end: int
    text: str
    label: str
    evidence: dict[str, object] = field(default_factory=dict)
    copy_seq: int | None = None  # the copy this block went to, if any


@dataclass(slots=True)
class Copy:
    """One occurrence of an article inside a page: its text as printed there."""

    page_id: str
    seq: int  # order of the copy inside its page, from 0
    text: str
    text_hash: str  # hash of the normalised text: equal for exact copies
    title: str | None = None
    caption: str | None = None
    date: str | None = None
    source: str | None = None
    start: int = 0
    end: int = 0
    kind: str = "full"


@dataclass(slots=True)
class PageResult:
    """A page with what the stages made of it, ready to be written."""

    page: Page
    blocks: list[Block]
    copies: list[Copy]
