"""Export articles, pages and stories as JSONL, CSV or Parquet, streaming.

The fields are the contract of DESIGN.md. Rows are read and written in batches, so an
export of a large archive never holds it in memory.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq

from wirecopy.archive.queries import Row, iter_articles, iter_pages, iter_stories

KINDS = ("articles", "pages", "stories")
FORMATS = ("jsonl", "csv", "parquet")

_ENTITY = pa.struct([("text", pa.string()), ("label", pa.string()), ("count", pa.int64())])
_COPY = pa.struct([("page", pa.string()), ("kind", pa.string()), ("similarity", pa.float64())])
SCHEMAS: dict[str, pa.Schema] = {
    "articles": pa.schema(
        [
            ("id", pa.string()),
            ("title", pa.string()),
            ("caption", pa.string()),
            ("date", pa.string()),
            ("source", pa.string()),
            ("text", pa.string()),
            ("copies", pa.list_(_COPY)),
            ("story", pa.string()),
            ("entities", pa.list_(_ENTITY)),
        ]
    ),
    "pages": pa.schema(
        [
            ("id", pa.string()),
            ("uri", pa.string()),
            ("site", pa.string()),
            ("status", pa.string()),
            ("error", pa.string()),
            ("articles", pa.list_(pa.string())),
            ("boilerplate", pa.list_(pa.string())),
        ]
    ),
    "stories": pa.schema(
        [
            ("id", pa.string()),
            ("title", pa.string()),
            ("articles", pa.list_(pa.string())),
            ("first_date", pa.string()),
            ("last_date", pa.string()),
            ("entities", pa.list_(_ENTITY)),
        ]
    ),
}
FIELDS: dict[str, list[str]] = {kind: schema.names for kind, schema in SCHEMAS.items()}
_ROWS: dict[str, Callable[[sqlite3.Connection], Iterator[Row]]] = {
    "articles": iter_articles,
    "pages": iter_pages,
    "stories": iter_stories,
}
_BATCH = 1000


def rows(conn: sqlite3.Connection, kind: str) -> Iterator[Row]:
    return _ROWS[kind](conn)


def write_jsonl(records: Iterator[Row], out: IO[str]) -> int:
    count = 0
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


def write_csv(records: Iterator[Row], out: IO[str], kind: str) -> int:
    """CSV with one column per field; lists and objects are written as JSON text."""
    writer = csv.writer(out)
    writer.writerow(FIELDS[kind])
    count = 0
    for record in records:
        writer.writerow([_cell(record[name]) for name in FIELDS[kind]])
        count += 1
    return count


def write_parquet(records: Iterator[Row], out: IO[bytes] | str, kind: str) -> int:
    schema = SCHEMAS[kind]
    count = 0
    with pq.ParquetWriter(out, schema) as writer:
        while batch := list(islice(records, _BATCH)):
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            count += len(batch)
    return count


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


@contextlib.contextmanager
def replacing(target: Path) -> Iterator[Path]:
    """A file beside ``target`` to write, put in its place only when the writing ends well.

    An export stopped half way (Ctrl+C, a full disk) would leave a shorter file every line of
    which reads well, the gzip and Parquet forms too: nothing downstream could tell. It
    leaves ``target`` as it was instead, and the new file takes the old one's permissions.
    A target that is a symbolic link (``/dev/stdout``, a link a user keeps) or not a regular
    file (a pipe, a device) is written through directly: it must never be replaced.
    """
    if target.is_symlink() or (target.exists() and not target.is_file()):
        yield target
        return
    part = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        yield part
        if target.exists():
            shutil.copymode(target, part)
        part.replace(target)
    finally:
        part.unlink(missing_ok=True)
