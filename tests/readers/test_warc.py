from __future__ import annotations

import gzip
from pathlib import Path

from conftest import PARAGRAPHS, gzip_members, html_doc, http_response, warc_record, write_warc
from wirecopy.config import BuildConfig
from wirecopy.readers import Skipped, read
from wirecopy.readers.discover import discover
from wirecopy.records import Page


def read_all(path: Path) -> list[Page | Skipped]:
    [source] = discover([path])
    return list(read(source, BuildConfig()))


def test_html_responses_become_pages_numbered_among_all_records(tmp_path: Path) -> None:
    write_warc(
        tmp_path / "crawl.warc.gz",
        [
            ("https://a.example/one", html_doc("One", PARAGRAPHS)),
            ("https://b.example/two", html_doc("Two", PARAGRAPHS)),
        ],
    )
    items = read_all(tmp_path / "crawl.warc.gz")
    assert isinstance(items[0], Skipped) and items[0].page_id == "crawl.warc.gz#1"
    pages = [i for i in items if isinstance(i, Page)]
    assert [p.id for p in pages] == ["crawl.warc.gz#2", "crawl.warc.gz#3"]
    assert pages[0].uri == "https://a.example/one"
    assert pages[0].site == "a.example"
    assert pages[0].fetched == "2026-03-04T10:00:00Z"
    assert pages[0].title == "One"
    assert all(p.status == "ok" for p in pages)


def test_uncompressed_warc(tmp_path: Path) -> None:
    data = write_warc(tmp_path / "x.warc.gz", [("https://a.example/", html_doc("One", PARAGRAPHS))])
    (tmp_path / "plain.warc").write_bytes(b"".join(gzip_members(data)))
    pages = [i for i in read_all(tmp_path / "plain.warc") if isinstance(i, Page)]
    assert [p.status for p in pages] == ["ok"]


def test_non_html_records_are_skipped_not_pages(tmp_path: Path) -> None:
    data = warc_record("warcinfo", "", b"software: test\r\n", 1)
    data += warc_record("request", "https://a.example/", b"GET / HTTP/1.1\r\n\r\n", 2)
    data += warc_record(
        "response", "https://a.example/logo.png", http_response(b"\x89PNG", "image/png"), 3
    )
    (tmp_path / "mixed.warc.gz").write_bytes(data)
    items = read_all(tmp_path / "mixed.warc.gz")
    assert all(isinstance(i, Skipped) for i in items)
    assert len(items) == 3


def test_truncated_warc_keeps_good_records_and_names_the_cut_one(tmp_path: Path) -> None:
    data = write_warc(
        tmp_path / "full.warc.gz",
        [
            ("https://a.example/1", html_doc("One", PARAGRAPHS)),
            ("https://a.example/2", html_doc("Two", PARAGRAPHS)),
        ],
    )
    (tmp_path / "cut.warc.gz").write_bytes(data[:-60])
    pages = [i for i in read_all(tmp_path / "cut.warc.gz") if isinstance(i, Page)]
    assert [(p.id, p.status) for p in pages] == [
        ("cut.warc.gz#2", "ok"),
        ("cut.warc.gz#3", "rejected"),
    ]
    assert "truncated" in (pages[1].error or "")


def test_a_file_that_is_not_a_warc_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "fake.warc.gz").write_bytes(gzip.compress(b"hello, not a warc\n" * 10))
    [page] = read_all(tmp_path / "fake.warc.gz")
    assert isinstance(page, Page) and page.status == "rejected"
    assert page.id == "fake.warc.gz"
    assert "WARC" in (page.error or "")


def test_gzip_content_encoding_and_chunked_bodies(tmp_path: Path) -> None:
    html = html_doc("Chunked", PARAGRAPHS)
    body = gzip.compress(html, mtime=0)
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    data = warc_record("response", "https://c.example/", head + chunked, 1)
    (tmp_path / "enc.warc.gz").write_bytes(data)
    [page] = read_all(tmp_path / "enc.warc.gz")
    assert isinstance(page, Page) and page.status == "ok"
    assert page.text is not None and PARAGRAPHS[2] in page.text


def test_a_record_whose_header_lines_end_in_lf_alone_is_rejected_as_such(tmp_path: Path) -> None:
    good = gzip_members(write_warc(tmp_path / "w.warc.gz", [("https://a.example/1", b"x")]))[1]
    (tmp_path / "lf.warc").write_bytes(good.replace(b"\r\n", b"\n"))
    [page] = [i for i in read_all(tmp_path / "lf.warc") if isinstance(i, Page)]
    assert page.status == "rejected"
    assert "end in LF alone, not CRLF" in (page.error or "")
