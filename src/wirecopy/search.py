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

A capitalised word typed with an English possessive stands for the word (``Okafor's`` finds
``Okafor`` and ``Okafor's``); in quotes, or in small letters (``it's``), it is kept as typed.

Anything else is taken as text: parentheses are ignored, FTS5 operators in lower case
(``and``, ``near``), column filters (``title:``), ``^``, ``+`` and other signs are words or
separators, never syntax. Matching ignores case and Latin diacritics (``cafe`` finds
``café``). Words are split at spaces and punctuation (``unicode61``), so Arabic, Cyrillic,
Greek and other scripts written with spaces work as they are. Scripts written without spaces
(Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar) leave whole runs of characters as one
word of the index, so a term in such a script is looked up in the index's vocabulary
(`fts5vocab`) and stands for every indexed word that holds it (``抗议`` finds the run
``洛杉矶抗议``): the index itself, and so Latin search and its ranking, are unchanged. The
matches are then marked on the term itself, not on the whole run. Arabic vowel marks are part
of the word as written.

Filters (story, entity, source, date range) narrow the matches; a date filter leaves out
articles with no date.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date

from wirecopy.archive.queries import surname_pattern
from wirecopy.names import acronym_forms, is_acronym, spells, undot_initials

MAX_TERMS = 64
SQLITE_MAX_INT = 2**63 - 1  # the largest integer SQLite stores (a LIMIT or OFFSET beyond fails)
TITLE_WEIGHT = 3.0
"""bm25 weight of a match in the title, against 1.0 in the text."""

_OPEN_QUOTES = '"“„«'
_CLOSE_QUOTES = '"”»“'
_SEPARATORS = "()[]{}"
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_POSSESSIVE = re.compile(r"(?<=\w)['’]s$", re.IGNORECASE)

MAX_EXPANSION = 2000
"""At most this many indexed words stand for one term of a script written without spaces."""

# Code points of the scripts written without spaces between words: unicode61 indexes a whole
# run of them as one word. Han (with its radicals and iteration marks), Hiragana, Katakana,
# Thai, Lao, Khmer, Myanmar.
_UNSPACED = (
    (0x0E00, 0x0EFF),
    (0x1000, 0x109F),
    (0x1780, 0x17FF),
    (0x19E0, 0x19FF),
    (0x2E80, 0x2FDF),
    (0x3005, 0x3007),
    (0x3021, 0x3029),
    (0x3031, 0x303C),
    (0x3040, 0x30FF),
    (0x31F0, 0x31FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xA9E0, 0xA9FF),
    (0xAA60, 0xAA7F),
    (0xF900, 0xFAFF),
    (0xFF66, 0xFF9F),
    (0x20000, 0x3134F),
)
_VOCABULARY = "temp.wirecopy_fts_terms"
# Marks used inside the module when matches are marked again: Unicode noncharacters, kept for
# a program's internal use, so no text prints them (control characters such as STX/ETX do
# reach archives from JSONL feeds, and were taken for marks).
_OPEN, _CLOSE = "\ufdd0", "\ufdd1"


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


Expand = Callable[[str, bool], list[str]]
"""The indexed words holding a word (``ending``: ending with it), from the index."""


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


def _unspaced(text: str) -> bool:
    """Whether ``text`` has a character of a script written without spaces."""
    return any(lo <= ord(ch) <= hi for ch in text for lo, hi in _UNSPACED)


def _index_words(text: str) -> list[str]:
    """The words unicode61 makes of ``text`` (runs of letters, digits and private-use
    characters), folded as it folds them: lower case, Latin diacritics removed."""
    words: list[str] = []
    current: list[str] = []
    for ch in text + " ":
        category = unicodedata.category(ch)
        if category[0] in "LN" or category == "Co":
            folded = ch.lower()
            if ord(ch) < 0x250 or 0x1E00 <= ord(ch) <= 0x1EFF:  # Latin: drop its accents
                folded = "".join(
                    c for c in unicodedata.normalize("NFD", folded) if not unicodedata.combining(c)
                )
            current.append(folded)
        elif current:
            words.append("".join(current))
            current = []
    return words


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
            if not prefix and text[:1].isupper():  # a name's: ``Okafor's`` finds Okafor
                text = _POSSESSIVE.sub("", text)
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
    """The FTS5 expression for a query, every term quoted; SearchError if nothing to find.

    Terms in scripts written without spaces are kept as typed (`search` expands them)."""
    expression = _expression(query, None)
    assert expression is not None  # without expanding, every term stands
    return expression


