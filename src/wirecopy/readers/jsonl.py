"""JSONL and JSONL.gz: one page per line, streamed.

Each line is an object with ``text`` or ``html`` and optional ``url``, ``published``
and ``source``. A bad line is a rejected page named ``file#LINE``; the file goes on.
"""

from __future__ import annotations

import gzip
import io
import json
import zlib
from collections.abc import Callable, Iterator
from typing import IO

from wirecopy.byteorder import bom_encoding
from wirecopy.config import BuildConfig, format_size
from wirecopy.readers.decode import PageError, binary_kind, scrub, utf16_without_bom
from wirecopy.readers.files import open_regular, os_reason
from wirecopy.readers.pages import NOTE, content_hash, host_of, html_page, iso_date, rejected
from wirecopy.records import Page, Source

GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20
_SNIFF = 8192
Handle = IO[bytes] | gzip.GzipFile


def open_maybe_gzip(source: Source) -> Handle:
    """Open a file, decompressing when its content is gzip, whatever its name says."""
    handle = open_regular(source.path)
    try:
        gzipped = handle.read(2) == GZIP_MAGIC
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    return gzip.GzipFile(fileobj=handle, mode="rb") if gzipped else handle


def read_jsonl(source: Source, config: BuildConfig) -> Iterator[Page]:
    prefix = source.page_id
    line_no = 0
    try:
        with open_maybe_gzip(source) as handle:
            head = handle.read(_SNIFF)
            handle.seek(0)
            problem = _whole_file_problem(head)
            if problem:
                yield rejected(prefix, problem, uri=None, fmt="jsonl", raw=head)
                return
            seen = False
            for line_no, line in _lines(_reader(handle, head), config.max_page_bytes):
                page_id = f"{prefix}#{line_no}"
                if line is None:
                    seen = True
                    yield rejected(
                        page_id,
                        f"line {line_no} is over the page size limit of "
                        f"{format_size(config.max_page_bytes)} (raise it with --max-size)",
                        uri=None,
                        fmt="jsonl",
                    )
                elif line.strip():
                    seen = True
                    yield _page(page_id, line_no, line)
            if not seen:
                yield rejected(
                    prefix, "no JSON lines: the file holds only white space", uri=None, fmt="jsonl"
                )
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        yield rejected(
            f"{prefix}#{line_no + 1}",
            f"the gzip stream breaks off {_where(line_no)}: the file is truncated or "
            f"corrupt ({error})",
            uri=None,
            fmt="jsonl",
        )
    except PageError as error:
        yield rejected(prefix, str(error), uri=None, fmt="jsonl")
    except OSError as error:
        yield rejected(
            prefix if not line_no else f"{prefix}#{line_no + 1}",
            os_reason(error),
            uri=None,
            fmt="jsonl",
        )


def _whole_file_problem(head: bytes) -> str | None:
    """Why the whole file is no JSON lines (empty, a binary container), or None."""
    if not head:
        return "empty file"
    if bom_encoding(head) or utf16_without_bom(head):
        return None
    kind = binary_kind(head)
    # A recognised container, or mostly NULs: one rejection, not one per "line". A few
    # NULs inside otherwise textual lines are left to the per-line JSON errors.
    if kind and ("NUL" not in kind or head.count(0) * 20 > len(head)):
        return f"binary file, not JSON lines: {kind}"
    return None


def _reader(handle: Handle, head: bytes) -> Callable[[int], bytes]:
    """A ``readline(size)`` giving UTF-8 lines, whatever Unicode encoding the file is in.

    JSON lines are UTF-8, but files saved from Windows tools come as UTF-16: split as
    bytes, their NUL-padded line ends would cut every line in two.
    """
    # UTF-8 lines are read as bytes (json.loads takes a UTF-8 BOM off the first one).
    encoding = bom_encoding(head)
    encoding = (None if encoding == "utf-8-sig" else encoding) or utf16_without_bom(head)
    if not encoding:
        return handle.readline
    text = io.TextIOWrapper(handle, encoding=encoding, errors="replace", newline="")
    return lambda size: text.readline(size).encode("utf-8")


