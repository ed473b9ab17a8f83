from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from wirecopy.archive import Archive, ArchiveError
from wirecopy.archive.schema import SCHEMA_VERSION

TABLES = {
    "runs",
    "pages",
    "blocks",
    "copies",
    "articles",
    "stories",
    "signatures",
    "bands",
    "entities",
    "article_entities",
    "articles_fts",
}


def test_a_new_archive_has_the_whole_schema_in_wal_mode(tmp_path: Path) -> None:
    with Archive.open(tmp_path / "a.db") as archive:
        names = {r[0] for r in archive.conn.execute("SELECT name FROM sqlite_master")}
        assert names >= TABLES
        assert archive.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert archive.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # Opening again migrates nothing and keeps the version.
    with Archive.open(tmp_path / "a.db") as archive:
        assert archive.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_readonly_open_of_a_missing_archive_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="wirecopy build"):
        Archive.open(tmp_path / "none.db", readonly=True)


def test_full_text_index_follows_articles(tmp_path: Path) -> None:
    with Archive.open(tmp_path / "a.db") as archive, archive.transaction() as conn:
        conn.execute(
            "INSERT INTO articles (id, title, text, text_hash) VALUES "
            "('a-1', 'Bridge vote', 'The harbour council voted.', 'h')"
        )
        hits = conn.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'harbour'")
        assert len(hits.fetchall()) == 1
        conn.execute("UPDATE articles SET text = 'The tide rose.' WHERE id = 'a-1'")
        hits = conn.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'harbour'")
        assert hits.fetchall() == []


def test_a_failed_transaction_leaves_nothing(tmp_path: Path) -> None:
    archive = Archive.open(tmp_path / "a.db")
    with pytest.raises(RuntimeError), archive.transaction() as conn:
        conn.execute("INSERT INTO entities (text, label) VALUES ('Edda Varn', 'PERSON')")
        raise RuntimeError("boom")
    archive.close()
    conn2 = sqlite3.connect(tmp_path / "a.db")
    assert conn2.execute("SELECT COUNT(*) FROM entities").fetchone()[0] == 0


def test_a_migration_another_opening_made_meanwhile_is_not_made_again(tmp_path: Path) -> None:
    # Two builds opening an archive of an older schema at once each read its old version;
    # the second to get the write lock finds the steps done and makes none of them twice.
    db = tmp_path / "a.db"
    Archive.open(db).close()
    with Archive.open(db) as archive:
        archive._migrate(0)  # as if it had read version 0 before the other upgraded it
        version = archive.conn.execute("PRAGMA user_version").fetchone()[0]
    assert version == SCHEMA_VERSION
