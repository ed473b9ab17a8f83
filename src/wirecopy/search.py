"""Full-text search over articles' titles and text (SQLite FTS5, ranked by bm25).

A query is read with a small grammar and turned into an FTS5 expression in which every term
is a quoted string, so nothing a person types reaches FTS5 as syntax:

- ``word word``: articles holding all the words (AND);
- ``"a phrase"``: the words next to each other, in that order (curly quotes work too; a
  quote left open runs to the end of the query);
- ``word*``: words starting with ``word`` (also ``"a phra"*``);
- ``a OR b``: either (``OR`` in capitals; it binds tighter than AND: ``x a OR b`` is
  ``x AND (a OR b)``);
- ``NOT word`` or ``-word``: articles without it; a query needs at least one word to look for.

Anything else is taken as text: parentheses are ignored, FTS5 operators in lower case
(``and``, ``near``), column filters (``title:``), ``^``, ``+`` and other signs are words or
separators, never syntax. Matching ignores case and Latin diacritics (``cafe`` finds
``café``). Words are split at spaces and punctuation (``unicode61``), so Arabic, Cyrillic,
Greek and other scripts written with spaces work as they are. Chinese and Japanese are written
without spaces: a run of such characters is one word, so a query finds it only whole
(``洛杉矶抗议``), or by its start with ``*`` (``洛杉矶*``). Arabic vowel marks are part of the
word as written.

Filters (story, entity, source, date range) narrow the matches; a date filter leaves out
articles with no date.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from dataclasses import asdict, dataclass
from datetime import date

MAX_TERMS = 64
TITLE_WEIGHT = 3.0
"""bm25 weight of a match in the title, against 1.0 in the text."""

_OPEN_QUOTES = '"“„«'
_CLOSE_QUOTES = '"”»“'
_SEPARATORS = "()[]{}"
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


class SearchError(ValueError):
    """The query or a filter cannot be used; the message says why, for a person."""


@dataclass(frozen=True, slots=True)
class Hit:
    id: str
    title: str | None
    date: str | None
    source: str | None
    story: str | None
    score: float
    snippet: str
    title_marked: str | None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class _Term:
    text: str
    prefix: bool = False
    negated: bool = False

    def fts(self) -> str:
        return '"' + self.text.replace('"', '""') + '"' + ("*" if self.prefix else "")


# Reading a query ----------------------------------------------------------------------------


def _clean(text: str) -> str:
    """Lone surrogates (from undecodable arguments) and control characters become spaces."""
    text = text.encode("utf-8", "replace").decode("utf-8")
    return "".join(" " if unicodedata.category(ch) in ("Cc", "Cs") else ch for ch in text)


def _searchable(text: str) -> bool:
    """Whether FTS5's unicode61 tokenizer finds a word in ``text`` (letters, digits)."""
    return any(
        unicodedata.category(ch)[0] in "LN" or unicodedata.category(ch) == "Co" for ch in text
    )


def _tokens(query: str) -> list[tuple[str, bool, bool, bool]]:
    """Split a query into (text, quoted, prefix, minus) tokens; minus: ``-"a phrase"``."""
    tokens: list[tuple[str, bool, bool, bool]] = []
    i, n, minus = 0, len(query), False
    while i < n:
        ch = query[i]
        if ch.isspace() or ch in _SEPARATORS:
            i, minus = i + 1, False
        elif ch in _OPEN_QUOTES or ch == "”":
            end = i + 1
            while end < n and query[end] not in _CLOSE_QUOTES:
                end += 1
            prefix = end + 1 < n and query[end + 1] == "*"
            tokens.append((query[i + 1 : end], True, prefix, minus))
            i, minus = end + 1 + prefix, False
        else:
            end = i
            while end < n and not (
                query[end].isspace() or query[end] in _SEPARATORS or query[end] in _OPEN_QUOTES
            ):
                end += 1
            word = query[i:end]
            if not word.strip("-") and end < n and query[end] in _OPEN_QUOTES:
                i, minus = end, True
                continue
            stripped = word.rstrip("*")
            tokens.append((stripped, False, stripped != word, False))
            i = end
    return tokens


def parse_query(query: str) -> tuple[list[list[_Term]], list[_Term]]:
    """Read a query into AND-ed groups of OR-ed terms, and the terms to exclude."""
    groups: list[list[_Term]] = []
    excluded: list[_Term] = []
    joining = negating = False
    for text, quoted, prefix, minus in _tokens(_clean(query)):
        if not quoted and not prefix:
            if text == "OR":
                joining = bool(groups) and not negating
                continue
            if text == "NOT":
                negating = True
                continue
            if text == "AND":
                continue
        negated = negating or minus
        if not quoted and text.startswith("-") and text.strip("-"):
            text, negated = text.lstrip("-"), True
        if not quoted:
            text = text.lstrip("+")
        if not _searchable(text):
            continue
        term = _Term(" ".join(text.split()), prefix, negated)
        if negated:
            excluded.append(term)
        elif joining:
            groups[-1].append(term)
        else:
            groups.append([term])
        joining = negating = False
    if len(excluded) + sum(len(group) for group in groups) > MAX_TERMS:
        raise SearchError(f"the query has too many terms: at most {MAX_TERMS} are used")
    return groups, excluded


