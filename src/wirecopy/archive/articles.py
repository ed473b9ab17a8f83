"""The archive side of grouping copies into articles: match state in, assignments out.

`group_articles(conn, run_id)` is what a build calls after writing segmented copies, inside the
same transaction. It signs the copies that have no signature yet (new copies), finds the
existing groups (connected components of matching copies, `wirecopy.stages.articles`) they
may match, through the stored LSH band keys, passage fingerprints and text hashes, and
re-evaluates those groups with the new copies, and the groups of articles that lost copies,
from the stored signatures. Copies of groups nothing reached are not read at all.

The match state: per copy, ``signatures`` (shingles, MinHash sketch, fingerprints, paragraph
count, group, and the hash and words of its printed form, for `similarity`) and ``bands`` (its
LSH band keys, indexed), deleted with the copy (foreign keys, ``ON DELETE CASCADE``); per
group, ``fingerprints`` (the union of its copies' fingerprints, indexed), rewritten whenever
the group is re-evaluated. A group that lost a copy may keep a fingerprint none of its copies
has until then: that only makes it a candidate once more.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from wirecopy.stages.articles import (
    ArticleConfig,
    ArticleGroup,
    CopyInput,
    CopyKey,
    Signature,
    bands_of,
    group,
    sign,
)

U64 = NDArray[np.uint64]


def _blob(values: U64) -> bytes:
    return np.ascontiguousarray(values, dtype="<u8").tobytes()


def _array(blob: bytes | None) -> U64:
    return np.frombuffer(blob or b"", dtype="<u8").astype(np.uint64)


def _signed(values: U64) -> list[int]:
    out: list[int] = values.view(np.int64).tolist()
    return out


def group_articles(
    conn: sqlite3.Connection,
    run_id: int,
    touched: Iterable[str] = (),
    config: ArticleConfig | None = None,
) -> dict[str, int]:
    """Assign every copy without a signature to an article, re-evaluating the groups it
    may reach and those of the `touched` articles (articles that lost copies). Call inside a
    transaction. Returns counts: new copies, groups re-evaluated, articles written, removed."""
    config = config or ArticleConfig()
    rows = conn.execute(
        "SELECT c.page_id, c.seq, c.text, c.text_hash, c.date, c.article_id, c.title, "
        "c.caption, c.source FROM copies c WHERE NOT EXISTS (SELECT 1 FROM signatures s "
        "WHERE s.page_id = c.page_id AND s.seq = c.seq) ORDER BY c.page_id, c.seq"
    ).fetchall()
    lost = set(touched)  # articles that lost copies
    stale = {str(r[5]) for r in rows} | lost
    if not rows and not stale:
        return {"copies": 0, "groups": 0, "articles": 0, "removed": 0}
    new = sign([CopyInput(r[0], r[1], r[2], r[3], r[4], r[6], r[7], r[8]) for r in rows], config)
    bands = bands_of(new, config)  # LSH band keys of the new copies: probed, then saved
    old_groups = _candidates(conn, new, bands) | _groups_of(conn, stale)
    old = _load_groups(conn, old_groups)
    stale |= {o.article for o in old.values()}
    _save(conn, new, bands)
    result = group([*(o.signature for o in old.values()), *new], config)
    signatures = {s.key: s for s in new} | {k: o.signature for k, o in old.items()}
    _index_groups(conn, old_groups, result.articles, signatures, old)
    before: dict[str, set[CopyKey]] = {}  # the old copies of each article
    for key, o in old.items():
        before.setdefault(o.article, set()).add(key)
    # Only articles whose copies changed are written again (their fields depend on nothing
    # else), their dates worked out again and they are placed again (`wirecopy.derive`):
    # the most printed article of a story titles it.
    changed = [a for a in result.articles if a.id in lost or before.get(a.id) != set(a.copies)]
    written = _write(conn, changed, run_id)
    conn.executemany(
        "UPDATE articles SET date_evidence = NULL, story_version = NULL WHERE id = ?",
        [(a.id,) for a in changed],
    )
    conn.executemany(
        "UPDATE copies SET article_id = ?, kind = ?, similarity = ? WHERE page_id = ? AND seq = ?",
        [
            (p.article_id, p.kind, p.similarity, p.page_id, p.seq)
            for p in result.placements
            if (was := old.get((p.page_id, p.seq))) is None
            or (was.article, was.kind, was.similarity) != (p.article_id, p.kind, p.similarity)
        ],
    )
    removed = _remove_empty(conn, stale - {a.id for a in result.articles})
    return {
        "copies": len(new),
        "groups": len({a.group for a in result.articles}),
        "articles": written,
        "removed": removed,
    }


def _candidates(
    conn: sqlite3.Connection, new: Sequence[Signature], bands: Sequence[U64]
) -> set[int]:
    """Groups holding a copy that shares a band key or the text of a new copy, or sharing
    a passage fingerprint with one. Not verified: `group` computes the true components."""
    if not new:
        return set()
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS article_probe (band INTEGER, key INTEGER)")
    conn.execute("DELETE FROM article_probe")
    probes: set[tuple[int, int]] = set()
    for s, band in zip(new, bands, strict=True):
        probes.update(enumerate(_signed(band)))
        probes.update((-1, k) for k in _signed(s.fingerprints))
    conn.executemany("INSERT INTO article_probe VALUES (?, ?)", sorted(probes))
    groups = {
        int(r[0])
        for sql in (
            "SELECT DISTINCT s.component FROM article_probe p JOIN bands b "
            "ON b.band = p.band AND b.bucket = p.key JOIN signatures s "
            "ON s.page_id = b.page_id AND s.seq = b.seq WHERE p.band >= 0",
            "SELECT DISTINCT f.component FROM article_probe p JOIN fingerprints f "
            "ON f.hash = p.key WHERE p.band = -1",
        )
        for r in conn.execute(sql)
        if r[0] is not None
    }
    # Exact copies, with or without words.
    return groups | _components_where(conn, "text_hash", {s.text_hash for s in new})


_COLUMNS = (
    "s.page_id, s.seq, c.text_hash, c.date, s.paragraphs, s.shingles, s.minhash, "
    "s.fingerprints, s.component, c.article_id, c.kind, c.similarity, s.printed, s.words"
)


@dataclass(frozen=True, slots=True)
class _Old:
    """An existing copy as grouping left it."""

    signature: Signature
    group: int
    article: str
    kind: str
    similarity: float


def _row(r: Sequence[Any]) -> Signature:
    return Signature(
        page_id=str(r[0]),
        seq=int(r[1]),
        text_hash=str(r[2]),
        date=None if r[3] is None else str(r[3]),
        paragraphs=int(r[4] or 0),
        shingles=_array(r[5]),
        minhash=_array(r[6]),
        fingerprints=_array(r[7]),
        printed=str(r[12] or ""),
        words=_array(r[13]),
    )


def _groups_of(conn: sqlite3.Connection, articles: Iterable[str]) -> set[int]:
    return _components_where(conn, "article_id", articles)


def _components_where(
    conn: sqlite3.Connection, column: Literal["article_id", "text_hash"], values: Iterable[str]
) -> set[int]:
    """The match groups of the copies whose ``column`` is one of ``values``."""
    sql = (
        "SELECT DISTINCT s.component FROM copies c JOIN signatures s "
        f"ON s.page_id = c.page_id AND s.seq = c.seq WHERE c.{column} = ?"
    )
    groups: set[int] = set()
    for value in sorted(set(values)):
        groups.update(int(r[0]) for r in conn.execute(sql, (value,)) if r[0] is not None)
    return groups


def _load_groups(conn: sqlite3.Connection, groups: Iterable[int]) -> dict[CopyKey, _Old]:
    """Every copy of the given groups, with where it is now."""
    out: dict[CopyKey, _Old] = {}
    for g in sorted(groups):
        for r in conn.execute(
            f"SELECT {_COLUMNS} FROM signatures s JOIN copies c "
            "ON c.page_id = s.page_id AND c.seq = s.seq WHERE s.component = ?",
            (g,),
        ):
            sig = _row(r)
            out[sig.key] = _Old(sig, int(r[8]), str(r[9]), str(r[10]), float(r[11]))
    return out


def _save(conn: sqlite3.Connection, new: Sequence[Signature], bands: Sequence[U64]) -> None:
    conn.executemany(
        "INSERT INTO signatures (page_id, seq, minhash, shingles, fingerprints, paragraphs, "
        "printed, words) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                s.page_id,
                s.seq,
                _blob(s.minhash),
                _blob(s.shingles),
                _blob(s.fingerprints),
                s.paragraphs,
                s.printed,
                _blob(s.words),
            )
            for s in new
        ],
    )
    conn.executemany(
        "INSERT OR IGNORE INTO bands (band, bucket, page_id, seq) VALUES (?, ?, ?, ?)",
        [
            (b, k, s.page_id, s.seq)
            for s, band in zip(new, bands, strict=True)
            for b, k in enumerate(_signed(band))
        ],
    )


def _index_groups(
    conn: sqlite3.Connection,
    old_groups: Iterable[int],
    articles: Sequence[ArticleGroup],
    signatures: dict[CopyKey, Signature],
    old: dict[CopyKey, _Old],
) -> None:
    """Record each copy's group, and each group's fingerprints in place of the old groups'
    (only the rows that differ are written: most groups keep their id and fingerprints)."""
    conn.executemany(
        "UPDATE signatures SET component = ? WHERE page_id = ? AND seq = ?",
        [
            (a.group, *key)
            for a in articles
            for key in a.copies
            if key not in old or old[key].group != a.group
        ],
    )
    by_group: dict[int, set[int]] = {}
    for a in articles:
        keys = by_group.setdefault(a.group, set())
        for key in a.copies:
            keys.update(_signed(signatures[key].fingerprints))
    want = {(k, g) for g, keys in by_group.items() for k in keys}
    have: set[tuple[int, int]] = set()
    for g in sorted(set(old_groups) | set(by_group)):
        have.update(
            (int(r[0]), g)
            for r in conn.execute("SELECT hash FROM fingerprints WHERE component = ?", (g,))
        )
    conn.executemany(
        "DELETE FROM fingerprints WHERE hash = ? AND component = ?", sorted(have - want)
    )
    conn.executemany(
        "INSERT INTO fingerprints (hash, component) VALUES (?, ?)", sorted(want - have)
    )


def _write(conn: sqlite3.Connection, articles: Sequence[ArticleGroup], run_id: int) -> int:
    """Insert or update each article from its copies (see `best_fields`); returns how many."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS article_keys (page_id TEXT, seq INTEGER)")
    conn.execute("DELETE FROM article_keys")
    conn.executemany(
        "INSERT INTO article_keys VALUES (?, ?)", [key for a in articles for key in a.copies]
    )
    copies = {
        (r[0], r[1]): r[2:]
        for r in conn.execute(
            "SELECT c.page_id, c.seq, c.text, c.text_hash, c.title, c.caption, c.date, c.source, "
            "p.source FROM article_keys k JOIN copies c ON c.page_id = k.page_id AND c.seq = k.seq "
            "JOIN pages p ON p.id = c.page_id"
        )
    }
    rows = []
    for article in articles:
        mine = [copies[key] for key in article.copies]
        title, caption, date, source = best_fields([(c[2], c[3], c[4], c[5] or c[6]) for c in mine])
        canon = mine[0]
        rows.append(
            (
                article.id,
                title,
                caption,
                date,
                source,
                canon[0],
                canon[1],
                article.canonical[0],
                article.canonical[1],
                run_id,
            )
        )
    conn.executemany(
        "INSERT INTO articles (id, title, caption, date, source, text, text_hash, "
        "canonical_page, canonical_seq, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET title = excluded.title, caption = excluded.caption, "
        "source = excluded.source, text = excluded.text, "
        "text_hash = excluded.text_hash, canonical_page = excluded.canonical_page, "
        "canonical_seq = excluded.canonical_seq WHERE (articles.title, articles.caption, "
        "articles.source, articles.text, articles.canonical_page, articles.canonical_seq) "
        "IS NOT (excluded.title, excluded.caption, excluded.source, excluded.text, "
        "excluded.canonical_page, excluded.canonical_seq)",
        rows,
    )
    return len(articles)


