#!/usr/bin/env python3
"""Write the container files of the bundled example corpus.

The example corpus in ``examples/news/`` is mostly plain text and HTML pages kept as they are.
Two of its inputs are containers that are awkward to edit by hand, so this script builds them
from sources kept under ``examples/src/`` (outside ``examples/news/``, so ``wirecopy build
examples/news`` never reads the sources themselves):

- ``examples/news/crawl/outlets.warc.gz``: a small crawl of the fictional Kelloway Herald as a
  WARC/1.1 file, one gzip member per record: a ``warcinfo`` record, a ``robots.txt`` response, a
  ``request`` record, four HTML page responses and an ``image/png`` response.  Built from
  ``examples/src/warc/*.html.in`` (the robots.txt and the PNG are made here).
- ``examples/news/feeds/wire.jsonl``: the fictional Meridian Press Agency wire feed, one JSON
  object a line with ``url``, ``published``, ``source`` and either ``text`` or ``html``.  Built
  from ``examples/src/feed/*.in``.

The output is byte-for-byte deterministic: fixed WARC-Date values, WARC-Record-IDs derived
with uuid5 from fixed names, and gzip members written with mtime 0 and no file name.

Usage (from the repository root)::

    python scripts/make_example_containers.py          # (re)write both files
    python scripts/make_example_containers.py --check  # exit 1 if a file is missing or stale
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import struct
import sys
import uuid
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "examples" / "src"
NEWS = ROOT / "examples" / "news"
WARC_PATH = NEWS / "crawl" / "outlets.warc.gz"
JSONL_PATH = NEWS / "feeds" / "wire.jsonl"

CRAWL_START = datetime(2026, 3, 10, 9, 0, 0, tzinfo=UTC)
# Namespace for the record ids; any fixed UUID would do.
RECORD_ID_NAMESPACE = uuid.UUID("7d0c6f2e-3b1a-5c9d-8e4f-2a6b1c3d5e7f")
SITE = "https://kellowayherald.example"
SERVER_IP = "192.0.2.17"  # TEST-NET-1, reserved for documentation
USER_AGENT = "wirecopy-example-crawler/1.0 (+https://wirecopy.example/crawler)"
CRLF = b"\r\n"

ROBOTS_TXT = """User-agent: *
Disallow: /login
Disallow: /search

