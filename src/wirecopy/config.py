"""Build settings: one frozen dataclass, passed down to every stage."""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_MAX_PAGE_BYTES = 20 * 1000 * 1000


@dataclass(frozen=True, slots=True)
class BuildConfig:
    # A single page (a file, a WARC record, a JSONL line) above this size is rejected:
    # real article pages are far smaller, and a huge one is almost always a mistake
    # (a dump, a binary) that would stall the build. Containers are streamed, so a
    # multi-gigabyte WARC or JSONL file is fine as long as each record is not.
    max_page_bytes: int = DEFAULT_MAX_PAGE_BYTES
    # Pages written per transaction: a build killed half way loses at most one batch.
    batch_size: int = 200
    # Follow symbolic links to folders (loops are detected and reported).
    follow_symlinks: bool = True
    # Extract entities (people, organisations, places) with the pinned spaCy model; a
    # missing model never stops a build (`wirecopy build --no-entities` switches it off).
    entities: bool = True


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*$", re.IGNORECASE)


def parse_size(text: str) -> int:
    """Parse a human size such as ``20MB``, ``512k`` or ``1.5GiB`` into bytes."""
    match = _SIZE.match(text)
    if not match:
        raise ValueError(f"not a size: {text!r} (try 20MB, 512KB or 1GiB)")
    number, unit = float(match.group(1)), (match.group(2) or "").lower()
    base = 1024 if "i" in unit else 1000
    power = {"": 0, "b": 0, "k": 1, "m": 2, "g": 3, "t": 4}[unit[:1] if unit[:1] != "b" else ""]
    size = int(number * base**power)
    if size < 1:
        raise ValueError(f"{text!r} is less than one byte: every page would be over it")
    return size


def format_size(size: int) -> str:
    """Format a byte count for people: ``20.0 MB``."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"  # pragma: no cover - unreachable
