from __future__ import annotations

from pathlib import Path

from conftest import PARAGRAPHS, html_doc
from wirecopy.config import BuildConfig
from wirecopy.readers import read
from wirecopy.readers.discover import discover
from wirecopy.records import Page


def read_one(path: Path) -> Page:
    [source] = discover([path])
    [page] = [p for p in read(source, BuildConfig()) if isinstance(p, Page)]
    return page


def test_html_main_text_and_metadata(tmp_path: Path) -> None:
    raw = html_doc("Bridge vote ends three-winter dispute", PARAGRAPHS, site="Brindlemoor Post")
    (tmp_path / "p.html").write_bytes(raw)
    page = read_one(tmp_path / "p.html")
    assert page.status == "ok"
    assert page.format == "html"
    assert page.raw == raw  # the raw HTML is kept
    assert page.title == "Bridge vote ends three-winter dispute"
    assert page.published == "2026-03-04"
    assert page.source == "Brindlemoor Post"
    assert page.text is not None
    for paragraph in PARAGRAPHS:
        assert paragraph in page.text
    assert "<p>" not in page.text


def test_html_with_unclosed_tags_and_no_body_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "broken.html").write_text("<html><head><title>Broken page")
    page = read_one(tmp_path / "broken.html")
    assert page.status == "rejected"
    assert "no article text" in (page.error or "")


def test_html_with_unclosed_tags_but_text_is_recovered(tmp_path: Path) -> None:
    body = "<html><body><div><p>" + PARAGRAPHS[0] + "<p>" + PARAGRAPHS[1]
    (tmp_path / "sloppy.html").write_text(body)
    page = read_one(tmp_path / "sloppy.html")
    assert page.status == "ok"
    assert page.text is not None and PARAGRAPHS[1] in page.text
