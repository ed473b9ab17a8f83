from __future__ import annotations

import gzip
import json
from pathlib import Path

from wirecopy.config import BuildConfig
from wirecopy.readers import read
from wirecopy.readers.discover import discover
from wirecopy.records import Page

GOOD = {
    "text": "The ferry to Oskel Island resumed service on Monday after a week of storms.",
    "url": "https://island-news.example/ferry",
    "published": "2026-02-11T06:30:00Z",
    "source": "Island News",
}


def read_pages(path: Path, config: BuildConfig | None = None) -> list[Page]:
    [source] = discover([path])
    return [p for p in read(source, config or BuildConfig()) if isinstance(p, Page)]


def test_each_line_is_a_page_with_its_metadata(tmp_path: Path) -> None:
    lines = [json.dumps(GOOD), "", json.dumps({"html": "<html><body><p>" + GOOD["text"] * 3})]
    (tmp_path / "feed.jsonl").write_text("\n".join(lines) + "\n")
    pages = read_pages(tmp_path / "feed.jsonl")
    assert [p.id for p in pages] == ["feed.jsonl#1", "feed.jsonl#3"]
    first = pages[0]
    assert (first.uri, first.site, first.source, first.published) == (
        "https://island-news.example/ferry",
        "island-news.example",
        "Island News",
        "2026-02-11",
    )
    assert first.text == GOOD["text"]
    assert pages[1].format == "html" and pages[1].status == "ok"


def test_broken_lines_are_rejected_with_their_line_number(tmp_path: Path) -> None:
    lines = [
        json.dumps(GOOD),
        '{"text": "unterminated',
        json.dumps([1, 2]),
        json.dumps({"title": "no text here"}),
        json.dumps({"text": None}),
        json.dumps({"text": 42}),
        json.dumps({"text": "   "}),
        json.dumps(GOOD),
    ]
    (tmp_path / "feed.jsonl").write_text("\n".join(lines) + "\n")
    pages = {p.id: p for p in read_pages(tmp_path / "feed.jsonl")}
    errors = {pid: p.error for pid, p in pages.items() if p.status == "rejected"}
    assert set(errors) == {f"feed.jsonl#{n}" for n in range(2, 8)}
    assert errors["feed.jsonl#2"] is not None and errors["feed.jsonl#2"].startswith(
        "line 2: not valid JSON"
    )
    assert errors["feed.jsonl#3"] == "line 3: expected a JSON object, got a list"
    assert errors["feed.jsonl#4"] == "line 4: no 'text' or 'html' field (fields present: title)"
    assert errors["feed.jsonl#5"] == "line 5: no 'text' or 'html' field (fields present: text)"
    assert errors["feed.jsonl#6"] == "line 6: field 'text' is a number, not a string"
    assert errors["feed.jsonl#7"] == "line 7: field 'text' is empty"
    assert pages["feed.jsonl#8"].status == "ok"


def test_gzip_and_truncated_gzip(tmp_path: Path) -> None:
    body = (
        "\n".join(json.dumps({**GOOD, "text": f"{GOOD['text']} {n}"}) for n in range(400)) + "\n"
    ).encode()
    data = gzip.compress(body, mtime=0)
    (tmp_path / "ok.jsonl.gz").write_bytes(data)
    assert len(read_pages(tmp_path / "ok.jsonl.gz")) == 400
    (tmp_path / "cut.jsonl.gz").write_bytes(data[: len(data) // 2])
    pages = read_pages(tmp_path / "cut.jsonl.gz")
    good = [p for p in pages if p.status == "ok"]
    [bad] = [p for p in pages if p.status == "rejected"]
    assert good, "the lines before the cut are kept"
    assert bad.id == f"cut.jsonl.gz#{len(good) + 1}"
    assert "truncated" in (bad.error or "")


def test_oversize_line_is_rejected_and_the_next_line_read(tmp_path: Path) -> None:
    big = json.dumps({"text": "x" * 5000})
    (tmp_path / "f.jsonl").write_text(big + "\n" + json.dumps(GOOD) + "\n")
    pages = read_pages(tmp_path / "f.jsonl", BuildConfig(max_page_bytes=1000))
    assert [(p.id, p.status) for p in pages] == [("f.jsonl#1", "rejected"), ("f.jsonl#2", "ok")]
    assert "over the page size limit" in (pages[0].error or "")


def test_invalid_utf8_line(tmp_path: Path) -> None:
    (tmp_path / "f.jsonl").write_bytes(b'{"text": "caf\xe9 au lait"}\n')
    [page] = read_pages(tmp_path / "f.jsonl")
    assert page.status == "rejected"
    assert "UTF-8" in (page.error or "")
