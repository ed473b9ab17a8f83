"""The archive: one SQLite file in WAL mode, opened through :class:`Archive`.

All writes go through one connection, in explicit transactions, so a build killed at
any moment leaves the last committed batch and nothing half-written. Readers open their
own connection and see a consistent snapshot while a build writes (WAL).

A build writes in two phases, each batch in one transaction:

1. `write_pages`: pages as read, with the keys of their short lines added to the corpus
   counts (`wirecopy.archive.evidence`); the pages, and every page for which one of the
   batch's count changes crosses a threshold its segmentation asked about, are queued for
   segmentation (the others have the site marks their blocks show brought up to date).
2. `write_segments`: queued pages with their blocks and copies, the copies grouped into
   articles (`wirecopy.archive.articles.group_articles`), and the pages taken off the queue.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from wirecopy.archive import evidence
from wirecopy.archive.articles import group_articles
from wirecopy.archive.schema import MIGRATIONS, SCHEMA_VERSION
from wirecopy.records import Block, Copy, Page, PageResult
from wirecopy.stages.copies import PageEvidence
from wirecopy.stages.evidence import LineStats
from wirecopy.stages.profiles import Profiles
from wirecopy.stages.segment import Trace


class ArchiveError(Exception):
    """The archive cannot be opened or used; the message says why, for a person."""


@dataclass(frozen=True, slots=True)
class PageState:
    content_hash: str
    uri: str | None
    status: str
    reading: tuple[object, ...] = ()  # what the reader made of the bytes (`reading_of`)


# What a reader made of a page's bytes: the columns `reading_of` and `page_states` compare.
READING = ("site", "source", "text", "title", "published", "error", "meta")


def reading_of(page: Page) -> tuple[object, ...]:
    """What a reader made of a page's bytes, as the archive stores it (`READING`): the same
    bytes read by a newer wirecopy (a better extraction, a date no longer guessed) may
    differ."""
    meta = json.dumps(page.meta, sort_keys=True) if page.meta else None
    return (*(getattr(page, column) for column in READING[:-1]), meta)


def archive_files(db: Path | str) -> tuple[Path, ...]:
    """The archive's file and SQLite's files beside it: what no input or output may be."""
    path = Path(db)
    return (path, *(path.with_name(path.name + end) for end in ("-wal", "-shm", "-journal")))


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _connect(target: str) -> tuple[sqlite3.Connection, int, list[str]]:
    """A connection as the archive uses it, with the file's user_version and tables."""
    conn = sqlite3.connect(target, uri=target.startswith("file:"))
    try:
        conn.row_factory = sqlite3.Row
        # Transactions are explicit (BEGIN IMMEDIATE in `transaction`).
        conn.isolation_level = None
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.execute("PRAGMA foreign_keys = ON")
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master")]
    except BaseException:
        conn.close()
        raise
    return conn, version, tables


_ARCHIVE_TABLES = frozenset({"runs", "pages", "articles"})  # in every schema version


