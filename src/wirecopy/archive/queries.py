"""Read-side queries: totals, statistics, export rows and the records `show` prints.

Each function takes a connection and returns plain data (dicts and lists), which the
CLI renders as a table or as JSON, and the exporters write as JSONL, CSV or Parquet.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter
from collections.abc import Iterator
from typing import Any

from wirecopy.archive.evidence import current_counts
from wirecopy.diff import changes, field_diffs, match, word_diff
from wirecopy.names import acronym_forms, is_acronym, spelling_key, spells

Row = dict[str, Any]


def totals(conn: sqlite3.Connection) -> dict[str, int]:
    def one(sql: str) -> int:
        return int(conn.execute(sql).fetchone()[0])

    return {
        "pages": one("SELECT COUNT(*) FROM pages"),
        "pages_ok": one("SELECT COUNT(*) FROM pages WHERE status = 'ok'"),
        "pages_rejected": one("SELECT COUNT(*) FROM pages WHERE status = 'rejected'"),
        "copies": one("SELECT COUNT(*) FROM copies"),
        "articles": one("SELECT COUNT(*) FROM articles"),
        "duplicate_groups": one(
            "SELECT COUNT(*) FROM (SELECT article_id FROM copies GROUP BY article_id "
            "HAVING COUNT(*) > 1)"
        ),
        "stories": one("SELECT COUNT(*) FROM stories"),
        "entities": one("SELECT COUNT(*) FROM entities"),
    }


def stats(conn: sqlite3.Connection) -> Row:
    def grouped(column: str) -> dict[str, int]:
        rows = conn.execute(
            f"SELECT COALESCE({column}, '(none)') AS k, COUNT(*) AS n FROM pages "
            "GROUP BY k ORDER BY n DESC, k"
        )
        return {row["k"]: row["n"] for row in rows}

    runs = [
        {
            "id": row["id"],
            "started_at": row["started_at"],
            "status": row["status"],
            "seconds": row["seconds"],
            "inputs": json.loads(row["inputs"]),
            "counts": json.loads(row["counts"]) if row["counts"] else None,
        }
        for row in conn.execute("SELECT * FROM runs ORDER BY id DESC LIMIT 5")
    ]
    return {
        "totals": totals(conn),
        "by_format": grouped("format"),
        "by_status": grouped("status"),
        "by_site": grouped("site"),
        "runs": runs,
    }


# Export rows, in the fields of DESIGN.md -------------------------------------------


def iter_articles(conn: sqlite3.Connection) -> Iterator[Row]:
    read = conn.cursor()
    for art in read.execute("SELECT * FROM articles ORDER BY n"):
        yield _article_record(conn, art)


def iter_pages(conn: sqlite3.Connection) -> Iterator[Row]:
    read = conn.cursor()
    for page in read.execute("SELECT id, uri, site, status, error FROM pages ORDER BY seq"):
        yield _page_record(conn, page)


def iter_stories(conn: sqlite3.Connection) -> Iterator[Row]:
    read = conn.cursor()
    for story in read.execute("SELECT * FROM stories ORDER BY n"):
        yield _story(conn, story)


def _story(conn: sqlite3.Connection, story: sqlite3.Row) -> Row:
    return {
        "id": story["id"],
        "title": story["title"],
        "articles": [
            row[0]
            for row in conn.execute(
                "SELECT id FROM articles WHERE story_id = ? ORDER BY date IS NULL, date, n",
                (story["id"],),
            )
        ],
        "first_date": story["first_date"],
        "last_date": story["last_date"],
        "entities": _story_entities(conn, story["id"]),
    }


def _entities(conn: sqlite3.Connection, table: str, key: str, value: str) -> list[Row]:
    rows = conn.execute(
        f"SELECT e.text, e.label, ae.count FROM {table} JOIN entities e ON e.id = ae.entity_id "
        f"WHERE {key} = ? ORDER BY ae.count DESC, e.text",
        (value,),
    )
    return [{"text": r["text"], "label": r["label"], "count": r["count"]} for r in rows]


def _story_entities(conn: sqlite3.Connection, story_id: str) -> list[Row]:
    """A story's entities: its articles' added up, one entry per entity, most mentioned first.

    Spellings that differ only in case or in the dots of initials are one (``WikiLeaks`` and
    ``Wikileaks``, ``U.S.`` and ``US``, a dateline's ``BEIRUT``), and so is an acronym, with
    the label of a name that one of the story's articles folded it into (``US`` into
    ``United States``, both places): within an article merging decides that, and the story
    learns it from there. The label mentioned most wins (the model may label one name
    differently in two articles); a spelling in small letters too wins over one all in
    capitals, then the one mentioned most.
    """
    rows = conn.execute(
        "SELECT e.text, e.label, ae.count, ae.mentions FROM article_entities ae "
        "JOIN articles a ON a.id = ae.article_id JOIN entities e ON e.id = ae.entity_id "
        "WHERE a.story_id = ?",
        (story_id,),
    ).fetchall()
    # (an acronym's key, the label) -> the keys of the names it was folded into
    named: dict[tuple[str, str], Counter[str]] = {}
    for text, label, _count, mentions in rows:
        for form in acronym_forms(mentions):
            if label != "PERSON" and spells(form, text):
                named.setdefault((spelling_key(form), label), Counter())[spelling_key(text)] += 1
    labels: dict[str, Counter[str]] = {}
    spellings: dict[str, Counter[str]] = {}
    for text, label, count, _mentions in rows:
        key = spelling_key(text)
        if is_acronym(text) and (key, label) in named:
            key = named[key, label].most_common(1)[0][0]
        labels.setdefault(key, Counter())[label] += count
        spellings.setdefault(key, Counter())[text] += count
    merged = [
        {
            "text": max(spellings[key], key=lambda t: (not t.isupper(), spellings[key][t], t)),
            "label": max(labels[key], key=lambda k: (labels[key][k], k)),
            "count": sum(labels[key].values()),
        }
        for key in labels
    ]
    return sorted(merged, key=lambda e: (-e["count"], e["text"]))


# Show --------------------------------------------------------------------------------


def find(conn: sqlite3.Connection, ident: str) -> tuple[str, Row] | None:
    """Look ``ident`` up as an article, a story or a page, in that order."""
    for kind in ("article", "story", "page"):
        if (found := show_record(conn, kind, ident)) is not None:
            return kind, found
    return None


def _story_articles(conn: sqlite3.Connection, story_id: str) -> list[Row]:
    """A story's articles for `show`: id, title, date, source and copies, in date order."""
    return [
        {
            "id": r["id"],
            "title": r["title"],
            "date": r["date"],
            "source": r["source"],
            "copies": r["copies"],
        }
        for r in conn.execute(
            "SELECT a.id, a.title, a.date, a.source, "
            "(SELECT COUNT(*) FROM copies c WHERE c.article_id = a.id) AS copies "
            "FROM articles a WHERE a.story_id = ? ORDER BY a.date IS NULL, a.date, a.n",
            (story_id,),
        )
    ]


