"""Constructors shared by the readers: accepted and rejected pages, HTML extraction."""

from __future__ import annotations

import html
import json
import re
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

import trafilatura
import xxhash
from trafilatura.utils import decode_file, load_html

from wirecopy.readers.decode import PageError, binary_kind, scrub
from wirecopy.records import DATE_IN_MARKUP, PAGE_REJECTED, Page
from wirecopy.stages.dates import mentioned_dates


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
    meta = {
        key: scrub(str(value))
        for key in ("title", "author", "date", "sitename", "hostname", "description", "url")
        if (value := getattr(doc, key, None))
    }
    page_url = uri if host_of(uri) else meta.get("url")
    body = structured_body(raw, title=meta.get("title"), url=page_url, printed=text)
    if body and len(body.split()) > 2 * len(text.split()):
        text = body
        meta[TEXT_FROM] = "json-ld articleBody"
    if not text:
        raise PageError("no article text found in the HTML (empty body, or markup only)")
    published = published or stated_date(iso_date(meta.get("date")), raw)
    if published and published[:10].encode() in raw:
        meta[DATE_IN_MARKUP] = "yes"  # machine-written (a meta tag, JSON-LD, a datetime)
    site = site or host_of(uri) or host_of(meta.get("url")) or meta.get("hostname")
    title = site_free_title(meta.get("title"), [meta.get("sitename"), site])
    headline = _dropped_headline(raw, title, text)
    if headline:
        text = f"{headline}\n\n{text}"
    return Page(
        id=page_id,
        uri=uri,
        format="html",
        content_hash=content_hash(raw),
        raw=raw,
        site=site,
        source=source or site_name(meta.get("sitename")),
        text=text,
        title=title,
        published=published,
        fetched=fetched,
        meta=meta,
    )


def stated_date(value: str | None, raw: bytes) -> str | None:
    """``value``, an HTML page's date as trafilatura found it, when the page states it.

    Where a page gives no day, trafilatura's date search (htmldate) falls back on a year or a
    month and dates the page on its first day: a copyright line (``© 2016``), a year in a file
    name or a link (``w3.org/2000/01/rdf-schema``) becomes 1 January. Such a date is a guess,
    and an article is better undated: a date on the first of a month is kept only when the
    page prints that day, in figures (``2016-01-01``, ``01.01.2016``, ``20160101``,
    ``1/1/2016``) or with the month's name (``January 1, 2016``, ``1. Januar 2016``)."""
    if value is None or not value.endswith("-01"):
        return value
    year, month = value[:4], int(value[5:7])
    # As the page reads: in its own encoding (trafilatura's guess), entities resolved
    # (``March&nbsp;1``), no-break spaces plain.
    page = html.unescape(decode_file(raw)).replace("\xa0", " ")
    figures = re.compile(
        rf"(?<!\d)(?:{year}[-/.]0?{month}[-/.]0?1|{year}{month:02}01|0?1[-/.]0?{month}[-/.]{year}"
        rf"|0?{month}/0?1/{year})(?!\d)"
    )
    if figures.search(page) or date.fromisoformat(value) in mentioned_dates(page):
        return value
    return None


def _extract(raw: bytes, uri: str | None, prune: list[str]) -> Any:
    return trafilatura.bare_extraction(
        raw,
        url=uri if host_of(uri) else None,
        with_metadata=True,
        include_comments=False,
        include_images=False,
        prune_xpath=prune or None,
    )


_TITLE_PARTS = re.compile(r"\s+(?:[|·•]|::|-{1,2}|–|—)\s+")
_FIGURES = re.compile(r"^[\d\s./:-]*\d{4}[\d\s./:-]*$")  # ``10.06.2013``, ``2013-06-10``


SITE_NAME_WORDS = 6


def site_name(name: str | None) -> str | None:
    """The site's name trafilatura gives (``og:site_name`` and the like), unless it is longer
    than a name: with no such tag it guesses, and may give the headline or a photo caption
    (``He Skipped Bail 7 Years Ago. Now, Assange Hears His Fate``), which is no outlet."""
    return name if name and len(name.split()) <= SITE_NAME_WORDS else None


