"""The JSON API under /api/: articles, pages and stories in the export fields of DESIGN.md
(the records `wirecopy export` writes), search with the filters of `wirecopy search --json`,
entities, an article's variants (what `wirecopy show --json` gives for its copies), the
archive's statistics (`wirecopy stats --json`) and what the home page shows.

A listing is ``{"items": [...], "limit", "offset", "total"}``; ``limit`` is at most
`MAX_LIMIT`. An unknown id is a 404 with ``{"detail": "no article with id '…'"}``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request

from wirecopy.archive import queries
from wirecopy.search import SQLITE_MAX_INT
from wirecopy.web import views
from wirecopy.web.app import reading

router = APIRouter(prefix="/api", tags=["api"])

MAX_LIMIT = 100
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"At most {MAX_LIMIT}.")]
Offset = Annotated[int, Query(ge=0, le=SQLITE_MAX_INT)]
Record = dict[str, Any]


def _listing(items: list[Record], limit: int, offset: int, total: int | None) -> Record:
    return {"items": items, "limit": limit, "offset": offset, "total": total}


def _found(record: Record | None, what: str, ident: str) -> Record:
    if record is None:
        raise views.NotFoundError(f"no {what} with id {ident!r}")
    return record


@router.get("/stats")
def stats(request: Request) -> Record:
    """What the archive holds: totals, pages by format, status and site, recent builds."""
    with reading(request) as conn:
        return queries.stats(conn)


@router.get("/home")
def home(request: Request) -> Record:
    """What the home page shows: the archive's totals, pages by site and recent builds (as
    in /api/stats), and the latest stories, newest first, in the export fields (the first
    of /api/stories)."""
    with reading(request) as conn:
        data = queries.stats(conn)
        latest = queries.story_records(conn, views.LATEST_STORIES)
    return {key: data[key] for key in ("totals", "by_site", "runs")} | {"stories": latest}


@router.get("/articles")
def articles(request: Request, limit: Limit = 20, offset: Offset = 0) -> Record:
    """Articles in export order, in the export fields."""
    with reading(request) as conn:
        items = queries.article_records(conn, limit, offset)
        total = queries.totals(conn)["articles"]
    return _listing(items, limit, offset, total)


@router.get("/articles/{article_id}")
def article(request: Request, article_id: str) -> Record:
    """One article in the export fields: id, title, caption, date, source, text, copies
    (page, kind, similarity), story, entities."""
    with reading(request) as conn:
        return _found(queries.article_record(conn, article_id), "article", article_id)


@router.get("/articles/{article_id}/variants")
def variants(request: Request, article_id: str) -> list[Record]:
    """Every copy of an article as `wirecopy show --json` gives it: page, seq, site, kind,
    similarity, match (canonical, exact, near), the title, caption, date, source and text
    it printed, the fields it prints otherwise than the canonical copy and the word diff of
    its body against the canonical text."""
    with reading(request) as conn:
        found = _found(queries.show_record(conn, "article", article_id), "article", article_id)
    return list(found["copies"])


@router.get("/stories")
def stories(request: Request, limit: Limit = 20, offset: Offset = 0) -> Record:
    """Stories newest first (by last date), in the export fields."""
    with reading(request) as conn:
        items = queries.story_records(conn, limit, offset)
        total = queries.totals(conn)["stories"]
    return _listing(items, limit, offset, total)


@router.get("/stories/{story_id}")
def story(request: Request, story_id: str) -> Record:
    """One story in the export fields: id, title, articles, first_date, last_date,
    entities."""
    with reading(request) as conn:
        return _found(queries.story_record(conn, story_id), "story", story_id)


@router.get("/pages")
def pages(
    request: Request,
    status: Literal["ok", "rejected"] | None = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Record:
    """Pages in input order (optionally only ``ok`` or ``rejected`` ones), in the export
    fields: id, uri, site, status, error, articles, boilerplate."""
    with reading(request) as conn:
        items = queries.page_records(conn, limit, offset, status)
        total = queries.page_count(conn, status)
    return _listing(items, limit, offset, total)


@router.get("/pages/{page_id:path}")
def page(request: Request, page_id: str) -> Record:
    """One page in the export fields (a page id may hold '/' and '#': encode '#' as %23)."""
    with reading(request) as conn:
        return _found(queries.page_record(conn, page_id), "page", page_id)


@router.get("/search")
def search(
    request: Request,
    q: Annotated[str, Query(description="The query, as `wirecopy search` reads it.")],
    story: str | None = None,
    entity: str | None = None,
    source: str | None = None,
    since: Annotated[str | None, Query(description="YYYY[-MM[-DD]], inclusive")] = None,
    until: Annotated[str | None, Query(description="YYYY[-MM[-DD]], inclusive")] = None,
    limit: Limit = 20,
    offset: Annotated[int, Query(ge=0, le=views.SEARCH_WINDOW)] = 0,
) -> Record:
    """Full-text search, best first: the hits of `wirecopy search --json` (id, title, date,
    source, story, score, snippet, title_marked; matches marked [like this]). A query or
    filter that cannot be used is a 400 whose ``detail`` says why; ``total`` is null (the
    next window has hits when ``more`` is true)."""
    form = views.SearchForm(q, story, entity, source, since, until)
    with reading(request) as conn:
        found = views.run_search(conn, form, limit, offset, marks=("[", "]"))
    if found["error"]:
        raise HTTPException(400, found["error"])
    pager: views.Pager = found["pager"]
    return _listing(found["hits"], limit, offset, None) | {"more": pager.next is not None}


@router.get("/entities/{name:path}")
def entity(request: Request, name: str, limit: Limit = 50, offset: Offset = 0) -> Record:
    """An entity by its text (case ignored): its labels, the forms merged into it, how many
    articles name it, those articles (most mentions first) and their stories."""
    with reading(request) as conn:
        found = queries.entity_mentions(conn, name, limit, offset)
    if found is None:
        raise views.NotFoundError(f"no article names the entity {name!r}")
    return found
