"""Bad input gets a clear error and loses nothing: one bad file or record never stops a read."""

from __future__ import annotations

import gzip
import json
import os
import re
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import PARAGRAPHS, gzip_members, html_doc, warc_record, write_warc
from wirecopy.config import BuildConfig
from wirecopy.readers import Skipped, read
from wirecopy.readers.decode import binary_kind, decode_with_note
from wirecopy.readers.discover import discover
from wirecopy.readers.files import read_bounded
from wirecopy.records import Page

TEXT = "The ferry to Oskel Island resumed service on Monday after a week of storms."


def read_all(path: Path, config: BuildConfig | None = None) -> list[Page]:
    [source] = discover([path])
    return [p for p in read(source, config or BuildConfig()) if isinstance(p, Page)]


def status(pages: list[Page]) -> list[tuple[str, str]]:
    return [(p.id, p.status) for p in pages]


# ---- 1. JSONL lines that used to crash the whole build ------------------------------------


@pytest.mark.parametrize("field", ["text", "source", "url", "html", "other"])
def test_lone_surrogates_are_replaced_and_every_string_encodes(tmp_path: Path, field: str) -> None:
    record = {"text": TEXT, "url": "https://a.example/x", "source": "A", "other": "o"}
    if field == "html":
        record = {"html": f"<html><body><p>{TEXT} \\ud800 more</p></body></html>"}
    else:
        record[field] = record[field] + " \\ud800 end"
    line = json.dumps(record).replace("\\\\ud800", "\\ud800")
    (tmp_path / "f.jsonl").write_text(line + "\n" + json.dumps({"text": TEXT}) + "\n")
    pages = read_all(tmp_path / "f.jsonl")
    assert status(pages) == [("f.jsonl#1", "ok"), ("f.jsonl#2", "ok")]
    first = pages[0]
    for value in (first.text, first.uri, first.source, first.site, *first.meta.values()):
        if value is not None:
            value.encode("utf-8")  # raises on a surrogate
    if field != "html":
        assert "\ufffd" in json.dumps(first.meta, ensure_ascii=False) + (first.text or "")
        assert "surrogate" in first.meta["decoding"]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("[" * 100000 + "]" * 100000, "nested too deeply"),
        ('{"text": "x", "n": ' + "9" * 5000 + "}", "not valid JSON"),
    ],
)
def test_parser_limits_reject_one_line(tmp_path: Path, line: str, reason: str) -> None:
    (tmp_path / "f.jsonl").write_text(line + "\n" + json.dumps({"text": TEXT}) + "\n")
    pages = read_all(tmp_path / "f.jsonl")
    assert status(pages) == [("f.jsonl#1", "rejected"), ("f.jsonl#2", "ok")]
    assert reason in (pages[0].error or "")


# ---- 2. text that opens with letters some binary format uses as its magic number ----------


@pytest.mark.parametrize(
    "opening", ["BMW sales rose", "BMC INDUSTRIES", "MZ Holdings", "ID3 ", "GIF89a", "OggS"]
)
def test_text_opening_like_a_magic_number_is_text(tmp_path: Path, opening: str) -> None:
    (tmp_path / "a.txt").write_text(f"{opening} by four per cent in March, the company said.\n")
    [page] = read_all(tmp_path / "a.txt")
    assert page.status == "ok" and (page.text or "").startswith(opening)


def test_real_binary_with_a_magic_number_is_still_binary() -> None:
    bmp = b"BM" + (70).to_bytes(4, "little") + bytes(8) + os.urandom(56)
    assert binary_kind(bmp) is not None
    assert binary_kind(b"MZ\x90\x00\x03\x00\x00\x00" + bytes(60)) is not None
    # A long magic number wins over text after it (a PDF opening with its XMP metadata).
    pdf = b"%PDF-1.7\n" + b"<x:xmpmeta>" + b"Some plain words of metadata. " * 400
    assert binary_kind(pdf) == "application/pdf (pdf file)"
    assert binary_kind(b"%!PS-Adobe-3.0\n" + b"words " * 100) is not None


# ---- 4. files that cannot be opened --------------------------------------------------------


