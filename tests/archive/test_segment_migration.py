"""An archive built before segmentation (schema 1: one copy per page) is upgraded by the next
build: its pages are counted and segmented, and it ends as a fresh build of the same pages."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from conftest import archive_content
from wirecopy.archive.db import _statements
from wirecopy.archive.schema import _COUNT_AND_SEGMENT_AGAIN, MIGRATIONS
from wirecopy.build import build
from wirecopy.stages.copies import text_hash

PAGE_COLUMNS = (
    "id, uri, site, source, format, content_hash, size, raw, encoding, text, title, "
    "published, fetched, status, error, meta, run_id, seq"
)


def _schema_1_archive(fresh: Path, old: Path) -> None:
    """The pages of ``fresh`` in a schema-1 archive, each page's text one copy and article."""
    conn = sqlite3.connect(old)
    for statement in _statements(MIGRATIONS[0]):
        conn.execute(statement)
    conn.execute(
        "INSERT INTO runs (id, started_at, status, version, inputs, options) "
        "VALUES (1, 'then', 'done', '0.1.0', '[]', '{}')"
    )
    conn.execute("ATTACH ? AS fresh", (str(fresh),))
    conn.execute(
        f"INSERT INTO pages ({PAGE_COLUMNS}) SELECT {PAGE_COLUMNS.replace('run_id', '1')} "
        "FROM fresh.pages"
    )
    pages = conn.execute("SELECT id, text FROM pages WHERE status = 'ok'").fetchall()
    conn.commit()
    conn.execute("DETACH fresh")
    for page_id, text in pages:
        digest = text_hash(text)
        conn.execute(
            "INSERT OR IGNORE INTO articles (id, text, text_hash) VALUES (?, ?, ?)",
            ("a-" + digest[:12], text, digest),
        )
        conn.execute(
            "INSERT INTO copies (page_id, seq, article_id, kind, similarity, text, text_hash) "
            "VALUES (?, 0, ?, 'full', 1.0, ?, ?)",
            (page_id, "a-" + digest[:12], text, digest),
        )
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()


def test_an_archive_from_before_segmentation_is_segmented_by_the_next_build(
    seeds: Path, tmp_path: Path
) -> None:
    fresh, old = tmp_path / "fresh.db", tmp_path / "old.db"
    build([seeds], fresh)
    _schema_1_archive(fresh, old)
    summary = build([seeds], old)
    assert summary.pages_unchanged == 5 and summary.pages_new == 0
    assert summary.pages_segmented == 5
    assert archive_content(old) == archive_content(fresh)
    again = build([seeds], old)
    assert again.pages_segmented == 0


RECOUNTS = [number for number, sql in enumerate(MIGRATIONS, 1) if sql == _COUNT_AND_SEGMENT_AGAIN]


def test_the_recounting_migrations() -> None:
    assert RECOUNTS == [9, 10, 12, 16]  # 16: a line opening in mixed case is not joined


@pytest.mark.parametrize("number", RECOUNTS)
def test_an_archive_segmented_by_earlier_rules_is_counted_and_segmented_again(
    seeds: Path, tmp_path: Path, number: int
) -> None:
    """Each migration that re-counts: pages whose lines and labels came from earlier rules
    (here, counts and labels tampered with) are counted again and segmented again by the
    next build."""
    fresh, old = tmp_path / "fresh.db", tmp_path / "old.db"
    build([seeds], fresh)
    build([seeds], old)
    conn = sqlite3.connect(old)
    conn.executescript(
        """
        UPDATE line_counts SET pages = pages + 3;
        DELETE FROM line_keys WHERE kind = 0;
        UPDATE blocks SET label = 'boilerplate', copy_seq = NULL WHERE label = 'subhead';
        """
    )
    conn.execute(f"PRAGMA user_version = {number - 1}")
    conn.close()
    summary = build([seeds], old)
    assert summary.pages_unchanged == 5 and summary.pages_segmented == 5
    assert archive_content(old) == archive_content(fresh)
    conn = sqlite3.connect(old)
    counts = "SELECT kind, key, site, pages FROM line_counts ORDER BY kind, key, site"
    tampered = conn.execute(counts).fetchall()
    conn.close()
    conn = sqlite3.connect(fresh)
    assert tampered == conn.execute(counts).fetchall()
    conn.close()


_SEGMENT_EVERY_PAGE = (
    "INSERT OR IGNORE INTO segment_queue (page_id) SELECT id FROM pages WHERE status = 'ok';"
)
RESEGMENTS = [
    number
    for number, sql in enumerate(MIGRATIONS, 1)
    if " ".join(sql.split()) == _SEGMENT_EVERY_PAGE
]


def test_the_migrations_that_segment_every_page_again() -> None:
    # 21: date stamps, a byline under a standfirst; 22: a standfirst's longer head; 23: ads;
    # 24: narrower forms of 21-23; 25: a link box's label
    assert RESEGMENTS == [7, 18, 19, 20, 21, 22, 23, 24, 25]


@pytest.mark.parametrize("number", [n for n in RESEGMENTS if n > RECOUNTS[-1]])
def test_an_archive_labelled_by_earlier_rules_is_segmented_again(
    seeds: Path, tmp_path: Path, number: int
) -> None:
    """Pages labelled by earlier rules (here, labels tampered with) are segmented again by
    the next build, and the archive is what a fresh build makes. (Before the last recount,
    migrations alter tables: a fresh archive cannot be set back that far.)"""
    fresh, old = tmp_path / "fresh.db", tmp_path / "old.db"
    build([seeds], fresh)
    build([seeds], old)
    conn = sqlite3.connect(old)
    conn.execute("UPDATE blocks SET label = 'boilerplate', copy_seq = NULL WHERE label = 'subhead'")
    conn.execute(f"PRAGMA user_version = {number - 1}")
    conn.commit()
    conn.close()
    summary = build([seeds], old)
    assert summary.pages_unchanged == 5 and summary.pages_segmented == 5
    assert archive_content(old) == archive_content(fresh)
