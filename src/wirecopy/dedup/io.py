"""Streaming input (JSONL, JSONL.gz, Parquet) and output of `wirecopy dedup`.

Files are read as streams and cut into units of at most `size` records, never holding a file
in memory. A JSONL unit is raw lines (`RawLines`): parsing them is left to whoever signs them,
so that worker processes share that work too. Trouble with a whole file (unreadable, a gzip
stream that ends early) comes as a bare `Problem`. The format is told by the first bytes, not
by the name: gzip magic means gzip-compressed JSONL, ``PAR1`` means Parquet, anything else is
JSONL. The path ``-`` reads standard input.
"""

from __future__ import annotations

import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TextIO

from wirecopy.dedup.parse import InputRecord, Problem, make_record, parse_lines

_CHUNK = 1 << 20


class _Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


class _Rejoined:
    """A stream whose first bytes were read to tell its format, with them put back."""

    def __init__(self, head: bytes, rest: _Readable) -> None:
        self._head, self._rest = head, rest

    def read(self, size: int, /) -> bytes:
        if not self._head:
            return self._rest.read(size)
        head, self._head = self._head, b""
        return head + self._rest.read(max(size - len(head), 0))


class Position:
    """Raw bytes consumed from the current file, for progress reports."""

    def __init__(self) -> None:
        self.consumed = 0


@dataclass(frozen=True, slots=True)
class RawLines:
    """Consecutive lines of a JSONL file, numbered from `first`, not parsed yet."""

    source: str
    first: int
    lines: list[bytes]


Unit = RawLines | list[InputRecord]


def unit_records(unit: Unit, field: str = "text", id_field: str = "id") -> list[InputRecord]:
    """The records of a unit (parsing raw lines)."""
    if isinstance(unit, RawLines):
        return parse_lines(unit.source, unit.first, unit.lines, field, id_field)
    return unit


def unit_size(unit: Unit) -> int:
    """How many records `unit_records` will make of a unit (blank lines make none)."""
    if isinstance(unit, RawLines):
        return sum(1 for raw in unit.lines if raw and not raw.isspace())
    return len(unit)


def _plain_chunks(f: _Readable, pos: Position) -> Iterator[bytes]:
    while chunk := f.read(_CHUNK):
        pos.consumed += len(chunk)
        yield chunk


class _GzipState:
    """How a gzip stream ended: None if well, else the problem kind and its detail."""

    def __init__(self) -> None:
        self.failure: tuple[str, str] | None = None


def _gzip_chunks(f: _Readable, pos: Position, state: _GzipState) -> Iterator[bytes]:
    """Decompress gzip members one after another; a damaged stream ends early, in `state`.

    (Raising instead would lose the lines that readers further down have taken but not yet
    handed on.)
    """
    d = zlib.decompressobj(wbits=31)
    fresh = True  # no input given to `d` yet: the file may end here
    try:
        while raw := f.read(_CHUNK):
            pos.consumed += len(raw)
            while raw:
                fresh = False
                yield d.decompress(raw, 8 * _CHUNK)  # bounded, whatever the compression ratio
                if d.eof:
                    raw = d.unused_data
                    d, fresh = zlib.decompressobj(wbits=31), True
                else:
                    raw = d.unconsumed_tail
        if not fresh:
            yield d.flush()
            if not d.eof:
                state.failure = ("truncated", "")
    except zlib.error as err:
        state.failure = ("corrupt", str(err))


def _line_units(chunks: Iterator[bytes], source: str, size: int) -> Iterator[RawLines]:
    """Cut a byte stream into units of `size` lines (the last may be shorter)."""
    tail = b""
    pending: list[bytes] = []
    first = 1
    for chunk in chunks:
        lines = (tail + chunk).split(b"\n")
        tail = lines.pop()
        if first == 1 and not pending and lines and lines[0].startswith(b"\xef\xbb\xbf"):
            lines[0] = lines[0][3:]  # a byte-order mark
        pending += lines
        while len(pending) >= size:
            yield RawLines(source, first, pending[:size])
            pending, first = pending[size:], first + size
    if tail:
        if first == 1 and not pending and tail.startswith(b"\xef\xbb\xbf"):
            tail = tail[3:]
        pending.append(tail)
    if pending:
        yield RawLines(source, first, pending)


def _stream_units(
    f: _Readable, source: str, size: int, pos: Position
) -> Iterator[RawLines | Problem]:
    head = f.read(2)
    stream = _Rejoined(head, f)
    if head != b"\x1f\x8b":
        yield from _line_units(_plain_chunks(stream, pos), source, size)
        return
    state = _GzipState()
    last = 0
    for unit in _line_units(_gzip_chunks(stream, pos, state), source, size):
        last = unit.first + len(unit.lines) - 1
        yield unit
    if state.failure is not None:
        kind, detail = state.failure
        if kind == "truncated":
            msg = f"gzip stream ends early after line {last} (truncated file?); the rest is lost"
        else:
            msg = f"corrupt gzip data after line {last} ({detail}); the rest is lost"
        yield Problem(source, last, kind, msg)


def _parquet_units(
    path: Path, source: str, field: str, id_field: str, size: int, pos: Position
) -> Iterator[list[InputRecord] | Problem]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as err:  # pyarrow raises several types for a bad file
        yield Problem(source, 0, "unreadable", f"cannot read Parquet file ({err})")
        return
    names = set(pf.schema_arrow.names)
    columns = [c for c in dict.fromkeys([field, id_field]) if c in names]
    line = 0
    for batch in pf.iter_batches(batch_size=size, columns=columns or None):
        data = batch.to_pydict()
        texts, ids = data.get(field), data.get(id_field)
        unit = []
        for i in range(batch.num_rows):
            line += 1
            obj: dict[str, Any] = {}
            if texts is not None:
                obj[field] = texts[i]
            if ids is not None:
                obj[id_field] = ids[i]
            unit.append(make_record(source, line, obj, field, id_field))
        pos.consumed = path.stat().st_size * line // max(pf.metadata.num_rows, 1)
        yield unit


def read_units(
    path: Path,
    field: str = "text",
    id_field: str = "id",
    size: int = 2000,
    pos: Position | None = None,
) -> Iterator[Unit | Problem]:
    """Yield the units of one input file, in order (see the module docstring)."""
    pos = pos or Position()
    if str(path) == "-":
        yield from _stream_units(sys.stdin.buffer, "<stdin>", size, pos)
        return
    source = path.name
    try:
        f = path.open("rb")
    except OSError as err:
        yield Problem(source, 0, "unreadable", f"cannot open ({err.strerror or err})")
        return
    with f:
        if f.read(4) == b"PAR1":
            yield from _parquet_units(path, source, field, id_field, size, pos)
        else:
            f.seek(0)
            yield from _stream_units(f, source, size, pos)


def read_records(
    path: Path, field: str = "text", id_field: str = "id", pos: Position | None = None
) -> Iterator[InputRecord | Problem]:
    """Yield the records of one input file, in order, and the problems of the file itself."""
    for unit in read_units(path, field, id_field, pos=pos):
        if isinstance(unit, Problem):
            yield unit
        else:
            yield from unit_records(unit, field, id_field)


def write_assignments(
    out: TextIO, ids: list[str], clusters: list[str], keeper_ids: list[str | None]
) -> None:
    """Write one line per record: {"id", "cluster", "duplicate_of"} (all given as JSON text)."""
    write = out.write
    for rid, cluster, keeper in zip(ids, clusters, keeper_ids, strict=True):
        dup = "null" if keeper is None else keeper
        write(f'{{"id": {rid}, "cluster": {cluster}, "duplicate_of": {dup}}}\n')
