"""Dates: when an article was published, from what its pages say, with the evidence.

Each copy of an article may state a date:

- ``dateline``: a date line or a dateline printed with the copy (``November 14, 2023``,
  ``PORTVALE, March 3 (MPA) -``), as segmentation found it; a dateline without a year takes
  the year from the page's metadata, and gives no date when there is none;
- ``published``: the page's own metadata (HTML ``article:published_time`` and the like, a
  feed's ``published``, a WARC record's), for the copy the page is about (titled with
  the metadata title, else its longest copy in paragraphs, else its first). When that copy
  has a date line too and the page's markup writes its date (a meta tag, JSON-LD), the
  earlier of the two is its date: a date line in a page's head may be the site's today box
  (``Thu, 18 April 2024`` over a story of 2019), and a metadata date after the date line is
  an update's (`wirecopy.stages.segment`);
- ``caption``: a full date (day, month and year) in the copy's photo caption ("shot on
  October 7, 2024 and issued on October 8, 2024"); the latest one, the closest to
  publication. A caption is weaker evidence than the two above and counts only when no copy
  has those.

The article's date is the earliest date of the strongest kind of evidence any copy has: a
wire story printed by several outlets was published by the first. No date is guessed from a
file name, a crawl date (``fetched``), an age ("3 hours ago") or a weekday: an article with
no evidence has no date.

:func:`mentioned_dates` gives the full dates a text mentions; story clustering uses the latest
as a bound on when an undated article was written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from wirecopy.stages.lines import CJK_DATE, date_language, dateline_parts

DATELINE = "dateline"
PUBLISHED = "published"
CAPTION = "caption"
STRENGTH = {DATELINE: 2, PUBLISHED: 2, CAPTION: 1}

_MONTHS, _SMALL, _ORDINALS = date_language()  # language data, shared with segmentation
_MONTH = "(?:" + "|".join(sorted(map(re.escape, _MONTHS), key=len, reverse=True)) + r")\.?"
_SUFFIX = "(?:" + "|".join(map(re.escape, _ORDINALS)) + ")?"  # "1st", "1er"
_ORDINAL = "(?:" + "|".join(map(re.escape, _ORDINALS)) + r"|\.)?"  # and "17." of German
_SMALL_WORD = "(?:(?:" + "|".join(map(re.escape, _SMALL)) + r")\s+)?"  # "10 de mayo de 2022"
_FULL_DATE = re.compile(
    rf"\b(?P<m1>{_MONTH})\s+(?P<d1>\d{{1,2}}){_SUFFIX},?\s+(?P<y1>\d{{4}})\b"
    rf"|\b(?P<d2>\d{{1,2}}){_ORDINAL}\s+{_SMALL_WORD}(?P<m2>{_MONTH}),?\s+{_SMALL_WORD}"
    rf"(?P<y2>\d{{4}})\b"
    r"|\b(?P<y3>\d{4})-(?P<m3>\d{2})-(?P<d3>\d{2})\b"
    rf"|(?<!\d){CJK_DATE}",  # no \b: ``于2024年5月16日`` has none before the year
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class CopyDate:
    """What one copy of an article says about its date."""

    page: str
    seq: int
    date: str | None  # the copy's date as segmentation gave it (dateline or metadata)
    dateline: str | None = None  # the text of its date line or dateline, if any
    published: str | None = None  # the page's metadata date
    caption: str | None = None


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day) if 1000 <= year <= 9999 else None
    except ValueError:
        return None


def mentioned_dates(text: str | None) -> list[date]:
    """The full dates (day, month, year) a text mentions, in order."""
    found: list[date] = []
    for match in _FULL_DATE.finditer(text or ""):
        groups = match.groupdict()
        if groups["y1"]:
            parts = (groups["y1"], _MONTHS[groups["m1"].lower().rstrip(".")], groups["d1"])
        elif groups["y2"]:
            parts = (groups["y2"], _MONTHS[groups["m2"].lower().rstrip(".")], groups["d2"])
        elif groups["y3"]:
            parts = (groups["y3"], int(groups["m3"]), groups["d3"])
        else:
            parts = (groups["cy"], int(groups["cm"]), groups["cd"])
        value = _valid(int(parts[0]), int(parts[1]), int(parts[2]))
        if value is not None:
            found.append(value)
    return found


def _iso_day(value: str | None) -> str | None:
    if not value or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        return None


def _says_day(dateline: str, day: str) -> bool:
    """Whether a dateline states ``day`` (its year may be left out: it came from the page).
    One naming only a place and an agency (``LOS ANGELES (Reuters) -``) states none: its
    copy takes the page's date."""
    parts = dateline_parts(dateline.strip().rstrip("-–—").strip())
    if parts is None:
        return False
    year, month, mday = parts
    stated = date.fromisoformat(day)
    return (month, mday) == (stated.month, stated.day) and year in (None, stated.year)


def copy_evidence(copy: CopyDate) -> dict[str, object] | None:
    """The date one copy states and how, or None."""
    stated = _iso_day(copy.date)
    if stated is not None:
        # The copy the page is about takes the earlier of its date line and the page's
        # metadata date (`wirecopy.stages.segment`): the evidence is the one that says it.
        if copy.dateline and _says_day(copy.dateline, stated):
            return {"date": stated, "from": DATELINE, "text": copy.dateline}
        if _iso_day(copy.published) == stated:
            return {"date": stated, "from": PUBLISHED, "text": copy.published}
        return {"date": stated, "from": DATELINE, "text": copy.date}
    in_caption = mentioned_dates(copy.caption)
    if in_caption:
        return {"date": max(in_caption).isoformat(), "from": CAPTION, "text": copy.caption}
    return None


def article_date(copies: list[CopyDate]) -> tuple[str | None, dict[str, object]]:
    """An article's date and the evidence for it (see the module's rules)."""
    found: list[dict[str, object]] = []
    for copy in sorted(copies, key=lambda c: (c.page, c.seq)):
        evidence = copy_evidence(copy)
        if evidence is not None:
            found.append({"page": copy.page, "copy": copy.seq, **evidence})
    if not found:
        return None, {"date": None, "why": "no copy states a date"}
    strongest = max(STRENGTH[str(e["from"])] for e in found)
    best = min(
        (e for e in found if STRENGTH[str(e["from"])] == strongest),
        key=lambda e: (str(e["date"]), str(e["page"]), int(str(e["copy"]))),
    )
    others = [e for e in found if e is not best]
    return str(best["date"]), {**best, "others": others}
