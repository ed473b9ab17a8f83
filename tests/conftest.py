"""Shared fixtures: paths to the real corpus, small page factories, a WARC writer."""

from __future__ import annotations

import gzip
import os
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import settings

REPO = Path(__file__).resolve().parents[1]

# Property tests draw the same examples on every run, a fresh clone's CI included: a failure
# is reproducible and never luck. `HYPOTHESIS_PROFILE=explore make test` draws new ones, more.
settings.register_profile("wirecopy", derandomize=True)
settings.register_profile("explore", max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "wirecopy"))


def shared_dir() -> Path:
    """``../shared`` beside the repository (CI clones it there), or $WIRECOPY_SHARED."""
    return Path(os.environ.get("WIRECOPY_SHARED", REPO.parent / "shared"))


@pytest.fixture(scope="session")
def seeds() -> Path:
    path = shared_dir() / "corpus" / "seeds"
    assert path.is_dir(), f"the seed corpus is missing at {path}"
    return path


@pytest.fixture(scope="session")
def examples() -> Path:
    return REPO / "examples" / "news"


def warc_record(kind: str, uri: str, block: bytes, number: int, **headers: str) -> bytes:
    """One gzip member holding one WARC/1.1 record, as crawlers write them."""
    fields = {
        "WARC-Type": kind,
        "WARC-Record-ID": f"<urn:uuid:00000000-0000-0000-0000-{number:012d}>",
        "WARC-Date": "2026-03-04T10:00:00Z",
        **({"WARC-Target-URI": uri} if uri else {}),
        **headers,
        "Content-Length": str(len(block)),
    }
    head = "WARC/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields.items()) + "\r\n"
    return gzip.compress(head.encode() + block + b"\r\n\r\n", mtime=0)


def http_response(body: bytes, content_type: str = "text/html; charset=utf-8") -> bytes:
    head = f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


def html_doc(title: str, paragraphs: Sequence[str], site: str = "Test Herald") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<html><head><title>{title}</title>"
        f'<meta property="og:site_name" content="{site}">'
        f'<meta property="article:published_time" content="2026-03-04T08:00:00Z">'
        f"</head><body><article><h1>{title}</h1>{body}</article></body></html>"
    ).encode()


def gzip_members(data: bytes) -> list[bytes]:
    """What each gzip member of ``data`` decompresses to (a .warc.gz: one record each)."""
    import zlib

    out = []
    while data:
        inflater = zlib.decompressobj(31)
        out.append(inflater.decompress(data))
        data = inflater.unused_data
    return out


def write_warc(path: Path, pages: Sequence[tuple[str, bytes]]) -> bytes:
    """Write a WARC.gz: a warcinfo record, then one response record per (uri, html)."""
    data = warc_record("warcinfo", "", b"software: wirecopy tests\r\n", 1)
    for number, (uri, html) in enumerate(pages, start=2):
        data += warc_record(
            "response",
            uri,
            http_response(html),
            number,
            **{"Content-Type": "application/http; msgtype=response"},
        )
    path.write_bytes(data)
    return data


PARAGRAPHS = [
    "The harbour council of Brindlemoor voted on Tuesday to rebuild the old swing bridge, "
    "ending a dispute that had run for three winters.",
    "Councillor Edda Varn said the new span would carry trams as well as carts, and that "
    "work would begin before the spring tides.",
    "Fishermen on the north quay welcomed the decision but asked for a second landing "
    "stage while the bridge is closed.",
]


def archive_content(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """What an archive holds, without run ids, timings or input order."""
    import sqlite3

    conn = sqlite3.connect(db)
    queries = {
        "pages": "SELECT id, uri, site, format, content_hash, status, error, text, title, "
        "published FROM pages ORDER BY id",
        "blocks": 'SELECT page_id, seq, start, "end", text, label, copy_seq FROM blocks '
        "ORDER BY page_id, seq",
        "copies": "SELECT page_id, seq, article_id, kind, similarity, text_hash, text FROM copies "
        "ORDER BY page_id, seq",
        "articles": "SELECT id, title, caption, date, source, text, canonical_page, story_id "
        "FROM articles ORDER BY id",
        "stories": "SELECT id, title, first_date, last_date FROM stories ORDER BY id",
    }
    try:
        return {name: [tuple(row) for row in conn.execute(sql)] for name, sql in queries.items()}
    finally:
        conn.close()
