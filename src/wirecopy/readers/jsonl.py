"""JSONL and JSONL.gz: one page per line, streamed.

Each line is an object with ``text`` or ``html`` and optional ``url``, ``published``
and ``source``. A bad line is a rejected page named ``file#LINE``; the file goes on.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from typing import IO

from wirecopy.config import BuildConfig, format_size
from wirecopy.readers.decode import PageError
from wirecopy.readers.pages import content_hash, host_of, html_page, iso_date, rejected
from wirecopy.records import Page, Source

GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20


def open_maybe_gzip(source: Source) -> IO[bytes] | gzip.GzipFile:
    """Open a file, decompressing when its content is gzip, whatever its name says."""
    handle = source.path.open("rb")
    if handle.read(2) == GZIP_MAGIC:
        handle.seek(0)
        return gzip.GzipFile(fileobj=handle, mode="rb")
    handle.seek(0)
    return handle


def read_jsonl(source: Source, config: BuildConfig) -> Iterator[Page]:
    prefix = source.page_id
    line_no = 0
    try:
        with open_maybe_gzip(source) as handle:
            for line_no, line in _lines(handle, config.max_page_bytes):
                page_id = f"{prefix}#{line_no}"
                if line is None:
                    yield rejected(
                        page_id,
                        f"line {line_no} is over the page size limit of "
                        f"{format_size(config.max_page_bytes)} (raise it with --max-size)",
                        uri=None,
                        fmt="jsonl",
                    )
                elif line.strip():
                    yield _page(page_id, line_no, line)
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        yield rejected(
            f"{prefix}#{line_no + 1}",
            f"the gzip stream breaks off {_where(line_no)}: the file is truncated or "
            f"corrupt ({error})",
            uri=None,
            fmt="jsonl",
        )
    except OSError as error:
        yield rejected(prefix, f"cannot read the file: {error}", uri=None, fmt="jsonl")


def _where(line_no: int) -> str:
    return f"after line {line_no}" if line_no else "before its first line"


def _lines(handle: IO[bytes] | gzip.GzipFile, limit: int) -> Iterator[tuple[int, bytes | None]]:
    """Number the lines; a line over ``limit`` bytes is skipped and yielded as None."""
    line_no = 0
    while True:
        line = handle.readline(limit + 1)
        if not line:
            return
        line_no += 1
        if len(line) > limit and not line.endswith(b"\n"):
            while (rest := handle.readline(_CHUNK)) and not rest.endswith(b"\n"):
                pass  # drain the oversize line without holding it
            yield line_no, None
        else:
            yield line_no, line


def _page(page_id: str, line_no: int, line: bytes) -> Page:
    try:
        return _parse(page_id, line_no, line)
    except PageError as error:
        return rejected(page_id, f"line {line_no}: {error}", uri=None, fmt="jsonl", raw=line)


def _parse(page_id: str, line_no: int, line: bytes) -> Page:
    try:
        record = json.loads(line.rstrip(b"\r\n"))
    except UnicodeDecodeError:
        raise PageError("not valid UTF-8 (JSON text must be UTF-8)") from None
    except json.JSONDecodeError as error:
        message = error.msg.removesuffix(" at")
        raise PageError(f"not valid JSON: {message} at column {error.colno}") from None
    if not isinstance(record, dict):
        raise PageError(f"expected a JSON object, got {_kind(record)}")
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
        meta={k: str(v) for k, v in record.items() if k not in ("text", "html")},
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