def _expression(query: str, expand: Expand | None) -> str | None:
    """The FTS5 expression for a query, with terms of scripts written without spaces
    expanded by ``expand``; None when a required term is in no indexed word."""
    if not query.strip():
        raise SearchError("the query is empty: give one or more words to look for")
    groups, excluded = parse_query(query)
    if not groups:
        if excluded:
            raise SearchError("the query only excludes words (NOT, -word): add a word to look for")
        raise SearchError(f"nothing to look for in {query!r}: give words with letters or digits")
    required: list[str] = []
    for group in groups:
        either = [e for e in (_term_fts(term, expand) for term in group) if e is not None]
        if not either:
            return None
        required.append(either[0] if len(either) == 1 else "(" + " OR ".join(either) + ")")
    positive = " AND ".join(required)
    left_out = [e for e in (_term_fts(term, expand) for term in excluded) if e is not None]
    if not left_out:
        return positive
    return f"({positive}) NOT ({' OR '.join(left_out)})"


def _term_fts(term: _Term, expand: Expand | None) -> str | None:
    """A term as FTS5 text. A term of a script written without spaces stands for the indexed
    words that hold it (a run of such characters is one indexed word): its one word, for
    every indexed word containing it; several words (split by marks or signs) as a phrase
    whose first word ends an indexed word and whose last starts one. None: in no word."""
    if expand is None or not _unspaced(term.text):
        return term.fts()
    words = _index_words(term.text)
    if len(words) == 1:
        phrases = [_Term(word).fts() for word in expand(words[0], False)]
    else:
        first, middle, last = words[0], words[1:-1], words[-1]
        firsts = expand(first, True) if _unspaced(first) else [first]
        prefix = term.prefix or _unspaced(last)
        phrases = [_Term(" ".join([head, *middle, last]), prefix).fts() for head in firsts]
    if not phrases:
        return None
    return phrases[0] if len(phrases) == 1 else "(" + " OR ".join(phrases) + ")"


def _vocabulary(conn: sqlite3.Connection) -> Expand:
    """Look words up in the index's vocabulary (a temporary fts5vocab table of this
    connection: it works on read-only archives and changes nothing in the file)."""
    created = False

    def expand(word: str, ending: bool) -> list[str]:
        nonlocal created
        if not created:
            conn.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {_VOCABULARY} "
                "USING fts5vocab(main, articles_fts, row)"
            )
            created = True
        test = "substr(term, -length(?1)) = ?1" if ending else "instr(term, ?1) > 0"
        sql = f"SELECT term FROM {_VOCABULARY} WHERE {test} ORDER BY term LIMIT ?2"
        found = [row[0] for row in conn.execute(sql, (word, MAX_EXPANSION + 1))]
        if len(found) > MAX_EXPANSION:
            raise SearchError(
                f"{word!r} is part of more than {MAX_EXPANSION} different runs of text in the "
                "archive: search for a longer word"
            )
        return found

    return expand


def _remark(text: str, marks: tuple[str, str], needles: list[tuple[str, list[str]]]) -> str:
    """``text`` marked by FTS5 between the private marks, with every mark around a run of a
    script written without spaces moved onto the query's terms inside it, and the caller's
    ``marks``. ``needles``: each such term, whole and as its words."""
    out: list[str] = []
    rest = text
    while _OPEN in rest:
        before, _, after = rest.partition(_OPEN)
        inside, _, rest = after.partition(_CLOSE)
        out.append(before)
        out.append(_mark_terms(inside, marks, needles) if _unspaced(inside) else inside.join(marks))
    out.append(rest)
    return "".join(out)


def _mark_terms(span: str, marks: tuple[str, str], needles: list[tuple[str, list[str]]]) -> str:
    lowered = span.lower()
    folded = lowered if len(lowered) == len(span) else span  # offsets must stay the same
    found: list[tuple[int, int]] = []
    for whole, words in needles:
        at = _occurrences(folded, [whole])
        found += at or _occurrences(folded, words)
    if not found:
        return span.join(marks)
    found.sort()
    out, end = [], 0
    for start, stop in found:
        if start < end:  # overlapping matches: keep the first
            continue
        out += [span[end:start], marks[0], span[start:stop], marks[1]]
        end = stop
    out.append(span[end:])
    return "".join(out)