def _article(conn: sqlite3.Connection, art: sqlite3.Row) -> Row:
    rows = [
        dict(c)
        for c in conn.execute(
            "SELECT c.*, p.site FROM copies c JOIN pages p ON p.id = c.page_id "
            "WHERE c.article_id = ? ORDER BY p.seq, c.seq",
            (art["id"],),
        )
    ]
    canonical = (art["canonical_page"], art["canonical_seq"])
    canon = next((c for c in rows if (c["page_id"], c["seq"]) == canonical), None)
    canon = canon or {"text": art["text"]}
    copies = [
        {
            "page": c["page_id"],
            "seq": c["seq"],
            "site": c["site"],
            "kind": c["kind"],
            "similarity": c["similarity"],
            "match": "canonical" if c is canon else match(c, canon),
            "title": c["title"],
            "caption": c["caption"],
            "date": c["date"],
            "source": c["source"],
            "text": c["text"],
            "fields": field_diffs(c, canon),
            "diff": changes(word_diff(art["text"], c["text"])),
        }
        for c in rows
    ]
    return {
        "id": art["id"],
        "title": art["title"],
        "caption": art["caption"],
        "date": art["date"],
        "source": art["source"],
        "story": art["story_id"],
        "date_evidence": json.loads(art["date_evidence"]) if art["date_evidence"] else None,
        "text": art["text"],
        "copies": copies,
        "entities": _entities(conn, "article_entities ae", "ae.article_id", art["id"]),
    }


