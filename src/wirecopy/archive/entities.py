"""Entities in the archive: storing each article's entities and reading them back.

``entities`` holds one row per (canonical text, label); ``article_entities`` links an article
to its entities with a count and the surface forms merged; the ``story_entities`` view rolls
them up to stories.

Which articles still need entities: with the ``articles.entities_version`` column (see
schema migration 3), those whose version differs from the current one; a trigger clears the
version, and the stale entities, when an article's title or text changes. On an archive
without that column, those with no entity row yet (an article naming nothing is then looked
at again by every build).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass

from wirecopy.archive.db import Archive
from wirecopy.stages.entities import EntityCount

ArticleInput = tuple[str, str | None, str]
"""What entities are extracted from: (article id, title, text)."""

Extractor = Callable[[Sequence[ArticleInput]], Mapping[str, Sequence[EntityCount]]]


@dataclass(slots=True)
class EntitiesRun:
    """What one pass of the entity stage did."""

    articles: int = 0
    mentions: int = 0
    entities: int = 0
    seconds: float = 0.0

    @property
    def articles_per_second(self) -> float:
        return self.articles / self.seconds if self.seconds else 0.0


def has_version_column(conn: sqlite3.Connection) -> bool:
    return any(row[1] == "entities_version" for row in conn.execute("PRAGMA table_info(articles)"))


def _pending(conn: sqlite3.Connection, version: str) -> tuple[str, list[str]]:
    """The condition (on ``articles a``) of an article whose entities are missing or stale."""
    if has_version_column(conn):
        return "a.entities_version IS NOT ?", [version]
    return "NOT EXISTS (SELECT 1 FROM article_entities ae WHERE ae.article_id = a.id)", []


def count_pending(conn: sqlite3.Connection, version: str) -> int:
    """How many articles :func:`pending_articles` would give (without ``only``)."""
    todo, params = _pending(conn, version)
    return int(conn.execute(f"SELECT COUNT(*) FROM articles a WHERE {todo}", params).fetchone()[0])


def pending_articles(
    conn: sqlite3.Connection,
    version: str,
    *,
    only: Collection[str] | None = None,
    batch_size: int = 256,
) -> Iterator[list[ArticleInput]]:
    """Batches of the articles whose entities are missing or stale, in article order.

    ``only`` limits them to the given article ids (for example, the articles a build touched),
    which are then taken whatever their state.
    """
    if only is not None:
        ids = sorted(only)
        for start in range(0, len(ids), batch_size):
            chunk = ids[start : start + batch_size]
            marks = ",".join("?" * len(chunk))
            rows = conn.execute(
                f"SELECT id, title, text FROM articles WHERE id IN ({marks}) ORDER BY n", chunk
            ).fetchall()
            if rows:
                yield [(row["id"], row["title"], row["text"]) for row in rows]
        return
    todo, params = _pending(conn, version)
    last = -1
    while True:
        # Keyset pagination: rows written in between may stay pending without looping.
        rows = conn.execute(
            f"SELECT a.n, a.id, a.title, a.text FROM articles a WHERE {todo} AND a.n > ? "
            "ORDER BY a.n LIMIT ?",
            [*params, last, batch_size],
        ).fetchall()
        if not rows:
            return
        last = rows[-1]["n"]
        yield [(row["id"], row["title"], row["text"]) for row in rows]


def replace_article_entities(
    conn: sqlite3.Connection,
    article_id: str,
    counts: Sequence[EntityCount],
    *,
    version: str | None = None,
) -> None:
    """Set an article's entities to ``counts`` (inside the caller's transaction).

    ``version``, given only on an archive with the ``entities_version`` column, records
    what the entities were computed with.
    """
    conn.execute("DELETE FROM article_entities WHERE article_id = ?", (article_id,))
    merged: dict[int, tuple[int, list[str]]] = {}
    for entity in counts:
        entity_id = int(
            conn.execute(
                "INSERT INTO entities (text, label) VALUES (?, ?) "
                "ON CONFLICT (text, label) DO UPDATE SET text = excluded.text RETURNING id",
                (entity.text, entity.label),
            ).fetchone()[0]
        )
        count, mentions = merged.get(entity_id, (0, []))
        mentions += [m for m in entity.mentions if m not in mentions]
        merged[entity_id] = (count + entity.count, mentions)
    conn.executemany(
        "INSERT INTO article_entities (article_id, entity_id, count, mentions) VALUES (?, ?, ?, ?)",
        [
            (article_id, entity_id, count, json.dumps(mentions, ensure_ascii=False))
            for entity_id, (count, mentions) in merged.items()
        ],
    )
    if version is not None:
        conn.execute("UPDATE articles SET entities_version = ? WHERE id = ?", (version, article_id))


def prune_entities(conn: sqlite3.Connection) -> int:
    """Delete entities no article names any more; returns how many."""
    cursor = conn.execute(
        "DELETE FROM entities WHERE NOT EXISTS "
        "(SELECT 1 FROM article_entities ae WHERE ae.entity_id = entities.id)"
    )
    return cursor.rowcount


def update_entities(
    archive: Archive,
    extractor: Extractor,
    *,
    version: str,
    only: Collection[str] | None = None,
    batch_size: int = 256,
    progress: Callable[[int], None] | None = None,
) -> EntitiesRun:
    """Extract and store entities for the pending articles, one transaction per batch.

    ``extractor`` is the stage (``lambda docs: extract(nlp, docs)``); ``progress`` is called
    with the number of articles done after each batch.
    """
    run = EntitiesRun()
    started = time.perf_counter()
    stamp = version if has_version_column(archive.conn) else None
    for batch in pending_articles(archive.conn, version, only=only, batch_size=batch_size):
        found = extractor(batch)
        with archive.transaction() as conn:
            for article_id, _, _ in batch:
                counts = found.get(article_id, ())
                replace_article_entities(conn, article_id, counts, version=stamp)
                run.mentions += sum(entity.count for entity in counts)
                run.entities += len(counts)
        run.articles += len(batch)
        if progress:
            progress(run.articles)
    with archive.transaction() as conn:
        prune_entities(conn)
    run.seconds = time.perf_counter() - started
    return run


# Reading -------------------------------------------------------------------------------------


def article_entities(conn: sqlite3.Connection, article_id: str) -> list[EntityCount]:
    """An article's entities, most mentioned first."""
    return [
        EntityCount(row["text"], row["label"], row["count"], tuple(json.loads(row["mentions"])))
        for row in conn.execute(
            "SELECT e.text, e.label, ae.count, COALESCE(ae.mentions, '[]') AS mentions "
            "FROM article_entities ae JOIN entities e ON e.id = ae.entity_id "
            "WHERE ae.article_id = ? ORDER BY ae.count DESC, e.label, e.text",
            (article_id,),
        )
    ]


