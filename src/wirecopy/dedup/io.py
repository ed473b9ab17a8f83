"""Streaming input (JSONL, compressed JSONL, Parquet) and output of `wirecopy dedup`.

Files are read as streams and cut into units of at most `size` records, never holding a file
in memory. A JSONL unit is raw lines (`RawLines`): parsing them is left to whoever signs them,
so that worker processes share that work too. Trouble with a whole file (unreadable, a gzip
stream that ends early) comes as a bare `Problem`. The format is told by the first bytes, not
by the name: gzip, bzip2, xz or zstd magic means compressed JSONL (zstd through pyarrow's
codec, already a dependency for Parquet), ``PAR1`` means Parquet, anything else is JSONL.
The path ``-`` reads standard input.
"""

from __future__ import annotations

import bz2
import codecs
import lzma
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TextIO, cast

from wirecopy.byteorder import bom_encoding
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


def _utf8_chunks(chunks: Iterator[bytes], encoding: str) -> Iterator[bytes]:
    """A UTF-16 or UTF-32 file (UTF-16 is what Windows PowerShell's ``>`` writes), read as
    UTF-8: JSONL is UTF-8, but the file says what it is. Bytes that do not decode become
    U+FFFD."""
    decoder = codecs.getincrementaldecoder(encoding)("replace")
    for chunk in chunks:
        yield decoder.decode(chunk).encode("utf-8")
    yield decoder.decode(b"", final=True).encode("utf-8")


class _StreamState:
    """How a gzip stream ended: None if well, else the problem kind and its detail."""

    def __init__(self) -> None:
        self.failure: tuple[str, str] | None = None


class _Decompressor(Protocol):
    """What `bz2.BZ2Decompressor` and `lzma.LZMADecompressor` have in common."""

    @property
    def eof(self) -> bool: ...
    @property
    def needs_input(self) -> bool: ...
    @property
    def unused_data(self) -> bytes: ...
    def decompress(self, data: bytes, max_length: int = -1) -> bytes: ...


def _stdlib_chunks(
    f: _Readable, pos: Position, state: _StreamState, make: type[_Decompressor]
) -> Iterator[bytes]:
    """Decompress bzip2 or xz streams one after another, as `_gzip_chunks` does gzip."""
    d = make()
    fresh = True
    try:
        while raw := f.read(_CHUNK):
            pos.consumed += len(raw)
            while True:
                fresh = False
                yield d.decompress(raw, 8 * _CHUNK)  # bounded; the rest waits inside `d`
                raw = b""
                if d.eof:
                    raw, d, fresh = d.unused_data, make(), True
                    if not raw:
                        break
                elif d.needs_input:
                    break
        if not fresh:
            state.failure = ("truncated", "")
    except (OSError, EOFError, lzma.LZMAError) as err:
        state.failure = ("corrupt", str(err))


class _Counted:
    """A raw stream that counts what is read from it (pyarrow reads through it)."""

    def __init__(self, f: _Readable, pos: Position) -> None:
        self._f, self._pos = f, pos
        self.closed = False  # pyarrow's PythonFile asks, and closes it when done

    def close(self) -> None:
        self.closed = True  # the file itself is the caller's to close

    def read(self, size: int = -1, /) -> bytes:
        data = self._f.read(size if size >= 0 else 1 << 62)
        self._pos.consumed += len(data)
        return data


def _zstd_chunks(f: _Readable, pos: Position, state: _StreamState) -> Iterator[bytes]:
    """Decompress zstd frames one after another with pyarrow's codec."""
    import pyarrow as pa

    stream = pa.CompressedInputStream(pa.PythonFile(_Counted(f, pos), mode="r"), "zstd")
    try:
        # Small reads: a read that meets a damaged frame returns nothing of what it decoded.
        while chunk := stream.read(1 << 16):
            yield bytes(chunk)
    except OSError as err:  # pyarrow's words: "Truncated compressed stream", "... corrupt..."
        kind = "truncated" if "truncated" in str(err).lower() else "corrupt"
        state.failure = (kind, str(err))
    finally:
        stream.close()


