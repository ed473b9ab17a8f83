"""The Reuters-21578 reader and the JSONL converter, checked against the raw SGML."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from bench_support import reuters_dir
from benchmarks.reuters import ReutersStory, iter_stories, parse_date, parse_sgml, story_text
from benchmarks.reuters_to_jsonl import convert, main, page_record


@pytest.fixture(scope="module")
def stories() -> dict[int, ReutersStory]:
    return {story.newid: story for story in iter_stories(reuters_dir())}


def test_every_story_is_read_once(stories: dict[int, ReutersStory]) -> None:
    assert len(stories) == 21578
    assert set(stories) == set(range(1, 21579))
    # counted in the raw files: <TEXT>, <TEXT TYPE="BRIEF">, <TEXT TYPE="UNPROC">
    assert Counter(s.kind for s in stories.values()) == {
        "NORM": 19043,
        "BRIEF": 1798,
        "UNPROC": 737,
    }
    assert sum(1 for s in stories.values() if s.body) == 19043
    assert all(s.date is not None for s in stories.values())


def test_first_story_fields(stories: dict[int, ReutersStory]) -> None:
    # reut2-000.sgm opens with NEWID="1": <DATE>26-FEB-1987 15:01:01.79</DATE>,
    # <TITLE>BAHIA COCOA REVIEW</TITLE>, <DATELINE>    SALVADOR, Feb 26 - </DATELINE>,
    # 16 indented lines in its BODY (17 paragraphs), signed " Reuter".
    story = stories[1]
    assert story.title == "BAHIA COCOA REVIEW"
    assert story.date == datetime(1987, 2, 26, 15, 1, 1, 790000)
    assert story.dateline == "SALVADOR, Feb 26"
    assert story.topics == ("cocoa",)
    assert story.places == ("el-salvador", "usa", "uruguay")
    assert story.kind == "NORM"
    paragraphs = story.body.split("\n\n")
    assert len(paragraphs) == 17
    assert paragraphs[0].startswith(
        "Showers continued throughout the week in the Bahia cocoa zone, alleviating the drought "
        "since early January"
    )
    assert paragraphs[1] == "The dry period means the temporao will be late this year."
    assert story.body.endswith("after carnival which ends midday on February 27.")
    assert "Reuter" not in story.body


def test_entities_are_unescaped(stories: dict[int, ReutersStory]) -> None:
    # NEWID="2": <TITLE>STANDARD OIL &lt;SRD> TO FORM FINANCIAL UNIT</TITLE>
    assert stories[2].title == "STANDARD OIL <SRD> TO FORM FINANCIAL UNIT"
    assert "British Petroleum Co Plc <BP>, which" in stories[2].body
    # NEWID="2195" (reut2-002.sgm): "Britain's Tate &amp; Lyle Plc."
    assert "Britain's Tate & Lyle Plc." in stories[2195].body
    for story in stories.values():
        for text in (story.title, story.body, story.dateline, story.unprocessed):
            assert "&#" not in text and "&lt;" not in text and "&amp;" not in text
            assert not any((ord(c) < 32 and c != "\n") or 127 <= ord(c) < 160 for c in text)


def test_brief_and_unprocessed_stories(stories: dict[int, ReutersStory]) -> None:
    # NEWID="30": <TEXT TYPE="BRIEF">&#2;\n******<TITLE>ASSETS OF MONEY MARKET ...</TITLE>
    brief = stories[30]
    assert brief.kind == "BRIEF"
    assert brief.title == "ASSETS OF MONEY MARKET MUTUAL FUNDS ROSE 720.4 MLN DLRS IN LATEST WEEK"
    assert brief.body == ""
    assert story_text(brief) == brief.title
    # NEWID="99": <TEXT TYPE="UNPROC">&#2;\nFEDERAL RESERVE WEEKLY REPORT 1 - FEB 26 ...
    table = stories[99]
    assert (table.kind, table.title, table.body) == ("UNPROC", "", "")
    lines = table.unprocessed.split("\n")
    assert lines[0] == "FEDERAL RESERVE WEEKLY REPORT 1 - FEB 26"
    assert lines[2] == " Net free reserves.............644 vs.....1,337"
    assert story_text(table) == table.unprocessed


def test_data_quirks(stories: dict[int, ReutersStory]) -> None:
    # NEWID="17192": <DATE>31-MAR-1987 605:12:19.12</DATE>, an impossible time: the day stays
    assert stories[17192].date == datetime(1987, 3, 31)
    # NEWID="17980": the one byte that is not ASCII (0xFC), read as Latin-1
    assert "world economic growth.\u00fcside measures" in stories[17980].body
    # bodies signed twice ("REUTER" then " Reuter") lose both sign-offs
    assert stories[1853].body.endswith("Note: period ended January 31.")
    # "REUTER...^M": a carriage return spelt out
    assert not any("^M" in s.body or s.body.endswith("REUTER") for s in stories.values())


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("26-FEB-1987 15:01:01.79", datetime(1987, 2, 26, 15, 1, 1, 790000)),
        (" 5-APR-1987 01:53:30.41", datetime(1987, 4, 5, 1, 53, 30, 410000)),
        ("3-MAR-1987  09:15:05.40", datetime(1987, 3, 3, 9, 15, 5, 400000)),
        ("1-APR-1987 12:00:00.9", datetime(1987, 4, 1, 12, 0, 0, 900000)),
        ("26-MAR-1987 12:12:12.12&#9;&#9;&#9;C T", datetime(1987, 3, 26, 12, 12, 12, 120000)),
        ("9-APR-1987 00:00:00.00    # date added by S Finch as guesswork ", datetime(1987, 4, 9)),
        ("31-MAR-1987 605:12:19.12", datetime(1987, 3, 31)),
        ("31-FEB-1987 10:00:00.00", None),
        ("no date", None),
    ],
)
def test_parse_date(raw: str, expected: datetime | None) -> None:
    assert parse_date(raw) == expected


SGML = """<!DOCTYPE lewis SYSTEM "lewis.dtd">
<REUTERS TOPICS="YES" NEWID="7">
<DATE>2-MAR-1987 10:00:00.00</DATE>
<TOPICS><D>earn</D><D>acq</D></TOPICS>
<PLACES></PLACES>
<TEXT>&#2;
<TITLE>AT&amp;T &lt;T> SAYS
   HELLO</TITLE>