class Archive:
    """A wirecopy archive file."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path

    @classmethod
    def open(cls, path: Path | str, *, readonly: bool = False) -> Archive:
        path = Path(path)
        if readonly and not path.exists():
            raise ArchiveError(
                f"no archive at {path}: run `wirecopy build INPUT --db {path}` first"
            )
        try:
            if readonly:
                try:
                    conn, version, tables = _connect(f"{path.resolve().as_uri()}?mode=ro")
                except sqlite3.OperationalError:
                    if os.access(path.parent, os.W_OK):
                        raise
                    # A WAL archive closed cleanly in a folder this user cannot write: SQLite
                    # cannot make the shared-memory file a reader needs. No writer can be at
                    # work there either, so the file is read as it stands.
                    conn, version, tables = _connect(
                        f"{path.resolve().as_uri()}?mode=ro&immutable=1"
                    )
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                conn, version, tables = _connect(str(path))
        except sqlite3.OperationalError as error:  # permissions, a locked or missing folder
            where = "" if os.access(path.parent, os.W_OK) else " (its folder is not writable)"
            raise ArchiveError(f"cannot open {path}: {error}{where}") from None
        except sqlite3.DatabaseError as error:
            raise ArchiveError(f"{path} is not a wirecopy archive: {error}") from None
        # Every archive has a version and its tables: anything else with tables is another
        # program's database, refused before anything (WAL mode included) is written to it.
        if tables and (version == 0 or not set(tables) >= _ARCHIVE_TABLES):
            conn.close()
            raise ArchiveError(
                f"{path} is not a wirecopy archive: an SQLite database of other tables "
                f"({', '.join(sorted(tables)[:5])}); give another --db, or a new file to build one"
            )
        if readonly and not tables:
            conn.close()
            raise ArchiveError(
                f"{path} is empty, not yet an archive: run `wirecopy build INPUT --db {path}` first"
            )
        if not readonly:
            try:
                conn.execute("PRAGMA journal_mode = WAL")
                # NORMAL is safe in WAL mode: a crash loses at most the last commit, never
                # consistency.
                conn.execute("PRAGMA synchronous = NORMAL")
            except sqlite3.DatabaseError as error:
                conn.close()
                raise ArchiveError(f"{path} cannot be opened for writing: {error}") from None
        archive = cls(conn, path)
        if version > SCHEMA_VERSION:
            conn.close()
            raise ArchiveError(
                f"{path} has schema version {version}, newer than this wirecopy "
                f"understands ({SCHEMA_VERSION}): upgrade wirecopy"
            )
        if version < SCHEMA_VERSION:
            if readonly:
                conn.close()
                raise ArchiveError(
                    f"{path} has an older schema (version {version}): run `wirecopy build` "
                    "once to upgrade it"
                )
            archive._migrate(version)
        return archive

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def building(self, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
        """Hold the archive for one build: a second build of it waits until this one ends
        (``on_wait`` is told first). Two at once would each mark the other's run as
        interrupted, segment the same queued pages, and name each other's new stories as
        taken (ids ending ``-2``). The lock is ``flock`` on the archive file, apart from
        SQLite's own locks, so readers are never held up; the system drops it when the
        process ends, however it ends. Where there is no ``flock`` (Windows) builds are
        not held apart."""
        try:
            import fcntl
        except ImportError:  # not on this platform
            yield
            return
        with self.path.open("rb") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if on_wait is not None:
                    on_wait()
                fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def __enter__(self) -> Archive:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _migrate(self, version: int) -> None:
        for number in range(version, SCHEMA_VERSION):
            with self.transaction():
                # Asked again under the write lock: another build opening the archive at the
                # same time may have made this step already.
                if self.conn.execute("PRAGMA user_version").fetchone()[0] > number:
                    continue
                for statement in _statements(MIGRATIONS[number]):
                    self.conn.execute(statement)
                self.conn.execute(f"PRAGMA user_version = {number + 1}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # Runs ------------------------------------------------------------------------

    def start_run(self, inputs: Sequence[str], options: Mapping[str, object], version: str) -> int:
        with self.transaction() as conn:
            # A run still marked running was killed: say so, its committed work stays.
            conn.execute("UPDATE runs SET status = 'interrupted' WHERE status = 'running'")
            cursor = conn.execute(
                "INSERT INTO runs (started_at, status, version, inputs, options) "
                "VALUES (?, 'running', ?, ?, ?)",
                (now(), version, json.dumps(list(inputs)), json.dumps(options, sort_keys=True)),
            )
            return int(cursor.lastrowid or 0)

    def finish_run(
        self, run_id: int, counts: dict[str, object], seconds: float, status: str
    ) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE runs SET finished_at = ?, status = ?, counts = ?, seconds = ? WHERE id = ?",
                (now(), status, json.dumps(counts, sort_keys=True), seconds, run_id),
            )

    # Pages -----------------------------------------------------------------------

    def page_states(self, ids: Iterable[str]) -> dict[str, PageState]:
        states: dict[str, PageState] = {}
        id_list = list(ids)
        for start in range(0, len(id_list), 500):
            chunk = id_list[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.conn.execute(
                f"SELECT id, content_hash, uri, status, {', '.join(READING)} FROM pages "
                f"WHERE id IN ({marks})",
                chunk,
            ):
                reading = tuple(row[column] for column in READING)
                states[row["id"]] = PageState(
                    row["content_hash"], row["uri"], row["status"], reading
                )
        return states

    def write_pages(self, pages: Sequence[tuple[Page, PageEvidence | None]], run_id: int) -> None:
        """Phase 1: write a batch of pages as read, with their line evidence, in one
        transaction. A page replaced loses its blocks and copies and takes its old keys out
        of the counts; every accepted page is queued for segmentation, and so is every page
        whose decision inputs the batch changed (a count crossing a threshold)."""
        with self.transaction() as conn:
            next_seq = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM pages").fetchone()[0]
            touched: set[str] = set()
            deltas = evidence.Deltas()
            for page, keys in pages:
                evidence.uncount(conn, page.id, deltas)
                seq = self._replace_page(conn, page, run_id, next_seq, touched)
                next_seq = max(next_seq, seq + 1)
                if keys is not None:
                    evidence.count(conn, page.id, keys, deltas)
                    self._queue(conn, page.id)
            evidence.apply(conn, deltas)
            group_articles(conn, run_id, touched)

    def count_pages(self, pages: Sequence[tuple[Page, PageEvidence | None]]) -> None:
        """Add pages already in the archive but never counted (archives built before
        segmentation) to the counts, in one transaction, and queue them."""
        with self.transaction() as conn:
            deltas = evidence.Deltas()
            for page, keys in pages:
                if keys is not None:
                    evidence.count(conn, page.id, keys, deltas)
                    self._queue(conn, page.id)
            evidence.apply(conn, deltas)

    def uncounted_pages(self, limit: int) -> list[Page]:
        return evidence.load_pages(self.conn, evidence.uncounted(self.conn, limit))

    def queued_pages(self, limit: int) -> tuple[list[Page], LineStats]:
        """Up to ``limit`` pages waiting for segmentation (in id order), with the counts of
        every key they look up."""
        ids = evidence.queued(self.conn, limit)
        return evidence.load_pages(self.conn, ids), evidence.load_stats(self.conn, ids)

    def queue_size(self) -> int:
        return evidence.queue_size(self.conn)

    def profiles(self) -> Profiles:
        return evidence.load_profiles(self.conn)

    def set_profiles(self, profiles: Mapping[str, Mapping[str, list[str]]]) -> int:
        """Store site profiles; queue the pages of every site whose profile changed."""
        with self.transaction() as conn:
            return evidence.set_profiles(conn, profiles)

    def write_segments(
        self,
        results: Sequence[PageResult],
        run_id: int,
        traces: Sequence[Trace] | None = None,
    ) -> None:
        """Phase 2: write segmented pages' blocks and copies in one transaction, replacing
        what they had, and take them off the queue. ``traces`` (one per result, from
        `wirecopy.stages.segment.segment_traced`) say what each page's segmentation asked of
        the counts, so it is segmented again only when an answer changes; without them a
        page is segmented again whenever one of its counts crosses a threshold.

        A page segmented again into the very copies it had (a count crossed a threshold,
        its copies did not change) keeps its copies, and with them their articles and match
        state; only its blocks (whose labels or evidence may have changed) are written again.
        """
        with self.transaction() as conn:
            touched: set[str] = set()
            for n, result in enumerate(results):
                page_id = result.page.id
                trace = traces[n] if traces is not None else None
                conn.execute("DELETE FROM blocks WHERE page_id = ?", (page_id,))
                self._insert_blocks(conn, result.blocks, trace)
                evidence.record_asked(conn, page_id, trace.asked if trace else None)
                conn.execute("DELETE FROM segment_queue WHERE page_id = ?", (page_id,))
                if _copy_rows(conn, page_id) == [_copy_row(c) for c in result.copies]:
                    continue
                _drop_copies(conn, page_id, touched)
                for copy in result.copies:
                    touched.add(self._assign_article(conn, copy, run_id))
            group_articles(conn, run_id, touched)

    @staticmethod
    def _queue(conn: sqlite3.Connection, page_id: str) -> None:
        conn.execute("INSERT OR IGNORE INTO segment_queue (page_id) VALUES (?)", (page_id,))

    def _replace_page(
        self, conn: sqlite3.Connection, page: Page, run_id: int, next_seq: int, touched: set[str]
    ) -> int:
        old = conn.execute("SELECT seq FROM pages WHERE id = ?", (page.id,)).fetchone()
        seq = int(old["seq"]) if old else next_seq
        if old:
            _drop_copies(conn, page.id, touched)
            conn.execute("DELETE FROM blocks WHERE page_id = ?", (page.id,))
            conn.execute("DELETE FROM pages WHERE id = ?", (page.id,))
        conn.execute(
            "INSERT INTO pages (id, uri, site, source, format, content_hash, size, raw, "
            "encoding, text, title, published, fetched, status, error, meta, run_id, seq) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                page.id,
                page.uri,
                page.site,
                page.source,
                page.format,
                page.content_hash,
                len(page.raw),
                page.raw,
                page.encoding,
                page.text,
                page.title,
                page.published,
                page.fetched,
                page.status,
                page.error,
                json.dumps(page.meta, sort_keys=True) if page.meta else None,
                run_id,
                seq,
            ),
        )
        return seq

    def _insert_blocks(
        self, conn: sqlite3.Connection, blocks: Sequence[Block], trace: Trace | None
    ) -> None:
        """Blocks with the keys of their line (`Trace.block_keys`; NULL when not known)."""
        keys = trace.block_keys if trace else [(None, None)] * len(blocks)
        conn.executemany(
            'INSERT INTO blocks (page_id, seq, start, "end", text, label, copy_seq, evidence, '
            "line_key, head_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    b.page_id,
                    b.seq,
                    b.start,
                    b.end,
                    b.text,
                    b.label,
                    b.copy_seq,
                    json.dumps(b.evidence, sort_keys=True) if b.evidence else None,
                    evidence.to_int(line) if line else None,
                    evidence.to_int(head) if head else None,
                )
                for b, (line, head) in zip(blocks, keys, strict=True)
            ],
        )

    def _assign_article(self, conn: sqlite3.Connection, copy: Copy, run_id: int) -> str:
        """Write a copy and the article it belongs to; returns the article id.

        The article is provisional (one per normalised text): `group_articles`, called
        before the transaction ends, places the copy among exact, near-duplicate and
        partial copies and removes the provisional article if it is left empty.
        """
        article_id = "a-" + copy.text_hash[:12]
        conn.execute(
            "INSERT OR IGNORE INTO articles (id, text, text_hash, run_id) VALUES (?, ?, ?, ?)",
            (article_id, copy.text, copy.text_hash, run_id),
        )
        conn.execute(
            "INSERT INTO copies (page_id, seq, article_id, kind, similarity, title, caption, "
            'date, source, text, text_hash, start, "end") '
            "VALUES (?, ?, ?, ?, 1.0, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                copy.page_id,
                copy.seq,
                article_id,
                copy.kind,
                copy.title,
                copy.caption,
                copy.date,
                copy.source,
                copy.text,
                copy.text_hash,
                copy.start,
                copy.end,
            ),
        )
        return article_id


_COPY_COLUMNS = 'seq, text, text_hash, title, caption, date, source, start, "end"'


def _copy_row(copy: Copy) -> tuple[object, ...]:
    """A copy as segmentation makes it (the columns `_COPY_COLUMNS` name)."""
    return (
        copy.seq,
        copy.text,
        copy.text_hash,
        copy.title,
        copy.caption,
        copy.date,
        copy.source,
        copy.start,
        copy.end,
    )


def _drop_copies(conn: sqlite3.Connection, page_id: str, touched: set[str]) -> None:
    """Delete a page's copies, adding the articles they were in to `touched`."""
    touched.update(
        row[0]
        for row in conn.execute("SELECT article_id FROM copies WHERE page_id = ?", (page_id,))
    )
    conn.execute("DELETE FROM copies WHERE page_id = ?", (page_id,))


def _copy_rows(conn: sqlite3.Connection, page_id: str) -> list[tuple[object, ...]]:
    return [
        tuple(row)
        for row in conn.execute(
            f"SELECT {_COPY_COLUMNS} FROM copies WHERE page_id = ? ORDER BY seq", (page_id,)
        )
    ]


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (triggers contain semicolons)."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip():
        statements.append(current.strip())
    return [s for s in statements if s]
