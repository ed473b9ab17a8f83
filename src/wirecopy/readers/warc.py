"""WARC and WARC.gz: HTML response records become pages, with their URL and fetch date.

Records are numbered from 1 among all records of the file (warcinfo and requests
included), so ``crawl.warc.gz#3`` is the third record any WARC tool lists. Records
that are not HTML responses are not pages; they are counted as skipped.

fastwarc reads the records; where it cannot (a bad header, a wrong ``Content-Length``, a
corrupt gzip member), the damaged record is one rejected page and reading goes on at the
next record that starts after it (:func:`_read`): a bad record loses itself, not the rest of
a crawl. Only then is the file searched for record starts, so a sound file is read by
fastwarc alone.
"""

from __future__ import annotations

import os
import re
import zlib
from collections.abc import Generator, Iterator
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
    state = _State()
    with handle:
        try:
            gzipped = source.path.name.lower().endswith(".gz")
            yield from _read(handle, prefix, state, config, gzipped)
        except OSError as error:  # a read error half way: say where
            yield rejected(
                f"{prefix}#{state.number + 1}" if state.number else prefix,
                f"{os_reason(error)} (after record {state.number})",
                uri=None,
                fmt="warc",
            )
            return
    if state.number == 0:
        yield rejected(prefix, "not a WARC file: no WARC records found", uri=None, fmt="warc")


@dataclass(slots=True)
class _State:
    number: int = 0  # records met so far: read, skipped or rejected
    last_start: int = -1  # where in the file the last record fastwarc read starts


@dataclass(frozen=True, slots=True)
class _Failure:
    message: str
    number: int  # the number of the record that cannot be read
    resume: int | None  # where the next record starts, if one does
    error: str = ""  # what the WARC library said, if it said something
    read: bool = False  # whether the record's header was read
    said: bool = False  # whether its rejected page was given already


def _read(
    handle: IO[bytes], prefix: str, state: _State, config: BuildConfig, gzipped: bool
) -> Iterator[Page | Skipped]:
    """Every record of the file, reading on after a damaged stretch.

    fastwarc reads no further than a record it cannot frame or whose block it cannot read.
    The records after it are read from the next place a whole record can be read
    (:func:`_resume`: a gzip member that inflates to a WARC header, or ``WARC/1.`` in a plain
    file, where fastwarc then reads a record and its block): the damaged stretch is one
    rejected page, numbered as one record, and the numbering goes on from there. A file
    named .gz is searched for gzip members even when its first bytes are damaged.
    """
    damage, room, plain = _room(handle, 0)
    handle.seek(0)
    if plain and gzipped and not handle.read(len(_VERSION)).startswith(_VERSION):
        # A .warc.gz whose first bytes are damaged: still gzip members after them.
        damage, room, plain = ("the file does not begin with a gzip member", 0), -1, False
    offset: int | None = 0
    while offset is not None:
        failure = yield from _run(handle, offset, prefix, state, damage, room, plain, config)
        if failure is None:
            return
        offset = failure.resume
        if failure.number == 1 and offset is None and not failure.read:
            reason = f"not a readable WARC file: {failure.error}"
            yield rejected(prefix, reason, uri=None, fmt="warc")
            state.number = 1  # said: not "no WARC records found" as well
            return
        if not failure.said:
            then = f"; reading went on at byte {offset:,}" if offset is not None else ""
            reason = failure.message + then
            yield rejected(f"{prefix}#{failure.number}", reason, uri=None, fmt="warc")
        state.number = failure.number
        if offset is not None and damage is not None and offset > damage[1]:
            # Past the damage the last pass of zlib found: look for more from here. (A pass
            # that found none covers the rest of the file: it is not run again.)
            damage, room, _ = _room(handle, offset)


def _run(
    handle: IO[bytes],
    offset: int,
    prefix: str,
    state: _State,
    damage: tuple[str, int] | None,
    room: int,
    plain: bool,
    config: BuildConfig,
) -> Generator[Page | Skipped, None, _Failure | None]:
    """The records fastwarc reads from ``offset`` on; what stopped it, if anything did."""
    handle.seek(offset)
    records = iter(ArchiveIterator(handle, record_types=WarcRecordType.any_type, parse_http=False))
    first = True
    while True:
        try:
            record = next(records)
        except StopIteration:
            break
        except Exception as error:  # fastwarc raises OSError and others on bad framing
            after = f" (the file is corrupt or truncated after record {state.number})"
            return _Failure(
                f"cannot read WARC record {state.number + 1}: {error}"
                + (after if state.number else ""),
                state.number + 1,
                _resume(handle, (offset if first else state.last_start) + 1, plain),
                error=str(error),
            )
        first = False
        state.number += 1
        state.last_start = int(record.stream_pos)
        length = int(record.content_length)
        left = room - record.stream_pos if plain else room
        if room >= 0 and length > left:
            # fastwarc trusts the length and reads on to the end of the file.
            return _Failure(
                f"record {state.number} declares {length:,} bytes, more than the "
                f"{max(left, 0):,} {_AFTER if plain else 'in the whole file'}: "
                "its Content-Length is wrong or the file is cut short",
                state.number,
                _resume(handle, state.last_start + 1, plain),
                read=True,
            )
        try:
            page = _record_page(f"{prefix}#{state.number}", state.number, record, config)
        except Exception as error:  # its block cannot be read (a corrupt gzip member)
            return _Failure(
                f"cannot read WARC record {state.number}: {error}",
                state.number,
                _resume(handle, state.last_start + 1, plain),
                error=str(error),
                read=True,
            )
        yield page
        if isinstance(page, Page) and _SHORT in (page.error or ""):
            # Its rejected page says so: read on after it, if anything follows.
            resume = _resume(handle, state.last_start + 1, plain)
            if resume is None:
                return None
            return _Failure("", state.number, resume, read=True, said=True)
    if damage is not None and damage[1] >= state.last_start:
        # fastwarc ends quietly at some cuts and damage of a .warc.gz: say what was lost.
        return _Failure(
            f"the file is cut short or corrupt after record {state.number} ({damage[0]}): "
            "that part could not be read",
            state.number + 1,
            _resume(handle, damage[1] + 1, plain),
        )
    return None


