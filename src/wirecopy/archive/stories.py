"""Dates, term statistics and stories in the archive (SQL only; the rules are in
`wirecopy.stages.dates` and `wirecopy.stages.stories`).

What is pending is kept in the archive itself, by the triggers of the schema's third
migration, so a killed build's next run finishes the work:

- ``articles.date_evidence IS NULL``: the article's copies changed, its date is to be worked out;
- ``article_terms`` missing or with another key: its title or text changed, its terms and
  ``term_df`` are to be updated; a row with no article left is taken out of ``term_df``;
- ``articles.story_version`` NULL or old: the article is to be placed (again): new, or its title,
  text, date, entities or copies changed (`wirecopy.archive.articles`); ``stories_pending``
  lists stories that lost an article.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import date

import numpy as np
import xxhash

from wirecopy.names import acronym_forms, entity_keys
from wirecopy.stages.dates import CopyDate, mentioned_dates
from wirecopy.stages.stories import STORIES_VERSION
from wirecopy.stages.story_similarity import ArticleFeatures, Terms, vectorise

# Dates --------------------------------------------------------------------------------------


def pending_dates(conn: sqlite3.Connection, batch_size: int) -> list[str]:
    rows = conn.execute(
        "SELECT id FROM articles WHERE date_evidence IS NULL ORDER BY n LIMIT ?", (batch_size,)
    )
    return [row[0] for row in rows]


def copy_dates(conn: sqlite3.Connection, article_ids: Sequence[str]) -> dict[str, list[CopyDate]]:
    """What each copy of the given articles says about its date."""
    found: dict[str, list[CopyDate]] = {article_id: [] for article_id in article_ids}
    marks = ",".join("?" * len(article_ids))
    rows = conn.execute(
        "SELECT c.article_id, c.page_id, c.seq, c.date, c.caption, p.published, "
        "(SELECT b.text FROM blocks b WHERE b.page_id = c.page_id AND b.copy_seq = c.seq "
        " AND b.label = 'dateline' ORDER BY b.seq LIMIT 1) AS dateline "
        f"FROM copies c JOIN pages p ON p.id = c.page_id WHERE c.article_id IN ({marks})",
        list(article_ids),
    )
    for row in rows:
        found[row["article_id"]].append(
            CopyDate(
                page=row["page_id"],
                seq=row["seq"],
                date=row["date"],
                dateline=row["dateline"],
                published=row["published"],
                caption=row["caption"],
            )
        )
    return found


def set_date(
    conn: sqlite3.Connection, article_id: str, value: str | None, evidence: dict[str, object]
) -> None:
    conn.execute(
        "UPDATE articles SET date = ?, date_evidence = ? WHERE id = ?",
        (value, json.dumps(evidence, ensure_ascii=False, sort_keys=True), article_id),
    )


# Terms --------------------------------------------------------------------------------------


def terms_key(title: str | None, text: str) -> str:
    # The version too: a new tokeniser or title weight must vectorise unchanged articles again.
    return xxhash.xxh3_64_hexdigest(f"{STORIES_VERSION}\n{title or ''}\n{text}".encode())


def _df(conn: sqlite3.Connection, terms: np.ndarray, delta: int) -> None:
    if not len(terms):
        return
    conn.executemany(
        "INSERT INTO term_df (term, df) VALUES (?, ?) "
        "ON CONFLICT (term) DO UPDATE SET df = df + excluded.df",
        [(int(t), delta) for t in terms],
    )


def drop_orphan_terms(conn: sqlite3.Connection) -> int:
    """Take the terms of articles that no longer exist out of ``term_df``."""
    rows = conn.execute(
        "SELECT article_id, terms FROM article_terms t "
        "WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = t.article_id)"
    ).fetchall()
    for row in rows:
        _df(conn, np.frombuffer(row["terms"], dtype=np.int32), -1)
        conn.execute("DELETE FROM article_terms WHERE article_id = ?", (row["article_id"],))
    if rows:
        conn.execute("DELETE FROM term_df WHERE df <= 0")
    return len(rows)


def stale_terms(conn: sqlite3.Connection, version: str, batch_size: int) -> Iterator[list[str]]:
    """Batches of the articles to place whose terms are missing or out of date."""
    last = -1
    while True:
        rows = conn.execute(
            "SELECT a.n, a.id, a.title, a.text, t.key FROM articles a "
            "LEFT JOIN article_terms t ON t.article_id = a.id "
            "WHERE (a.story_version IS NOT ? OR t.key IS NULL) AND a.n > ? ORDER BY a.n LIMIT ?",
            (version, last, batch_size),
        ).fetchall()
        if not rows:
            return
        last = rows[-1]["n"]
        stale = [r["id"] for r in rows if r["key"] != terms_key(r["title"], r["text"])]
        if stale:
            yield stale


def update_terms(conn: sqlite3.Connection, article_ids: Sequence[str]) -> None:
    """Vectorise the given articles and update ``term_df`` (inside the caller's transaction)."""
    marks = ",".join("?" * len(article_ids))
    rows = conn.execute(
        f"SELECT a.id, a.title, a.text, t.terms AS old FROM articles a "
        f"LEFT JOIN article_terms t ON t.article_id = a.id WHERE a.id IN ({marks})",
        list(article_ids),
    ).fetchall()
    vectors = vectorise([(row["title"], row["text"]) for row in rows])
    for row, terms in zip(rows, vectors, strict=True):
        if row["old"] is not None:
            _df(conn, np.frombuffer(row["old"], dtype=np.int32), -1)
        _df(conn, terms.terms, 1)
        mentioned = mentioned_dates(row["text"])
        conn.execute(
            "INSERT OR REPLACE INTO article_terms (article_id, key, terms, weights, mentioned) "
            "VALUES (?, ?, ?, ?, ?)",
            (
                row["id"],
                terms_key(row["title"], row["text"]),
                terms.terms.tobytes(),
                terms.weights.tobytes(),
                max(mentioned).isoformat() if mentioned else None,
            ),
        )
    conn.execute("DELETE FROM term_df WHERE df <= 0")


# Stories ------------------------------------------------------------------------------------


def load_features(conn: sqlite3.Connection) -> list[ArticleFeatures]:
    """Every article with its terms, entities, date and story, in article order."""
    entities: dict[str, dict[str, float]] = {}
    for article_id, text, count, mentions in _plain(
        conn,
        "SELECT ae.article_id, e.text, ae.count, ae.mentions FROM article_entities ae "
        "JOIN entities e ON e.id = ae.entity_id",
    ):
        held = entities.setdefault(article_id, {})
        for key in entity_keys(text, acronym_forms(mentions)):
            held[key] = held.get(key, 0.0) + float(count)
    copies = dict(_plain(conn, "SELECT article_id, COUNT(*) FROM copies GROUP BY article_id"))
    days: dict[str | None, date | None] = {}  # few distinct dates: parse each once
    found: list[ArticleFeatures] = []
    for article_id, title, day, story, terms, weights, mentioned in _plain(
        conn,
        "SELECT a.id, a.title, a.date, a.story_id, t.terms, t.weights, t.mentioned "
        "FROM articles a JOIN article_terms t ON t.article_id = a.id ORDER BY a.n",
    ):
        for value in (day, mentioned):
            if value not in days:
                days[value] = _day(value)
        found.append(
            ArticleFeatures(
                id=article_id,
                terms=Terms(
                    np.frombuffer(terms, dtype=np.int32), np.frombuffer(weights, dtype=np.float32)
                ),
                entities=entities.get(article_id, {}),
                date=days[day],
                mentioned=days[mentioned],
                title=title,
                story=story,
                copies=int(copies.get(article_id, 0)),
            )
        )
    return found


def _plain(conn: sqlite3.Connection, sql: str) -> sqlite3.Cursor:
    """Rows as plain tuples (quicker than named rows where there are many)."""
    cursor = conn.cursor()
    cursor.row_factory = None
    return cursor.execute(sql)


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def term_df(conn: sqlite3.Connection) -> dict[int, int]:
    return {int(row[0]): int(row[1]) for row in conn.execute("SELECT term, df FROM term_df")}


def dirty_articles(conn: sqlite3.Connection, version: str) -> set[str]:
    """Articles to place: new, changed, placed by other rules, or in a story that lost one."""
    found = {
        row[0]
        for row in conn.execute("SELECT id FROM articles WHERE story_version IS NOT ?", (version,))
    }
    found |= {
        row[0]
        for row in conn.execute(
            "SELECT a.id FROM articles a JOIN stories_pending p ON p.story_id = a.story_id"
        )
    }
    return found


StoryRow = tuple[str | None, str | None, str | None]
"""A story's title, first and last date as the ``stories`` table holds them."""


def story_row(title: str | None, dates: Sequence[date | None]) -> StoryRow:
    known = sorted(d for d in dates if d is not None)
    return (
        title,
        known[0].isoformat() if known else None,
        known[-1].isoformat() if known else None,
    )


def stories(conn: sqlite3.Connection) -> dict[str, StoryRow]:
    """Every story's row, by id."""
    rows = conn.execute("SELECT id, title, first_date, last_date FROM stories")
    return {row[0]: (row[1], row[2], row[3]) for row in rows}


def write_story(
    conn: sqlite3.Connection,
    story_id: str,
    article_ids: Sequence[str],
    title: str | None,
    dates: Sequence[date | None],
    version: str,
    run_id: int | None,
) -> None:
    _, first, last = story_row(title, dates)
    conn.execute(
        "INSERT INTO stories (id, title, first_date, last_date, run_id) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET title = excluded.title, first_date = excluded.first_date, "
        "last_date = excluded.last_date, run_id = excluded.run_id",
        (story_id, title, first, last, run_id),
    )
    conn.executemany(
        "UPDATE articles SET story_id = ?, story_version = ? WHERE id = ?",
        [(story_id, version, article_id) for article_id in article_ids],
    )


def clean_stories(conn: sqlite3.Connection) -> int:
    """Delete stories no article belongs to and empty the list of stories to look at."""
    cursor = conn.execute(
        "DELETE FROM stories WHERE NOT EXISTS "
        "(SELECT 1 FROM articles a WHERE a.story_id = stories.id)"
    )
    conn.execute("DELETE FROM stories_pending")
    return cursor.rowcount
