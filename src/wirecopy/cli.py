"""The `wirecopy` command: a thin shell over the library.

Each verb opens the archive, calls one library function, and renders the plain data it
gets back as a table for people or, with --json, as JSON for programs.
"""

from __future__ import annotations

import contextlib
import errno
import gzip
import io
import json
import os
import signal
import socket
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from wirecopy import __version__
from wirecopy.archive.db import Archive, ArchiveError, archive_files
from wirecopy.archive.queries import find, stats
from wirecopy.config import DEFAULT_MAX_PAGE_BYTES, BuildConfig, format_size, parse_size
from wirecopy.dedup import DedupError, DedupUsageError, dedup
from wirecopy.dedup.report import DedupBar, print_summary
from wirecopy.engines import ENGINES, EngineUnavailableError
from wirecopy.export import (
    FORMATS,
    KINDS,
    replacing,
    rows,
    write_csv,
    write_jsonl,
    write_parquet,
)
from wirecopy.render import console, render_article, render_page, render_story
from wirecopy.search import Hit, SearchError, search
from wirecopy.stages.profiles import load_profiles

if TYPE_CHECKING:
    from wirecopy.build import BuildSummary

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


@contextmanager
def _writing(name: str | None = None) -> Iterator[None]:
    """Output to ``name`` (standard output when None): a write that fails (a full disk, a
    file that cannot be written) ends in one line, and a pipe closed by the reader (``|
    head``) ends quietly."""
    try:
        yield
        if name is None:
            sys.stdout.flush()  # fail here, not at exit with a traceback
    except OSError as error:
        if isinstance(error, ConnectionError) and not isinstance(error, BrokenPipeError):
            raise  # a network peer (a Ray cluster), not the output: the caller says what
        if name is None:
            # What is still buffered for standard output can never be written: drop it, so
            # the interpreter's own flush at exit finds nothing to complain about.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        if isinstance(error, BrokenPipeError) or error.errno == errno.EPIPE:
            sys.exit(1)  # as Python's documentation advises for a closed pipe
        reason = error.strerror or str(error)
        where = "standard output" if name is None else name
        raise click.ClickException(f"cannot write {where}: {reason}") from None


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
      wirecopy search "some words"   full-text search, best match first
      wirecopy export stories        one JSON line per story
      wirecopy serve                 browse it all in a web browser
      wirecopy dedup corpus.jsonl    near-duplicate clusters of a JSONL corpus (no archive)
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
@click.option(
    "--profiles",
    "profiles_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Site profiles (JSON): lines each site prints that are boilerplate, names that are "
    "sources. Kept in the archive for later builds. See README, 'Site profiles'.",
)
@click.option(
    "--no-entities",
    is_flag=True,
    help="Skip entity extraction (people, organisations, places); stories use text and dates.",
)
def build_command(
    inputs: tuple[Path, ...],
    db: Path,
    as_json: bool,
    max_size: str,
    strict: bool,
    quiet: bool,
    profiles_path: Path | None,
    no_entities: bool,
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
      wirecopy build pages/ --profiles sites.json
    """
    missing = [str(p) for p in inputs if not p.exists() and not p.is_symlink()]
    if missing:
        raise click.BadParameter(
            f"no such file or folder: {', '.join(missing)}", param_hint="INPUTS"
        )
    try:
        config = BuildConfig(max_page_bytes=parse_size(max_size), entities=not no_entities)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--max-size") from None
    try:
        profiles = load_profiles(profiles_path) if profiles_path else None
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--profiles") from None
    # Imported here: the build pulls in scikit-learn and spaCy, which the reading verbs
    # (search, show, stats, export, serve) should not wait for.
    from wirecopy.build import build

    err = console(stderr=True)
    bar = RichProgress(err) if err.is_terminal and not quiet and not as_json else None
    try:
        with bar or _nullcontext():
            summary = build(
                list(inputs),
                db,
                config=config,
                progress=bar,
                profiles=profiles,
                on_wait=lambda: err.print(
                    f"Another build is writing to {escape(str(db))}: waiting for it to end."
                ),
            )
    except sqlite3.OperationalError as error:  # a full disk, a read-only file
        raise click.ClickException(
            f"cannot write to {db} ({error}); what was written before is kept and consistent: "
            "make room (or make it writable) and build again to go on"
        ) from None
    except ArchiveError as error:
        raise click.ClickException(str(error)) from None
    except KeyboardInterrupt as stop:
        # What was written is kept, each batch whole: the next build goes on from there.
        err.print(f"Interrupted. {escape(str(db))} is consistent; build again to go on.")
        sys.exit(143 if isinstance(stop, Terminated) else 130)  # 128 + the signal
    if summary.derived.get("entities") == "unavailable" and not quiet:
        err.print(f"[yellow]No entities:[/] {escape(str(summary.derived['entities_message']))}")
    if summary.pages_read == 0 and not quiet:
        what = "nothing but skipped files" if summary.skipped else "no file (an empty folder?)"
        err.print(f"[yellow]Nothing read:[/] the inputs hold {what}", highlight=False)
    with _writing():
        if as_json:
            _print_json(summary.to_dict())
        elif not quiet:
            _print_summary(summary, db)
    if strict and summary.pages_rejected:
        sys.exit(1)


class RichProgress:
    """A Rich progress bar on standard error: over the bytes of the input files while
    reading, then over the pages to segment."""

    def __init__(self, console: Console) -> None:
        self.bar = Progress(
            TextColumn("[bold]{task.fields[phase]}"),
            BarColumn(),
            TextColumn("{task.fields[amount]}"),
            TimeRemainingColumn(),
            TextColumn("{task.description}", style="dim"),
            console=console,
            transient=True,
        )
        self.task = self.bar.add_task("", total=None, phase="reading", amount="")
        self.total = 0

    def __enter__(self) -> RichProgress:
        self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()

    def start(self, total_bytes: int) -> None:
        self.total = total_bytes
        self.bar.update(self.task, total=total_bytes)

    def advance(self, done_bytes: int, page_id: str) -> None:
        amount = f"{format_size(done_bytes)} / {format_size(self.total)}"
        self.bar.update(
            self.task, completed=done_bytes, description=escape(page_id[-40:]), amount=amount
        )

    def segmenting(self, done: int, total: int, page_id: str) -> None:
        self.bar.update(
            self.task,
            total=total,
            completed=done,
            phase="segmenting",
            amount=f"{done} / {total} pages",
            description=escape(page_id[-40:]),
        )


class _nullcontext:  # noqa: N801 - mirrors contextlib.nullcontext, typed for RichProgress
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _print_summary(summary: BuildSummary, db: Path) -> None:
    out = console()
    t = summary.totals
    table = Table(title=escape(f"wirecopy build → {db}"), show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(justify="right")
    table.add_row("pages read", str(summary.pages_read))
    table.add_row(
        "  new / updated / unchanged",
        f"{summary.pages_new} / {summary.pages_updated} / {summary.pages_unchanged}",
    )
    table.add_row("  rejected", str(summary.pages_rejected))
    table.add_row("pages segmented", str(summary.pages_segmented))
    if summary.skipped:
        table.add_row("skipped (not pages)", str(sum(summary.skipped.values())))
    table.add_row("archive: pages", f"{t['pages']} ({t['pages_rejected']} rejected)")
    table.add_row("archive: copies", str(t["copies"]))
    table.add_row("archive: articles", str(t["articles"]))
    table.add_row("archive: duplicate groups", str(t["duplicate_groups"]))
    table.add_row("archive: stories", str(t["stories"]))
    if "entities" in t:
        table.add_row("archive: entities", str(t["entities"]))
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
        reasons = ", ".join(
            f"{n} {reason}s" if n > 1 and reason.endswith(" record") else f"{n} {reason}"
            for reason, n in summary.skipped.items()
        )
        out.print(f"[dim]Skipped: {escape(reasons)}", highlight=False, soft_wrap=True)


def _output_folder_exists(
    _ctx: click.Context, _param: click.Parameter, value: Path | None
) -> Path | None:
    """Refuse an -o file in a missing folder before any work, not after it."""
    if value is not None and not value.parent.is_dir():
        raise click.BadParameter(f"the folder {str(value.parent)!r} does not exist")
    return value


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
    callback=_output_folder_exists,
    help="Write to this file instead of standard output (- for standard output).",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="JSONL (one JSON object a line), as every verb's --json; same as --format jsonl.",
)
def export_command(
    kind: str, db: Path, fmt: str | None, output: Path | None, as_json: bool
) -> None:
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
      wirecopy export pages --json
      wirecopy export pages --format csv -o pages.csv
      wirecopy export articles -o articles.parquet
    """
    if output is not None and str(output) == "-":
        output = None  # as dedup's -o: a file named "-" is ./-
    if as_json and fmt not in (None, "jsonl"):
        raise click.UsageError(f"--json and --format {fmt} ask for two formats: give one")
    fmt = _output_format("jsonl" if as_json else fmt, output)
    if fmt == "parquet" and output is None:
        raise click.UsageError("parquet is binary: give a file with -o FILE")
    if output is not None and _archive_file(output, db):
        raise click.UsageError(
            f"the output file {output} is the archive's own file: writing the export would "
            "destroy the archive; choose another output file"
        )
    with (
        _open(db) as archive,
        _writing(None if output is None else str(output)),
        replacing(output) if output else _nullcontext() as part,
    ):
        records = rows(archive.conn, kind)
        if fmt == "parquet":
            write_parquet(records, str(part), kind)
            return
        with _text_output(part, output) as out:
            if fmt == "csv":
                write_csv(records, out, kind)
            else:
                write_jsonl(records, out)


def _archive_file(path: Path, db: Path) -> bool:
    """Is ``path`` the archive ``db`` or one of SQLite's files beside it (``-wal``, ...)?"""
    for own in archive_files(db):
        if path.resolve() == own.resolve():
            return True
        with contextlib.suppress(OSError):  # neither need exist
            if path.samefile(own):
                return True
    return False


# The formats file names announce; `.gz` after one of them (or alone) compresses the text.
_EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet"}


def _output_format(given: str | None, output: Path | None) -> str:
    """The format asked for, or the one the -o file's name announces (JSONL by default); a
    format the name contradicts, or a compressed Parquet file, is refused."""
    if output is None:
        return given or "jsonl"
    name = output.name.lower()
    compressed = name.endswith(".gz")
    named = _EXTENSIONS.get(Path(name.removesuffix(".gz")).suffix)
    if given is not None and named is not None and given != named:
        raise click.UsageError(
            f"--format {given} does not match the file name {output.name!r} ({named}): "
            "change one of them"
        )
    fmt = given or named or "jsonl"
    if compressed and fmt == "parquet":
        raise click.UsageError(f"{output.name!r}: Parquet compresses its own columns; drop the .gz")
    return fmt


def _text_output(part: Path | None, output: Path | None) -> Any:
    """Where text goes: standard output, or the file ``part`` that becomes the -o file
    (gzip when that ends in .gz)."""
    if part is None or output is None:
        return _stdout()
    if output.name.lower().endswith(".gz"):
        return _gzip_text(part, output.name[:-3])
    return part.open("w", encoding="utf-8", newline="")


@contextmanager
def _gzip_text(path: Path, name: str) -> Iterator[io.TextIOWrapper]:
    """Text into a gzip file whose header names ``name`` (what gunzip -N restores), not the
    part file it is written as."""
    with (
        path.open("wb") as raw,
        gzip.GzipFile(filename=name, mode="wb", fileobj=raw) as packed,
        io.TextIOWrapper(packed, encoding="utf-8", newline="") as text,
    ):
        yield text


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
    with _writing():
        _print_stats(data, db, as_json)


def _print_stats(data: dict[str, Any], db: Path, as_json: bool) -> None:
    if as_json:
        _print_json(data)
        return
    out = console()
    totals = Table(title=escape(str(db)), show_header=False, title_justify="left")
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
            table.add_row(escape(str(key)), str(value))
        out.print(table)
    if data["runs"]:
        runs = Table(title="recent builds", title_justify="left")
        for column in ("run", "started", "status", "seconds", "inputs"):
            runs.add_column(column)
        for run in data["runs"]:
            seconds = f"{run['seconds']:.2f}" if run["seconds"] is not None else "-"
            runs.add_row(
                str(run["id"]),
                escape(run["started_at"]),
                escape(run["status"]),
                seconds,
                escape(" ".join(run["inputs"])),
            )
        out.print(runs)


@cli.command("show")
@click.argument("ident", metavar="ID")
@db_option
@json_option
def show_command(ident: str, db: Path, as_json: bool) -> None:
    """Show one article, story or page by its id.

    An article with its copies; a story with its articles; a page block by block, with
    each block's label, the copy (and article) it went to, and why: the evidence that
    decided it, in short (--json gives all of it).

    \b
    Example:
      wirecopy show a-4edb6f0369d9 --db demo.db
      wirecopy show caldercourier.example/2026-03-02-river-calder-evacuations.txt
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
    with _writing():
        if as_json:
            _print_json({"kind": kind, **data})
            return
        render = {"article": render_article, "story": render_story, "page": render_page}[kind]
        render(console(), data)


@cli.command("search")
@click.argument("words", nargs=-1, required=True, metavar="QUERY...")
@db_option
@json_option
@click.option("--limit", "-n", default=20, show_default=True, help="At most this many hits.")
@click.option("--story", help="Only articles of this story (an id from `export stories`).")
@click.option("--entity", help='Only articles naming this entity, or a form of it ("Quist").')
@click.option("--source", help="Only articles from this source or site.")
@click.option("--since", help="Only articles dated on or after this day (YYYY[-MM[-DD]]).")
@click.option("--until", help="Only articles dated on or before this day (YYYY[-MM[-DD]]).")
def search_command(
    words: tuple[str, ...],
    db: Path,
    as_json: bool,
    limit: int,
    story: str | None,
    entity: str | None,
    source: str | None,
    since: str | None,
    until: str | None,
) -> None:
    """Full-text search over articles' titles and text, best match first (bm25).

    The query may be one argument or several (joined with spaces). Words are all
    required; "a phrase" keeps its words together; word* matches the start of words; a OR
    b takes either; NOT word or -word leaves it out (after --, when the query starts with
    a dash). Any other sign is read as text, never as syntax. Words of scripts written
    without spaces (Chinese, Japanese, Thai, ...) are found inside longer runs of text.
    With --json, matches are marked [like this]; no hit prints [].

    \b
    Example:
      wirecopy search saltgate bridge --db demo.db
      wirecopy search 'quist OR minister' --since 2026-03-05 --json
      wirecopy search flood --entity Dunmarrow -n 5
      wirecopy search --db demo.db -- -saltgate bridge
    """
    query = " ".join(words)
    marks = ("[", "]") if as_json else (_MARK_OPEN, _MARK_CLOSE)
    with _open(db) as archive:
        try:
            hits = search(
                archive.conn,
                query,
                limit=limit,
                story=story,
                entity=entity,
                source=source,
                since=since,
                until=until,
                marks=marks,
            )
        except SearchError as error:
            raise click.ClickException(str(error)) from None
    with _writing():
        _print_hits(hits, query, as_json)


def _print_hits(hits: list[Hit], query: str, as_json: bool) -> None:
    if as_json:
        _print_json([hit.to_dict() for hit in hits])
        return
    out = console()
    if not hits:
        out.print(f"no article matches {escape(repr(query))}", highlight=False)
        return
    plain = not out.is_terminal  # piped: matches marked [like this], as with --json
    for rank, hit in enumerate(hits, start=1):
        title = _marked(hit.title_marked or hit.title or "(no title)", plain)
        out.print(f"[bold]{rank}. {title}[/]", highlight=False, soft_wrap=True)
        facts = [hit.id, hit.date or "no date", hit.source or "", hit.story or ""]
        out.print("   [dim]" + escape("  ".join(f for f in facts if f)) + "[/]", highlight=False)
        out.print("   " + _marked(hit.snippet, plain), highlight=False, soft_wrap=True)


_MARK_OPEN, _MARK_CLOSE = "\x02", "\x03"


def _marked(text: str, plain: bool = False) -> str:
    """Escape text for Rich and show the matches (between the private marks) in bold, or
    between brackets when ``plain``."""
    parts: list[str] = []
    rest = text
    while _MARK_OPEN in rest:
        before, _, after = rest.partition(_MARK_OPEN)
        inside, _, rest = after.partition(_MARK_CLOSE)
        shown = escape(f"[{inside}]") if plain else "[bold yellow]" + escape(inside) + "[/]"
        parts.append(escape(before) + shown)
    parts.append(escape(rest.replace(_MARK_CLOSE, "")))
    return "".join(parts)


@cli.command("dedup")
@click.argument(
    "inputs",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path),
)
@click.option("--field", default="text", show_default=True, help="The field holding the text.")
@click.option(
    "--id-field",
    default="id",
    show_default=True,
    help="The field holding each record's id (a string or a number); without one a record "
    "is named FILE#LINE.",
)
@click.option(
    "--threshold",
    type=click.FloatRange(0, 1, min_open=True),
    default=0.8,
    show_default=True,
    help="Jaccard similarity of the word 5-gram sets from which two records are duplicates.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    help="Processes (local engine) or CPUs of the local Ray cluster. Default: every core. "
    "The local engine uses one process for input files under 64 MB in all.",
)
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default="local",
    show_default=True,
    help="local: this machine. ray: Ray tasks (pip install 'wirecopy[ray]'). ray-data: the "
    "same work on Ray Data's Dataset API. All give the same clusters.",
)
@click.option(
    "--ray-address",
    envvar="RAY_ADDRESS",
    metavar="ADDRESS",
    help="With --engine ray or ray-data: join this running Ray cluster (auto: the one "
    "`ray start` runs on this machine) instead of starting one for the run. "
    "Default: $RAY_ADDRESS.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    callback=_output_folder_exists,
    help="Write the clusters to this file instead of standard output (- for standard output); "
    "an input file is refused.",
)
@click.option("--strict", is_flag=True, help="Stop at the first bad record, with status 1.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option(
    "--quiet", "-q", is_flag=True, help="No progress bar, no summary and no problem messages."
)
def dedup_command(
    inputs: tuple[Path, ...],
    field: str,
    id_field: str,
    threshold: float,
    workers: int | None,
    engine: str,
    ray_address: str | None,
    output: Path | None,
    strict: bool,
    as_json: bool,
    quiet: bool,
) -> None:
    """Group near-duplicate records of JSONL corpora (one record a line).

    Reads JSONL (plain, gzip, bzip2, xz or zstd) and Parquet files (- for standard input)
    and writes one JSON line per input record, in input order: {"id", "cluster",
    "duplicate_of"}. Records
    whose word 5-gram sets have a Jaccard similarity of at least --threshold share a
    cluster (chains too), named by the id of the record it keeps: the earliest, then the
    longest. duplicate_of is null for that record. A bad record (broken JSON, no text,
    text that is not a string, empty) is named on standard error with its file and line,
    and still gets its output line, as a cluster of its own (the first 10 of each kind are
    named, the rest counted; with --json they are in the summary only). The summary goes
    to standard error when the clusters go to standard output. Exit status 1 when no
    record could be used (or none has --field), when an input could not be read whole
    (truncated, corrupt, not opened: what was read is still written), or with --strict at
    the first problem; SIGTERM stops like Ctrl+C.

    \b
    Example:
      wirecopy dedup corpus.jsonl.gz -o clusters.jsonl
      wirecopy dedup shards/*.parquet --field content --id-field url --threshold 0.9
      wirecopy dedup big.jsonl --engine ray --json -o clusters.jsonl
      wirecopy dedup big.jsonl --engine ray --ray-address auto -o clusters.jsonl
    """
    given = click.get_current_context().get_parameter_source("ray_address")
    if engine == "local" and given is click.core.ParameterSource.COMMANDLINE:
        raise click.UsageError("--ray-address is for --engine ray or ray-data, not local")
    if ray_address:  # Ray's own convention: the engine joins the cluster RAY_ADDRESS names
        os.environ["RAY_ADDRESS"] = ray_address
    err = console(stderr=True)
    bar = DedupBar(err) if err.is_terminal and not quiet else None
    where = None if output is None or str(output) == "-" else str(output)
    try:
        with bar or _nullcontext(), _writing(where):
            summary = dedup(
                inputs,
                field=field,
                id_field=id_field,
                threshold=threshold,
                workers=workers,
                output=output,
                strict=strict,
                progress=bar,
                engine=engine,
            )
    except DedupError as error:
        raise click.ClickException(f"{error} (stopped: --strict)") from None
    except DedupUsageError as error:
        raise click.ClickException(str(error)) from None
    except EngineUnavailableError as error:
        raise click.ClickException(str(error)) from None
    except ConnectionError as error:  # not a closed pipe: `_writing` ends those
        raise click.ClickException(
            f"cannot reach the Ray cluster ({error}); start one with `ray start --head`, "
            "or leave out --ray-address (and RAY_ADDRESS) for a cluster of this machine"
        ) from None
    if not quiet and not as_json:  # with --json the summary holds them
        for problem in summary.problems:
            click.echo(str(problem), err=True)
    report = sys.stderr if where is None else sys.stdout
    with _writing():
        if as_json:
            report.write(json.dumps(summary.to_dict(), indent=2, ensure_ascii=False) + "\n")
        elif not quiet:
            print_summary(summary, report)
    if summary.failed:
        # Every record was unusable: a pipeline should not carry on as if fine.
        seen = "above" if not quiet and not as_json else "in the summary" if as_json else None
        where_told = f" (see the problems {seen})" if seen else " (leave out -q to see why)"
        raise click.ClickException(f"no record could be used{where_told}")
    if summary.files_lost:
        # As `zcat` does: what could be read is written, and the status says input was lost.
        files = "1 input was" if summary.files_lost == 1 else f"{summary.files_lost} inputs were"
        raise click.ClickException(
            f"{files} not read whole (truncated, corrupt or unreadable); the output holds "
            "every record that was read"
        )


@cli.command("serve")
@db_option
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="The address to listen on. 0.0.0.0 opens the archive to the network (no login).",
)
@click.option(
    "--port", default=8080, show_default=True, type=click.IntRange(1, 65535), help="The port."
)
def serve_command(db: Path, host: str, port: int) -> None:
    """Browse the archive in a web browser, with a JSON API under /api/.

    Pages: the archive's counts and latest stories; stories, newest first; a story with
    its articles and entities; an article with its text, every page that printed it and
    how each copy differs; search with filters; an entity's articles and stories; pages,
    with the reasons rejected ones were refused. The API gives articles, pages and
    stories in the export fields, and search (described at /openapi.json). The archive is
    opened read-only: serving while a build writes to it is fine. Ctrl+C stops.

    \b
    Example:
      wirecopy serve --db demo.db
      (then open http://127.0.0.1:8080/)
      curl -s 'http://127.0.0.1:8080/api/search?q=flood'
      wirecopy serve --db news.db --host 0.0.0.0 --port 9000
    """
    from wirecopy.web import check_archive, create_app

    try:
        check_archive(db)
    except ArchiveError as error:
        raise click.ClickException(str(error)) from None
    import uvicorn

    # Bound before the address is announced, and handed to the server: a port in use is one
    # line, not a greeting followed by uvicorn's error.
    listening = _listen(host, port)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"Serving {db} at http://{shown}:{port}/ (API under /api/); Ctrl+C stops")
    config = uvicorn.Config(create_app(db), host=host, port=port, log_level="warning")
    with listening:
        uvicorn.Server(config).run(sockets=[listening])


def _listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host`` and ``port`` (as uvicorn binds it), or a one-line error."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
    except OSError as error:
        raise click.ClickException(f"cannot listen on {host}: {error.strerror or error}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise click.ClickException(
                f"port {port} on {host} is in use; pick another with --port"
            ) from None
        raise click.ClickException(
            f"cannot listen on {host} port {port}: {error.strerror or error}"
        ) from None
    return sock


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: the command stops as on Ctrl+C (files half written removed, a build's
    run marked interrupted), with status 143."""


def _terminate(signum: int, frame: object) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second SIGTERM ends it at once
    raise Terminated


def main() -> None:
    # Batch schedulers and `timeout` stop jobs with SIGTERM: clean up as on Ctrl+C.
    signal.signal(signal.SIGTERM, _terminate)
    try:
        status = cli(prog_name="wirecopy", standalone_mode=False)
    except click.exceptions.Abort as abort:  # Ctrl+C, or SIGTERM (click wraps both)
        if isinstance(abort.__cause__, Terminated):
            click.echo("Terminated.", err=True)
            sys.exit(143)  # 128 + SIGTERM, as a shell reports it
        click.echo("Aborted!", err=True)
        sys.exit(130)  # 128 + SIGINT
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    sys.exit(status if isinstance(status, int) else 0)
