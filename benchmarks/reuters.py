"""Read the Reuters-21578 newswire collection (1987) from its SGML files.

`iter_stories(folder)` yields one `ReutersStory` per ``<REUTERS>`` element of the
``reut2-*.sgm`` files in `folder`, in file and then document order (21,578 in all).

How the quirks of the collection are handled:

- Bytes are decoded as Latin-1. The collection predates UTF-8 and is ASCII but for one byte
  (0xFC in ``reut2-017.sgm``, wire noise inside story 17980); Latin-1 cannot fail and maps
  every byte to one character.
- Character references are unescaped with `html.unescape` (``&lt;`` to ``<``, ``&amp;`` to
  ``&``). The wire control codes written as references (``&#2;``, ``&#3;`` the end-of-text
  marker, ``&#5;``, ``&#22;``, ``&#127;`` ...) and any raw control character are removed;
  carriage returns are dropped, and so is ``^M``, a carriage return spelt out (36 times,
  most of them after the sign-off).
- Bodies are hard-wrapped at about 70 columns and a paragraph starts on an indented line.
  `body` joins the wrapped lines of a paragraph with one space and separates paragraphs with
  one blank line; the text of each line is otherwise kept as it is (tables keep their dots).
- The wire sign-off (``Reuter``, ``REUTER``, ``reuter...``, ``REUTERS``) is *dropped* from the
  end of the body: it is a transmission artefact, not part of the story as outlets print it.
  Other trailers (``MORE``) are kept.
- ``TYPE="BRIEF"`` stories (1,798) have a title and no body; their only other text, the
  placeholder ``Blah blah blah.``, stands outside any element and is ignored. ``TYPE="UNPROC"``
  stories (737) have no title, dateline or body markup: `title` and `body` are empty and
  `unprocessed` holds the text, line by line (mostly tables; one is empty). For other
  stories `unprocessed` is empty.
- Dates look like ``26-FEB-1987 15:01:01.79``, sometimes with leading blanks, two blanks,
  trailing wire codes or an editor's comment. The time ``605:12:19.12`` of story 17192 is
  impossible: such a date keeps its day and gets midnight. `date` is None only when no day
  can be read at all.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

_DOC = re.compile(r"<REUTERS\b([^>]*)>(.*?)</REUTERS>", re.DOTALL)
_ATTR = re.compile(r'(\w+)="([^"]*)"')
_D = re.compile(r"<D>(.*?)</D>", re.DOTALL)
_TAGS = re.compile(r"<[^>]*>")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_DATE = re.compile(
    r"(\d{1,2})-([A-Za-z]{3})-(\d{4})(?:\s+(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?)?"
)
_MONTHS = {
    m: i
    for i, m in enumerate(
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"],
        start=1,
    )
}
# The sign-off, alone on the last line or after the last sentence: "Reuter", "REUTER...",
# "REUTER E", "Reuter4", "REUTER11:43/VB" (an operator's slug).
_SIGNOFF = r"(?:REUTERS?|Reuters?|reuters?)(?:\s*\.{0,3}|\s?[A-Z]{1,3}|\d[\d:/A-Z]*)"
_SIGNOFF_LINE = re.compile(rf"^{_SIGNOFF}$")
_SIGNOFF_TAIL = re.compile(rf"(?<=[.!?\"')0-9])\s+{_SIGNOFF}$")


@dataclass(frozen=True, slots=True)
class ReutersStory:
    """One story of the collection. Strings are stripped; absent parts are empty."""

    newid: int
    date: datetime | None
    title: str
    dateline: str  # "SALVADOR, Feb 26", without the trailing dash
    body: str  # paragraphs separated by one blank line; no sign-off
    places: tuple[str, ...]
    topics: tuple[str, ...]
    kind: str = "NORM"  # the TYPE attribute of TEXT: NORM, BRIEF or UNPROC
    author: str = ""  # "By Janie Gabbett, Reuters" (875 stories have one)
    unprocessed: str = ""  # the text of an UNPROC story, lines kept


def iter_stories(folder: Path) -> Iterator[ReutersStory]:
    """Yield every story of the ``reut2-*.sgm`` files in `folder`, in order."""
    files = sorted(folder.glob("reut2-*.sgm"))
    if not files:
        raise FileNotFoundError(f"no reut2-*.sgm files in {folder}")
    for path in files:
        yield from parse_sgml(path.read_bytes().decode("latin-1"))


def parse_sgml(text: str) -> Iterator[ReutersStory]:
    """Yield the stories of one SGML file's text."""
    for match in _DOC.finditer(text):
        yield _story(dict(_ATTR.findall(match.group(1))), match.group(2))


