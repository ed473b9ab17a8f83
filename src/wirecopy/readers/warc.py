"""WARC and WARC.gz: HTML response records become pages, with their URL and fetch date.

Records are numbered from 1 among all records of the file (warcinfo and requests
included), so ``crawl.warc.gz#3`` is the third record any WARC tool lists. Records
that are not HTML responses are not pages; they are counted as skipped.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from fastwarc.warc import ArchiveIterator, WarcRecordType

from wirecopy.config import BuildConfig, format_size
from wirecopy.readers.decode import PageError
from wirecopy.readers.pages import html_page, iso_date, rejected
from wirecopy.records import Page, Source

_PAGE_TYPES = WarcRecordType.response | WarcRecordType.resource


@dataclass(frozen=True, slots=True)
class Skipped:
    """A WARC record that is not a page (a request, an image, a redirect)."""

    page_id: str
    reason: str


def read_warc(source: Source, config: BuildConfig) -> Iterator[Page | Skipped]:
    prefix = source.page_id
    number = 0
    with source.path.open("rb") as handle:
        records = iter(
            ArchiveIterator(handle, record_types=WarcRecordType.any_type, parse_http=False)
        )
        while True:
            try:
                record = next(records)
            except StopIteration:
                break
            except Exception as error:  # fastwarc raises OSError and others on bad framing
                if number == 0:
                    yield rejected(
                        prefix, f"not a readable WARC file: {error}", uri=None, fmt="warc"
                    )
                    return
                else:
                    yield rejected(
                        f"{prefix}#{number + 1}",
                        f"cannot read WARC record {number + 1}: {error} (the file is corrupt "
                        f"or truncated after record {number})",
                        uri=None,
                        fmt="warc",
                    )
                break
            number += 1
            yield _record_page(f"{prefix}#{number}", number, record, config)
    if number == 0:
        yield rejected(prefix, "not a WARC file: no WARC records found", uri=None, fmt="warc")


def _record_page(page_id: str, number: int, record: object, config: BuildConfig) -> Page | Skipped:
    rtype = record.record_type  # type: ignore[attr-defined]
    headers = record.headers  # type: ignore[attr-defined]
    if not rtype & _PAGE_TYPES:
        return Skipped(page_id, f"{headers.get('WARC-Type', 'unknown')} record")
    uri = headers.get("WARC-Target-URI") or None
    length = int(record.content_length)  # type: ignore[attr-defined]
    if length > config.max_page_bytes:
        reason = (
            f"record {number} is {format_size(length)}, over the page size limit of "
            f"{format_size(config.max_page_bytes)} (raise it with --max-size)"
        )
        return rejected(page_id, reason, uri=uri, fmt="warc")
    block = record.reader.read()  # type: ignore[attr-defined]
    if len(block) < length:
        reason = (
            f"record {number} is cut short: {len(block)} of {length} bytes (the file is truncated)"
        )
        return rejected(page_id, reason, uri=uri, fmt="warc", raw=block)
    try:
        content_type, body = (
            _http_payload(block)
            if rtype == WarcRecordType.response
            else (
                headers.get("Content-Type", ""),
                block,
            )
        )
        if "html" not in content_type.lower():
            return Skipped(page_id, f"not HTML ({content_type or 'no content type'})")
        return html_page(
            page_id,
            body,
            uri=uri,
            fetched=iso_date(headers.get("WARC-Date")) and headers.get("WARC-Date"),
        )
    except PageError as error:
        return rejected(page_id, f"record {number}: {error}", uri=uri, fmt="warc", raw=block)


def _http_payload(block: bytes) -> tuple[str, bytes]:
    """Split an HTTP response into its content type and decoded body."""
    head, sep, body = block.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = block.partition(b"\n\n")
    lines = head.decode("latin-1").splitlines()
    if not lines or not lines[0].startswith("HTTP/"):
        raise PageError("the response record holds no HTTP response")
    status = lines[0].split(" ", 2)
    fields = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        fields[name.strip().lower()] = value.strip()
    if len(status) > 1 and status[1].isdigit() and not status[1].startswith("2"):
        return f"HTTP status {status[1]}", b""
    if "chunked" in fields.get("transfer-encoding", "").lower():
        try:
            body = _dechunk(body)
        except ValueError:
            raise PageError("the chunked HTTP body is malformed") from None
    encoding = fields.get("content-encoding", "").lower()
    if encoding in ("gzip", "x-gzip", "deflate"):
        try:
            body = zlib.decompress(body, 47 if "gzip" in encoding else 15)
        except zlib.error as error:
            raise PageError(f"the {encoding} body cannot be decompressed: {error}") from None
    return fields.get("content-type", ""), body


def _dechunk(body: bytes) -> bytes:
    # HTTP/1.1 chunked framing, as crawlers store it verbatim: size line, data, CRLF.
    out, pos = bytearray(), 0
    while pos < len(body):
        end = body.find(b"\r\n", pos)
        if end < 0:
            break
        size = int(body[pos:end].split(b";")[0].strip() or b"0", 16)
        if size == 0:
            break
        out += body[end + 2 : end + 2 + size]
        pos = end + 2 + size + 2
    return bytes(out)
