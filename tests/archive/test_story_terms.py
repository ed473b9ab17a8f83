"""Stored story terms follow the vectoriser: a new STORIES_VERSION vectorises every article
again, even one whose title and text did not change."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

import wirecopy.archive.stories as store
import wirecopy.derive as derive
import wirecopy.stages.story_similarity as stories
from wirecopy.build import build
from wirecopy.config import BuildConfig
from wirecopy.stages.languages import ENGLISH


def _stale(db: Path) -> int:
    """Articles whose stored terms are not what the current vectoriser gives."""
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT a.title, a.text, t.terms FROM articles a "
            "JOIN article_terms t ON t.article_id = a.id"
        ).fetchall()
    finally:
        conn.close()
    assert rows
    fresh = stories.vectorise([(title, text) for title, text, _ in rows])
    return sum(
        not np.array_equal(np.frombuffer(terms, dtype=np.int32), vector.terms)
        for (_, _, terms), vector in zip(rows, fresh, strict=True)
    )


def test_a_new_tokeniser_vectorises_unchanged_articles_again(
    examples: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "a.db"
    build([examples], db, config=BuildConfig(entities=False))
    assert _stale(db) == 0
    # Another tokeniser (words of four letters or more) under another version.
    monkeypatch.setattr(stories._hashing(ENGLISH), "token_pattern", r"(?u)\b[^\W\d_]{4,}\b")
    for module in (store, derive):
        monkeypatch.setattr(module, "STORIES_VERSION", "test-next-tokeniser")
    assert _stale(db) > 0
    build([examples], db, config=BuildConfig(entities=False))
    assert _stale(db) == 0
