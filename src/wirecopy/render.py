"""Terminal rendering of the records `wirecopy show` prints (Rich, escaped).

Every value from the archive is escaped before it goes into Rich markup, and consoles never
turn ``:name:`` into an emoji: an article's text is printed as it is (`console`)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from wirecopy.diff import render_variants

Row = dict[str, Any]
STORY_ENTITIES = 15  # the most mentioned entities `show` prints for a story
_LABEL_STYLE = {
    "body": "green",
    "subhead": "green",
    "title": "bold cyan",
    "caption": "cyan",
    "dateline": "cyan",
    "source": "cyan",
    "echo": "dim",
    "boilerplate": "dim",
}


def console(*, stderr: bool = False) -> Console:
    """A Rich console for wirecopy's output: no emoji codes (``:smile:`` in an article stays
    text)."""
    return Console(stderr=stderr, emoji=False)


def render_article(out: Console, art: Row) -> None:
    out.print(f"[bold]article {escape(art['id'])}[/]  {escape(art['title'] or '(no title)')}")
    for key in ("date", "source", "story", "caption"):
        if art.get(key):
            out.print(f"  [dim]{key}:[/] {escape(str(art[key]))}")
    table = Table(title=f"{len(art['copies'])} copies", title_justify="left")
    for column in ("page", "site", "kind", "similarity", "match"):
        # Ids are folded onto more lines, never cut: they are what `show` takes next.
        table.add_column(column, overflow="fold")
    for copy in art["copies"]:
        table.add_row(
            escape(copy["page"]),
            escape(copy["site"] or "-"),
            escape(copy["kind"]),
            f"{copy['similarity']:.3f}",
            escape(copy.get("match", "-")),
        )
    out.print(table)
    if art["entities"]:
        names = ", ".join(f"{e['text']} ({e['label']}, {e['count']})" for e in art["entities"])
        out.print(f"[dim]entities:[/] {escape(names)}")
    out.print()
    out.print(escape(art["text"]), soft_wrap=False)
    if len(art["copies"]) > 1:
        out.print()
        out.print("[bold]variants[/] [dim](each copy, word by word against the text above)[/]")
        render_variants(out, art)


def date_span(first: str | None, last: str | None) -> str:
    """A story's dates as a reader says them: ``2024-05-17 … 2024-05-20``, one day once,
    ``undated`` when none of its articles has a date."""
    if not first and not last:
        return "undated"
    if first == last or not last:
        return str(first)
    return f"{first or '?'} … {last}"


def render_story(out: Console, story: Row) -> None:
    out.print(f"[bold]story {escape(story['id'])}[/]  {escape(story['title'] or '')}")
    dates = date_span(story["first_date"], story["last_date"])
    out.print(f"  [dim]dates:[/] {escape(dates)}")
    rows = story.get("article_rows") or [{"id": a} for a in story["articles"]]
    table = Table(title=f"{len(rows)} articles", title_justify="left")
    for column in ("article", "date", "source", "copies", "title"):
        table.add_column(column, overflow="fold")
    for art in rows:
        table.add_row(
            escape(art["id"]),
            escape(art.get("date") or "-"),
            escape(art.get("source") or "-"),
            str(art.get("copies", "-")),
            escape(art.get("title") or "(no title)"),
        )
    out.print(table)
    if story["entities"]:
        top = story["entities"][:STORY_ENTITIES]
        names = ", ".join(f"{e['text']} ({e['label']}, {e['count']})" for e in top)
        more = len(story["entities"]) - len(top)
        out.print(
            f"[dim]entities:[/] {escape(names)}" + (f" [dim]… {more} more[/]" if more else "")
        )


def render_page(out: Console, page: Row) -> None:
    out.print(
        f"[bold]page {escape(page['id'])}[/]  "
        f"[{_status_style(page['status'])}]{escape(page['status'])}"
    )
    for key in ("uri", "site", "source", "format", "encoding", "title", "published", "fetched"):
        if page.get(key):
            out.print(f"  [dim]{key}:[/] {escape(str(page[key]))}")
    if page["error"]:
        out.print(f"  [bold red]error:[/] {escape(page['error'])}")
    for copy in page["articles"]:
        title = f"  {escape(copy['title'])}" if copy["title"] else ""
        kind = escape(copy["kind"])
        out.print(f"  [dim]copy {copy['seq']}:[/] {escape(copy['id'])} ({kind}){title}")
    if page["status"] == "ok" and not page.get("segmented", True):
        out.print("  [yellow]waiting for segmentation: run `wirecopy build` again to finish")
    if not page["blocks"]:
        return
    table = Table(title="blocks", title_justify="left", show_lines=False)
    table.add_column("#", justify="right")
    table.add_column("label")
    table.add_column("copy", justify="right")
    table.add_column("text", overflow="fold", ratio=3)
    table.add_column("why", overflow="fold", ratio=2, style="dim")
    for block in page["blocks"]:
        style = _LABEL_STYLE.get(block["label"], "")
        text = block["text"] if len(block["text"]) <= 120 else block["text"][:117] + "…"
        table.add_row(
            str(block["seq"]),
            f"[{style}]{escape(block['label'])}[/]" if style else escape(block["label"]),
            "-" if block["copy"] is None else str(block["copy"]),
            escape(text),
            escape(block.get("why") or ""),
        )
    out.print(table)


def _status_style(status: str) -> str:
    return "green" if status == "ok" else "bold red"
