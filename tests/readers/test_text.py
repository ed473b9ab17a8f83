from __future__ import annotations

from pathlib import Path

from wirecopy.config import BuildConfig
from wirecopy.readers import read
from wirecopy.readers.discover import discover
from wirecopy.records import Page


def pages(path: Path, config: BuildConfig | None = None) -> list[Page]:
    out = []
    for source in discover([path]):
        out += [p for p in read(source, config or BuildConfig()) if isinstance(p, Page)]
    return out


def test_text_page_keeps_raw_bytes_and_normalises_line_ends(tmp_path: Path) -> None:
    raw = b"Bridge vote\r\n\r\nThe council voted.\r\n"
    (tmp_path / "p.txt").write_bytes(raw)
    [page] = pages(tmp_path / "p.txt")
    assert page.status == "ok"
    assert page.text == "Bridge vote\n\nThe council voted.\n"
    assert page.raw == raw
    assert page.uri == (tmp_path / "p.txt").resolve().as_uri()


def test_empty_whitespace_and_oversize_files_are_rejected(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_text("  \n\n ")
    (tmp_path / "big.txt").write_text("word " * 300)
    result = {p.id: p for p in pages(tmp_path, BuildConfig(max_page_bytes=1000))}
    assert result["empty.txt"].error == "empty file"
    assert "white space" in (result["blank.txt"].error or "")
    assert "over the page size limit" in (result["big.txt"].error or "")
    assert all(p.status == "rejected" for p in result.values())


def test_a_txt_holding_html_is_read_as_html(tmp_path: Path) -> None:
    html = "<!DOCTYPE html><html><body><article><p>" + "A sentence of news. " * 10
    (tmp_path / "saved.txt").write_text(html + "</p></article></body></html>")
    [page] = pages(tmp_path / "saved.txt")
    assert page.format == "html"
    assert page.text is not None and page.text.startswith("A sentence of news.")


def test_a_text_file_that_is_an_image_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    [page] = pages(tmp_path / "photo.txt")
    assert page.status == "rejected"
    assert "binary content" in (page.error or "")
