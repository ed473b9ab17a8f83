"""Constructors shared by the readers: accepted and rejected pages, HTML extraction."""

from __future__ import annotations

import re
from datetime import date, datetime
from urllib.parse import urlsplit

import trafilatura
import xxhash

from wirecopy.readers.decode import PageError, decode_with_note, scrub
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
# ``<meta charset="x">`` or ``<meta http-equiv=... content="text/html; charset=x">``.
_META_CHARSET = re.compile(
    rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]{1,40})", re.I
)
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
    charset: str | None = None,
) -> Page:
    """Extract an HTML page's main text and metadata with trafilatura; keep the raw HTML.

    The bytes are decoded here, not by trafilatura, so HTML gets the same rules as text
    (a declared charset that fails falls back to detection, windows-1252 first) and the
    same notes. ``charset`` is one the transport states (an HTTP header).
    """
    try:
        html, encoding, note = decode_with_note(raw, charset or meta_charset(raw))
    except PageError as error:
        raise PageError(str(error).replace("not a text page", "not an HTML page")) from None
    try:
        doc = trafilatura.bare_extraction(
            html,
            url=uri if host_of(uri) else None,
            with_metadata=True,
            include_comments=False,
            include_images=False,
        )
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
    if note:
        meta[NOTE] = note
    return Page(
        id=page_id,
        uri=uri,
        format="html",
        content_hash=content_hash(raw),
        raw=raw,
        site=site or host_of(uri) or host_of(meta.get("url")) or meta.get("hostname"),
        source=source or meta.get("sitename"),
        encoding=encoding,
        text=text,
        title=meta.get("title"),
        published=published or iso_date(meta.get("date")),
        fetched=fetched,
        meta=meta,
    )


def meta_charset(raw: bytes) -> str | None:
    """The charset an HTML page declares in its first bytes, or None."""
    match = _META_CHARSET.search(raw[:4096])
    return match.group(1).decode("ascii") if match else None


def looks_like_html(text: str) -> bool:
    head = text[:1024].lstrip().lower()
    return head.startswith(("<!doctype html", "<html")) or "<html" in head[:200]