def _page(conn: sqlite3.Connection, page: sqlite3.Row) -> Row:
    rows = conn.execute(
        "SELECT b.*, c.article_id FROM blocks b LEFT JOIN copies c "
        "ON c.page_id = b.page_id AND c.seq = b.copy_seq WHERE b.page_id = ? ORDER BY b.seq",
        (page["id"],),
    ).fetchall()
    # Blocks keep which count thresholds decided them; the counts are the archive's now.
    counts = current_counts(conn, page["site"], page["text"] or "", [b["start"] for b in rows])
    blocks = [
        {
            "seq": b["seq"],
            "label": b["label"],
            "copy": b["copy_seq"],
            "article": b["article_id"],
            "text": b["text"],
            "why": explain(evidence),
            "evidence": evidence,
        }
        for b, now in zip(rows, counts, strict=True)
        for evidence in [{**now, **json.loads(b["evidence"])} if b["evidence"] else None]
    ]
    articles = [
        {"id": r["article_id"], "seq": r["seq"], "kind": r["kind"], "title": r["title"]}
        for r in conn.execute(
            "SELECT article_id, seq, kind, title FROM copies WHERE page_id = ? ORDER BY seq",
            (page["id"],),
        )
    ]
    return {
        "id": page["id"],
        "uri": page["uri"],
        "site": page["site"],
        "source": page["source"],
        "format": page["format"],
        "status": page["status"],
        "error": page["error"],
        "encoding": page["encoding"],
        "title": page["title"],
        "published": page["published"],
        "fetched": page["fetched"],
        "size": page["size"],
        "segmented": not _queued(conn, page["id"]),
        "articles": articles,
        "boilerplate": sum(1 for b in blocks if b["copy"] is None),
        "blocks": blocks,
    }


def _queued(conn: sqlite3.Connection, page_id: str) -> bool:
    row = conn.execute("SELECT 1 FROM segment_queue WHERE page_id = ?", (page_id,)).fetchone()
    return row is not None


def explain(evidence: Row | None) -> str:
    """A block's evidence in a few words: the reason, then the counts that weighed."""
    if not evidence:
        return ""
    parts = [str(evidence.get("why", ""))]
    if evidence.get("sentences", 0) > 1:
        parts.append(f"{evidence['sentences']} sentences")
    if evidence.get("page_repeats", 1) > 1:
        parts.append(f"{evidence['page_repeats']}× on the page")
    found, _, total = str(evidence.get("site_pages", "")).partition("/")
    if found.isdigit() and int(found) > 1:
        parts.append(f"printed on {found}/{total} pages of the site")
    if evidence.get("corpus_sites", 0) > 1:
        parts.append(f"printed on {evidence['corpus_sites']} sites")
    if "score" in evidence:
        parts.append(f"title score {evidence['score']}")
    if "profile" in evidence and "profile" not in parts[0]:
        parts.append(f"site profile: {evidence['profile']}")
    return "; ".join(p for p in parts if p)


# One record by id, and listings by range (`wirecopy serve`) ------------------------------
#
# The export rows above stream the whole archive; the web layer needs one record, or one
# range of records, at a time: both build each record with the same function.

