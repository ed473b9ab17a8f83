"""The web application: `create_app(db)` gives a FastAPI app over one archive file.

Each request opens the archive read-only, reads in one transaction (a consistent snapshot,
while a build may be writing: SQLite WAL) and closes it, all in the request's own thread.
HTML pages are rendered from Jinja2 templates shipped in the package (autoescaped); the
JSON API lives under /api/ (`wirecopy.web.api`), and FastAPI describes it at /openapi.json.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import FastAPI, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wirecopy import __version__
from wirecopy.archive.db import Archive, ArchiveError
from wirecopy.render import date_span
from wirecopy.web import views

TEMPLATES = Environment(
    loader=PackageLoader("wirecopy.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def check_archive(db: Path) -> None:
    """Raise ArchiveError, with a message for a person, unless ``db`` is an archive this
    wirecopy can read."""
    if db.is_file():
        try:
            conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
            try:
                tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            finally:
                conn.close()
        except sqlite3.DatabaseError as error:
            raise ArchiveError(f"{db} is not a wirecopy archive: {error}") from None
        if not {"pages", "articles", "stories"} <= tables:
            raise ArchiveError(
                f"{db} is not a wirecopy archive (no pages, articles and stories tables): "
                f"build one with `wirecopy build INPUT --db {db}`"
            )
    Archive.open(db, readonly=True).close()


@contextmanager
def reading(request: Request) -> Iterator[sqlite3.Connection]:
    """A read-only connection to the app's archive, in one read transaction."""
    try:
        archive = Archive.open(request.app.state.db, readonly=True)
    except ArchiveError as error:
        raise HTTPException(503, f"the archive cannot be read: {error}") from None
    try:
        archive.conn.execute("BEGIN")
        yield archive.conn
    finally:
        archive.close()


def article_url(ident: str) -> str:
    return "/articles/" + quote(ident, safe="")


def story_url(ident: str) -> str:
    return "/stories/" + quote(ident, safe="")


def page_url(ident: str) -> str:
    return "/pages/" + quote(ident, safe="/")


def entity_url(name: str) -> str:
    return "/entities/" + quote(name, safe="")


def url(path: str, **params: Any) -> str:
    """``path`` with the given query parameters (those None or empty left out)."""
    given = {k: v for k, v in params.items() if v not in (None, "")}
    return path + ("?" + urlencode(given) if given else "")


TEMPLATES.globals.update(
    article_url=article_url,
    story_url=story_url,
    page_url=page_url,
    entity_url=entity_url,
    url=url,
    marked=views.marked,
    date_span=date_span,
    version=__version__,
)


def render(request: Request, template: str, data: dict[str, Any], status: int = 200) -> Response:
    html = TEMPLATES.get_template(template).render(
        request_path=request.url.path, query=dict(request.query_params), **data
    )
    return HTMLResponse(html, status_code=status)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    if _is_api(request):
        return await http_exception_handler(request, error)
    return render(
        request,
        "error.html",
        {"title": f"{error.status_code}", "message": error.detail},
        error.status_code,
    )


async def _validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    if _is_api(request):
        return await request_validation_exception_handler(request, error)
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', ())[1:])}: {e.get('msg', '')}"
        for e in error.errors()
    )
    return render(request, "error.html", {"title": "400", "message": problems}, 400)


async def _not_found(request: Request, error: Exception) -> Response:
    message = str(error)
    if _is_api(request):
        return JSONResponse({"detail": message}, status_code=404)
    return render(request, "error.html", {"title": "404", "message": message}, 404)


class HeadAsGet:
    """ASGI middleware: a HEAD request is answered as the GET of the same URL, status and
    headers (Content-Length included), without the body. Every GET route answers HEAD."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


def create_app(db: Path | str) -> FastAPI:
    """The web interface and JSON API over the archive at ``db`` (opened read-only)."""
    from wirecopy.web import api, pages

    app = FastAPI(
        title="wirecopy",
        version=__version__,
        description="Browse a wirecopy archive: articles with every copy, stories, entities, "
        "search, pages. Records have the export fields of DESIGN.md.",
        # Swagger UI and ReDoc load their scripts from a CDN: nothing here may need the
        # network, so only the schema itself is served (/openapi.json).
        docs_url=None,
        redoc_url=None,
    )
    app.state.db = Path(db)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(views.NotFoundError, _not_found)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.add_middleware(HeadAsGet)
    return app
