"""Readers and their problems (dedup.io)."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import sys
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dedup_helpers import write_lines

from wirecopy.dedup.io import read_records
from wirecopy.dedup.parse import InputRecord, Problem


def records(path: Path, field: str = "text", id_field: str = "id") -> list[InputRecord | Problem]:
    return list(read_records(path, field, id_field))


def kinds(items: list[InputRecord | Problem]) -> list[tuple[int, str | None]]:
    out: list[tuple[int, str | None]] = []
    for item in items:
        if isinstance(item, Problem):
            out.append((item.line, "file:" + item.kind))
        else:
            out.append((item.line, item.problem.kind if item.problem else None))
    return out


BAD = [
    {"id": "a", "text": "good text here"},
    {"id": "b"},
    {"id": "c", "text": None},
    {"id": "d", "text": 42},
    {"id": "e", "text": ""},
    {"id": "f", "text": " \n\t"},
    '{"id": "g", "text": "broken',
    "[1, 2]",
    "",
    {"text": "no id"},
    {"id": True, "text": "boolean id"},
    {"id": 7, "text": "integer id"},
]


def test_each_bad_record_is_a_record_with_a_problem(tmp_path: Path) -> None:
    got = records(write_lines(tmp_path / "bad.jsonl", BAD))
    assert kinds(got) == [
        (1, None),
        (2, "no_text"),
        (3, "not_string"),
        (4, "not_string"),
        (5, "empty_text"),
        (6, "empty_text"),
        (7, "broken_json"),
        (8, "not_object"),
        (10, None),
        (11, None),
        (12, None),
    ]
    ids = [r.id for r in got if isinstance(r, InputRecord)]
    assert ids[0] == '"a"'
    assert ids[-3:] == ['"bad.jsonl#10"', '"bad.jsonl#11"', "7"]
    messages = [str(r.problem) for r in got if isinstance(r, InputRecord) and r.problem]
    assert messages[0] == "bad.jsonl:2: no 'text' field (its fields: 'id')"
    assert messages[2] == "bad.jsonl:4: 'text' is a number, not text"
    assert messages[5].startswith("bad.jsonl:7: broken JSON line (")
    assert messages[6] == "bad.jsonl:8: the line is an array, not a JSON object"
    id_problems = [str(r.id_problem) for r in got if isinstance(r, InputRecord) and r.id_problem]
    # A missing id is no problem; a boolean one is, and the label stands in.
    assert id_problems == [
        "bad.jsonl:11: 'id' is a boolean, not a usable id: the record is named \"bad.jsonl#11\""
    ]


def test_other_field_names(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "x.jsonl", [{"key": "k1", "body": "some words"}])
    (rec,) = records(path, field="body", id_field="key")
    assert isinstance(rec, InputRecord)
    assert (rec.id, rec.text) == ('"k1"', "some words")


def test_lines_that_only_parse_together_are_each_broken(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "x.jsonl", ["[1", "2], 3", '{"text": "a"}, {"text": "b"}'])
    assert kinds(records(path)) == [(1, "broken_json"), (2, "broken_json"), (3, "broken_json")]


def test_lines_only_the_json_module_reads(tmp_path: Path) -> None:
    """Blocks are parsed by msgspec, which refuses NaN and lone surrogates: such a block is
    read line by line with `json`, so its records are those `json` makes."""
    lines = [
        '{"id": 123456789012345678901234567890, "text": "a big integer id"}',
        '{"id": "n", "text": "a NaN elsewhere", "score": NaN}',
        '{"id": "s", "text": "a lone \\ud800 surrogate"}',
        '{"id": 1.5, "text": "a float id"}',
        {"id": "ok", "text": "plain"},
    ]
    got = records(write_lines(tmp_path / "x.jsonl", lines))
    assert all(isinstance(r, InputRecord) and r.problem is None for r in got)
    assert [(r.id, r.text) for r in got if isinstance(r, InputRecord)] == [
        ("123456789012345678901234567890", "a big integer id"),
        ('"n"', "a NaN elsewhere"),
        ('"s"', "a lone \ud800 surrogate"),
        ("1.5", "a float id"),
        ('"ok"', "plain"),
    ]


def test_bom_crlf_and_invalid_utf8(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(
        b'\xef\xbb\xbf{"text": "one"}\r\n{"text": "tw\xff"}\r\n{"text": "caf\xc3\xa9"}'
    )
    got = records(path)
    assert kinds(got) == [(1, None), (2, None), (3, None)]  # every record is used
    assert isinstance(got[1], InputRecord) and got[1].text == "tw\ufffd"
    assert got[1].id_problem is not None and got[1].id_problem.kind == "bad_utf8"
    assert isinstance(got[2], InputRecord) and got[2].text == "café"


def test_gzip_with_several_members(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl.gz"
    part1 = gzip.compress(b'{"id": 1, "text": "first text"}\n')
    part2 = gzip.compress(b'{"id": 2, "text": "second text"}\n')
    path.write_bytes(part1 + part2)
    assert [r.id for r in records(path) if isinstance(r, InputRecord)] == ["1", "2"]


def test_truncated_gzip_keeps_what_came_before(tmp_path: Path) -> None:
    lines = [json.dumps({"id": i, "text": f"text number {i} " * 20}) for i in range(200)]
    data = gzip.compress("\n".join(lines).encode())
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    got = records(path)
    last = got[-1]
    assert isinstance(last, Problem) and last.kind == "truncated"
    good = [r for r in got if isinstance(r, InputRecord) and r.problem is None]
    assert 0 < len(good) < 200
    assert [r.line for r in good] == list(range(1, len(good) + 1))
    assert f"after line {last.line}" in str(last)
    assert str(last).startswith(f"cut.jsonl.gz:{last.line}: gzip stream ends early")


def test_gzip_damaged_in_the_middle_keeps_what_came_before(tmp_path: Path) -> None:
    lines = [json.dumps({"id": i, "text": f"text {i} " + "x" * (i % 7)}) for i in range(4000)]
    data = bytearray(gzip.compress("\n".join(lines).encode()))
    middle = len(data) // 2
    data[middle : middle + 20] = bytes(b ^ 0x5A for b in data[middle : middle + 20])
    path = tmp_path / "damaged.jsonl.gz"
    path.write_bytes(bytes(data))
    got = records(path)
    last = got[-1]
    assert isinstance(last, Problem) and last.kind == "corrupt"
    good = [r.line for r in got if isinstance(r, InputRecord) and r.problem is None]
    # Everything up to about the damage (a few lines' worth of compressed bytes before it).
    assert len(lines) * 0.4 < len(good) < len(lines) * 0.6
    assert good == list(range(1, len(good) + 1))
    assert f"after line {last.line}" in str(last)


def test_corrupt_gzip(tmp_path: Path) -> None:
    path = tmp_path / "bad.gz"
    path.write_bytes(b"\x1f\x8b" + b"\x00" * 30)
    (problem,) = records(path)
    assert isinstance(problem, Problem) and problem.kind == "corrupt"


def test_parquet(tmp_path: Path) -> None:
    path = tmp_path / "x.parquet"
    table = pa.table({"id": ["a", "b", "c"], "text": ["one text", None, ""]})
    pq.write_table(table, path)
    assert kinds(records(path)) == [(1, None), (2, "not_string"), (3, "empty_text")]
    assert kinds(records(path, field="body")) == [(1, "no_text"), (2, "no_text"), (3, "no_text")]
    pq.write_table(pa.table({"text": [1, 2]}), path)
    assert kinds(records(path)) == [(1, "not_string"), (2, "not_string")]
    pq.write_table(pa.table({"text": [b"bytes, not text"]}), path)
    [binary] = records(path)
    assert isinstance(binary, InputRecord) and binary.problem is not None
    assert binary.problem.message == "'text' is binary data, not text"


def test_a_parquet_file_damaged_half_way_keeps_what_came_before(tmp_path: Path) -> None:
    path = tmp_path / "x.parquet"
    texts = [f"text number {i} " * 20 for i in range(5000)]
    pq.write_table(pa.table({"text": texts}), path, row_group_size=1000)
    data = bytearray(path.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 200] = bytes(200)
    path.write_bytes(bytes(data))
    got = records(path)
    *rows, last = got
    assert 0 < len(rows) < 5000 and all(isinstance(r, InputRecord) for r in rows)
    assert isinstance(last, Problem) and last.kind == "corrupt"
    assert f"corrupt Parquet data after row {len(rows)}" in last.message


def test_unreadable_files(tmp_path: Path) -> None:
    (missing,) = records(tmp_path / "nope.jsonl")
    assert isinstance(missing, Problem) and missing.kind == "unreadable"
    assert str(missing).startswith("nope.jsonl: cannot open")
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1 this is not parquet")
    (problem,) = records(bad)
    assert isinstance(problem, Problem) and problem.kind == "unreadable"


@pytest.mark.parametrize("compress", [False, True])
def test_standard_input(monkeypatch: pytest.MonkeyPatch, compress: bool) -> None:
    data = b'{"id": "s", "text": "from stdin"}\n'
    stream = io.TextIOWrapper(io.BytesIO(gzip.compress(data) if compress else data))
    monkeypatch.setattr(sys, "stdin", stream)
    (rec,) = records(Path("-"))
    assert isinstance(rec, InputRecord) and rec.source == "<stdin>" and rec.text == "from stdin"


def test_integer_ids_in_a_block_msgspec_reads_are_json_s(tmp_path: Path) -> None:
    """A block with nothing msgspec refuses is parsed by msgspec: integer ids at and beyond
    64 bits, negative and minus zero, come out as the `json` module reads them."""
    ids = [2**63 - 1, 2**63, 2**64, 2**64 + 1, -(2**63) - 1, 19933688932870350000, 0, -1]
    lines = [f'{{"id": {i}, "text": "record {k}"}}' for k, i in enumerate(ids)]
    lines.append('{"id": -0, "text": "minus zero"}')
    got = records(write_lines(tmp_path / "x.jsonl", lines))
    expected = [json.dumps(json.loads(line)["id"]) for line in lines]
    assert all(isinstance(r, InputRecord) and r.problem is None for r in got)
    assert [r.id for r in got if isinstance(r, InputRecord)] == expected


@pytest.mark.parametrize(
    ("line", "what"),
    [
        ('"just a string"', "a string"),
        ("3.5", "a number"),
        ("null", "null"),
        ("[1, 2]", "an array"),
        ("true", "a boolean"),
    ],
)
def test_a_line_that_is_not_an_object_says_what_it_is(tmp_path: Path, line: str, what: str) -> None:
    (rec,) = records(write_lines(tmp_path / "x.jsonl", [line]))
    assert isinstance(rec, InputRecord) and rec.problem is not None
    assert rec.problem.kind == "not_object"
    assert str(rec.problem) == f"x.jsonl:1: the line is {what}, not a JSON object"


def test_ids_are_strings_and_numbers_and_other_ids_are_named_and_reported(
    tmp_path: Path,
) -> None:
    lines = [
        '{"id": 3.5, "text": "t"}',
        '{"id": 1e3, "text": "t"}',
        '{"id": -7, "text": "t"}',
        '{"id": null, "text": "t"}',
        '{"id": false, "text": "t"}',
        '{"id": {"k": 1}, "text": "t"}',
        '{"id": [1], "text": "t"}',
        '{"id": "", "text": "t"}',
        '{"text": "t"}',  # no id at all: named silently, as documented
    ]
    got = [
        r for r in records(write_lines(tmp_path / "x.jsonl", lines)) if isinstance(r, InputRecord)
    ]
    assert [r.id for r in got] == ["3.5", "1000.0", "-7"] + [f'"x.jsonl#{n}"' for n in range(4, 10)]
    assert all(r.problem is None and r.text == "t" for r in got)  # the text is still used
    reported = {r.line: str(r.id_problem) for r in got if r.id_problem is not None}
    assert sorted(reported) == [4, 5, 6, 7, 8]
    assert (
        reported[4] == "x.jsonl:4: 'id' is null, not a usable id: the record is named \"x.jsonl#4\""
    )
    assert "is a boolean" in reported[5] and "is an object" in reported[6]
    assert "is an array" in reported[7] and "is an empty string" in reported[8]


PLAIN = "".join(
    json.dumps({"id": f"r{i}", "text": f"record number {i} says something " * 3}) + "\n"
    for i in range(500)
)


@pytest.mark.parametrize(
    "compress",
    [
        bz2.compress,
        lzma.compress,
        lambda data: pa.compress(data, codec="zstd", asbytes=True),
        # Streams one after another are one file, as `cat a.bz2 b.bz2` makes.
        lambda data: bz2.compress(data[:1000]) + bz2.compress(data[1000:]),
        lambda data: lzma.compress(data[:1000]) + lzma.compress(data[1000:]),
    ],
    ids=["bzip2", "xz", "zstd", "bzip2-streams", "xz-streams"],
)
def test_compressed_jsonl_is_told_by_its_magic(
    tmp_path: Path, compress: Callable[[bytes], bytes]
) -> None:
    path = tmp_path / "corpus.data"  # the name says nothing
    path.write_bytes(compress(PLAIN.encode()))
    got = records(path)
    assert [r.id for r in got if isinstance(r, InputRecord)] == [f'"r{i}"' for i in range(500)]
    assert not [r for r in got if isinstance(r, Problem) or r.problem]


@pytest.mark.parametrize(
    ("name", "compress"),
    [("xz", lzma.compress), ("zstd", lambda data: pa.compress(data, codec="zstd", asbytes=True))],
)
def test_a_truncated_compressed_file_keeps_what_it_can_and_says_so(
    tmp_path: Path, name: str, compress: Callable[[bytes], bytes]
) -> None:
    data = compress(PLAIN.encode())
    path = tmp_path / "cut"
    path.write_bytes(data[: len(data) - 20])
    got = list(read_records(path))
    last = got[-1]
    assert isinstance(last, Problem) and last.kind == "truncated"
    assert f"{name} stream ends early" in last.message and "the rest is lost" in last.message