def site_free_title(title: str | None, names: list[str | None]) -> str | None:
    """A page's metadata title without the site's name printed before or after it (``... |
    CNN Politics``, ``... - Stack Overflow Blog``, ``... | DW | 10.06.2013``, ``LinkNaija |
    Nigeria's popular news platform: ...``): ``names`` are the site's name and host.

    A part set off by a separator (``|``, ``-``, ``–``, ``—``, ``::``, ``·``) at either end is
    the site's when, once the site's words are taken out, one word at most is left (a
    section: ``Politics``, ``News``); a date next to it goes with it. Nothing is taken when
    less than two words would be left."""
    if not title:
        return title
    site_words: set[str] = set()
    hosts: list[str] = []
    for name in names:
        if not name:
            continue
        site_words |= set(re.findall(r"\w+", name.casefold()))
        labels = name.casefold().split(".")
        if len(labels) > 1 and " " not in name:  # a host: its names less www and the ending
            hosts += [label for label in labels[:-1] if label not in ("www", "co", "com")]
    stripped = title.strip()
    for name in names:  # the site's whole name as a prefix: ``LinkNaija | ... platform: ``
        if name and len(name) < len(stripped) and stripped.casefold().startswith(name.casefold()):
            rest = stripped[len(name) :].lstrip()
            if rest[:1] in (":", "|", "-", "–", "—"):
                stripped = rest[1:].strip()
    parts = _TITLE_PARTS.split(stripped)
    seps = _TITLE_PARTS.findall(stripped)

    def the_sites(part: str) -> bool:
        words = re.findall(r"\w+", part.casefold())
        joined = "".join(words)
        if any(host and host == joined for host in hosts):
            return True
        left = [w for w in words if w not in site_words and w not in hosts]
        return len(left) < len(words) and len(left) <= 1 and len(words) <= 4

    def droppable(part: str, rest: list[str]) -> bool:
        site = the_sites(part) or (_FIGURES.match(part) is not None and len(rest) > 1)
        return site and len(" ".join(rest).split()) >= 2

    while len(parts) > 1 and droppable(parts[-1], parts[:-1]):
        parts, seps = parts[:-1], seps[:-1]
    while len(parts) > 1 and droppable(parts[0], parts[1:]):
        parts, seps = parts[1:], seps[1:]
    kept = parts[0] + "".join(sep + part for sep, part in zip(seps, parts[1:], strict=True))
    return kept if len(kept.split()) >= 2 else title


def _words(text: str) -> str:
    """The words of ``text``, case-folded: spacing and punctuation aside (``Abrechnung :
    Musik-Stars`` is ``Abrechnung: Musik-Stars``)."""
    return " ".join(re.findall(r"\w+", text.casefold()))


TEXT_FROM = "text_from"  # the meta key naming where the text came from, when not the markup


def structured_body(
    raw: bytes, *, title: str | None = None, url: str | None = None, printed: str = ""
) -> str | None:
    """The page's article as its schema.org data gives it (JSON-LD ``articleBody``); None
    when it gives none, or none of its bodies is this page's.

    Pages rendered by scripts print little or none of the article in their markup (a caption,
    a teaser) but state it whole for search engines; `html_page` takes it when it holds more
    than twice the words of what the markup gave. The data may also describe other articles
    (a list of related ones), so a body counts only when its item names the page's ``url``
    (``url``, ``@id``, ``mainEntityOfPage``), or its headline is the page's ``title`` (one
    may be cut short), or it holds most of the words the markup ``printed``; the longest of
    those."""
    if b"articleBody" not in raw:
        return None  # most pages: no second parse
    try:
        tree = load_html(raw)
    except Exception:  # the page was read once already: its markup's text stands
        return None
    found: list[str] = []
    for script in tree.iter("script") if tree is not None else ():
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "")
        except (ValueError, RecursionError):
            continue  # broken or hostile JSON: that script says nothing
        stack: list[object] = [data]  # a walk without recursion: the data may nest deeply
        while stack:
            value = stack.pop()
            if isinstance(value, dict):
                body = value.get("articleBody")
                if isinstance(body, str) and _the_pages(value, body, title, url, printed):
                    found.append(body)
                stack.extend(value.values())
            elif isinstance(value, list):
                stack.extend(value)
    if not found:
        return None
    text = max(found, key=len)
    if _MARKUP.search(text):  # some sites put the body's markup there: its paragraphs, as lines
        try:
            fragment = load_html(f"<html><body>{text}</body></html>")
        except Exception:
            return None
        if fragment is None:
            return None
        for element in fragment.iter("p", "br", "div", "li", "h2", "h3", "h4", "blockquote"):
            element.tail = "\n" + (element.tail or "")
        text = fragment.text_content()
    return scrub(paragraphs(html.unescape(text))) or None


# A tag of the markup a body may carry (``<p>``, ``</p>``, ``<br/>``): not a ``<`` in prose.
_MARKUP = re.compile(
    r"</?(?:p|br|div|span|a|li|ul|ol|h[1-6]|blockquote|em|strong|b|i)\b[^<>]*>", re.IGNORECASE
)


def _the_pages(
    item: dict[str, object], body: str, title: str | None, url: str | None, printed: str
) -> bool:
    """Is the schema.org ``item`` holding ``body`` the page's own article (see
    `structured_body`)?"""
    named = [item.get("url"), item.get("@id"), item.get("mainEntityOfPage")]
    links = {
        str(v.get("@id") or v.get("url")) if isinstance(v, dict) else str(v) for v in named if v
    }
    if url and _bare_url(url) in {_bare_url(link) for link in links}:
        return True
    headline = item.get("headline") or item.get("name")
    if title and isinstance(headline, str):
        ours, theirs = _words(title), _words(headline.rstrip(".… "))
        long_enough = min(ours.count(" "), theirs.count(" ")) >= 2  # three words or more
        if long_enough and (ours.startswith(theirs) or theirs.startswith(ours)):
            return True
    words = set(_words(printed).split())
    return len(words) >= 5 and len(words & set(_words(body).split())) >= 0.6 * len(words)


def _bare_url(url: str) -> str:
    """A URL without its scheme, ``www.``, query, fragment and trailing slash."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").removeprefix("www.")
    except ValueError:  # a malformed URL (``http://[x``): compared as written
        return url.strip()
    return f"{host}{parts.path.rstrip('/')}"


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
