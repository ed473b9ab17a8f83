"""Readers: input files in, pages out (accepted or rejected, never lost).

``read(source, config)`` dispatches on the format taken from the file's name, and each
reader checks that name against the content (a ``.txt`` that is an image is rejected,
a ``.jsonl`` that is gzip-compressed is decompressed).
"""

from __future__ import annotations

from collections.abc import Iterator

from wirecopy.config import BuildConfig
from wirecopy.readers.decode import PageError, binary_kind
from wirecopy.readers.discover import FORMATS, discover
from wirecopy.readers.files import open_regular
from wirecopy.readers.jsonl import read_jsonl
from wirecopy.readers.pages import rejected
from wirecopy.readers.text import read_file
from wirecopy.readers.warc import Skipped, read_warc
from wirecopy.records import Page, Source

__all__ = ["FORMATS", "PageError", "Skipped", "discover", "read"]

KNOWN = ".txt/.text, .html/.htm/.xhtml, .warc/.warc.gz and .jsonl/.ndjson (or .gz of them)"


def read(source: Source, config: BuildConfig) -> Iterator[Page | Skipped]:
    """Read one input file into pages; a problem becomes a rejected page."""
    uri = source.path.absolute().as_uri()
    if source.problem:
        yield rejected(source.page_id, source.problem, uri=uri, fmt=source.format)
    elif source.format in ("text", "html"):
        yield from read_file(source, config)
    elif source.format == "jsonl":
        yield from read_jsonl(source, config)
    elif source.format == "warc":
        yield from read_warc(source, config)
    else:
        yield rejected(source.page_id, _unsupported(source), uri=uri, fmt="unknown")


def _unsupported(source: Source) -> str:
    suffixes = source.path.suffixes
    last_two = suffixes[-2:] if suffixes[-1:] == [".gz"] else suffixes[-1:]
    suffix = "".join(last_two) or "no extension"
    try:
        with open_regular(source.path) as handle:
            kind = binary_kind(handle.read(8192))
    except (OSError, PageError):
        kind = None
    what = f" ({kind})" if kind else ""
    return f"unsupported file type {suffix!r}{what}; wirecopy reads {KNOWN}"
