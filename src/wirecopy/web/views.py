"""The data of each web page, as plain dicts: the HTML templates render it, the JSON API
returns it (or the export records of DESIGN.md). Every function takes a read connection and
the request's parameters, and calls the library (`wirecopy.archive.queries`, `search`,
`diff`); nothing here writes.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from wirecopy.archive import queries
from wirecopy.diff import CONTEXT, LONG, word_diff
from wirecopy.render import STORY_ENTITIES
from wirecopy.search import SearchError, search

Row = dict[str, Any]
MARK_OPEN, MARK_CLOSE = "\x02", "\x03"
"""Private marks around search matches in HTML snippets (the template turns them into
<mark>, everything else escaped)."""
SEARCH_WINDOW = 1000
"""How deep search results can be paged (offset + limit)."""
LATEST_STORIES = 10
"""How many stories, newest first, the home page and its JSON twin list."""


class NotFoundError(LookupError):
    """No record with that id; the message says so, for a person."""


@dataclass(frozen=True, slots=True)
class Pager:
    """A window over a listing: ``limit`` rows from ``offset`` of ``total`` (None: unknown,
    then ``more`` says whether a next window has rows)."""

    limit: int
    offset: int
    total: int | None
    more: bool = False

    @property
    def previous(self) -> int | None:
        return max(0, self.offset - self.limit) if self.offset > 0 else None

    @property
    def next(self) -> int | None:
        more = self.more if self.total is None else self.offset + self.limit < self.total
        return self.offset + self.limit if more else None


def home(conn: sqlite3.Connection, latest: int) -> Row:
    """The archive's totals, pages by site, recent builds and the ``latest`` newest
    stories."""
    data = queries.stats(conn)
    return {
        "totals": data["totals"],
        "by_site": data["by_site"],
        "runs": data["runs"],
        "stories": queries.story_list(conn, latest),
    }


def stories(conn: sqlite3.Connection, limit: int, offset: int) -> Row:
    total = queries.totals(conn)["stories"]
    return {
        "stories": queries.story_list(conn, limit, offset),
        "pager": Pager(limit, offset, total),
    }


def story(conn: sqlite3.Connection, story_id: str) -> Row:
    found = queries.show_record(conn, "story", story_id)
    if found is None:
        raise NotFoundError(f"no story with id {story_id!r}")
    return found | {
        "top_entities": found["entities"][:STORY_ENTITIES],
        "more_entities": max(0, len(found["entities"]) - STORY_ENTITIES),
    }


def article(conn: sqlite3.Connection, article_id: str) -> Row:
    found = queries.show_record(conn, "article", article_id)
    if found is None:
        raise NotFoundError(f"no article with id {article_id!r}")
    story_row = queries.story_record(conn, found["story"]) if found["story"] else None
    flat_canonical = "\n\n" in found["text"]
    for copy in found["copies"]:
        ops = word_diff(found["text"], copy["text"])
        copy["segments"] = diff_segments(ops)
        copy["same_words"] = all(op["op"] == "equal" for op in ops)
        copy["run_into_one"] = flat_canonical and "\n\n" not in copy["text"]
    return found | {
        "story_title": story_row["title"] if story_row else None,
        "paragraphs": [p for p in found["text"].split("\n\n") if p.strip()],
    }


def diff_segments(ops: list[Row]) -> list[Row]:
    """A word diff (`wirecopy.diff.word_diff`, with the shared text) as segments to show:
    ``equal`` text, ``skip`` (``words`` shared words left out, as `show` elides them: a few
    words of context are kept around each change), ``delete`` and ``insert`` (a change longer
    than `LONG` words is shortened, ``more`` saying by how many)."""
    out: list[Row] = []
    last = len(ops) - 1
    for n, op in enumerate(ops):
        words = op["text"].split()
        if op["op"] != "equal":
            shown = words if len(words) <= LONG else words[: LONG // 2]
            out.append({"op": op["op"], "text": " ".join(shown), "more": len(words) - len(shown)})
            continue
        head = words[:CONTEXT] if n > 0 else []
        tail = words[-CONTEXT:] if n < last else []
        if len(words) <= len(head) + len(tail) + 2:
            out.append({"op": "equal", "text": " ".join(words)})
            continue
        if head:
            out.append({"op": "equal", "text": " ".join(head)})
        out.append({"op": "skip", "words": len(words) - len(head) - len(tail)})
        if tail:
            out.append({"op": "equal", "text": " ".join(tail)})
    return out


def page(conn: sqlite3.Connection, page_id: str) -> Row:
    found = queries.show_record(conn, "page", page_id)
    if found is None:
        raise NotFoundError(f"no page with id {page_id!r}")
    return found


def pages(conn: sqlite3.Connection, status: str | None, limit: int, offset: int) -> Row:
    totals = queries.totals(conn)
    return {
        "status": status,
        "counts": {
            None: totals["pages"],
            "ok": totals["pages_ok"],
            "rejected": totals["pages_rejected"],
        },
        "pages": queries.page_list(conn, limit, offset, status),
        "pager": Pager(limit, offset, queries.page_count(conn, status)),
    }


def entity(conn: sqlite3.Connection, name: str, limit: int, offset: int) -> Row:
    found = queries.entity_mentions(conn, name, limit, offset)
    if found is None:
        raise NotFoundError(f"no article names the entity {name!r}")
    return found | {"pager": Pager(limit, offset, found["article_count"])}


@dataclass(frozen=True, slots=True)
class SearchForm:
    """A search as asked: the query and its filters (empty strings count as not given)."""

    q: str = ""
    story: str | None = None
    entity: str | None = None
    source: str | None = None
    since: str | None = None
    until: str | None = None

    def filters(self) -> dict[str, str | None]:
        return {
            "story": self.story or None,
            "entity": self.entity or None,
            "source": self.source or None,
            "since": self.since or None,
            "until": self.until or None,
        }


def run_search(
    conn: sqlite3.Connection,
    form: SearchForm,
    limit: int,
    offset: int,
    marks: tuple[str, str] = (MARK_OPEN, MARK_CLOSE),
) -> Row:
    """Hits ``offset`` to ``offset + limit`` (at most `SEARCH_WINDOW` deep), or the message
    `wirecopy.search` gives for a query or filter it cannot use (``error``)."""
    window = min(offset + limit, SEARCH_WINDOW)
    try:
        f = form.filters()
        hits = search(
            conn,
            form.q,
            limit=window + 1,
            marks=marks,
            story=f["story"],
            entity=f["entity"],
            source=f["source"],
            since=f["since"],
            until=f["until"],
        )
    except SearchError as error:
        return {"hits": [], "error": str(error), "pager": Pager(limit, offset, 0)}
    shown = hits[offset:window]
    more = len(hits) > window and window < SEARCH_WINDOW
    return {
        "hits": [hit.to_dict() for hit in shown],
        "error": None,
        "pager": Pager(limit, offset, None, more=more),
        "past_the_last": not shown and bool(hits),  # an offset beyond the hits there are
    }


def marked(text: str | None) -> list[tuple[str, bool]]:
    """Text with matches between the private marks, as (text, is_match) runs."""
    runs: list[tuple[str, bool]] = []
    rest = text or ""
    while MARK_OPEN in rest:
        before, _, after = rest.partition(MARK_OPEN)
        inside, _, rest = after.partition(MARK_CLOSE)
        runs += [(before, False), (inside, True)]
    runs.append((rest.replace(MARK_CLOSE, ""), False))
    return [run for run in runs if run[0]]
