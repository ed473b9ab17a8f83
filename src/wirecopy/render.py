"""Terminal rendering of the records `wirecopy show` prints (Rich, escaped)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

Row = dict[str, Any]
_LABEL_STYLE = {"body": "green", "title": "bold cyan", "caption": "cyan", "boilerplate": "dim"}


def render_article(out: Console, art: Row) -> None:
    out.print(f"[bold]article {escape(art['id'])}[/]  {escape(art['title'] or '(no title)')}")
    for key in ("date", "source", "story", "caption"):
        if art.get(key):
            out.print(f"  [dim]{key}:[/] {escape(str(art[key]))}")
    table = Table(title=f"{len(art['copies'])} copies", title_justify="left")
    for column in ("page", "site", "kind", "similarity"):
        table.add_column(column)
    for copy in art["copies"]:
        table.add_row(
            escape(copy["page"]),
            escape(copy["site"] or "-"),
            copy["kind"],
            f"{copy['similarity']:.3f}",
        )
    out.print(table)
    if art["entities"]:
        names = ", ".join(f"{e['text']} ({e['label']}, {e['count']})" for e in art["entities"])
        out.print(f"[dim]entities:[/] {escape(names)}")
    out.print()
    out.print(escape(art["text"]), soft_wrap=False)


def render_story(out: Console, story: Row) -> None:
    out.print(f"[bold]story {escape(story['id'])}[/]  {escape(story['title'] or '')}")
    out.print(f"  [dim]dates:[/] {story['first_date'] or '?'} … {story['last_date'] or '?'}")
    for article_id in story["articles"]:
        out.print(f"  • {escape(article_id)}")


def render_page(out: Console, page: Row) -> None:
    out.print(
        f"[bold]page {escape(page['id'])}[/]  [{_status_style(page['status'])}]{page['status']}"
    )
    for key in ("uri", "site", "source", "format", "encoding", "title", "published", "fetched"):
        if page.get(key):
            out.print(f"  [dim]{key}:[/] {escape(str(page[key]))}")
    if page["error"]:
        out.print(f"  [bold red]error:[/] {escape(page['error'])}")
    if page["articles"]:
        out.print("  [dim]articles:[/] " + ", ".join(escape(a["id"]) for a in page["articles"]))
    if not page["blocks"]:
        return
    table = Table(title="blocks", title_justify="left", show_lines=False)
    table.add_column("#", justify="right")
    table.add_column("label")
    table.add_column("article")
    table.add_column("text", overflow="fold")
    for block in page["blocks"]:
        style = _LABEL_STYLE.get(block["label"], "")
        text = block["text"] if len(block["text"]) <= 160 else block["text"][:157] + "…"
        table.add_row(
            str(block["seq"]),
            f"[{style}]{block['label']}[/]" if style else block["label"],
            escape(block["article"] or "-"),
            escape(text),
        )
    out.print(table)


def _status_style(status: str) -> str:
    return "green" if status == "ok" else "bold red"