@pytest.mark.parametrize("name", ["a.txt", "a.html", "a.jsonl", "a.warc.gz"])
def test_unreadable_file_is_rejected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    (tmp_path / name).write_bytes(b"x")
    [source] = discover([tmp_path / name])

    def denied(*_args: object, **_kwargs: object) -> int:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "open", denied)
    [page] = list(read(source, BuildConfig()))
    assert isinstance(page, Page) and page.status == "rejected"
    assert page.error == "cannot read the file: Permission denied"


@pytest.mark.parametrize("name", ["a.txt", "a.jsonl", "a.warc"])
def test_file_gone_between_listing_and_reading(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_bytes(b"x")
    [source] = discover([tmp_path / name])
    (tmp_path / name).unlink()
    [page] = list(read(source, BuildConfig()))
    assert isinstance(page, Page) and page.status == "rejected"
    assert "No such file" in (page.error or "")


# ---- 5. special files ------------------------------------------------------------------------


def test_named_pipe_and_device_are_rejected_without_opening(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "zero.txt").symlink_to("/dev/zero")
    (tmp_path / "ok.txt").write_text(TEXT)
    sources = {s.page_id: s for s in discover([tmp_path])}
    assert sources["pipe.txt"].problem == "not a regular file: a named pipe"
    assert sources["zero.txt"].problem == "not a regular file: a character device"
    assert sources["ok.txt"].problem is None
    pages = [p for s in sources.values() for p in read(s, BuildConfig()) if isinstance(p, Page)]
    assert {p.id: p.status for p in pages} == {
        "ok.txt": "ok",
        "pipe.txt": "rejected",
        "zero.txt": "rejected",
    }


def test_reads_stop_one_byte_past_the_limit(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_bytes(b"word " * 1000)
    assert len(read_bounded(tmp_path / "big.txt", 100)) == 101
    [page] = read_all(tmp_path / "big.txt", BuildConfig(max_page_bytes=100))
    assert page.status == "rejected" and "over the page size limit" in (page.error or "")


# ---- 6 and 7. WARC: cuts and bad lengths ---------------------------------------------------


def _warc(tmp_path: Path, n: int = 6) -> bytes:
    pages = [(f"https://a.example/{i}", html_doc(f"Story {i}", PARAGRAPHS)) for i in range(n)]
    return write_warc(tmp_path / "full.warc.gz", pages)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.floats(min_value=0.05, max_value=0.999))
@example(share=0.09765625)  # in a header, after "Content-Length: "
@example(share=0.83984375)  # in a gzip member's trailer, its record read whole
def test_every_cut_of_a_warc_gz_leaves_a_trace(tmp_path: Path, share: float) -> None:
    data = _warc(tmp_path)
    cut = int(len(data) * share)
    (tmp_path / "cut.warc.gz").write_bytes(data[:cut])
    pages = read_all(tmp_path / "cut.warc.gz")
    ends = [len(data) - len(rest) for rest in _rests(data)]
    if cut in ends:
        return  # a cut between two members leaves a shorter, valid WARC: nothing to see
    # What comes before the cut is read; the cut leaves one rejected page saying so, named
    # after the record it fell in (not one more: a cut in a header made a second), or after
    # the next when the cut took only the end of a gzip member that read whole.
    statuses = [p.status for p in pages]
    assert "rejected" in statuses
    assert statuses == sorted(statuses)  # "ok" before "rejected"
    last = pages[-1].error or ""
    assert "cut short" in last or "corrupt" in last or "cannot read" in last
    record = 1 + sum(end < cut for end in ends)  # the warcinfo record is the first
    [cut_page] = [p.id for p in pages if p.status == "rejected"]
    assert cut_page in (f"cut.warc.gz#{record}", f"cut.warc.gz#{record + 1}")


def _rests(data: bytes) -> list[bytes]:
    rests = []
    while data:
        inflater = zlib.decompressobj(31)
        inflater.decompress(data)
        data = inflater.unused_data
        rests.append(data)
    return rests


@pytest.mark.parametrize("gzipped", [False, True])
@pytest.mark.parametrize(
    ("length", "reason"),
    [
        ("99999999", "its Content-Length is wrong or the file is cut short"),
        ("100", "the file is corrupt or truncated after record 3"),
        ("+3000", "the file is corrupt or truncated after record 3"),
    ],
)
def test_a_bad_content_length_leaves_a_trace(
    tmp_path: Path, gzipped: bool, length: str, reason: str
) -> None:
    members = gzip_members(_warc(tmp_path))
    match = re.search(rb"Content-Length: (\d+)\r\n\r\nHTTP", members[2])
    assert match
    new = str(int(match.group(1)) + 3000) if length.startswith("+") else length
    members[2] = members[2][: match.start(1)] + new.encode() + members[2][match.end(1) :]
    name = "bad.warc.gz" if gzipped else "bad.warc"
    data = b"".join(gzip.compress(m, mtime=0) for m in members) if gzipped else b"".join(members)
    (tmp_path / name).write_bytes(data)
    pages = read_all(tmp_path / name)
    # The records before it are read; a rejected page says what was lost, and where reading
    # went on: the four records after the damaged one are read (the WARC library stops at a
    # bad record; reading starts again at the next record that begins after it).
    assert status(pages)[0] == (f"{name}#2", "ok")
    [bad] = [p for p in pages if reason in (p.error or "")]
    assert bad.status == "rejected" and "reading went on at byte" in (bad.error or "")
    after = pages[pages.index(bad) + 1 :]
    assert [p.status for p in after] == ["ok"] * 4
    assert [p.title for p in after] == [f"Story {i}" for i in range(2, 6)]


def test_a_corrupt_gzip_member_leaves_a_trace(tmp_path: Path) -> None:
    members = gzip_members(_warc(tmp_path))
    compressed = [gzip.compress(m, mtime=0) for m in members]
    broken = bytearray(compressed[3])
    for k in range(20, 40):
        broken[k] ^= 0x5A
    compressed[3] = bytes(broken)
    (tmp_path / "c.warc.gz").write_bytes(b"".join(compressed))
    pages = read_all(tmp_path / "c.warc.gz")
    assert status(pages)[:2] == [("c.warc.gz#2", "ok"), ("c.warc.gz#3", "ok")]
    # The damaged member is one rejected record; the members after it are read.
    assert status(pages)[2:] == [
        ("c.warc.gz#4", "rejected"),
        ("c.warc.gz#5", "ok"),
        ("c.warc.gz#6", "ok"),
        ("c.warc.gz#7", "ok"),
    ]
    assert "corrupt" in (pages[2].error or "") and "reading went on" in (pages[2].error or "")


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    damaged=st.sets(st.integers(1, 7), min_size=1, max_size=3),
    start=st.integers(0, 60),
    width=st.integers(1, 40),
)
def test_records_after_damaged_gzip_members_are_read(
    tmp_path: Path, damaged: set[int], start: int, width: int
) -> None:
    # Members 1-7 are responses (member 0 is warcinfo): bytes of some of them overwritten.
    members = gzip_members(_warc(tmp_path, n=7))
    compressed = [bytearray(gzip.compress(m, mtime=0)) for m in members]
    for k in damaged:
        for i in range(start, min(start + width, len(compressed[k]))):
            compressed[k][i] ^= 0xA5
    (tmp_path / "d.warc.gz").write_bytes(b"".join(bytes(c) for c in compressed))
    pages = read_all(tmp_path / "d.warc.gz")
    ok = {p.title for p in pages if p.status == "ok"}
    assert {f"Story {k - 1}" for k in range(1, 8) if k not in damaged} <= ok
    assert len({p.id for p in pages}) == len(pages)