_SLICE = 1 << 16
"""Compressed bytes given to zlib at once: a damaged stream loses at most the text of one."""
_STEP = 64
"""Compressed bytes given at once when the text before the damage is taken out of a slice."""


def _gzip_chunks(f: _Readable, pos: Position, state: _StreamState) -> Iterator[bytes]:
    """Decompress gzip members one after another; a damaged stream ends early, in `state`,
    after all of the text that comes before the damage.

    (Raising instead would lose the lines that readers further down have taken but not yet
    handed on.) zlib gives nothing of a call that meets damage, so the stream goes to it
    a slice at a time, and the slice that fails goes again, from a copy of the state
    before it, in small steps (`gzip` and `zcat` keep what comes before the damage too).
    """
    d = zlib.decompressobj(wbits=31)
    fresh = True  # no input given to `d` yet: the file may end here
    while raw := f.read(_CHUNK):
        pos.consumed += len(raw)
        offset, tail = 0, b""
        while tail or offset < len(raw):
            if tail:
                piece, tail = tail, b""
            else:
                piece, offset = raw[offset : offset + _SLICE], offset + _SLICE
            fresh = False
            before = d.copy()
            try:
                out = d.decompress(piece, 8 * _CHUNK)  # bounded, whatever the ratio
            except zlib.error as err:
                yield from _before_damage(before, piece)
                state.failure = ("corrupt", str(err))
                return
            yield out
            if d.eof:
                tail = d.unused_data
                d, fresh = zlib.decompressobj(wbits=31), True
            else:
                tail = d.unconsumed_tail
    if not fresh:
        yield d.flush()
        if not d.eof:
            state.failure = ("truncated", "")


def _before_damage(d: zlib._Decompress, piece: bytes) -> Iterator[bytes]:
    """What ``piece`` decompresses to up to the damage in it, in small steps."""
    for start in range(0, len(piece), _STEP):
        try:
            yield d.decompress(piece[start : start + _STEP])
        except zlib.error:
            return
        if d.eof:  # the damage is in a later member: it starts over there
            return


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


_MAGIC = {  # the first bytes of a compressed stream, and its format's name
    b"\x1f\x8b": "gzip",
    b"BZh": "bzip2",
    b"\xfd7zXZ\x00": "xz",
    b"\x28\xb5\x2f\xfd": "zstd",
}


def _compression(head: bytes) -> str | None:
    return next((name for magic, name in _MAGIC.items() if head.startswith(magic)), None)


def _stream_units(
    f: _Readable, source: str, size: int, pos: Position
) -> Iterator[RawLines | Problem]:
    head = b""
    while len(head) < 6 and (more := f.read(6 - len(head))):  # a pipe may give less
        head += more
    stream = _Rejoined(head, f)
    name = _compression(head)
    if name is None:
        chunks = _plain_chunks(stream, pos)
        encoding = bom_encoding(head)
        if encoding in ("utf-16", "utf-32"):  # UTF-8's own mark is stripped with the lines
            chunks = _utf8_chunks(chunks, encoding)
        yield from _line_units(chunks, source, size)
        return
    state = _StreamState()
    if name == "gzip":
        chunks = _gzip_chunks(stream, pos, state)
    elif name == "zstd":
        chunks = _zstd_chunks(stream, pos, state)
    else:
        make = bz2.BZ2Decompressor if name == "bzip2" else lzma.LZMADecompressor
        chunks = _stdlib_chunks(stream, pos, state, cast("type[_Decompressor]", make))
    last = 0
    for unit in _line_units(chunks, source, size):
        last = unit.first + len(unit.lines) - 1
        yield unit
    if state.failure is not None:
        kind, detail = state.failure
        if kind == "truncated":
            msg = f"{name} stream ends early after line {last} (truncated file?); the rest is lost"
        else:
            msg = f"corrupt {name} data after line {last} ({detail}); the rest is lost"
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
    batches = pf.iter_batches(batch_size=size, columns=columns or None)
    while True:
        try:
            batch = next(batches)
            data = batch.to_pydict()
        except StopIteration:
            return
        except Exception as err:  # damaged pages or columns: what came before stands
            msg = f"corrupt Parquet data after row {line} ({err}); the rest is lost"
            yield Problem(source, line, "corrupt", msg)
            return
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