def to_fts(query: str) -> str:
    """The FTS5 expression for a query, every term quoted; SearchError if nothing to find."""
    if not query.strip():
        raise SearchError("the query is empty: give one or more words to look for")
    groups, excluded = parse_query(query)
    if not groups:
        if excluded:
            raise SearchError("the query only excludes words (NOT, -word): add a word to look for")
        raise SearchError(f"nothing to look for in {query!r}: give words with letters or digits")
    positive = " AND ".join(
        group[0].fts() if len(group) == 1 else "(" + " OR ".join(t.fts() for t in group) + ")"
        for group in groups
    )
    if not excluded:
        return positive
    return f"({positive}) NOT ({' OR '.join(term.fts() for term in excluded)})"


# Searching -----------------------------------------------------------------------------------


def _date_bound(value: str | date | None, name: str) -> str | None:
    if value is None or isinstance(value, date):
        return value.isoformat() if value else None
    value = value.strip()
    if not _DATE.match(value):
        raise SearchError(f"{name} {value!r} is not a date: use YYYY, YYYY-MM or YYYY-MM-DD")
    try:
        date.fromisoformat((value + "-01-01")[:10])
    except ValueError:
        raise SearchError(f"{name} {value!r} is not a date") from None
    return value


def search(
    conn: sqlite3.Connection,
    query: str,
    *,
    limit: int = 20,
    story: str | None = None,
    entity: str | None = None,
    source: str | None = None,
    since: str | date | None = None,
    until: str | date | None = None,
    marks: tuple[str, str] = ("[", "]"),
    ellipsis: str = "…",
    snippet_words: int = 24,
) -> list[Hit]:
    """Articles matching ``query``, best first, each with a snippet, matches between ``marks``.

    The score is bm25's, negated: higher is better. The snippet is the best passage of the
    text, on one line; ``title_marked`` is the title with its matches marked.

    ``entity`` matches an entity's text or any of the forms merged into it ("Quist"), ignoring
    case; ``source`` matches the article's source or the source or site of any page that
    printed it; ``since`` and ``until`` are inclusive and may be a year or a month
    (``until="2025-06"`` takes in all of June).
    """
    if limit < 1:
        raise SearchError(f"the limit must be 1 or more, not {limit}")
    expression = to_fts(query)
    low, high = _date_bound(since, "since"), _date_bound(until, "until")
    where: list[str] = ["articles_fts MATCH ?"]
    params: list[str | int] = [expression]
    if story is not None:
        where.append("a.story_id = ?")
        params.append(story)
    if entity is not None:
        where.append(
            "EXISTS (SELECT 1 FROM article_entities ae JOIN entities e ON e.id = ae.entity_id "
            "WHERE ae.article_id = a.id AND (e.text = ? COLLATE NOCASE OR EXISTS "
            "(SELECT 1 FROM json_each(ae.mentions) m WHERE m.value = ? COLLATE NOCASE)))"
        )
        params += [entity.strip(), entity.strip()]
    if source is not None:
        where.append(
            "(a.source = ? COLLATE NOCASE OR EXISTS (SELECT 1 FROM copies c "
            "JOIN pages p ON p.id = c.page_id WHERE c.article_id = a.id AND "
            "(c.source = ? COLLATE NOCASE OR p.source = ? COLLATE NOCASE "
            "OR p.site = ? COLLATE NOCASE)))"
        )
        params += [source.strip()] * 4
    if low is not None:
        where.append("a.date >= ?")
        params.append(low)
    if high is not None:
        where.append("substr(a.date, 1, ?) <= ?")
        params += [len(high), high]
    sql = (
        "SELECT a.id, a.title, a.date, a.source, a.story_id, "
        f"bm25(articles_fts, {TITLE_WEIGHT}, 1.0) AS rank, "
        "snippet(articles_fts, 1, ?, ?, ?, ?) AS snippet, "
        "highlight(articles_fts, 0, ?, ?) AS title_marked "
        "FROM articles_fts JOIN articles a ON a.n = articles_fts.rowid "
        f"WHERE {' AND '.join(where)} ORDER BY rank, a.n LIMIT ?"
    )
    words = max(1, min(snippet_words, 64))
    try:
        rows = conn.execute(sql, [*marks, ellipsis, words, *marks, *params, limit]).fetchall()
    except sqlite3.OperationalError as error:
        # Every term is quoted, so this is not expected; still a message, not a traceback.
        raise SearchError(f"the search failed: {error}") from None
    return [
        Hit(
            id=row[0],
            title=row[1],
            date=row[2],
            source=row[3],
            story=row[4],
            score=-float(row[5]),
            snippet=" ".join((row[6] or "").split()),
            title_marked=row[7],
        )
        for row in rows
    ]