def test_a_plain_warc_record_with_a_bad_header_loses_only_itself(tmp_path: Path) -> None:
    members = gzip_members(_warc(tmp_path))
    members[3] = members[3].replace(b"WARC/1.1\r\n", b"WARC/9\r\n", 1)
    (tmp_path / "h.warc").write_bytes(b"".join(members))
    pages = read_all(tmp_path / "h.warc")
    assert [(p.status, p.title) for p in pages if p.status == "ok"] == [
        ("ok", f"Story {i}") for i in (0, 1, 3, 4, 5)
    ]
    [bad] = [p for p in pages if p.status == "rejected"]
    assert bad.id == "h.warc#4" and "reading went on at byte" in (bad.error or "")


def _ok_titles(pages: list[Page]) -> list[str | None]:
    return [p.title for p in pages if p.status == "ok"]


def _gzipped_with_member_5_corrupt(members: list[bytes]) -> bytes:
    compressed = [bytearray(gzip.compress(m, mtime=0)) for m in members]
    for k in range(20, 40):
        compressed[5][k] ^= 0x5A
    return b"".join(bytes(c) for c in compressed)


def test_intact_members_between_two_damaged_ones_are_read(tmp_path: Path) -> None:
    # Record 3's header is bad inside a sound gzip member; member 5 is corrupt further on.
    members = gzip_members(_warc(tmp_path))
    members[2] = members[2].replace(b"WARC/1.1\r\n", b"WARC/9\r\n", 1)
    (tmp_path / "two.warc.gz").write_bytes(_gzipped_with_member_5_corrupt(members))
    pages = read_all(tmp_path / "two.warc.gz")
    assert _ok_titles(pages) == ["Story 0", "Story 2", "Story 3", "Story 5"]
    assert [p.status for p in pages].count("rejected") == 2


