"""WARC and WARC.gz: HTML response records become pages, with their URL and fetch date.

Records are numbered from 1 among all records of the file (warcinfo and requests
included), so ``crawl.warc.gz#3`` is the third record any WARC tool lists. Records
that are not HTML responses are not pages; they are counted as skipped.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from fastwarc.warc import ArchiveIterator, WarcRecordType

from wirecopy.config import BuildConfig, format_size
from wirecopy.readers.decode import PageError
from wirecopy.readers.files import open_regular, os_reason
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
    try:
        handle = open_regular(source.path)
    except PageError as error:
        yield rejected(prefix, str(error), uri=None, fmt="warc")
        return
    except OSError as error:
        yield rejected(prefix, os_reason(error), uri=None, fmt="warc")
        return
    number, reported = 0, False
    with handle:
        try:
            damage, room, plain = _room(handle)
            handle.seek(0)
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
                    yield rejected(
                        f"{prefix}#{number + 1}",
                        f"cannot read WARC record {number + 1}: {error} (the file is corrupt "
                        f"or truncated after record {number})",
                        uri=None,
                        fmt="warc",
                    )
                    reported = True
                    break
                number += 1
                length = int(record.content_length)
                left = room - record.stream_pos if plain else room
                if room >= 0 and length > left:
                    # fastwarc trusts the length and reads on to the end of the file.
                    yield rejected(
                        f"{prefix}#{number}",
                        f"record {number} declares {length:,} bytes, more than the "
                        f"{max(left, 0):,} {_AFTER if plain else 'in the whole file'}: "
                        "its Content-Length is wrong or the file is cut short; the records "
                        "after it cannot be read",
                        uri=None,
                        fmt="warc",
                    )
                    reported = True
                    break
                page = _record_page(f"{prefix}#{number}", number, record, config)
                yield page
                # A record fastwarc gives short already says where the file was cut.
                reported = isinstance(page, Page) and "is cut short" in (page.error or "")
        except OSError as error:  # a read error half way: say where
            yield rejected(
                f"{prefix}#{number + 1}" if number else prefix,
                f"{os_reason(error)} (after record {number})",
                uri=None,
                fmt="warc",
            )
            return
    if damage is not None and not reported and number:
        # fastwarc ends quietly at some cuts of a .warc.gz: say what was lost.
        yield rejected(
            f"{prefix}#{number + 1}",
            f"the file is cut short or corrupt after record {number} ({damage}): what "
            "follows could not be read",
            uri=None,
            fmt="warc",
        )
    if number == 0 and not reported:
        yield rejected(prefix, "not a WARC file: no WARC records found", uri=None, fmt="warc")


_GZIP = b"\x1f\x8b"
_AFTER = "from its start to the end of the file"
_CHUNK = 1 << 20


def _room(handle: IO[bytes]) -> tuple[str | None, int, bool]:
    """(what is wrong with a .warc.gz's gzip stream or None, the bytes its records can
    take up, whether the file is plain): the size of a plain file, all that a .warc.gz
    decompresses to (-1 when the stream is damaged: a record's length is not checked).

    A pass of zlib over the file, member after member, its output dropped: a cut or
    damaged member is found here, wherever fastwarc stops.
    """
    if handle.read(2) != _GZIP:
        return None, os.fstat(handle.fileno()).st_size, True
    handle.seek(0)
    d, total, fresh = zlib.decompressobj(wbits=31), 0, True
    while raw := handle.read(_CHUNK):
        while raw:
            if fresh:
                raw = raw.lstrip(b"\x00")  # zero padding between or after members
                if not raw:
                    break
            try:
                total += len(d.decompress(raw, _CHUNK))
            except zlib.error as error:
                return f"corrupt gzip data: {error}", -1, False
            fresh = False
            if d.eof:
                raw, d, fresh = d.unused_data, zlib.decompressobj(wbits=31), True
            else:
                raw = d.unconsumed_tail
    if not fresh:
        total += len(d.flush())
        if not d.eof:
            return "its last gzip member is cut short", -1, False
    return None, total, False


def _record_page(page_id: str, number: int, record: object, config: BuildConfig) -> Page | Skipped:
    rtype = record.record_type  # type: ignore[attr-defined]
    headers = record.headers  # type: ignore[attr-defined]
    if "\n" in headers.get("WARC-Type", ""):
        # fastwarc reads a header whose lines end in a bare LF as one line.
        reason = (
            f"record {number}'s header lines end in LF alone, not CRLF as WARC requires: "
            "its fields cannot be read"
        )
        return rejected(page_id, reason, uri=None, fmt="warc")
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
