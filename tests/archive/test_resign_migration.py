"""Migrations that segment some pages again (schema versions 13-15 and 17): copies of scripts
written without spaces hashed a character a word (13), every copy grouped again (14), date
lines as Chinese prints them (15), copyright notices (17). An archive from before each is
upgraded by the next build, which segments only the pages it must, and it ends as a fresh
build of the same pages."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest

import wirecopy.stages.articles as articles_stage
from conftest import archive_content
from wirecopy.archive.db import _statements
from wirecopy.archive.schema import MIGRATIONS
from wirecopy.build import build
from wirecopy.config import BuildConfig
from wirecopy.stages import lines
from wirecopy.textnorm import hash_tokens

DATA = Path(__file__).parents[1] / "data" / "unspaced"
RESIGNED = 13  # the schema version whose migration re-signs such copies
ENGLISH = (
    "Harbour weather warning\n\n"
    "The harbour office said on Monday that strong winds would reach the coast by the "
    "evening and that the last two ferries of the day might be cancelled.\n\n"
    "Fishing boats were told to stay in port until Wednesday, when the wind is expected to "
    "fall, and the council closed the sea wall path as a precaution.\n\n"
    "Bus services to the ferry terminal will run as usual, the operator said.\n"
)


def _pages(root: Path) -> Path:
    for site, name in (("a.example", "bridge"), ("b.example", "bridge_edited")):
        (root / site).mkdir(parents=True)
        shutil.copy(DATA / f"{name}.txt", root / site / "bridge.txt")
    (root / "c.example").mkdir()
    (root / "c.example" / "weather.txt").write_text(ENGLISH, encoding="utf-8")
    return root


def test_copies_signed_before_schema_13_are_signed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = _pages(tmp_path / "pages")
    config = BuildConfig(entities=False)
    fresh, old = tmp_path / "fresh.db", tmp_path / "old.db"
    build([pages], fresh, config=config)
    with monkeypatch.context() as patch:  # as builds signed copies before
        patch.setattr(articles_stage, "hash_tokens", lambda texts, **_: hash_tokens(texts))
        patch.setattr(articles_stage, "printed_pieces", lambda word: [word])
        build([pages], old, config=config)
    conn = sqlite3.connect(old)
    before = conn.execute("SELECT COUNT(DISTINCT article_id) FROM copies").fetchone()[0]
    assert before == 3  # the two Chinese copies apart, and the English page
    for statement in _statements(MIGRATIONS[RESIGNED - 1]):
        conn.execute(statement)
    queued = conn.execute("SELECT page_id FROM segment_queue ORDER BY page_id").fetchall()
    assert queued == [("a.example/bridge.txt",), ("b.example/bridge.txt",)]  # not English
    conn.execute(f"PRAGMA user_version = {RESIGNED}")
    conn.commit()
    conn.close()
    build([pages], old, config=config)  # and any later migration
    assert archive_content(old) == archive_content(fresh)
    conn = sqlite3.connect(old)
    assert conn.execute("SELECT COUNT(DISTINCT article_id) FROM copies").fetchone()[0] == 2
    conn.close()


def test_schema_14_groups_every_copy_again(examples: Path, tmp_path: Path) -> None:
    """A copy's kind came from shingles alone before: an archive from then, its kinds stale
    (here set wrong on purpose), ends as a fresh build."""
    config = BuildConfig(entities=False)
    fresh, old = tmp_path / "fresh.db", tmp_path / "old.db"
    build([examples], fresh, config=config)
    shutil.copy(fresh, old)
    conn = sqlite3.connect(old)
    stale = conn.execute("UPDATE copies SET kind = 'partial' WHERE kind = 'full'").rowcount
    assert stale > 0
    conn.execute("PRAGMA user_version = 13")
    conn.commit()
    conn.close()
    build([examples], old, config=config)
    assert archive_content(old) == archive_content(fresh)


def _segmented_again(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    page: str,
    text: str,
    rule: str,
    number: int,
) -> tuple[tuple[str | None, str], tuple[str | None, str]]:
    """Build the pages with ``page`` (``text``) added as builds did before schema version
    ``number`` (the pattern ``lines.<rule>`` matching nothing), run that migration, check that
    it queues ``page`` alone, build again and check the archive ends as a fresh build: the
    page's article (date, text) before and after."""
    pages = _pages(tmp_path / "pages")
    (pages / page).parent.mkdir()
    (pages / page).write_text(text, encoding="utf-8")
    config = BuildConfig(entities=False)
    fresh, old = tmp_path / "fresh.db", tmp_path / "old.db"
    build([pages], fresh, config=config)
    with monkeypatch.context() as patch:  # as builds read such lines before
        patch.setattr(lines, rule, re.compile(r"(?!)"))
        lines.split_lines.cache_clear()  # its lines hold what the patterns found
        build([pages], old, config=config)
    lines.split_lines.cache_clear()
    article = (
        "SELECT a.date, a.text FROM copies c JOIN articles a ON a.id = c.article_id "
        "WHERE page_id = ?"
    )
    conn = sqlite3.connect(old)
    [before] = conn.execute(article, (page,)).fetchall()
    for statement in _statements(MIGRATIONS[number - 1]):
        conn.execute(statement)
    assert conn.execute("SELECT page_id FROM segment_queue").fetchall() == [(page,)]
    conn.execute(f"PRAGMA user_version = {number}")
    conn.commit()
    conn.close()
    build([pages], old, config=config)
    assert archive_content(old) == archive_content(fresh)
    conn = sqlite3.connect(old)
    [after] = conn.execute(article, (page,)).fetchall()
    conn.close()
    return before, after


def test_schema_15_segments_pages_with_chinese_dates_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A date line as Chinese prints it (``2024年5月17日``) was no date line before: the
    pages that may hold one, and only they (not the Chinese pages without a date), are
    segmented again, and the article is dated."""
    text = (
        "盐田港自动化码头如何改变华南航运格局\n\n2024年5月17日\n\n"
        "昨天正式投入运营的盐田港自动化集装箱码头，引起了航运业的广泛关注。\n\n"
        "一位航运公司经理表示，新码头的四个十万吨级泊位将明显缓解旺季压港问题。\n"
    )
    before, after = _segmented_again(
        tmp_path, monkeypatch, "d.example/port.txt", text, "_CJK_DATE_LINE", 15
    )
    assert (before[0], after[0]) == (None, "2024-05-17")


def test_schema_17_segments_pages_with_copyright_notices_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long copyright line after the last paragraph was read as running text and kept in
    the article: the pages that may print one, and only they, are segmented again."""
    notice = "™ & © 2013 Cable News Network, Inc., a Time Warner Company. All rights reserved."
    text = (
        "Ferry timetable changes for summer\n\n"
        "The island ferry will sail every hour from the first of June, the operator said on "
        "Tuesday, and the last crossing of the day will leave the harbour at eleven.\n\n"
        "Tickets bought before the change stay valid on every crossing until the end of "
        f"August, the company said.\n\n{notice}\n"
    )
    before, after = _segmented_again(
        tmp_path, monkeypatch, "d.example/news.txt", text, "_NOTICE", 17
    )
    assert before[1].endswith(notice)
    assert notice not in after[1]