# The orders the web layer lists in, shared by its HTML listings and their JSON twins.
_NEWEST_FIRST = "last_date IS NULL, last_date DESC, first_date DESC, n DESC"  # undated last
_PAGES_OF_STATUS = "WHERE ? IS NULL OR status = ? ORDER BY seq LIMIT ? OFFSET ?"


def article_record(conn: sqlite3.Connection, article_id: str) -> Row | None:
    """One article in the export fields of DESIGN.md, or None."""
    art = conn.execute("SELECT * FROM articles WHERE id = ?", (article_id,)).fetchone()
    return None if art is None else _article_record(conn, art)


def article_records(conn: sqlite3.Connection, limit: int, offset: int = 0) -> list[Row]:
    """Articles in export order (as `iter_articles`), ``limit`` of them from ``offset``."""
    arts = conn.execute(
        "SELECT * FROM articles ORDER BY n LIMIT ? OFFSET ?", (limit, offset)
    ).fetchall()
    return [_article_record(conn, art) for art in arts]


def _article_record(conn: sqlite3.Connection, art: sqlite3.Row) -> Row:
    return {
        "id": art["id"],
        "title": art["title"],
        "caption": art["caption"],
        "date": art["date"],
        "source": art["source"],
        "text": art["text"],
        "copies": [
            {"page": c["page_id"], "kind": c["kind"], "similarity": c["similarity"]}
            for c in conn.execute(
                "SELECT c.page_id, c.kind, c.similarity FROM copies c "
                "JOIN pages p ON p.id = c.page_id WHERE c.article_id = ? "
                "ORDER BY p.seq, c.seq",
                (art["id"],),
            )
        ],
        "story": art["story_id"],
        "entities": _entities(conn, "article_entities ae", "ae.article_id", art["id"]),
    }


def page_record(conn: sqlite3.Connection, page_id: str) -> Row | None:
    """One page in the export fields of DESIGN.md, or None."""
    page = conn.execute(
        "SELECT id, uri, site, status, error FROM pages WHERE id = ?", (page_id,)
    ).fetchone()
    return None if page is None else _page_record(conn, page)


def page_records(
    conn: sqlite3.Connection, limit: int, offset: int = 0, status: str | None = None
) -> list[Row]:
    """Pages in export order (as `iter_pages`), optionally of one status."""
    pages = conn.execute(
        f"SELECT id, uri, site, status, error FROM pages {_PAGES_OF_STATUS}",
        (status, status, limit, offset),
    ).fetchall()
    return [_page_record(conn, page) for page in pages]


def _page_record(conn: sqlite3.Connection, page: sqlite3.Row) -> Row:
    articles: list[str] = []
    for row in conn.execute(
        "SELECT article_id FROM copies WHERE page_id = ? ORDER BY seq", (page["id"],)
    ):
        if row[0] not in articles:
            articles.append(row[0])
    boilerplate = [
        row[0]
        for row in conn.execute(
            "SELECT text FROM blocks WHERE page_id = ? AND copy_seq IS NULL ORDER BY seq",
            (page["id"],),
        )
    ]
    return {
        "id": page["id"],
        "uri": page["uri"],
        "site": page["site"],
        "status": page["status"],
        "error": page["error"],
        "articles": articles,
        "boilerplate": boilerplate,
    }


def story_record(conn: sqlite3.Connection, story_id: str) -> Row | None:
    """One story in the export fields of DESIGN.md, or None."""
    story = conn.execute("SELECT * FROM stories WHERE id = ?", (story_id,)).fetchone()
    return None if story is None else _story(conn, story)


def story_records(conn: sqlite3.Connection, limit: int, offset: int = 0) -> list[Row]:
    """Stories newest first (by last date, undated last), in the export fields."""
    stories = conn.execute(
        f"SELECT * FROM stories ORDER BY {_NEWEST_FIRST} LIMIT ? OFFSET ?",
        (limit, offset),
    ).fetchall()
    return [_story(conn, story) for story in stories]