def story_entities(conn: sqlite3.Connection, story_id: str) -> list[EntityCount]:
    """A story's entities: its articles' entities added up, most mentioned first."""
    return [
        EntityCount(row["text"], row["label"], row["count"])
        for row in conn.execute(
            "SELECT text, label, count FROM story_entities WHERE story_id = ? "
            "ORDER BY count DESC, label, text",
            (story_id,),
        )
    ]


def entity_articles(
    conn: sqlite3.Connection, text: str, label: str | None = None
) -> list[tuple[str, int]]:
    """(article id, count) of the articles naming an entity, by its text or any merged form.

    The text is compared without regard to case; the most mentioning articles come first.
    """
    rows = conn.execute(
        "SELECT ae.article_id, SUM(ae.count) AS count "
        "FROM article_entities ae JOIN entities e ON e.id = ae.entity_id "
        "WHERE (e.text = ?1 COLLATE NOCASE OR EXISTS (SELECT 1 FROM json_each(ae.mentions) m "
        "WHERE m.value = ?1 COLLATE NOCASE)) AND (?2 IS NULL OR e.label = ?2) "
        "GROUP BY ae.article_id ORDER BY count DESC, ae.article_id",
        (text, label),
    )
    return [(row["article_id"], row["count"]) for row in rows]
