"""Constructors shared by the readers: accepted and rejected pages, HTML extraction."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

import trafilatura
import xxhash
from trafilatura.utils import load_html

from wirecopy.readers.decode import PageError, binary_kind, scrub
from wirecopy.records import PAGE_REJECTED, Page


def content_hash(raw: bytes) -> str:
    return xxhash.xxh3_128_hexdigest(raw)


def rejected(page_id: str, reason: str, *, uri: str | None, fmt: str, raw: bytes = b"") -> Page:
    # A rejected page with no bytes is keyed on its reason, so an unchanged problem
    # is "unchanged" on the next build and a new problem is an update.
    digest = content_hash(raw or reason.encode())
    return Page(
        id=page_id,
        uri=uri,
        format=fmt,
        content_hash=digest,
        raw=raw,
        status=PAGE_REJECTED,
        error=reason,
    )


def host_of(uri: str | None) -> str | None:
    if not uri or not uri.startswith(("http://", "https://")):
        return None
    host = urlsplit(uri).hostname
    return host.lower() if host else None


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
NOTE = "decoding"  # the meta key of a note on bytes replaced while decoding


def iso_date(value: object) -> str | None:
    """An ISO ``YYYY-MM-DD`` from a date-like value, or None when it is not one."""
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        text = value.strip()[:10]
        try:
            date.fromisoformat(text)
        except ValueError:
            return None
        return text
    return None


def paragraphs(lines: str) -> str:
    """Join non-empty lines into paragraphs separated by one blank line."""
    return "\n\n".join(line.strip() for line in lines.splitlines() if line.strip())


def html_page(
    page_id: str,
    raw: bytes,
    *,
    uri: str | None,
    site: str | None = None,
    source: str | None = None,
    published: str | None = None,
    fetched: str | None = None,
) -> Page:
    """Extract an HTML page's main text and metadata with trafilatura; keep the raw HTML.

    trafilatura decodes the bytes itself: it weighs the page's declared charset with what
    the bytes say, which suits the web's legacy pages better than our text rules.
    """
    kind = binary_kind(raw)
    if kind:
        raise PageError(f"binary content, not an HTML page: {kind}")
    try:
        doc = _extract(raw, uri, _teaser_boxes())
        if doc is None or not getattr(doc, "text", None):
            doc = _extract(raw, uri, [])  # the boxes held the article itself
    except Exception as error:  # trafilatura raises many kinds on hostile markup
        raise PageError(f"the HTML could not be parsed: {error}") from None
    # Character references can still spell a lone surrogate (``&#xD800;``).
    text = scrub(paragraphs(getattr(doc, "text", None) or "")) if doc is not None else ""
    if not text:
        raise PageError("no article text found in the HTML (empty body, or markup only)")
    meta = {
        key: scrub(str(value))
        for key in ("title", "author", "date", "sitename", "hostname", "description", "url")
        if (value := getattr(doc, key, None))
    }
    headline = _dropped_headline(raw, meta.get("title"), text)
    if headline:
        text = f"{headline}\n\n{text}"
    return Page(
        id=page_id,
        uri=uri,
        format="html",
        content_hash=content_hash(raw),
        raw=raw,
        site=site or host_of(uri) or host_of(meta.get("url")) or meta.get("hostname"),
        source=source or meta.get("sitename"),
        text=text,
        title=meta.get("title"),
        published=published or iso_date(meta.get("date")),
        fetched=fetched,
        meta=meta,
    )


def _extract(raw: bytes, uri: str | None, prune: list[str]) -> Any:
    return trafilatura.bare_extraction(
        raw,
        url=uri if host_of(uri) else None,
        with_metadata=True,
        include_comments=False,
        include_images=False,
        prune_xpath=prune or None,
    )


def _words(text: str) -> str:
    """The words of ``text``, case-folded: spacing and punctuation aside (``Abrechnung :
    Musik-Stars`` is ``Abrechnung: Musik-Stars``)."""
    return " ".join(re.findall(r"\w+", text.casefold()))


def _dropped_headline(raw: bytes, title: str | None, text: str) -> str | None:
    """The page's headline when the extractor left it out of the text: an ``h1`` printing the
    page's metadata title, which the text does not hold. trafilatura takes the headline as
    the title and drops it from the text; segmentation reads the title from the text, and
    without it took the line after it (a byline, a time stamp) for one."""
    if not title or not _words(title) or _words(title) in _words(text):
        return None
    try:
        tree = load_html(raw)
    except Exception:  # the page was read once already: no headline rather than no page
        return None
    wanted = _words(title)
    for heading in tree.iter("h1") if tree is not None else ():
        printed = " ".join(heading.text_content().split())
        if _words(printed) == wanted:
            return scrub(printed)
    return None


@cache
def _teaser_boxes() -> list[str]:
    """An XPath to the boxes of other stories' teasers (language data: ``data/html.json``)."""
    data = json.loads(resources.files("wirecopy").joinpath("data/html.json").read_text("utf-8"))
    words = [str(word) for word in data["teaser_boxes"]]
    found = " or ".join(f"contains(@class, '{w}') or contains(@id, '{w}')" for w in words)
    # Never a box holding the page's headline: that is the article's own container.
    return [f"//*[{found}][not(.//h1)]"]


def looks_like_html(text: str) -> bool:
    head = text[:1024].lstrip().lower()
    return head.startswith(("<!doctype html", "<html")) or "<html" in head[:200]