Sitemap: https://kellowayherald.example/sitemap.xml
"""


@dataclass(frozen=True)
class Fetch:
    """One URL fetched by the example crawl."""

    path: str  # URL path on the Kelloway Herald site
    content_type: str  # HTTP Content-Type of the response
    body: bytes  # HTTP payload
    with_request: bool = False  # also write the request record, before the response


@dataclass(frozen=True)
class FeedItem:
    """One line of the wire feed."""

    source_file: str  # file under examples/src/feed/
    url: str
    published: str  # ISO date


FEED_SOURCE = "Meridian Press Agency"
FEED: tuple[FeedItem, ...] = (
    FeedItem(
        "1-saltgate-bridge-vote.txt.in",
        "https://mpa-wire.example/2026/03/03/portvale-council-saltgate-bridge",
        "2026-03-03",
    ),
    FeedItem(
        "2-river-calder-evacuations.txt.in",
        "https://mpa-wire.example/2026/03/02/river-calder-evacuations",
        "2026-03-02",
    ),
    FeedItem(
        "3-quist-resigns.html.in",
        "https://mpa-wire.example/2026/03/05/esterland-transport-minister-resigns",
        "2026-03-05",
    ),
    FeedItem(
        "4-brennock-orrin-falls.txt.in",
        "https://mpa-wire.example/2026/03/06/brennock-paper-orrin-falls-closure",
        "2026-03-06",
    ),
    FeedItem(
        "5-fenwick-bay-ichthyosaur.html.in",
        "https://mpa-wire.example/2026/03/07/fenwick-bay-ichthyosaur",
        "2026-03-07",
    ),
)


def html_page(name: str) -> bytes:
    return (SRC / "warc" / name).read_bytes()


def make_png(width: int = 16, height: int = 16) -> bytes:
    """A small, valid PNG (the Herald's logo stand-in), built without any imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter type: none
        for x in range(width):
            border = x in (0, width - 1) or y in (0, height - 1)
            rows += bytes((20, 40, 90)) if border or x == y else bytes((235, 240, 250))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def fetches() -> list[Fetch]:
    html = "text/html; charset=utf-8"
    return [
        Fetch("/robots.txt", "text/plain; charset=utf-8", ROBOTS_TXT.encode()),
        Fetch(
            "/news/valley/harrow-cutting-landslip",
            html,
            html_page("harrow-cutting-landslip.html.in"),
            with_request=True,
        ),
        Fetch(
            "/news/valley/calder-floods-evacuations",
            html,
            html_page("calder-floods-evacuations.html.in"),
        ),
        Fetch("/static/herald-logo.png", "image/png", make_png()),
        Fetch("/news/politics/quist-resigns", html, html_page("quist-resigns.html.in")),
        Fetch(
            "/business/brennock-orrin-falls-closure",
            html,
            html_page("brennock-orrin-falls-closure.html.in"),
        ),
    ]


def record_id(ordinal: int) -> str:
    return f"<urn:uuid:{uuid.uuid5(RECORD_ID_NAMESPACE, f'outlets.warc.gz#{ordinal}')}>"


def sha1_digest(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


def warc_date(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def warc_record(headers: list[tuple[str, str]], block: bytes) -> bytes:
    lines = [b"WARC/1.1"]
    lines += [f"{name}: {value}".encode() for name, value in headers]
    lines.append(f"Content-Length: {len(block)}".encode())
    return CRLF.join(lines) + CRLF + CRLF + block + CRLF + CRLF


def gzip_member(data: bytes) -> bytes:
    """One gzip member (RFC 1952) with mtime 0, no file name and OS 'unknown'."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    deflated = compressor.compress(data) + compressor.flush()
    header = b"\x1f\x8b\x08\x00" + struct.pack("<I", 0) + b"\x02\xff"
    trailer = struct.pack("<II", zlib.crc32(data) & 0xFFFFFFFF, len(data) & 0xFFFFFFFF)
    return header + deflated + trailer


def build_warc() -> bytes:
    records: list[bytes] = []
    info_id = record_id(1)
    info = (
        "software: wirecopy scripts/make_example_containers.py\r\n"
        "format: WARC File Format 1.1\r\n"
        "conformsTo: https://iipc.github.io/warc-specifications/specifications/"
        "warc-format/warc-1.1/\r\n"
        "isPartOf: wirecopy example corpus\r\n"
        "description: Crawl of the fictional Kelloway Herald (kellowayherald.example)\r\n"
        "robots: obey\r\n"
        f"http-header-user-agent: {USER_AGENT}\r\n"
    ).encode()
    records.append(
        warc_record(
            [
                ("WARC-Type", "warcinfo"),
                ("WARC-Record-ID", info_id),
                ("WARC-Date", warc_date(CRAWL_START)),
                ("WARC-Filename", WARC_PATH.name),
                ("WARC-Block-Digest", sha1_digest(info)),
                ("Content-Type", "application/warc-fields"),
            ],
            info,
        )
    )
    for n, fetch in enumerate(fetches(), start=1):
        when = CRAWL_START + timedelta(seconds=7 * n)
        uri = SITE + fetch.path
        ordinal = len(records) + 1
        response_id = record_id(ordinal + 1 if fetch.with_request else ordinal)
        if fetch.with_request:
            request = (
                f"GET {fetch.path} HTTP/1.1\r\n"
                "Host: kellowayherald.example\r\n"
                f"User-Agent: {USER_AGENT}\r\n"
                "Accept: text/html,application/xhtml+xml;q=0.9,*/*;q=0.8\r\n"
                "Accept-Encoding: identity\r\n"
                "\r\n"
            ).encode()
            records.append(
                warc_record(
                    [
                        ("WARC-Type", "request"),
                        ("WARC-Record-ID", record_id(ordinal)),
                        ("WARC-Warcinfo-ID", info_id),
                        ("WARC-Date", warc_date(when)),
                        ("WARC-Target-URI", uri),
                        ("WARC-Concurrent-To", response_id),
                        ("WARC-Block-Digest", sha1_digest(request)),
                        ("Content-Type", "application/http; msgtype=request"),
                    ],
                    request,
                )
            )
        http_headers = (
            "HTTP/1.1 200 OK\r\n"
            f"Date: {format_datetime(when, usegmt=True)}\r\n"
            "Server: nginx\r\n"
            f"Content-Type: {fetch.content_type}\r\n"
            f"Content-Length: {len(fetch.body)}\r\n"
            "Connection: close\r\n"
            "\r\n"
        ).encode()
        block = http_headers + fetch.body
        records.append(
            warc_record(
                [
                    ("WARC-Type", "response"),
                    ("WARC-Record-ID", response_id),
                    ("WARC-Warcinfo-ID", info_id),
                    ("WARC-Date", warc_date(when)),
                    ("WARC-Target-URI", uri),
                    ("WARC-IP-Address", SERVER_IP),
                    ("WARC-Block-Digest", sha1_digest(block)),
                    ("WARC-Payload-Digest", sha1_digest(fetch.body)),
                    ("Content-Type", "application/http; msgtype=response"),
                ],
                block,
            )
        )
    return b"".join(gzip_member(record) for record in records)


def build_jsonl() -> bytes:
    lines: list[str] = []
    for item in FEED:
        content = (SRC / "feed" / item.source_file).read_text(encoding="utf-8").rstrip("\n")
        field = "html" if item.source_file.endswith(".html.in") else "text"
        record = {
            "url": item.url,
            "published": item.published,
            "source": FEED_SOURCE,
            field: content,
        }
        lines.append(json.dumps(record, ensure_ascii=False) + "\n")
    return "".join(lines).encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--check", action="store_true", help="only check that the files are up to date"
    )
    args = parser.parse_args(argv)
    outputs = {WARC_PATH: build_warc(), JSONL_PATH: build_jsonl()}
    stale = 0
    for path, data in outputs.items():
        shown = path.relative_to(ROOT)
        if args.check:
            if not path.exists() or path.read_bytes() != data:
                print(f"stale: {shown}", file=sys.stderr)
                stale += 1
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"wrote {shown} ({len(data)} bytes)")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