def _story(attrs: dict[str, str], inner: str) -> ReutersStory:
    text_attrs, text = _element(inner, "TEXT")
    kind = dict(_ATTR.findall(text_attrs)).get("TYPE", "NORM")
    title = " ".join(clean(_element(text, "TITLE")[1]).split())
    body = _body(_element(text, "BODY")[1])
    unprocessed = ""
    if kind == "UNPROC":
        lines = (line.rstrip() for line in clean(_TAGS.sub("", text)).split("\n"))
        unprocessed = "\n".join(line for line in lines if line.strip()).strip("\n")
    return ReutersStory(
        newid=int(attrs["NEWID"]),
        date=parse_date(_element(inner, "DATE")[1]),
        title=title,
        dateline=clean(_element(text, "DATELINE")[1]).strip().rstrip("-").strip(),
        body=body,
        places=_codes(_element(inner, "PLACES")[1]),
        topics=_codes(_element(inner, "TOPICS")[1]),
        kind=kind,
        author=" ".join(clean(_element(text, "AUTHOR")[1]).split()),
        unprocessed=unprocessed,
    )


def _element(text: str, tag: str) -> tuple[str, str]:
    """The attributes and content of the first `tag` element in `text`, or empty strings."""
    start = text.find(f"<{tag}")
    while start != -1 and text[start + len(tag) + 1 : start + len(tag) + 2] not in (">", " "):
        start = text.find(f"<{tag}", start + 1)
    if start == -1:
        return "", ""
    open_end = text.find(">", start)
    close = text.find(f"</{tag}>", open_end)
    end = close if close != -1 else len(text)
    return text[start + len(tag) + 1 : open_end], text[open_end + 1 : end]


def clean(raw: str) -> str:
    """Unescape character references; remove control characters and carriage returns.

    Some carriage returns were transcribed as a caret and an M (``^M``); those go too.
    """
    return _CONTROL.sub("", html.unescape(raw.replace("\r", "").replace("^M", "")))


def _codes(raw: str) -> tuple[str, ...]:
    return tuple(clean(code).strip() for code in _D.findall(raw))


def _body(raw: str) -> str:
    """Unwrap hard-wrapped lines into paragraphs and drop the sign-off."""
    lines = clean(raw).split("\n")
    while lines and (not lines[-1].strip() or _SIGNOFF_LINE.match(lines[-1].strip())):
        lines.pop()  # blank lines and sign-offs (some stories are signed twice)
    if lines:
        lines[-1] = _SIGNOFF_TAIL.sub("", lines[-1].rstrip())
    paragraphs: list[list[str]] = []
    new_paragraph = True
    for line in lines:
        stripped = line.strip()
        if not stripped:
            new_paragraph = True
            continue
        if new_paragraph or line[:1].isspace() or not paragraphs:
            paragraphs.append([stripped])
        else:
            paragraphs[-1].append(stripped)
        new_paragraph = False
    return "\n\n".join(" ".join(p) for p in paragraphs)


def parse_date(raw: str) -> datetime | None:
    """Parse ``26-FEB-1987 15:01:01.79``; an impossible time keeps the day, at midnight."""
    match = _DATE.search(clean(raw))
    if match is None:
        return None
    day, month_name, year, hour, minute, second, fraction = match.groups()
    month = _MONTHS.get(month_name.upper())
    if month is None:
        return None
    try:
        day_only = datetime(int(year), month, int(day))
    except ValueError:
        return None
    if hour is None:
        return day_only
    micro = int((fraction or "0").ljust(6, "0"))
    try:
        return day_only.replace(
            hour=int(hour), minute=int(minute), second=int(second), microsecond=micro
        )
    except ValueError:
        return day_only


def story_text(story: ReutersStory) -> str:
    """The page text of a story: title, a blank line, the body (or the unprocessed text)."""
    parts = [story.title, story.body or story.unprocessed]
    return "\n\n".join(part for part in parts if part)
