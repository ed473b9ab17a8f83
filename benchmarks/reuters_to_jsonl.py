"""Write the Reuters-21578 stories as wirecopy input pages, one JSON line per story.

Each line is ``{"text", "url", "published", "source"}``: `text` is the title, a blank line
and the body paragraphs (an UNPROC story gives its unprocessed text, a BRIEF story its
title alone); `url` is a stable made-up ``https://reuters.example/1987/<newid>``;
`published` is the story's ISO date and time (to the second); `source` is ``Reuters``.
The one story with no text at all (NEWID 12793, an empty UNPROC) is skipped.

Run from the repository root:

    python -m benchmarks.reuters_to_jsonl --out benchmarks/data/reuters.jsonl
    python -m benchmarks.reuters_to_jsonl --out benchmarks/data/reuters.jsonl.gz --gzip
    python -m benchmarks.reuters_to_jsonl --out - --limit 3 --body-only
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from benchmarks.reuters import ReutersStory, iter_stories, story_text

REPO = Path(__file__).resolve().parents[1]


def shared_corpus() -> Path:
    """``../shared/corpus/reuters21578`` beside the repository, or under $WIRECOPY_SHARED."""
    shared = Path(os.environ.get("WIRECOPY_SHARED", REPO.parent / "shared"))
    return shared / "corpus" / "reuters21578"


def story_url(newid: int) -> str:
    return f"https://reuters.example/1987/{newid}"


def page_record(story: ReutersStory) -> dict[str, str | None]:
    """The wirecopy input page of one story."""
    return {
        "text": story_text(story),
        "url": story_url(story.newid),
        "published": story.date.isoformat(timespec="seconds") if story.date else None,
        "source": "Reuters",
    }


def page_records(
    folder: Path, *, limit: int | None = None, body_only: bool = False
) -> Iterator[dict[str, str | None]]:
    """Page records of the stories in `folder`, in order; stories without text are skipped."""
    count = 0
    for story in iter_stories(folder):
        if limit is not None and count >= limit:
            return
        if (body_only and not story.body) or not story_text(story):
            continue
        yield page_record(story)
        count += 1


class BinarySink(Protocol):
    def write(self, data: bytes, /) -> object: ...


@dataclass(frozen=True, slots=True)
class WriteStats:
    pages: int
    bytes_written: int  # uncompressed JSONL bytes


def write_jsonl(records: Iterable[dict[str, str | None]], out: BinarySink) -> WriteStats:
    """Write one compact JSON object a line (UTF-8) and count pages and bytes."""
    pages = size = 0
    for record in records:
        line = json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n"
        out.write(line)
        pages += 1
        size += len(line)
    return WriteStats(pages, size)


def convert(
    folder: Path,
    out: Path,
    *,
    limit: int | None = None,
    compress: bool = False,
    body_only: bool = False,
) -> WriteStats:
    """Convert the collection in `folder` to the JSONL file `out` (gzip when `compress`)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    records = page_records(folder, limit=limit, body_only=body_only)
    tmp = out.with_name(out.name + ".part")
    with tmp.open("wb") as raw:
        if compress:
            with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as zipped:
                stats = write_jsonl(records, zipped)
        else:
            stats = write_jsonl(records, raw)
    tmp.replace(out)
    return stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write Reuters-21578 as wirecopy JSONL input pages.",
        epilog="Example: python -m benchmarks.reuters_to_jsonl --out benchmarks/data/reuters.jsonl",
    )
    parser.add_argument("--out", required=True, help="output file, or - for standard output")
    parser.add_argument("--limit", type=int, default=None, help="write at most N pages")
    parser.add_argument("--gzip", action="store_true", help="gzip the output")
    parser.add_argument(
        "--body-only", action="store_true", help="only stories with a body (no BRIEF or UNPROC)"
    )
    parser.add_argument(
        "--corpus",
        type=Path,
        default=shared_corpus(),
        help="folder of reut2-*.sgm files (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    if args.out == "-":
        records = page_records(args.corpus, limit=args.limit, body_only=args.body_only)
        if args.gzip:
            with gzip.GzipFile(fileobj=sys.stdout.buffer, mode="wb", mtime=0) as zipped:
                stats = write_jsonl(records, zipped)
        else:
            stats = write_jsonl(records, sys.stdout.buffer)
        where = "standard output"
    else:
        out = Path(args.out)
        stats = convert(
            args.corpus, out, limit=args.limit, compress=args.gzip, body_only=args.body_only
        )
        where = f"{out} ({out.stat().st_size:,} bytes on disk)"
    print(
        f"wrote {stats.pages:,} pages, {stats.bytes_written:,} bytes of JSONL to {where}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