def show_record(conn: sqlite3.Connection, kind: str, ident: str) -> Row | None:
    """What `show` gives for an article, story or page of that id (``kind`` says which
    table: ids of different kinds never shadow each other), or None."""
    table = {"article": "articles", "story": "stories", "page": "pages"}[kind]
    row = conn.execute(f"SELECT * FROM {table} WHERE id = ?", (ident,)).fetchone()
    if row is None:
        return None
    if kind == "article":
        return _article(conn, row)
    if kind == "story":
        return _story(conn, row) | {"article_rows": _story_articles(conn, ident)}
    return _page(conn, row)


def page_count(conn: sqlite3.Connection, status: str | None = None) -> int:
    row = conn.execute(
        "SELECT COUNT(*) FROM pages WHERE ? IS NULL OR status = ?", (status, status)
    ).fetchone()
    return int(row[0])


def page_list(
    conn: sqlite3.Connection, limit: int, offset: int = 0, status: str | None = None
) -> list[Row]:
    """Pages in input order for a listing: id, site, format, status, error, and how many
    copies of articles and boilerplate blocks each holds."""
    return [
        dict(r)
        for r in conn.execute(
            "SELECT p.id, p.site, p.format, p.status, p.error, p.title, "
            "(SELECT COUNT(*) FROM copies c WHERE c.page_id = p.id) AS copies, "
            "(SELECT COUNT(*) FROM blocks b WHERE b.page_id = p.id AND b.copy_seq IS NULL) "
            "AS boilerplate "
            f"FROM pages p {_PAGES_OF_STATUS}",
            (status, status, limit, offset),
        )
    ]


def story_list(conn: sqlite3.Connection, limit: int, offset: int = 0) -> list[Row]:
    """Stories newest first (by last date, undated last) for a listing: id, title, dates,
    how many articles and copies."""
    return [
        dict(r)
        for r in conn.execute(
            "SELECT s.id, s.title, s.first_date, s.last_date, "
            "(SELECT COUNT(*) FROM articles a WHERE a.story_id = s.id) AS articles, "
            "(SELECT COUNT(*) FROM copies c JOIN articles a ON a.id = c.article_id "
            "WHERE a.story_id = s.id) AS copies "
            f"FROM stories s ORDER BY {_NEWEST_FIRST} LIMIT ? OFFSET ?",
            (limit, offset),
        )
    ]


def entity_of_form(conn: sqlite3.Connection, form: str) -> str | None:
    """The entity a mention form was merged into ("Quist" → "Halvard Quist"; case ignored):
    the one of most articles, then the first by text. None when no article has the form."""
    row = conn.execute(
        "SELECT e.text FROM entities e JOIN article_entities ae ON ae.entity_id = e.id "
        "WHERE EXISTS (SELECT 1 FROM json_each(ae.mentions) m WHERE m.value = ? COLLATE NOCASE) "
        "GROUP BY e.text ORDER BY COUNT(*) DESC, e.text LIMIT 1",
        (form.strip(),),
    ).fetchone()
    return str(row[0]) if row else None