def _resume(handle: IO[bytes], start: int, plain: bool) -> int | None:
    """The first place at or after ``start`` where fastwarc reads a whole record: where
    reading goes on after a record it could not read. Candidates that do not read (the bad
    record itself, a WARC line quoted in a page) are passed over."""
    found = _next_start(handle, start, plain)
    while found is not None and not _readable_at(handle, found):
        found = _next_start(handle, found + 1, plain)
    return found


def _readable_at(handle: IO[bytes], offset: int) -> bool:
    """Whether fastwarc reads a record, its block included, at ``offset``."""
    handle.seek(offset)
    try:
        records = ArchiveIterator(handle, record_types=WarcRecordType.any_type, parse_http=False)
        record = next(iter(records))
        # The start of its block is enough: a record further damaged is found when read.
        return len(record.reader.read(_CHUNK)) == min(int(record.content_length), _CHUNK)
    except Exception:  # StopIteration too: nothing readable there
        return False


_SHORT = "is cut short"
_GZIP = b"\x1f\x8b"
_AFTER = "from its start to the end of the file"
_CHUNK = 1 << 20
_VERSION = b"WARC/1."


def _room(handle: IO[bytes], offset: int) -> tuple[tuple[str, int] | None, int, bool]:
    """(what is wrong with a .warc.gz's gzip stream from ``offset`` on and where the
    damaged member starts, or None; the bytes its records can take up; whether the file is
    plain): the size of a plain file, all that a .warc.gz decompresses to (-1 when the
    stream is damaged: a record's length is not checked).

    A pass of zlib over the file, member after member, its output dropped: a cut or
    damaged member is found here, wherever fastwarc stops.
    """
    handle.seek(offset)
    if handle.read(2) != _GZIP:
        return None, os.fstat(handle.fileno()).st_size, True
    handle.seek(offset)
    d, total, fresh = zlib.decompressobj(wbits=31), 0, True
    member, read = offset, offset  # where the current member starts; bytes read so far
    while raw := handle.read(_CHUNK):
        read += len(raw)
        while raw:
            if fresh:
                stripped = raw.lstrip(b"\x00")  # zero padding between or after members
                member = read - len(stripped)
                raw = stripped
                if not raw:
                    break
            try:
                total += len(d.decompress(raw, _CHUNK))
            except zlib.error as error:
                return (f"corrupt gzip data: {error}", member), -1, False
            fresh = False
            if d.eof:
                raw, d, fresh = d.unused_data, zlib.decompressobj(wbits=31), True
            else:
                raw = d.unconsumed_tail
    if not fresh:
        total += len(d.flush())
        if not d.eof:
            return ("its last gzip member is cut short", member), -1, False
    return None, total, False


def _next_start(handle: IO[bytes], start: int, plain: bool) -> int | None:
    """The first place at or after ``start`` where a record may begin: ``WARC/1.`` in a plain
    file (not only at a line's start: a record cut short by a crash runs into the next), a
    gzip member that inflates to it in a .warc.gz."""
    pattern = _VERSION if plain else _GZIP + b"\x08"
    position = start
    while True:
        handle.seek(position)
        chunk = handle.read(_CHUNK + _LOOK_AHEAD)
        at = chunk.find(pattern)
        while 0 <= at < _CHUNK:
            head = chunk[at : at + _LOOK_AHEAD]
            if _HEADER.match(head) if plain else _inflates_to_warc(head):
                return position + at
            at = chunk.find(pattern, at + 1)
        if len(chunk) <= _CHUNK:
            return None
        position += _CHUNK


# Bytes read to tell whether a gzip member begins there: its header (10 bytes, more with a
# file name) and enough deflate data for the first bytes of a WARC header.
_LOOK_AHEAD = 512


# A WARC record's first line and the start of its first field: "WARC/1.1\r\nWARC-Type:".
_HEADER = re.compile(rb"WARC/1\.[01]\r\n[A-Za-z][\w-]*:")


def _inflates_to_warc(data: bytes) -> bool:
    try:
        head = zlib.decompressobj(wbits=31).decompress(data, 32)
    except zlib.error:
        return False
    return _HEADER.match(head) is not None


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
    uri = headers.get("WARC-Target-URI") or None
    if not (headers.get("Content-Length") or "").strip().isdigit():
        # Every record states its length: a header without it, or with its figure missing,
        # was cut off (fastwarc reads the length as 0), most often by a truncated file.
        reason = (
            f"record {number} {_SHORT} in its header, before its Content-Length (the file is "
            "truncated, or the record malformed)"
        )
        return rejected(page_id, reason, uri=uri, fmt="warc")
    if not rtype & _PAGE_TYPES:
        return Skipped(page_id, f"{headers.get('WARC-Type', 'unknown')} record")
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
            f"record {number} {_SHORT}: {len(block)} of {length} bytes (the file is truncated, "
            "or its Content-Length is wrong)"
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