<AUTHOR>    By Jane Doe, Reuters</AUTHOR>
<DATELINE>    NEW YORK, March 2 - </DATELINE><BODY>First line of the first
paragraph, wrapped.\r
    Second&#127; paragraph. REUTER
 Reuter
&#3;</BODY></TEXT>
</REUTERS>
"""


def test_parse_sgml_quirks() -> None:
    (story,) = parse_sgml(SGML)
    assert story.newid == 7
    assert story.title == "AT&T <T> SAYS HELLO"
    assert story.author == "By Jane Doe, Reuters"
    assert story.dateline == "NEW YORK, March 2"
    assert story.topics == ("earn", "acq")
    assert story.places == ()
    assert story.body == "First line of the first paragraph, wrapped.\n\nSecond paragraph."


def test_page_record() -> None:
    (story,) = parse_sgml(SGML)
    assert page_record(story) == {
        "text": "AT&T <T> SAYS HELLO\n\nFirst line of the first paragraph, wrapped.\n\n"
        "Second paragraph.",
        "url": "https://reuters.example/1987/7",
        "published": "1987-03-02T10:00:00",
        "source": "Reuters",
    }


def test_convert_writes_jsonl(tmp_path: Path) -> None:
    out = tmp_path / "data" / "reuters.jsonl.gz"
    stats = convert(reuters_dir(), out, limit=25, compress=True)
    with gzip.open(out, "rt", encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle]
    assert stats.pages == len(records) == 25
    assert stats.bytes_written > out.stat().st_size > 0
    assert records[0]["text"].startswith("BAHIA COCOA REVIEW\n\nShowers continued")
    assert records[0]["url"] == "https://reuters.example/1987/1"
    assert records[0]["published"] == "1987-02-26T15:01:01"
    assert all(r["text"].strip() and r["source"] == "Reuters" for r in records)


def test_cli_body_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "bodies.jsonl"
    args = ["--out", str(out), "--limit", "40", "--body-only", "--corpus", str(reuters_dir())]
    assert main(args) == 0
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 40
    assert all("\n\n" in r["text"] for r in records)  # a title and a body each
    assert "wrote 40 pages" in capsys.readouterr().err
