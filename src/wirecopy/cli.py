"""The `wirecopy` command: a thin shell over the library.

Each verb opens the archive, calls one library function, and renders the plain data it
gets back as a table for people or, with --json, as JSON for programs.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from wirecopy import __version__
from wirecopy.archive.db import Archive, ArchiveError
from wirecopy.archive.queries import find, stats
from wirecopy.build import BuildSummary, build
from wirecopy.config import DEFAULT_MAX_PAGE_BYTES, BuildConfig, format_size, parse_size
from wirecopy.export import FORMATS, KINDS, rows, write_csv, write_jsonl, write_parquet
from wirecopy.render import render_article, render_page, render_story

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_DB = "wirecopy.db"


def db_option(func: F) -> F:
    return click.option(
        "--db",
        "db",
        default=DEFAULT_DB,
        show_default=True,
        envvar="WIRECOPY_DB",
        type=click.Path(dir_okay=False, path_type=Path),
        help="The archive file (SQLite). Also read from $WIRECOPY_DB.",
    )(func)


def json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")(
        func
    )


def _open(db: Path) -> Archive:
    try:
        return Archive.open(db, readonly=True)
    except ArchiveError as error:
        raise click.ClickException(str(error)) from None


def _print_json(data: object) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="wirecopy")
def cli() -> None:
    """Turn piles of scraped news pages into a clean archive.

    Every article once, with every page that printed it, in one SQLite file.

    \b
    Start with:
      wirecopy build pages/          read a folder of pages into wirecopy.db
      wirecopy stats                 what the archive holds
      wirecopy export articles       one JSON line per article
      wirecopy show PAGE_OR_ARTICLE  one page or article in detail
    """


@cli.command("build")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@db_option
@json_option
@click.option(
    "--max-size",
    default=format_size(DEFAULT_MAX_PAGE_BYTES).replace(" ", ""),
    show_default=True,
    help="Reject a page (file, WARC record or JSONL line) larger than this.",
)
@click.option("--strict", is_flag=True, help="Exit with status 1 if any page was rejected.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary.")
def build_command(
    inputs: tuple[Path, ...], db: Path, as_json: bool, max_size: str, strict: bool, quiet: bool
) -> None:
    """Read pages from INPUTS (files and folders) into the archive.

    Folders are read recursively. wirecopy reads .txt, .html/.htm, .warc/.warc.gz and
    .jsonl/.jsonl.gz (one page per line: "text" or "html", optional "url",
    "published", "source"). A page that cannot be read is kept as rejected, with the
    reason; it never stops the build. Building the same inputs again changes nothing;
    new or changed files are added.

    \b
    Example:
      wirecopy build examples/news --db demo.db
      wirecopy build crawl.warc.gz feeds/ --db news.db --max-size 5MB
    """
    missing = [str(p) for p in inputs if not p.exists() and not p.is_symlink()]
    if missing:
        raise click.BadParameter(
            f"no such file or folder: {', '.join(missing)}", param_hint="INPUTS"
        )
    try:
        config = BuildConfig(max_page_bytes=parse_size(max_size))
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--max-size") from None
    err = Console(stderr=True)
    bar = RichProgress(err) if err.is_terminal and not quiet and not as_json else None
    try:
        with bar or _nullcontext():
            summary = build(list(inputs), db, config=config, progress=bar)
    except ArchiveError as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        _print_json(summary.to_dict())
    elif not quiet:
        _print_summary(summary, db)
    if strict and summary.pages_rejected:
        sys.exit(1)


class RichProgress:
    """A Rich progress bar over the bytes of the input files, on standard error."""

    def __init__(self, console: Console) -> None:
        self.bar = Progress(
            TextColumn("[bold]building"),
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
            TextColumn("{task.description}", style="dim"),
            console=console,
            transient=True,
        )
        self.task = self.bar.add_task("", total=None)

    def __enter__(self) -> RichProgress:
        self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()

    def start(self, total_bytes: int) -> None:
        self.bar.update(self.task, total=total_bytes)

    def advance(self, done_bytes: int, page_id: str) -> None:
        self.bar.update(self.task, completed=done_bytes, description=page_id[-40:])


class _nullcontext:  # noqa: N801 - mirrors contextlib.nullcontext, typed for RichProgress
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _print_summary(summary: BuildSummary, db: Path) -> None:
    out = Console()
    t = summary.totals
    table = Table(title=f"wirecopy build → {db}", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(justify="right")
    table.add_row("pages read", str(summary.pages_read))
    table.add_row(
        "  new / updated / unchanged",
        f"{summary.pages_new} / {summary.pages_updated} / {summary.pages_unchanged}",
    )
    table.add_row("  rejected", str(summary.pages_rejected))
    if summary.skipped:
        table.add_row("records skipped (not pages)", str(sum(summary.skipped.values())))
    table.add_row("archive: pages", f"{t['pages']} ({t['pages_rejected']} rejected)")
    table.add_row("archive: copies", str(t["copies"]))
    table.add_row("archive: articles", str(t["articles"]))
    table.add_row("archive: duplicate groups", str(t["duplicate_groups"]))
    table.add_row("archive: stories", str(t["stories"]))
    table.add_row("time", f"{summary.seconds:.2f} s")
    out.print(table)
    if summary.rejected:
        out.print(f"[bold red]Rejected ({len(summary.rejected)}):")
        for item in summary.rejected[:25]:
            out.print(
                f"  [bold]{escape(item['page'])}[/]: {escape(item['error'])}",
                highlight=False,
                soft_wrap=True,
            )
        if len(summary.rejected) > 25:
            out.print(
                f"  … and {len(summary.rejected) - 25} more: `wirecopy export pages` lists them all"
            )
    if summary.skipped:
        reasons = ", ".join(f"{n} {reason}" for reason, n in summary.skipped.items())
        out.print(f"[dim]Skipped records: {escape(reasons)}", highlight=False, soft_wrap=True)


@cli.command("export")
@click.argument("kind", type=click.Choice(KINDS))
@db_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    help="Output format. Default: from the -o file's extension, else jsonl.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
def export_command(kind: str, db: Path, fmt: str | None, output: Path | None) -> None:
    """Export articles, pages or stories: JSONL to standard output by default.

    \b
    Fields (see DESIGN.md):
      articles  id title caption date source text copies story entities
      pages     id uri site status error articles boilerplate
      stories   id title articles first_date last_date entities
    CSV writes lists and objects as JSON text in their cell.

    \b
    Example:
      wirecopy export articles --db demo.db | head -n 1
      wirecopy export pages --format csv -o pages.csv
      wirecopy export articles -o articles.parquet
    """
    fmt = fmt or _format_from_name(output)
    if fmt == "parquet" and output is None:
        raise click.UsageError("parquet is binary: give a file with -o FILE")
    with _open(db) as archive:
        records = rows(archive.conn, kind)
        if fmt == "parquet":
            assert output is not None
            write_parquet(records, str(output), kind)
            return
        with output.open("w", encoding="utf-8", newline="") if output else _stdout() as out:
            if fmt == "csv":
                write_csv(records, out, kind)
            else:
                write_jsonl(records, out)


def _format_from_name(output: Path | None) -> str:
    if output is not None:
        suffix = output.suffix.lower().lstrip(".")
        if suffix in FORMATS:
            return suffix
    return "jsonl"


class _stdout:  # noqa: N801 - a context manager that leaves standard output open
    def __enter__(self) -> Any:
        return sys.stdout

    def __exit__(self, *exc: object) -> None:
        sys.stdout.flush()


@cli.command("stats")
@db_option
@json_option
def stats_command(db: Path, as_json: bool) -> None:
    """Counts: pages by format, status and site; copies, articles, stories; recent builds.

    \b
    Example:
      wirecopy stats --db demo.db
      wirecopy stats --json | jq .totals
    """
    with _open(db) as archive:
        data = stats(archive.conn)
    if as_json:
        _print_json(data)
        return
    out = Console()
    totals = Table(title=f"{db}", show_header=False, title_justify="left")
    totals.add_column(style="bold")
    totals.add_column(justify="right")
    for key, value in data["totals"].items():
        totals.add_row(key.replace("_", " "), str(value))
    out.print(totals)
    for name in ("by_format", "by_status", "by_site"):
        table = Table(title=f"pages {name.replace('_', ' ')}", title_justify="left")
        table.add_column(name.split("_")[1])
        table.add_column("pages", justify="right")
        for key, value in data[name].items():
            table.add_row(key, str(value))
        out.print(table)
    if data["runs"]:
        runs = Table(title="recent builds", title_justify="left")
        for column in ("run", "started", "status", "seconds", "inputs"):
            runs.add_column(column)
        for run in data["runs"]:
            seconds = f"{run['seconds']:.2f}" if run["seconds"] is not None else "-"
            runs.add_row(
                str(run["id"]), run["started_at"], run["status"], seconds, " ".join(run["inputs"])
            )
        out.print(runs)


@cli.command("show")
@click.argument("ident", metavar="ID")
@db_option
@json_option
def show_command(ident: str, db: Path, as_json: bool) -> None:
    """Show one article, story or page by its id.

    An article with its copies; a story with its articles; a page block by block, with
    each block's label and the article it went to, and its boilerplate.

    \b
    Example:
      wirecopy show a-3f2c9e0d41b7 --db demo.db
      wirecopy show harbourledger.example/2026-03-04-bridge-vote.txt
      wirecopy show feeds/wire.jsonl#2 --json
    """
    with _open(db) as archive:
        found = find(archive.conn, ident)
    if found is None:
        raise click.ClickException(
            f"no article, story or page with id {ident!r} in {db} "
            "(ids are listed by `wirecopy export articles|stories|pages`)"
        )
    kind, data = found
    if as_json:
        _print_json({"kind": kind, **data})
        return
    render = {"article": render_article, "story": render_story, "page": render_page}[kind]
    render(Console(), data)


def main() -> None:
    cli(prog_name="wirecopy")
