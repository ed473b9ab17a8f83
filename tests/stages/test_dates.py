"""Dates: what the pages say, with the evidence; no date rather than a guess."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest

from wirecopy.build import build
from wirecopy.config import BuildConfig
from wirecopy.records import DATE_IN_MARKUP, Copy, Page
from wirecopy.stages.dates import (
    CAPTION,
    DATELINE,
    PUBLISHED,
    CopyDate,
    article_date,
    mentioned_dates,
)
from wirecopy.stages.segment import line_stats, segment


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("November 14, 2023", [date(2023, 11, 14)]),
        ("on Monday 9 March 2026 at noon", [date(2026, 3, 9)]),
        ("Sept. 3rd, 2024 and 2025-01-31", [date(2024, 9, 3), date(2025, 1, 31)]),
        ("shot on October 7, 2024 and issued on October 8, 2024",
         [date(2024, 10, 7), date(2024, 10, 8)]),
        # Other languages' month names and date forms are language data too.
        ("Am 10. Februar 2022 sagte er", [date(2022, 2, 10)]),
        ("le 1er janvier 2020 et le 10 mars 2020", [date(2020, 1, 1), date(2020, 3, 10)]),
        ("el 10 de febrero de 2022", [date(2022, 2, 10)]),
        ("il 3 maggio 2021; em 4 de março de 2021; op 5 mei 2020",
         [date(2021, 5, 3), date(2021, 3, 4), date(2020, 5, 5)]),
        # Chinese, Japanese and Korean print dates with figures and signs.
        ("于2024年5月16日，深圳; 2024년 5월 17일", [date(2024, 5, 16), date(2024, 5, 17)]),
        ("２０２４年５月１８日", [date(2024, 5, 18)]),
        ("2024年2月30日", []),  # no such day
        ("Mars 2020 landed", []),  # a month with a year but no day
        ("February 30, 2022", []),  # no such day
        ("March 3 (MPA)", []),  # no year: not a full date
        ("3 hours ago", []),
        ("", []),
    ],
)  # fmt: skip
def test_mentioned_dates(text: str, found: list[date]) -> None:
    assert mentioned_dates(text) == found


def test_no_evidence_no_date() -> None:
    value, evidence = article_date([CopyDate("a.txt", 0, None, caption="A crowd in the rain")])
    assert value is None
    assert evidence["date"] is None and "no copy" in str(evidence["why"])


def test_the_earliest_stated_date_wins_and_the_others_are_kept() -> None:
    copies = [
        CopyDate("b.html", 0, "2026-03-04", published="2026-03-04T08:00:00Z"),
        CopyDate("a.txt", 0, "2026-03-03", dateline="PORTVALE, March 3 (MPA)"),
        CopyDate("c.txt", 1, None),
    ]
    value, evidence = article_date(copies)
    assert value == "2026-03-03"
    assert (evidence["from"], evidence["page"], evidence["text"]) == (
        DATELINE,
        "a.txt",
        "PORTVALE, March 3 (MPA)",
    )
    others = evidence["others"]
    assert isinstance(others, list)
    assert [(o["page"], o["from"]) for o in others] == [("b.html", PUBLISHED)]


def test_a_dateline_without_a_day_is_not_the_evidence() -> None:
    # ``LOS ANGELES (Reuters) -`` names a place and an agency: the date is the page's.
    copy = CopyDate(
        "a.html", 0, "2020-01-19", dateline="LOS ANGELES (Reuters) -", published="2020-01-19"
    )
    value, evidence = article_date([copy])
    assert value == "2020-01-19"
    assert (evidence["from"], evidence["text"]) == (PUBLISHED, "2020-01-19")
    dated = CopyDate("a.txt", 0, "2026-03-03", dateline="PORTVALE, March 3 (MPA) -")
    assert article_date([dated])[1]["from"] == DATELINE


def test_a_caption_date_counts_only_without_stronger_evidence() -> None:
    caption = "Picture shot on October 7, 2024 and issued on October 8, 2024."
    alone = [CopyDate("p.txt", 0, None, caption=caption)]
    assert article_date(alone)[0] == "2024-10-08"  # the latest: closest to publication
    assert article_date(alone)[1]["from"] == CAPTION
    stated = [*alone, CopyDate("q.txt", 0, "2024-10-20", published="2024-10-20")]
    assert article_date(stated)[0] == "2024-10-20"


def test_a_bad_stated_date_is_no_date() -> None:
    assert article_date([CopyDate("p.txt", 0, "someday")])[0] is None


def test_the_page_date_before_a_later_date_line_is_the_evidence() -> None:
    # Segmentation gives the copy the page is about the earlier of its date line (here a
    # site's today box in the page's head) and the page's metadata date.
    copy = CopyDate(
        "p.html", 0, "2019-07-24", dateline="Thu, 18 April 2024", published="2019-07-24T09:00Z"
    )
    value, evidence = article_date([copy])
    assert value == "2019-07-24"
    assert (evidence["from"], evidence["text"]) == (PUBLISHED, "2019-07-24T09:00Z")
    # A date line with no year takes the page's: it states the day it says.
    dated = CopyDate("q.html", 0, "2026-03-03", dateline="March 3", published="2026-03-05")
    assert article_date([dated])[1]["from"] == DATELINE


def _dated_page(date_line: str, published: str, *, in_markup: bool = True) -> Copy:
    lead = "The ferry company said on Monday that it would add two crossings a day."
    more = "The new crossings start in June. Tickets go on sale at the quay next week."
    text = "\n\n".join(["Ferry adds crossings", date_line, lead, more])
    page = Page(
        id="p", uri=None, format="html", content_hash="h", raw=b"", text=text,
        title="Ferry adds crossings", published=published,
        meta={DATE_IN_MARKUP: "yes"} if in_markup else {},
    )  # fmt: skip
    (result,) = segment([page], line_stats([page]))
    (copy,) = result.copies
    return copy


def test_a_copy_takes_the_earlier_of_its_date_line_and_the_page_date() -> None:
    assert _dated_page("Thu, 18 April 2024", "2019-07-24T09:00:00Z").date == "2019-07-24"
    assert _dated_page("March 3, 2026", "2026-03-05T09:00:00Z").date == "2026-03-03"


def test_a_page_date_read_from_the_text_does_not_beat_a_date_line() -> None:
    # trafilatura may take a date the article mentions for the page's: not in the markup.
    copy = _dated_page("March 14, 2024", "2021-06-02", in_markup=False)
    assert copy.date == "2024-03-14"


def test_a_built_page_dated_in_its_markup_beats_a_today_box(tmp_path: Path) -> None:
    # End to end: the flag the reader sets travels through the archive to segmentation.
    lead = "The ferry company said on Monday that it would add two crossings a day."
    more = "The new crossings start in June. Tickets go on sale at the quay next week."
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "p.html").write_text(
        '<html><head><meta property="article:published_time" content="2019-07-24T09:00:00Z">'
        "<title>Ferry adds crossings</title></head><body><h1>Ferry adds crossings</h1>"
        f"<p>Thu, 18 April 2024</p><p>{lead}</p><p>{more}</p></body></html>",
        encoding="utf-8",
    )
    db = tmp_path / "a.db"
    build([pages], db, config=BuildConfig(entities=False))
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT date FROM articles").fetchall() == [("2019-07-24",)]
    finally:
        conn.close()
