"""The archive: one SQLite file in WAL mode, opened through :class:`Archive`.

All writes go through one connection, in explicit transactions, so a build killed at
any moment leaves the last committed batch and nothing half-written. Readers open their
own connection and see a consistent snapshot while a build writes (WAL).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from wirecopy.archive.schema import MIGRATIONS, SCHEMA_VERSION
from wirecopy.records import Block, Copy, Page, PageResult


class ArchiveError(Exception):
    """The archive cannot be opened or used; the message says why, for a person."""


@dataclass(frozen=True, slots=True)
class PageState:
    content_hash: str
    uri: str | None
    status: str


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


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
                conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(path)
            conn.row_factory = sqlite3.Row
            # Transactions are explicit (BEGIN IMMEDIATE in `transaction`).
            conn.isolation_level = None
            conn.execute("PRAGMA busy_timeout = 30000")
            conn.execute("PRAGMA foreign_keys = ON")
            if not readonly:
                conn.execute("PRAGMA journal_mode = WAL")
                # NORMAL is safe in WAL mode: a crash loses at most the last commit,
                # never consistency.
                conn.execute("PRAGMA synchronous = NORMAL")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as error:
            raise ArchiveError(f"{path} is not a wirecopy archive: {error}") from None
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
                f"SELECT id, content_hash, uri, status FROM pages WHERE id IN ({marks})", chunk
            ):
                states[row["id"]] = PageState(row["content_hash"], row["uri"], row["status"])
        return states

    def write(self, results: Sequence[PageResult], run_id: int) -> None:
        """Write a batch of pages with their blocks and copies, in one transaction."""
        with self.transaction() as conn:
            next_seq = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM pages").fetchone()[0]
            touched: set[str] = set()
            for result in results:
                seq = self._replace_page(conn, result.page, run_id, next_seq, touched)
                next_seq = max(next_seq, seq + 1)
                self._insert_blocks(conn, result.blocks)
                for copy in result.copies:
                    touched.add(self._insert_copy(conn, copy, run_id))
            self._refresh_articles(conn, touched)

    def _replace_page(
        self, conn: sqlite3.Connection, page: Page, run_id: int, next_seq: int, touched: set[str]
    ) -> int:
        old = conn.execute("SELECT seq FROM pages WHERE id = ?", (page.id,)).fetchone()
        seq = int(old["seq"]) if old else next_seq
        if old:
            touched.update(
                row[0]
                for row in conn.execute(
                    "SELECT article_id FROM copies WHERE page_id = ?", (page.id,)
                )
            )
            conn.execute("DELETE FROM copies WHERE page_id = ?", (page.id,))
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

    def _insert_blocks(self, conn: sqlite3.Connection, blocks: Sequence[Block]) -> None:
        conn.executemany(
            'INSERT INTO blocks (page_id, seq, start, "end", text, label, copy_seq, evidence) '
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
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
                )
                for b in blocks
            ],
        )

    def _insert_copy(self, conn: sqlite3.Connection, copy: Copy, run_id: int) -> str:
        # Until near-duplicate grouping lands, exact copies (equal normalised text)
        # share an article, and its id derives from that text.
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

    def _refresh_articles(self, conn: sqlite3.Connection, article_ids: Iterable[str]) -> None:
        """Delete articles left with no copy; re-pick the others' canonical copy.

        The canonical copy is the one with the smallest (page id, seq): a rule that does
        not depend on the order pages were built in.
        """
        for article_id in sorted(article_ids):
            best = conn.execute(
                "SELECT c.page_id, c.seq, c.text, c.title, c.caption, c.date, c.source, "
                "p.source AS page_source "
                "FROM copies c JOIN pages p ON p.id = c.page_id "
                "WHERE c.article_id = ? ORDER BY c.page_id, c.seq LIMIT 1",
                (article_id,),
            ).fetchone()
            if best is None:
                conn.execute("DELETE FROM articles WHERE id = ?", (article_id,))
                continue
            conn.execute(
                "UPDATE articles SET text = ?, title = ?, caption = ?, date = ?, source = ?, "
                "canonical_page = ?, canonical_seq = ? WHERE id = ?",
                (
                    best["text"],
                    best["title"],
                    best["caption"],
                    best["date"],
                    best["source"] or best["page_source"],
                    best["page_id"],
                    best["seq"],
                    article_id,
                ),
            )


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
