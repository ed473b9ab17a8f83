"""Helpers for the web tests: a test client over an archive, HTML to text."""

from __future__ import annotations

import html
import re
import warnings
from pathlib import Path
from typing import Any

with warnings.catch_warnings():
    # Starlette asks for httpx2 in its test client; httpx (locked) works the same.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from markupsafe import escape

from wirecopy.web import create_app

__all__ = ["TestClient"]

DESIGN_FIELDS = {
    # The export contract of DESIGN.md, written out here rather than imported.
    "articles": ["id", "title", "caption", "date", "source", "text", "copies", "story", "entities"],
    "pages": ["id", "uri", "site", "status", "error", "articles", "boilerplate"],
    "stories": ["id", "title", "articles", "first_date", "last_date", "entities"],
}


def esc(text: str) -> str:
    """Text as the templates escape it."""
    return str(escape(text))


def client(db: Path) -> TestClient:
    return TestClient(create_app(db))


def text_of(page: str) -> str:
    """The visible text of an HTML page's <main>, tags dropped, entities decoded, white
    space collapsed."""
    main = page[page.index("<main>") : page.index("</main>")]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", main)).split())


def fold(text: str | None) -> str:
    """Curly quotes folded and white space collapsed, as the gold file says to match."""
    table = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'})
    return " ".join((text or "").translate(table).split())


def all_items(http: TestClient, path: str, limit: int = 7, **params: Any) -> list[Any]:
    """Every item of an API listing, window by window."""
    items: list[Any] = []
    offset = 0
    while True:
        got = http.get(path, params={**params, "limit": limit, "offset": offset})
        assert got.status_code == 200, got.text
        body = got.json()
        items += body["items"]
        offset += limit
        if offset >= body["total"]:
            return items
