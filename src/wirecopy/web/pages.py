"""The HTML pages: each builds its data with `wirecopy.web.views` and renders a template.
Its JSON twin is named in the page's footer (`wirecopy.web.api`)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from wirecopy.search import SQLITE_MAX_INT
from wirecopy.web import views
from wirecopy.web.app import article_url, entity_url, page_url, reading, render, story_url

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
MAX_PAGE_SIZE = 100  # as the API's cap, so every page's JSON twin answers
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]
Offset = Annotated[int, Query(ge=0, le=SQLITE_MAX_INT)]


@router.get("/")
def home(request: Request) -> Response:
    with reading(request) as conn:
        data = views.home(conn, views.LATEST_STORIES)
    return render(request, "home.html", data | {"title": "wirecopy", "twin": "/api/home"})


@router.get("/stories")
def stories(request: Request, limit: Limit = PAGE_SIZE, offset: Offset = 0) -> Response:
    with reading(request) as conn:
        data = views.stories(conn, limit, offset)
    twin = f"/api/stories?limit={limit}&offset={offset}"
    return render(request, "stories.html", data | {"title": "Stories", "twin": twin})


@router.get("/stories/{story_id}")
def story(request: Request, story_id: str) -> Response:
    with reading(request) as conn:
        data = views.story(conn, story_id)
    title = data["title"] or story_id
    twin = "/api" + story_url(story_id)
    return render(request, "story.html", {"story": data, "title": title, "twin": twin})


@router.get("/articles/{article_id}")
def article(request: Request, article_id: str) -> Response:
    with reading(request) as conn:
        data = views.article(conn, article_id)
    title = data["title"] or article_id
    twin = "/api" + article_url(article_id)
    return render(request, "article.html", {"article": data, "title": title, "twin": twin})


@router.get("/search")
def search(
    request: Request,
    q: str = "",
    story: str | None = None,
    entity: str | None = None,
    source: str | None = None,
    since: str | None = None,
    until: str | None = None,
    limit: Limit = PAGE_SIZE,
    offset: Offset = 0,
) -> Response:
    form = views.SearchForm(q, story, entity, source, since, until)
    with reading(request) as conn:
        found = views.run_search(conn, form, limit, offset) if q.strip() else None
    twin = "/api/search?" + request.url.query if found else None
    return render(
        request,
        "search.html",
        {"form": form, "found": found, "title": f"Search: {q}" if q else "Search", "twin": twin},
    )


@router.get("/entities/{name:path}")
def entity(request: Request, name: str, limit: Limit = 50, offset: Offset = 0) -> Response:
    with reading(request) as conn:
        data = views.entity(conn, name, limit, offset)
    twin = "/api" + entity_url(name)
    return render(request, "entity.html", {"entity": data, "title": data["text"], "twin": twin})


@router.get("/pages")
def pages(
    request: Request,
    status: Literal["ok", "rejected"] | None = None,
    limit: Limit = PAGE_SIZE,
    offset: Offset = 0,
) -> Response:
    with reading(request) as conn:
        data = views.pages(conn, status, limit, offset)
    twin = "/api/pages" + ("?" + request.url.query if request.url.query else "")
    return render(request, "pages.html", data | {"title": "Pages", "twin": twin})


@router.get("/pages/{page_id:path}")
def page(request: Request, page_id: str) -> Response:
    with reading(request) as conn:
        data = views.page(conn, page_id)
    twin = "/api" + page_url(page_id)
    return render(request, "page.html", {"page": data, "title": page_id, "twin": twin})