Fields = tuple[str | None, str | None, str | None, str | None]


def best_fields(copies: Sequence[Fields]) -> Fields:
    """(title, caption, date, source) of an article from its copies' (canonical first).

    Title and caption: the canonical copy's, or else the first copy's in canonical order that
    has one. Date: the earliest any copy states (when the article was first printed); written
    when the article is created, then left to the dates stage (`wirecopy.derive`), which
    works it out again whenever the article's copies change.
    Source: the name most copies credit (ties: the first in canonical order).
    """
    title = next((c[0] for c in copies if c[0]), None)
    caption = next((c[1] for c in copies if c[1]), None)
    dates = [c[2] for c in copies if c[2]]
    sources = Counter(c[3] for c in copies if c[3])
    source = None
    if sources:
        top = max(sources.values())
        source = next(c[3] for c in copies if c[3] and sources[c[3]] == top)
    return title, caption, min(dates) if dates else None, source


def _remove_empty(conn: sqlite3.Connection, articles: Iterable[str]) -> int:
    removed = 0
    for article_id in sorted(articles):
        cursor = conn.execute(
            "DELETE FROM articles WHERE id = ? "
            "AND NOT EXISTS (SELECT 1 FROM copies WHERE article_id = ?)",
            (article_id, article_id),
        )
        removed += cursor.rowcount
    return removed