def _where(line_no: int) -> str:
    return f"after line {line_no}" if line_no else "before its first line"


def _lines(readline: Callable[[int], bytes], limit: int) -> Iterator[tuple[int, bytes | None]]:
    """Number the lines; a line over ``limit`` bytes is skipped and yielded as None."""
    line_no = 0
    while True:
        line = readline(limit + 1)
        if not line:
            return
        line_no += 1
        if len(line) > limit and not line.endswith(b"\n"):
            while (rest := readline(_CHUNK)) and not rest.endswith(b"\n"):
                pass  # drain the oversize line without holding it
            yield line_no, None
        else:
            yield line_no, line


def _page(page_id: str, line_no: int, line: bytes) -> Page:
    try:
        return _parse(page_id, line_no, line)
    except PageError as error:
        return rejected(page_id, f"line {line_no}: {error}", uri=None, fmt="jsonl", raw=line)
    except RecursionError:
        # Nesting deep enough for the parser is still too deep to turn into text.
        reason = f"line {line_no}: not valid JSON: nested too deeply to read"
        return rejected(page_id, reason, uri=None, fmt="jsonl", raw=line)


def _parse(page_id: str, line_no: int, line: bytes) -> Page:
    try:
        record = json.loads(line.rstrip(b"\r\n"))
    except UnicodeDecodeError:
        raise PageError("not valid UTF-8 (JSON text must be UTF-8)") from None
    except json.JSONDecodeError as error:
        message = error.msg.removesuffix(" at")
        raise PageError(f"not valid JSON: {message} at column {error.colno}") from None
    except RecursionError:
        raise PageError("not valid JSON: nested too deeply to read") from None
    except ValueError as error:  # a number over Python's digit limit, and the like
        raise PageError(f"not valid JSON: {error}") from None
    if not isinstance(record, dict):
        raise PageError(f"expected a JSON object, got {_kind(record)}")
    # JSON can escape a lone surrogate (``\\ud800``, half an emoji cut by a scraper),
    # which no UTF-8 text can hold. It is replaced, as invalid bytes in a text file are:
    # one bad character should not cost the page.
    scrubbed = {scrub(k): scrub(v) if isinstance(v, str) else v for k, v in record.items()}
    note = "lone surrogate(s) replaced with U+FFFD" if scrubbed != record else None
    record = scrubbed
    url = _optional_str(record, "url")
    source = _optional_str(record, "source")
    published = iso_date(record.get("published"))
    text, html = record.get("text"), record.get("html")
    field = "text" if text is not None else "html" if html is not None else None
    if field is None:
        fields = ", ".join(sorted(record)) or "none"
        raise PageError(f"no 'text' or 'html' field (fields present: {fields})")
    value = record[field]
    if not isinstance(value, str):
        raise PageError(f"field {field!r} is {_kind(value)}, not a string")
    if not value.strip():
        raise PageError(f"field {field!r} is empty")
    site = host_of(url) or source
    if field == "html":
        return html_page(
            page_id,
            value.encode("utf-8"),
            uri=url,
            site=site,
            source=source,
            published=published,
        )
    meta = {k: scrub(str(v)) for k, v in record.items() if k not in ("text", "html")}
    if note:
        meta[NOTE] = note
    return Page(
        id=page_id,
        uri=url,
        format="jsonl",
        content_hash=content_hash(line),
        raw=line,
        site=site,
        source=source,
        encoding="utf-8",
        text=value.replace("\r\n", "\n").replace("\r", "\n"),
        published=published,
        meta=meta,
    )


def _optional_str(record: dict[str, object], key: str) -> str | None:
    value = record.get(key)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _kind(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "a number"
    return names.get(type(value), type(value).__name__)
