"""Plain text and HTML files: one file, one page."""

from __future__ import annotations

from collections.abc import Iterator

from wirecopy.config import BuildConfig, format_size
from wirecopy.readers.decode import PageError, decode_with_note
from wirecopy.readers.files import os_reason, read_bounded
from wirecopy.readers.pages import NOTE, content_hash, html_page, looks_like_html, rejected
from wirecopy.records import Page, Source


def read_file(source: Source, config: BuildConfig) -> Iterator[Page]:
    try:
        uri = source.path.resolve().as_uri()
    except (OSError, RuntimeError):  # a link loop made after discovery
        uri = source.path.absolute().as_uri()
    try:
        # Never more than the limit + 1 bytes, so a file that grows while it is read (or
        # a device behind a link) cannot exhaust memory; one byte over says it is too big.
        raw = read_bounded(source.path, config.max_page_bytes)
    except PageError as error:
        yield rejected(source.page_id, str(error), uri=uri, fmt=source.format)
        return
    except OSError as error:
        yield rejected(source.page_id, os_reason(error), uri=uri, fmt=source.format)
        return
    if len(raw) > config.max_page_bytes:
        yield rejected(
            source.page_id,
            f"file is {format_size(_size(source, len(raw)))}, over the page size limit of "
            f"{format_size(config.max_page_bytes)} (raise it with --max-size)",
            uri=uri,
            fmt=source.format,
        )
        return
    try:
        yield _page(source, raw, uri)
    except PageError as error:
        yield rejected(source.page_id, str(error), uri=uri, fmt=source.format, raw=raw)


def _size(source: Source, read: int) -> int:
    try:
        return max(source.path.stat().st_size, read)
    except OSError:
        return read


def _page(source: Source, raw: bytes, uri: str) -> Page:
    if not raw:
        raise PageError("empty file")
    if source.format == "html":
        return html_page(source.page_id, raw, uri=uri, site=source.site)
    text, encoding, note = decode_with_note(raw)
    if not text.strip():
        raise PageError("no text: the file holds only white space")
    if looks_like_html(text):
        # A .txt that is really an HTML page (a saved page renamed) is read as HTML.
        return html_page(source.page_id, raw, uri=uri, site=source.site)
    return Page(
        id=source.page_id,
        uri=uri,
        format="text",
        content_hash=content_hash(raw),
        raw=raw,
        site=source.site,
        encoding=encoding,
        text=text,
        meta={NOTE: note} if note else {},
    )