def test_a_warc_gz_whose_first_byte_is_damaged_is_still_read_as_one(tmp_path: Path) -> None:
    data = bytearray(_warc(tmp_path))
    data[0] = 0
    (tmp_path / "first.warc.gz").write_bytes(bytes(data))
    pages = read_all(tmp_path / "first.warc.gz")
    assert _ok_titles(pages) == [f"Story {i}" for i in range(6)]


def test_a_record_whose_block_cannot_be_read_loses_only_itself(tmp_path: Path) -> None:
    # Record 3's Content-Length runs 3,000 bytes into the next members, and member 5 is
    # corrupt: reading record 3's block fails, and reading goes on after it.
    members = gzip_members(_warc(tmp_path))
    match = re.search(rb"Content-Length: (\d+)\r\n\r\nHTTP", members[2])
    assert match
    longer = str(int(match.group(1)) + 3000).encode()
    members[2] = members[2][: match.start(1)] + longer + members[2][match.end(1) :]
    (tmp_path / "block.warc.gz").write_bytes(_gzipped_with_member_5_corrupt(members))
    pages = read_all(tmp_path / "block.warc.gz")
    assert _ok_titles(pages) == ["Story 0", "Story 2", "Story 3", "Story 5"]
    assert status(pages)[1] == ("block.warc.gz#3", "rejected")


def test_warc_lines_quoted_in_a_damaged_record_are_not_records(tmp_path: Path) -> None:
    members = gzip_members(_warc(tmp_path))
    quoted = b"\nWARC/1.0 is the older version\nWARC/1.1 is the newer one\n"
    at = members[2].index(b"</article>")
    members[2] = members[2][:at] + quoted + members[2][at:]
    members[2] = members[2].replace(b"WARC/1.1\r\n", b"WARC/9\r\n", 1)
    (tmp_path / "quoted.warc").write_bytes(b"".join(members))
    pages = read_all(tmp_path / "quoted.warc")
    assert _ok_titles(pages) == ["Story 0", "Story 2", "Story 3", "Story 4", "Story 5"]
    assert status(pages)[1] == ("quoted.warc#3", "rejected")
    assert [p.status for p in pages].count("rejected") == 1


def test_a_record_cut_by_a_crash_loses_only_itself(tmp_path: Path) -> None:
    # A writer killed half way through record 3, then started again: record 4 follows the
    # cut directly, not on a line of its own.
    members = gzip_members(_warc(tmp_path))
    members[2] = members[2][:300]
    (tmp_path / "crash.warc").write_bytes(b"".join(members))
    pages = read_all(tmp_path / "crash.warc")
    assert _ok_titles(pages) == ["Story 0", "Story 2", "Story 3", "Story 4", "Story 5"]


@pytest.mark.parametrize("gzipped", [False, True])
@pytest.mark.parametrize("at", [b"Content-Length", b"Content-Length: "])
def test_a_file_cut_in_a_records_header_names_that_record_once(
    tmp_path: Path, gzipped: bool, at: bytes
) -> None:
    members = gzip_members(_warc(tmp_path))
    head = members[4].index(at) + len(at)  # record 5's header, cut before its length's figure
    kept = [*members[:4], members[4][:head]]
    data = b"".join(gzip.compress(m) for m in kept) if gzipped else b"".join(kept)
    (tmp_path / "cut.warc").write_bytes(data)
    pages = read_all(tmp_path / "cut.warc")
    assert _ok_titles(pages) == ["Story 0", "Story 1", "Story 2"]
    [cut] = [p for p in pages if p.status == "rejected"]
    assert cut.id == "cut.warc#5"
    assert "record 5 is cut short in its header" in (cut.error or "")