def entity_mentions(
    conn: sqlite3.Connection, name: str, limit: int = 50, offset: int = 0
) -> Row | None:
    """An entity by its text (any label; case ignored): its labels, the forms merged into
    it, how many articles name it, those articles (most mentions first, ``limit`` from
    ``offset``) and the stories they belong to. A form merged into an entity ("Quist")
    gives that entity, as ``search --entity`` finds it (:func:`entity_of_form`). ``people``:
    the persons whose names end with the name asked (:func:`fuller_names`), whose articles
    ``search --entity`` finds too; with no entity of that text, a record of them alone. None
    when no article names it, nor anyone whose name ends with it."""
    asked = name = name.strip()
    query = (
        "SELECT e.text, e.label, ae.article_id, ae.count, ae.mentions FROM entities e "
        "JOIN article_entities ae ON ae.entity_id = e.id WHERE e.text = ? COLLATE NOCASE"
    )
    rows = conn.execute(query, (name,)).fetchall()
    if not rows and (merged := entity_of_form(conn, name)) is not None:
        name = merged
        rows = conn.execute(query, (name,)).fetchall()
    people = [p for p in fuller_names(conn, asked) if p["text"].casefold() != name.casefold()]
    if not rows:
        if not people:
            return None
        # No entity of that text, but people whose names end with it ("Trump"): say whose
        # articles `search --entity` finds.
        empty: Row = {"text": asked, "labels": [], "forms": [], "article_count": 0}
        return empty | {"articles": [], "stories": [], "people": people}
    labels: dict[str, int] = {}
    counts: dict[str, int] = {}
    forms: set[str] = set()
    texts: dict[str, int] = {}
    for r in rows:
        texts[r["text"]] = texts.get(r["text"], 0) + r["count"]
        labels[r["label"]] = labels.get(r["label"], 0) + r["count"]
        counts[r["article_id"]] = counts.get(r["article_id"], 0) + r["count"]
        forms.update(json.loads(r["mentions"]) if r["mentions"] else [])
    ranked = sorted(counts, key=lambda a: (-counts[a], a))
    page = ranked[offset : offset + limit]
    marks = ",".join("?" * len(page))
    found = {
        r["id"]: r
        for r in conn.execute(
            f"SELECT id, title, date, source, story_id FROM articles WHERE id IN ({marks})",
            page,
        )
    }
    articles = [
        {
            "id": a,
            "title": found[a]["title"],
            "date": found[a]["date"],
            "source": found[a]["source"],
            "story": found[a]["story_id"],
            "count": counts[a],
        }
        for a in page
        if a in found
    ]
    stories = [
        dict(r)
        for r in conn.execute(
            "SELECT s.id, s.title, s.first_date, s.last_date, COUNT(DISTINCT a.id) AS articles "
            "FROM entities e JOIN article_entities ae ON ae.entity_id = e.id "
            "JOIN articles a ON a.id = ae.article_id JOIN stories s ON s.id = a.story_id "
            "WHERE e.text = ? COLLATE NOCASE GROUP BY s.id "
            "ORDER BY s.last_date IS NULL, s.last_date DESC, s.n DESC",
            (name,),
        )
    ]
    text = max(texts, key=lambda t: (texts[t], t))
    return {
        "text": text,
        "labels": sorted(labels, key=lambda k: (-labels[k], k)),
        "forms": sorted(forms - set(texts)),
        "article_count": len(ranked),
        "articles": articles,
        "stories": stories,
        "people": people,
    }


def fuller_names(conn: sqlite3.Connection, name: str, limit: int = 10) -> list[Row]:
    """The people whose names end with ``name`` ("Donald Trump" for "Trump"), with how
    many articles name each, most first: ``search --entity`` finds their articles too. An
    acronym ends no person's name (``UN`` and ``Kim Jong Un``)."""
    if is_acronym(name.strip()):
        return []
    return [
        dict(r)
        for r in conn.execute(
            "SELECT e.text, COUNT(*) AS articles FROM entities e "
            "JOIN article_entities ae ON ae.entity_id = e.id "
            "WHERE e.label = 'PERSON' AND lower(e.text) LIKE ? ESCAPE '\\' "
            "GROUP BY e.id ORDER BY articles DESC, e.text LIMIT ?",
            (surname_pattern(name), limit),
        )
    ]


def surname_pattern(name: str) -> str:
    """A LIKE pattern (escape ``\\``) for a lower-cased person's name ending with ``name``
    as a word of its own."""
    return "% " + re.sub(r"([\\%_])", r"\\\1", name.strip().lower())
