"""WARC and WARC.gz: HTML response records become pages, with their URL and fetch date.

Records are numbered from 1 among all records of the file (warcinfo and requests
included), so ``crawl.warc.gz#3`` is the third record any WARC tool lists. Records
that are not HTML responses are not pages; they are counted as skipped.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from wirecopy.config import BuildConfig, format_size
from wirecopy.readers.decode import PageError
from wirecopy.readers.files import open_regular, os_reason
from wirecopy.readers.pages import html_page, iso_date, rejected
from wirecopy.records import Page, Source

# The framing is read here rather than by a WARC library: a library stops at the first
# bad record (or trusts a bad Content-Length and skips to the end of the file), and a
# build must say what is wrong with that record and read on from the next one.
_PAGE_TYPES = ("response", "resource")
_MARK = b"WARC/1."
_CHUNK = 1 << 20
_MAX_LINE = 1 << 14
_MAX_HEAD = 1 << 16
_GZIP = b"\x1f\x8b\x08"


@dataclass(frozen=True, slots=True)
class Skipped:
    """A WARC record that is not a page (a request, an image, a redirect)."""

    page_id: str
    reason: str


class _BadRecordError(Exception):
    """The record at hand is malformed; the message says how."""


class _BrokenStreamError(Exception):
    """The gzip stream is corrupt or cut short; the stream already stands past it."""


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
    number = 0
    try:
        with handle:
            stream = _Stream(handle)
            for number, item in _records(stream, config.max_page_bytes):
                page_id = f"{prefix}#{number}"
                if isinstance(item, str):
                    if number == 1 and item.startswith("not a WARC"):
                        yield rejected(prefix, item, uri=None, fmt="warc")
                        return
                    yield rejected(page_id, item, uri=None, fmt="warc")
                else:
                    yield _record_page(page_id, number, item, config)
    except OSError as error:  # a read error half way: say where
        where = f"{prefix}#{number + 1}" if number else prefix
        yield rejected(where, f"{os_reason(error)} (after record {number})", uri=None, fmt="warc")
        return
    if number == 0:
        yield rejected(prefix, "not a WARC file: no WARC records found", uri=None, fmt="warc")


@dataclass(frozen=True, slots=True)
class _Record:
    headers: dict[str, str]  # names in lower case
    block: bytes | None  # None when over the size limit (skipped, not held)
    length: int


def _records(stream: _Stream, limit: int) -> Iterator[tuple[int, _Record | str]]:
    """Number the records; a bad one is a message, and reading goes on after it."""
    number = 0
    while True:
        start, started = stream.offset, False
        try:
            if not stream.skip_blank():
                return
            number, started = number + 1, True
            start = stream.offset
            stream.mark(start)
            yield number, _record(stream, number, limit)
        except _BrokenStreamError as broken:
            number += 0 if started else 1
            yield number, f"the file is cut short or corrupt at record {number}: {broken}"
        except _BadRecordError as bad:
            if number == 1 and str(bad).startswith("it does not start"):
                yield number, "not a WARC file: it does not start with a WARC/1.x record"
                return
            yield number, f"record {number} is unreadable: {bad}; {_resync(stream, start)}"


def _resync(stream: _Stream, start: int) -> str:
    """Go to the next record after a bad one; say where reading goes on."""
    try:
        found = stream.rewind_past(start) and stream.scan(_MARK)
    except _BrokenStreamError as broken:
        return f"what follows it cannot be read either ({broken})"
    if found:
        return f"reading goes on with the next record, at byte {stream.offset:,}"
    return "no further record follows it: the rest of the file could not be read"


def _record(stream: _Stream, number: int, limit: int) -> _Record:
    line = stream.readline(_MAX_LINE)
    if not line.startswith(b"WARC/"):
        raise _BadRecordError("it does not start with a WARC/1.x version line")
    headers: dict[str, str] = {}
    size, last = len(line), ""
    while True:
        line = stream.readline(_MAX_LINE)
        if not line:
            raise _BadRecordError("its header breaks off at the end of the file")
        size += len(line)
        if size > _MAX_HEAD:
            raise _BadRecordError(
                f"its header runs over {format_size(_MAX_HEAD)} with no blank line"
            )
        if not line.strip(b"\r\n"):
            break
        text = line.decode("utf-8", errors="replace").strip()
        if line[:1] in (b" ", b"\t") and last:
            headers[last] += " " + text  # a folded header line
            continue
        name, sep, value = text.partition(":")
        if not sep:
            raise _BadRecordError(f"its header line {text[:60]!r} has no colon")
        last = name.strip().lower()
        headers[last] = value.strip()
    declared = headers.get("content-length", "")
    if not declared.isdigit():
        raise _BadRecordError(f"its Content-Length is {declared!r}, not a number of bytes")
    length = int(declared)
    left = stream.left()
    if left is not None and length > left:
        raise _BadRecordError(
            f"its Content-Length ({length:,} bytes) runs past the end of the file "
            f"(only {left:,} bytes follow its header: the file is cut short, or the length "
            "is wrong)"
        )
    if length > limit:
        got, block = stream.skip(length), None
    else:
        block = stream.read(length)
        got = len(block)
    if got < length:
        raise _BadRecordError(
            f"its Content-Length ({length:,} bytes) runs past the end of the data"
        )
    tail = stream.read(4)
    if tail.strip(b"\r\n") or (len(tail) < 4 and not stream.at_end()):
        # A record ends with CRLF CRLF: anything else means its Content-Length is wrong.
        raise _BadRecordError(
            f"its Content-Length ({length:,} bytes) does not end where the record does "
            "(no blank line follows the block)"
        )
    return _Record(headers, block, length)


class _Stream:
    """The bytes of a WARC file, decompressed gzip member by gzip member when it is gzip.

    Holds a look-ahead buffer and the offset of its first byte, and can go back to the
    byte after a bad record's start (a plain file) or to the first gzip member after
    it (a .warc.gz), which is where the next record can start.
    """

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.gz = handle.read(3) == _GZIP
        handle.seek(0, 2)
        self.size = handle.tell()
        handle.seek(0)
        self.buf = bytearray()
        self.offset = 0  # offset of buf[0] in the (decompressed) data
        self.line_start = True
        self.eof = False
        self.pending = b""  # compressed bytes read, not yet decompressed
        self.raw_pos = 0  # file offset after ``pending``
        self.inflater: zlib._Decompress | None = None
        self.member_raw = 0
        self.marked = 0
        self.starts: list[tuple[int, int]] = []  # (data offset, file offset) of members

    # ---- reading ---------------------------------------------------------------------

    def left(self) -> int | None:
        return None if self.gz else self.size - self.offset

    def at_end(self) -> bool:
        return not self.buf and not self._more()

    def mark(self, offset: int) -> None:
        self.marked = offset
        self.starts = [s for s in self.starts if s[0] > offset]

    def skip_blank(self) -> bool:
        """Pass the line ends between records; False at the end of the data."""
        while True:
            stripped = self.buf.lstrip(b"\r\n")
            self._drop(len(self.buf) - len(stripped))
            if self.buf:
                return True
            if not self._more():
                return False

    def readline(self, limit: int) -> bytes:
        while (end := self.buf.find(b"\n", 0, limit)) < 0 and len(self.buf) < limit:
            if not self._more():
                break
        size = min(len(self.buf), limit) if end < 0 else end + 1
        return self._take(size)

    def read(self, size: int) -> bytes:
        while len(self.buf) < size and self._more():
            pass
        return self._take(min(size, len(self.buf)))

    def skip(self, size: int) -> int:
        done = 0
        while done < size and (self.buf or self._more()):
            step = min(size - done, len(self.buf))
            self._drop(step)
            done += step
        return done

    def scan(self, marker: bytes) -> bool:
        """Go to the next line that starts with ``marker``; False at the end."""
        while True:
            at = (b"\n" if self.line_start else b"") + bytes(self.buf[: 1 << 22])
            found = at.find(b"\n" + marker)
            if found >= 0:
                self._drop(found + 1 - (1 if self.line_start else 0))
                return True
            keep = len(marker)  # the marker may straddle two pieces
            self._drop(max(0, len(self.buf) - keep))
            if not self._more():
                self._drop(len(self.buf))
                return False

    def rewind_past(self, start: int) -> bool:
        """Go back to just after ``start`` (plain) or the first member after it (gzip)."""
        if not self.gz:
            self._reset(start + 1, start + 1, line_start=False)
            return True
        while not self.starts and self._more():
            self._drop(len(self.buf))  # read on to the end of the bad record's member
        if not self.starts:
            return False
        offset, raw = self.starts[0]
        self._reset(offset, raw, line_start=True)
        return True

    # ---- internals -------------------------------------------------------------------

    def _take(self, size: int) -> bytes:
        out = bytes(self.buf[:size])
        self._drop(size)
        return out

    def _drop(self, size: int) -> None:
        if size:
            self.line_start = self.buf[size - 1] == 0x0A
            del self.buf[:size]
            self.offset += size

    def _reset(self, offset: int, raw: int, *, line_start: bool) -> None:
        self.handle.seek(raw)
        self.buf.clear()
        self.offset, self.raw_pos, self.pending = offset, raw, b""
        self.inflater, self.eof, self.line_start = None, False, line_start
        self.starts = []

    def _more(self) -> bool:
        """Add the next piece of data to the buffer; False at the end of the file."""
        if self.eof:
            return False
        if not self.gz:
            data = self.handle.read(_CHUNK)
            self.buf += data
            self.eof = not data
            return bool(data)
        while True:
            if not self.pending:
                self.pending = self.handle.read(_CHUNK)
                self.raw_pos += len(self.pending)
                if not self.pending:
                    self.eof = True
                    if self.inflater is not None:
                        self.inflater = None
                        self.buf.clear()  # the start of a record that never ends
                        raise _BrokenStreamError(
                            "its last gzip member breaks off (the file is truncated)"
                        )
                    return False
            if self.inflater is None and not self._start_member():
                continue
            assert self.inflater is not None
            try:
                # Bounded output: a small member can inflate to gigabytes.
                out = self.inflater.decompress(self.pending, _CHUNK)
            except zlib.error as error:
                self._skip_member(self.member_raw + 1)
                raise _BrokenStreamError(f"a gzip member is corrupt ({error})") from None
            if self.inflater.eof:
                self.pending, self.inflater = self.inflater.unused_data, None
            else:
                self.pending = self.inflater.unconsumed_tail
            if out:
                self.buf += out
                return True

    def _start_member(self) -> bool:
        here = self.raw_pos - len(self.pending)
        if len(self.pending) < 3 and not self.eof:
            more = self.handle.read(_CHUNK)
            self.raw_pos += len(more)
            self.pending += more
        if not self.pending.startswith(_GZIP):
            if not self.pending.strip(b"\x00"):
                self.pending = b""  # zero padding at the end of a file
                return False
            self._skip_member(here + 1)
            raise _BrokenStreamError(f"the bytes at file offset {here:,} are not a gzip member")
        self.inflater = zlib.decompressobj(31)
        self.member_raw = here
        offset = self.offset + len(self.buf)
        if offset > self.marked:
            # Keep the first member after the record at hand and those still buffered.
            first = [s for s in self.starts if s[0] > self.marked][:1]
            rest = [s for s in self.starts if s[0] >= self.offset and s not in first]
            self.starts = [*first, *rest, (offset, here)]
        return True

    def _skip_member(self, raw: int) -> None:
        """Drop what was decompressed and go to the next gzip header after ``raw``."""
        self.handle.seek(raw)
        self.buf.clear()
        self.inflater, self.line_start = None, True
        data = b""
        while True:
            piece = self.handle.read(_CHUNK)
            data = data[-2:] + piece
            found = data.find(_GZIP)
            if found >= 0 or not piece:
                break
            raw += len(piece)
        if found < 0:
            self.pending, self.raw_pos, self.eof = b"", raw, True
            return
        self.pending = data[found:]
        self.raw_pos = self.handle.tell()


def _record_page(page_id: str, number: int, record: _Record, config: BuildConfig) -> Page | Skipped:
    headers = record.headers
    rtype = headers.get("warc-type", "unknown")
    if rtype not in _PAGE_TYPES:
        return Skipped(page_id, f"{rtype} record")
    uri = headers.get("warc-target-uri", "").strip("<>") or None
    if record.block is None:
        reason = (
            f"record {number} is {format_size(record.length)}, over the page size limit of "
            f"{format_size(config.max_page_bytes)} (raise it with --max-size)"
        )
        return rejected(page_id, reason, uri=uri, fmt="warc")
    block = record.block
    try:
        content_type, body = (
            _http_payload(block)
            if rtype == "response"
            else (headers.get("content-type", ""), block)
        )
        if "html" not in content_type.lower():
            return Skipped(page_id, f"not HTML ({content_type or 'no content type'})")
        date = headers.get("warc-date")
        return html_page(
            page_id,
            body,
            uri=uri,
            fetched=iso_date(date) and date,
            charset=_charset(content_type),
        )
    except PageError as error:
        return rejected(page_id, f"record {number}: {error}", uri=uri, fmt="warc", raw=block)


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        name, _, value = part.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return value.strip().strip("'\"")
    return None


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