def test_a_warc_gz_compressed_as_one_stream_is_read(tmp_path: Path) -> None:
    plain = b"".join(gzip_members(_warc(tmp_path)))
    (tmp_path / "one.warc.gz").write_bytes(gzip.compress(plain))
    assert [p.status for p in read_all(tmp_path / "one.warc.gz")] == ["ok"] * 6


# ---- 8. encodings ---------------------------------------------------------------------------


def test_mostly_valid_utf8_stays_utf8_with_a_note() -> None:
    good = ("Shares rose › again, analysts said. " * 20).encode()
    text, encoding, note = decode_with_note(good[:300] + b"\xff\xfe\xc3\x28\xa0\xa1" + good[300:])
    assert encoding == "utf-8"
    assert "â€º" not in text and text.count("›") == 20
    assert note is not None and "replaced" in note


def test_cp1252_html_declaring_utf8_reads_as_cp1252(tmp_path: Path) -> None:
    paragraph = "The café owner said the “naïve” façade and crème brûlée were fine."
    html = (
        "<html><head><meta charset='utf-8'><title>Café</title></head><body><article>"
        + f"<p>{paragraph}</p>" * 6
        + "</article></body></html>"
    )
    (tmp_path / "a.html").write_bytes(html.encode("cp1252"))
    [page] = read_all(tmp_path / "a.html")
    assert page.status == "ok" and "naïve" in (page.text or "")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("name", ["a.txt", "a.html"])
def test_utf16_without_bom(tmp_path: Path, codec: str, name: str) -> None:
    content = html_doc("Bridge", PARAGRAPHS).decode() if name.endswith("html") else PARAGRAPHS[0]
    (tmp_path / name).write_bytes(content.encode(codec))
    [page] = read_all(tmp_path / name)
    assert page.status == "ok", page.error
    assert PARAGRAPHS[0] in (page.text or "")


# ---- 9. JSONL files that are empty, binary or UTF-16 ---------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [("e.jsonl", b""), ("e.jsonl.gz", b""), ("n.jsonl.gz", gzip.compress(b""))],
)
def test_empty_jsonl_is_rejected(tmp_path: Path, name: str, data: bytes) -> None:
    (tmp_path / name).write_bytes(data)
    [page] = read_all(tmp_path / name)
    assert (page.id, page.status, page.error) == (name, "rejected", "empty file")


def test_binary_named_jsonl_is_one_rejection(tmp_path: Path) -> None:
    elf = b"\x7fELF\x02\x01\x01\x00" + bytes(8) + os.urandom(4000).replace(b"\n", b"\x00") * 2
    (tmp_path / "x.jsonl").write_bytes(b"\n".join([elf] * 40))
    [page] = read_all(tmp_path / "x.jsonl")
    assert page.id == "x.jsonl" and (page.error or "").startswith("binary file, not JSON lines")


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le"])
def test_utf16_jsonl_has_no_phantom_lines(tmp_path: Path, codec: str) -> None:
    lines = [json.dumps({"text": f"{TEXT} {n} – naïve"}, ensure_ascii=False) for n in range(3)]
    (tmp_path / "u.jsonl").write_bytes(("\n".join(lines) + "\n").encode(codec))
    pages = read_all(tmp_path / "u.jsonl")
    assert status(pages) == [(f"u.jsonl#{n}", "ok") for n in (1, 2, 3)]
    assert pages[2].text == f"{TEXT} 2 – naïve"


def test_warc_record_helper_still_builds_readable_records(tmp_path: Path) -> None:
    data = warc_record(
        "resource",
        "https://r.example/",
        html_doc("R", PARAGRAPHS),
        1,
        **{"Content-Type": "text/html"},
    )
    (tmp_path / "r.warc.gz").write_bytes(data)
    items = [
        i
        for i in read(next(iter(discover([tmp_path / "r.warc.gz"]))), BuildConfig())
        if not isinstance(i, Skipped)
    ]
    assert [i.status for i in items] == ["ok"]