def _occurrences(text: str, needles: list[str]) -> list[tuple[int, int]]:
    spans = []
    for needle in needles:
        start = text.find(needle) if needle else -1
        while start >= 0:
            spans.append((start, start + len(needle)))
            start = text.find(needle, start + len(needle))
    return spans


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

    ``entity`` matches as `_entity_clause` says: an entity's text, a form merged into it in
    the article, or the last words of a person's name ("Quist" finds the articles naming
    "Halvard Quist" in full too), ignoring case; an acronym and the name an article merged
    it with are one (``UN``, ``United Nations``);
    ``source`` matches the article's source or the source or site of any page that printed
    it; ``since`` and ``until`` are inclusive and may be a year or a month
    (``until="2025-06"`` takes in all of June).
    """
    if limit < 1:
        raise SearchError(f"the limit must be 1 or more, not {limit}")
    limit = min(limit, SQLITE_MAX_INT)  # a larger limit asks for every hit: SQLite's cap does
    groups, excluded = parse_query(query) if query.strip() else ([], [])
    unspaced = [term for group in groups for term in group if _unspaced(term.text)]
    expand = any(_unspaced(term.text) for term in excluded) or bool(unspaced)
    expression = _expression(query, _vocabulary(conn) if expand else None)
    # Runs of scripts without spaces are marked again on the terms: private marks meanwhile.
    fts_marks = (_OPEN, _CLOSE) if unspaced else marks
    needles = [(term.text.lower(), _index_words(term.text)) for term in unspaced]
    low, high = _date_bound(since, "since"), _date_bound(until, "until")
    if low is not None and high is not None and low[: len(high)] > high:
        raise SearchError(f"since {low} is after until {high}: no date is in between")
    where: list[str] = ["articles_fts MATCH ?"]
    params: list[str | int] = [""]  # the expression, once known
    if story is not None:
        where.append("a.story_id = ?")
        params.append(story)
    if entity is not None:
        clause, values = _entity_clause(conn, entity.strip())
        where.append(clause)
        params += values
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
    if expression is None:  # a required term of a script without spaces is in no article
        _check_filters(conn, story, entity, source)
        return []
    params[0] = expression
    try:
        rows = conn.execute(
            sql, [*fts_marks, ellipsis, words, *fts_marks, *params, limit]
        ).fetchall()
    except sqlite3.OperationalError as error:
        # Every term is quoted, so this is not expected; still a message, not a traceback.
        raise SearchError(f"the search failed: {error}") from None
    if not rows:
        _check_filters(conn, story, entity, source)
    return [
        Hit(
            id=row[0],
            title=row[1],
            date=row[2],
            source=row[3],
            story=row[4],
            score=-float(row[5]),
            snippet=" ".join(_shown(row[6] or "", marks, needles, words, ellipsis).split()),
            title_marked=None if row[7] is None else _shown(row[7], marks, needles),
        )
        for row in rows
    ]


def _shown(
    text: str,
    marks: tuple[str, str],
    needles: list[tuple[str, list[str]]],
    words: int = 0,
    ellipsis: str = "…",
) -> str:
    """FTS5's marked text as shown: matches in scripts without spaces marked on the terms,
    and a snippet (``words`` given) cut to about as many characters as ``words`` words of
    Latin text take, around its first match (FTS5 counts a whole run as one word)."""
    if not needles:
        return text
    text = _remark(text, (_OPEN, _CLOSE), needles)
    budget = words * 6
    if words and len(text) > budget:
        first = max(text.find(_OPEN), 0)
        start = max(0, first - budget // 3)
        end = start + budget
        if text.rfind(_OPEN, 0, end) > text.rfind(_CLOSE, 0, end):  # not inside a match
            end = text.find(_CLOSE, end) + 1
        head = ellipsis if start > 0 else ""
        tail = ellipsis if end < len(text) else ""
        text = head + text[start:end] + tail
    return text.replace(_OPEN, marks[0]).replace(_CLOSE, marks[1])


def _entity_clause(conn: sqlite3.Connection, name: str) -> tuple[str, list[str]]:
    """The filter of ``search(entity=name)`` and its values.

    A name matches an entity of that name or a form merged into one in the article, ignoring
    case, and a person whose name ends with it (how a surname is merged: "Vashti" finds the
    articles naming only "Elena Vashti"), and an acronym standing alone that some article of
    the archive merged into that name (``UN`` for ``United Nations``). An acronym (two to six
    capitals) matches an entity of that name other than a person, ignoring case
    (``CHINA``), itself in capitals, dotted or not, as an entity or a merged form, and the
    names some article merged it into; it ends no person's name (``UN``, ``Kim Jong Un``).
    """
    if is_acronym(name):
        acronym = undot_initials(name)
        spelled = _spelled(conn, acronym)
        marks = ",".join("?" * len(spelled)) or "NULL"
        clause = (
            "EXISTS (SELECT 1 FROM article_entities ae JOIN entities e ON e.id = ae.entity_id "
            "WHERE ae.article_id = a.id AND ((e.text = ? COLLATE NOCASE AND e.label <> 'PERSON') "
            f"OR replace(e.text, '.', '') = ? OR e.text COLLATE NOCASE IN ({marks}) "
            "OR EXISTS (SELECT 1 FROM json_each(ae.mentions) m "
            "WHERE replace(m.value, '.', '') = ?)))"
        )
        return clause, [name, acronym, *spelled, acronym]
    acronyms = _acronyms_of(conn, name)
    marks = ",".join("?" * len(acronyms)) or "NULL"
    clause = (
        "EXISTS (SELECT 1 FROM article_entities ae JOIN entities e ON e.id = ae.entity_id "
        "WHERE ae.article_id = a.id AND (e.text = ? COLLATE NOCASE "
        "OR (e.label = 'PERSON' AND lower(e.text) LIKE ? ESCAPE '\\') "
        f"OR replace(e.text, '.', '') IN ({marks}) "
        "OR EXISTS (SELECT 1 FROM json_each(ae.mentions) m WHERE m.value = ? COLLATE NOCASE)))"
    )
    return clause, [name, surname_pattern(name), *acronyms, name]


def _merged_forms(acronym: str) -> str:
    """A test that an ``article_entities.mentions`` JSON list may hold ``acronym`` (plain or
    dotted), cheap enough to ask of every row before its JSON is read. ``acronym`` is capital
    letters only (`wirecopy.names.is_acronym`), so it is safe to write into the SQL."""
    dotted = ".".join(acronym)
    return f"(instr(ae.mentions, '\"{acronym}\"') OR instr(ae.mentions, '\"{dotted}'))"


def _spelled(conn: sqlite3.Connection, acronym: str) -> list[str]:
    """The names some article merged ``acronym`` into (it spells them)."""
    rows = conn.execute(
        "SELECT DISTINCT e.text FROM article_entities ae "
        "JOIN entities e ON e.id = ae.entity_id, json_each(ae.mentions) m "
        f"WHERE {_merged_forms(acronym)} AND replace(m.value, '.', '') = ?",
        (acronym,),
    )
    return sorted(text for (text,) in rows if spells(acronym, text))


def _acronyms_of(conn: sqlite3.Connection, name: str) -> list[str]:
    """The acronyms (undotted) some article merged into ``name`` that spell it."""
    rows = conn.execute(
        "SELECT e.text, ae.mentions FROM article_entities ae "
        "JOIN entities e ON e.id = ae.entity_id WHERE e.text = ? COLLATE NOCASE",
        (name,),
    )
    return sorted(
        {
            undot_initials(form)
            for text, forms in rows
            for form in acronym_forms(forms)
            if spells(form, text)
        }
    )


def _check_filters(
    conn: sqlite3.Connection, story: str | None, entity: str | None, source: str | None
) -> None:
    """SearchError naming a filter value the archive does not hold at all (asked only when
    nothing matched: "no hit" would blame the query)."""
    if story is not None and not _exists(conn, "SELECT 1 FROM stories WHERE id = ?", story):
        raise SearchError(f"no story {story!r} in the archive")
    if entity is not None and not _entity_exists(conn, entity.strip()):
        raise SearchError(f"no entity {entity.strip()!r} in the archive")
    if source is not None and not _exists(
        conn,
        "SELECT 1 FROM articles WHERE source = ?1 COLLATE NOCASE UNION ALL "
        "SELECT 1 FROM copies WHERE source = ?1 COLLATE NOCASE UNION ALL "
        "SELECT 1 FROM pages WHERE source = ?1 COLLATE NOCASE OR site = ?1 COLLATE NOCASE",
        source.strip(),
    ):
        raise SearchError(f"no source or site {source.strip()!r} in the archive")


def _entity_exists(conn: sqlite3.Connection, name: str) -> bool:
    """Whether the archive holds an entity or a merged form of that name (an acronym in
    capitals, dotted or not)."""
    if _exists(
        conn,
        "SELECT 1 FROM entities WHERE text = ?1 COLLATE NOCASE UNION ALL "
        "SELECT 1 FROM article_entities ae, json_each(ae.mentions) m "
        "WHERE m.value = ?1 COLLATE NOCASE",
        name,
    ):
        return True
    if not is_acronym(name):
        return False
    acronym = undot_initials(name)
    return _exists(
        conn,
        "SELECT 1 FROM entities WHERE replace(text, '.', '') = ?1 UNION ALL "
        "SELECT 1 FROM article_entities ae, json_each(ae.mentions) m "
        f"WHERE {_merged_forms(acronym)} AND replace(m.value, '.', '') = ?1",
        acronym,
    )


def _exists(conn: sqlite3.Connection, sql: str, *values: str) -> bool:
    return bool(conn.execute(f"SELECT EXISTS ({sql})", values).fetchone()[0])
