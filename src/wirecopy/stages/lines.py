"""Lines of a page and what their shape says: prose or label, dates, credits, fragments.

Everything here looks at one line at a time and knows no phrase of any site: the evidence is
typographic (sentence-final punctuation, case, length, separators, parenthesised credits) or
comes from the language data in ``wirecopy/data/segment.json`` (month and weekday names).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from itertools import pairwise
from typing import Any

from wirecopy.textnorm import normalize

# Closing quotes and brackets that may follow sentence-final punctuation: English, German
# („…“, »…«), French and Swiss (« … », ‹ … ›) quotes, and the brackets of Chinese and Japanese.
_CLOSERS = "\"'”’»)]“«›‹」』）】"
# Sentence-final punctuation, with the full stops and marks of Chinese and Japanese (written
# with no space after them) and Arabic's question mark.
_CJK_FINAL = "。！？"
_FINAL = ".!?…" + _CJK_FINAL + "؟"
# Characters that join the items of a widget or navigation line ("Share | Print", "A · B"),
# wherever they stand; the full-width ``＞`` marks menu links and breadcrumbs in Chinese and
# Japanese (``＞ ログイン``), where a comparison is written with other signs.
SEPARATOR_CHARS = "|·•›»↗©®™＞"
# Characters that join items only with a space each side (``News / World``) and, for ``>``,
# when they join three items or more (``Home > News > World``, a breadcrumb trail): one
# ``>`` is as likely a comparison in a headline (``Growth > 5% in third quarter``).
SPACED_SEPARATORS = "/>"
_SEPARATORS = re.compile(rf"[{re.escape(SEPARATOR_CHARS)}]| / ")
_ARROW = re.compile(r"\s>\s")
# ``> `` opening a line quotes it (e-mail, forum posts, Markdown): no separator, however deep.
_QUOTING = re.compile(r"^(?:>\s?)+")
BREADCRUMB_ARROWS = 2  # ``>`` joining this many times: a breadcrumb trail or a menu
_WORD = re.compile(r"[^\W\d_][\w'’.-]*|\d[\d,.:]*", re.UNICODE)
_DIGITS = re.compile(r"\d[\d,.:]*")
# A sentence ends at final punctuation (and closers) followed by space and a capital,
# a digit or an opening quote.
_SENTENCE_END = re.compile(
    rf"(?<=[.!?…؟])[{re.escape(_CLOSERS)}]*(?:\s[»›])?(?=\s+[\"'“‘„«»‹›(\[「『]*[\w])"
    rf"|(?<=[{_CJK_FINAL}])[{re.escape(_CLOSERS)}]*(?=[^\s{re.escape(_CLOSERS)}])"
)
# Scripts written with no space between words (Chinese, Japanese): about two characters make
# a word, so a line's length in words is its length in these characters over two.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Brackets, and quotes made of the characters that also separate menu items (»…«, « … »,
# ‹…›): what they enclose is no menu.
_PARENS = re.compile(r"\([^()]*\)|«[^«»]*»|»[^«»]*«|‹[^‹›]*›|›[^‹›]*‹")
_INITIAL = re.compile(r"(?:^|[\s(.])[A-Za-z]\.$")  # ``J.``, ``U.S.``, ``u.s.``
_CREDIT = re.compile(r"\([^()]{1,60}\)\s*$")
# ``[Getty]``, ``[AFP]``: a credit in square brackets closing a described scene (a bracket
# opening with a letter, so a footnote's ``[1]`` is none; a headline's ``[VIDEO]`` closes a
# line shorter than a caption).
_BRACKETED_CREDIT = re.compile(r"\[[^\W\d_][^\[\]]{0,59}\]\s*$")
CAPTION_WORDS = 8
_HEAD = re.compile(r"^\s*([^:]{1,40}?)\s*:\s*\S")
_LEADING_PUNCT = re.compile(r"^[\s\-–—(\[\"'“‘]+|[\s)\]\"'”’]+$")
_GLUED_DATELINE = re.compile(
    r"^(?P<line>[^\W\d_](?:[^\W\d_]|['’.\- ]){1,40}(?:,[^()\n]{1,40}?)?"
    r"(?:\s*\([^()\n]{1,40}\))?)\s+[-–—]+\s+(?=[\"'“‘]?(?:\d|[^\W\d_]))"
)


@cache
def _data() -> dict[str, Any]:
    text = resources.files("wirecopy").joinpath("data/segment.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@cache
def _language() -> tuple[dict[str, int], frozenset[str]]:
    data = _data()
    return dict(data["months"]), frozenset(data["weekdays"])


@cache
def date_language() -> tuple[dict[str, int], frozenset[str], tuple[str, ...]]:
    """The names of months (to their numbers), the small words a date may hold ("de" of
    "10 de mayo de 2022") and the ordinal endings of a day ("1st", "1er"): language data."""
    data = _data()
    return dict(data["months"]), frozenset(data["date_words"]), tuple(data["ordinals"])


@cache
def stamp_words() -> tuple[frozenset[str], frozenset[str]]:
    """The words that label a date stamp (``Updated``, ``aktualisiert``) and the small words
    it holds only with such a label (``Last updated on``, ``Zuletzt aktualisiert am``), in
    small letters: language data."""
    data = _data()
    return frozenset(data["stamp_labels"]), frozenset(data["stamp_words"])


@cache
def _prompt_pattern() -> re.Pattern[str]:
    phrases = sorted(_data()["prompts"], key=len, reverse=True)
    return re.compile(rf"^(?:{'|'.join(re.escape(p) for p in phrases)})(?!\w)", re.IGNORECASE)


PROMPT_WORDS = 20


@cache
def _prompt_objects() -> frozenset[str]:
    return frozenset(_data()["prompt_objects"])


def prompt(text: str) -> bool:
    """A call to action (``Sign up to our daily newsletter``, ``Get our award-winning daily
    news email ...``): a short line opening with one of the phrases of the language data and
    naming what it offers (a newsletter, an email: ``Get our boys home`` is a headline)."""
    if len(text.split()) > PROMPT_WORDS or _prompt_pattern().match(text.strip()) is None:
        return False
    return any(word in _prompt_objects() for word in re.findall(r"[\w-]+", text.lower()))


@cache
def _slot_labels() -> frozenset[str]:
    return frozenset(_data()["slot_labels"])


def slot_label(text: str) -> bool:
    """The label of a slot in the page, an advertisement's or a box of links, standing alone
    (``Advertisement``, ``- Anzeige -``, ``READ MORE``): language data."""
    return text.strip(" -–—|·•*()[]").lower() in _slot_labels()


@cache
def byline_words() -> frozenset[str]:
    """Words that open a byline (``By``, ``Von``), in small letters."""
    return frozenset(_data()["bylines"])


@cache
def _number_words() -> frozenset[str]:
    """Numbers written as words, as printed in small letters, capitalised or in capitals."""
    words = _data()["numbers"]
    return frozenset(v for w in words for v in (w, w.capitalize(), w.upper()))


# A rank, not a figure ("2ND", "4th"); English suffixes only.
ORDINAL = re.compile(r"\b\d+(?:st|nd|rd|th)\b", re.IGNORECASE)
_LIST_MARKER = re.compile(r"^\(?(\d{1,2})[.)]\s")  # ``1.`` or ``2)`` opening an item of a list


def list_item(text: str) -> bool:
    """Does the line open with the number of an item of a list (``3. Headline``)?"""
    return _LIST_MARKER.match(text) is not None


def item_number(text: str) -> int | None:
    """The number opening an item of a list (``3. Headline``: 3), or None."""
    match = _LIST_MARKER.match(text)
    return int(match.group(1)) if match else None


# A line of program code, by its shape in any of the common languages: a decorator, a
# comment, a definition or an import opening it; a call (``name(``, ``a.b(``) closing it or
# standing in it; braces closing it; an assignment (``x = ...``); an ellipsis. (A semicolon
# alone is no evidence: lists of roles or of links end their items with one.)
_FRAME = (
    r"^(?:def |class |import \w|from [\w.]+ import |return\b|function\b)|[{}]\s*$|^[})\]]+[;,)]*$"
)
_ACT = r"[\w\])]\.\w+\(|\b[a-z_][\w.]*\([^()]*\)?[,;:]?\s*$|^\w[\w.\[\]]* = \S"
_CODE = re.compile(rf"^(?:@\w|#\s|//|/\*|\*/|\.\.\.$|\"\"\"|''')|{_FRAME}|{_ACT}")
_CODE_FRAME = re.compile(_FRAME)
_CODE_ACT = re.compile(_ACT)


def code_like(text: str) -> bool:
    """Does the line read as a line of program code rather than of text?"""
    return _CODE.search(text) is not None


def code_evidence(text: str) -> tuple[bool, bool]:
    """The two kinds of evidence a block of code holds both of (a list of handles,
    ``@name``, or of comments holds neither): does the line open or close a definition or a
    block (``def``, ``import``, braces), and does it call or assign?"""
    return _CODE_FRAME.search(text) is not None, _CODE_ACT.search(text) is not None


_ITEM = re.compile(r"^(?:[-–—•*·▪◦]|\(?\d{1,2}[.)]|\(?[a-z][.)])\s")


def item(text: str) -> bool:
    """Does the line open as an item of a list: a bullet or dash (``- Item``, ``• Item``), a
    number (``3. Item``, ``2) Item``) or a letter (``a) Item``)?"""
    return _ITEM.match(text) is not None


def figures(text: str) -> int:
    """How many of the words of ``text`` are numbers (``4.2``, ``1,250,000``, ``seven``), in
    digits or in words; an ordinal (``3rd``) names a rank, not a quantity."""
    numbers = _number_words()
    found = len([t for t in words(text) if t in numbers or t[0].isdigit()])  # a list: faster
    return found - len(ORDINAL.findall(text)) if found else 0


def shape_key(text: str) -> str:
    """The line as compared across pages: normalised, with every number masked."""
    return _DIGITS.sub("#", normalize(text))


def head_key(text: str) -> str | None:
    """The label before a colon opening a line (``Topics:``), when it is short."""
    match = _HEAD.match(text)
    if not match or len(match.group(1).split()) > 3:
        return None
    return shape_key(match.group(1)) + ":"


def name_key(text: str) -> str:
    """A line as a name: without leading dashes, brackets or one lower-case word (``via X``)."""
    text = _LEADING_PUNCT.sub("", text)
    first, _, rest = text.partition(" ")
    if rest and first.islower() and len(first) <= 4:
        text = rest
    return normalize(_LEADING_PUNCT.sub("", text))


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text`` (a simple punctuation-based split)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.end()
        # The pattern spans at most four characters before `end` (three, and a line end
        # `$` allows): searching from there keeps the split linear in a long line (from
        # 0 it was quadratic).
        if _INITIAL.search(text, max(0, end - 4), end):
            continue  # ``U.S.`` or ``J. Smith``: an initial, not the end of a sentence
        if text[start:end].strip():
            spans.append((start, end))
        start = end
        while start < len(text) and text[start].isspace():
            start += 1
    if text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return spans


def separated(text: str) -> bool:
    """Does the line join items as a menu or a breadcrumb trail does (``Share | Print``,
    ``Home > News > World``), outside brackets and quotes? A line quoted with ``> `` and a
    single ``>`` (a comparison) join nothing."""
    text = _PARENS.sub("", text)
    if _SEPARATORS.search(text):
        return True
    return len(_ARROW.findall(_QUOTING.sub("", text))) >= BREADCRUMB_ARROWS


def _emoji(c: str) -> bool:
    """A pictograph (``😀``, ``♥``, ``✨``) or what joins or modifies one (skin tone, variation
    selector, zero-width joiner); not ``©``, ``®``, ``™`` or arrows, which end labels."""
    if c in _EMOJI_PARTS:
        return True
    arrow = "ARROW" in unicodedata.name(c, "")  # ``➜``, ``⬇``: they point to a link
    return unicodedata.category(c) == "So" and c >= "\u2600" and not arrow


# ``©``, or ``(c)`` or ``Copyright`` before a year: not ``(c)`` of a list in a sentence.
_NOTICE = re.compile(r"©|\(c\)\s*\d{4}|\bcopyright\s+(?:\(c\)\s*)?\d{4}", re.IGNORECASE)
_EMOJI_PARTS = frozenset("\ufe0f\u200d\U0001f3fb\U0001f3fc\U0001f3fd\U0001f3fe\U0001f3ff")


def is_terminal(text: str) -> bool:
    """Does the text end like a sentence (final punctuation, then maybe quotes or brackets)?
    Pictographs after it are passed over: blogs and posts close a sentence with one
    (``Nun gut… 😀``), which ends it as its full stop does."""
    stripped = text.rstrip().rstrip(_CLOSERS + " \u00a0\u202f")  # French: ``lundi. »``
    if stripped and _emoji(stripped[-1]):
        end = len(stripped)
        while end and (_emoji(stripped[end - 1]) or stripped[end - 1].isspace()):
            end -= 1
        stripped = stripped[:end].rstrip(_CLOSERS + " \u00a0\u202f")
    return bool(stripped) and stripped[-1] in _FINAL


# A line ending with a colon and longer than this is a sentence that announces what follows
# (``In her book she sets out ten rules for a long life:``), not a label (``Read more:``) or
# a subhead (``Tips from the editors:``).
ANNOUNCING_WORDS = 12


@dataclass(frozen=True, slots=True)
class Line:
    """One non-empty line of a page with the shape evidence about it."""

    index: int  # among the page's non-empty lines
    start: int  # character offsets into the page text (stripped line)
    end: int
    text: str
    gap: int  # blank lines before it
    key: str  # shape_key
    words: int
    sentences: int
    terminal: bool
    lower: float  # share of words that start with a lower-case letter
    caps: bool  # every letter upper-case
    separators: bool
    credit: bool  # ends with a credit in brackets, or a short unterminated tail
    cased: bool = True  # written mostly in a script with case (not Arabic, Chinese, Thai...)
    notice: bool = False  # a copyright notice: ``© 2013 Cable News Network ...``

    @property
    def prose(self) -> bool:
        """A paragraph of running text rather than a label, a title or a widget. In a script
        without case, punctuation and length decide alone."""
        lower = self.lower if self.cased else 1.0
        if self.separators and self.words < 12:
            return False
        if self.notice:
            return False  # however long
        if self.terminal and self.words >= 3 and lower >= 0.25:
            return True
        if self.terminal and self.words >= 15 and not self.caps:
            return True  # a long sentence full of names
        if self.text.endswith(":") and self.words > ANNOUNCING_WORDS and lower >= 0.25:
            return True  # a sentence announcing a list or a quote (a label is shorter)
        return self.words >= 20 and lower >= 0.5

    @property
    def captionish(self) -> bool:
        """Reads like a photo caption: a described scene, usually with a credit."""
        return not self.separators and (
            self.credit
            or (self.words >= CAPTION_WORDS and self.lower >= 0.25 and self.sentences <= 3)
        )


def word_count(tokens: list[str]) -> int:
    """Words of a line's tokens, a run of Chinese or Japanese counting two characters a word."""
    count = 0
    for token in tokens:
        unspaced = len(_UNSPACED.findall(token))
        count += max(1, (unspaced + 1) // 2) if unspaced else 1
    return count


def _cased(text: str) -> bool:
    """Is the text written mostly in letters that have case (or has it no letters at all)?"""
    if text.isascii():
        return True
    letters = [c for c in text if c.isalpha()]
    return 2 * sum(c.lower() != c.upper() for c in letters) >= len(letters)


def _lower_share(tokens: list[str]) -> float:
    alpha = [t for t in tokens if t[:1].isalpha()]
    return sum(t[0].islower() for t in alpha) / len(alpha) if alpha else 0.0


def _credit(text: str, spans: list[tuple[int, int]]) -> bool:
    if _CREDIT.search(text) and not is_terminal(text):
        return True
    if _BRACKETED_CREDIT.search(text) and len(text.split()) >= CAPTION_WORDS:
        return True
    return fragment_start(text, spans, max_sentences=3) is not None


def fragment_start(
    text: str, spans: list[tuple[int, int]] | None = None, *, max_sentences: int = 1000
) -> int | None:
    """Where an unterminated tail after the last full sentence starts, if there is one.

    ``… the last sentence. Share | Print`` or ``… a scene. Photo: A. Name``: a short run of
    words with no final punctuation glued after text that ends sentences.
    """
    spans = sentence_spans(text) if spans is None else spans
    if len(spans) < 2 or len(spans) > max_sentences + 1:
        return None
    start, end = spans[-1]
    tail = text[start:end]
    if is_terminal(tail) or len(words(tail)) > 12 or not is_terminal(text[: spans[-2][1]]):
        return None
    return start


_GLUED_LABEL = re.compile(r"^[^:]{1,40}?[^\W\d_]:[^\W\d_]")


def glued_label(text: str) -> bool:
    """A line opening with a label glued to the next word (``More:Lion Air crash: ...``,
    ``TALLAHASSEE COVERAGE:Chances of ...``): a link between paragraphs whose label the
    markup set apart (``<b>More:</b><a>...</a>``) and extraction glued back. Edited text puts
    a space after a label's colon."""
    return _GLUED_LABEL.match(text) is not None


def glued_dateline(text: str) -> int | None:
    """End of a dateline glued to a first paragraph (``CITY, Month 3 (AGENCY) - ``)."""
    match = _GLUED_DATELINE.match(text)
    if not match or text[match.end() :].lstrip("\"'“‘")[:1].islower():
        return None  # the paragraph opens with a capital or a figure
    head = match.group("line")
    first = head.split(",")[0].split("(")[0].strip()
    if len(first.replace(" ", "")) < 2:
        return None
    if not first.replace(" ", "").isupper():
        # A place in ordinary case (``Hamburg, 17. Mai 2024 (NPA) - ``): only before a
        # full date, year and all; in capitals the place alone says it.
        parts = dateline_parts(head) if _place(first) else None
        return match.end() if parts is not None and parts[0] is not None else None
    if "(" not in head and date_parts(head.partition(",")[2]) is None:
        return None
    return match.end()


def _place(text: str) -> bool:
    """A place's name: one to four words, each capitalised (``Hamburg``, ``New York``)."""
    names = text.split()
    return 1 <= len(names) <= 4 and all(w[:1].isupper() and w.isalpha() for w in names)


_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ][\d:.+\-Z]*)?$")
CJK_DATE = (
    r"(?P<cy>\d{4})[ \t\u3000]*[年년][ \t\u3000]*(?P<cm>\d{1,2})[ \t\u3000]*[月월]"
    r"[ \t\u3000]*(?P<cd>\d{1,2})[ \t\u3000]*[日일]"
)
"""A date as Chinese, Japanese and Korean print it (``2024年5月17日``, ``2024년 5월 17일``)."""
_CJK_WEEKDAY = (
    r"(?:[（(](?:星期|周|週)?[一二三四五六日天月火水木金土월화수목금토일](?:曜日|요일)?[)）]"
    r"|(?:星期|礼拜|周|週)[一二三四五六日天]|[月火水木金土日]曜日?|[월화수목금토일]요일)"
)
_CJK_DATE_LINE = re.compile(
    # a label (``发布时间：``), the date, a weekday (``（星期五）``, ``(金)``, ``금요일``) and a
    # time (``10:32``, ``下午3时15分``, ``오전 10:32``)
    rf"^(?:[^\W\d]{{1,8}}[:：][ \t\u3000]*)?{CJK_DATE}"
    rf"(?:[ \t\u3000]*[，,、]?[ \t\u3000]*{_CJK_WEEKDAY})?"
    r"(?:[ \t\u3000]*(?:上午|下午|午前|午後|오전|오후)?[ \t\u3000]*"
    r"(?:[01]?\d|2[0-3])"
    r"(?:[:：][0-5]\d(?:[:：][0-5]\d)?|[时時시][ \t\u3000]*[0-5]?\d[ \t\u3000]*[分분]))?$"
)
_TIME = re.compile(r"^\d{1,2}[:.]\d{2}$")
_NOISE = frozenset(("-", "–", "—", "|", "am", "pm", "gmt", "utc"))
_LABEL = re.compile(r"^[^\W\d][\w ]{0,20}:\s+")  # ``Published: `` before a date
# A time of day, with its zone (``6:33 AM CDT``, ``10:32 BST``: capitals ending in T); with a
# point only before ``am``, ``pm`` or ``Uhr`` (``March 3 at 1.25`` is a figure).
_TIME_OF_DAY = re.compile(
    r"(?<![\d.])\d{1,2}(?:[:h]\d{2}(?::\d{2})?|\.\d{2}(?=\s*(?:[AaPp]\.?[Mm]\b|Uhr\b)))(?![.\d])"
    r"(?:\s*[AaPp]\.?[Mm]\.?)?(?:\s+(?:\(?[A-Z]{0,3}T\)?|Uhr))?(?!\w)"
)


def date_parts(text: str) -> tuple[int | None, int, int] | None:
    """(year or None, month, day) when the whole text is a date (``Monday 9 March 2026``,
    ``Published: 4 March 2026, 10:32``, ``Updated May 1, 2019 6:33 AM CDT``, ``2026-03-04``,
    ``2026年3月4日``)."""
    months, weekdays = _language()
    small, ordinals = date_language()[1:]
    text = _LABEL.sub("", text.strip())
    iso_match = _ISO_DATE.match(text) or _CJK_DATE_LINE.match(text)
    if iso_match:
        y, m, d = (int(g) for g in iso_match.groups())
        return (y, m, d) if 1 <= m <= 12 and 1 <= d <= 31 else None
    tokens = [t for t in re.split(r"[\s,/]+|\.(?=\s|$)", _TIME_OF_DAY.sub(" ", text).lower()) if t]
    labels, stamps = stamp_words()  # ``Updated``, ``Last updated on``, ``Mis à jour le``
    if any(t in labels for t in tokens):
        small = small | labels | stamps  # ``On March 7`` alone is a heading, not a stamp
    tokens = [t for t in tokens if not _TIME.match(t) and t not in _NOISE and t not in small]
    if not 2 <= len(tokens) <= 5:
        return None
    year = month = day = None
    for token in tokens:
        if token in months and month is None:
            month = months[token]
        elif token in weekdays:
            continue
        elif re.fullmatch(r"\d{4}", token) and year is None:
            year = int(token)
        elif re.fullmatch(r"\d{1,2}", token.removesuffix(_ending(token, ordinals))) and (
            day is None
        ):
            day = int(token.removesuffix(_ending(token, ordinals)))
        else:
            return None
    if month is None or day is None or not 1 <= day <= 31:
        return None
    return year, month, day


def _ending(token: str, ordinals: tuple[str, ...]) -> str:
    return next((end for end in ordinals if token.endswith(end) and token[:1].isdigit()), "")


_CLOCK = re.compile(r"\b\d{1,2}(?::\d{2}|[.:]\d{2}\s*[ap]\.?m\b)", re.IGNORECASE)
_NUMERIC_DATE = re.compile(r"\b\d{1,4}([/.-])\d{1,2}\1\d{2,4}\b")
YEAR = re.compile(r"\b(?:1[6-9]|2[0-9])\d\d\b")


def timestamp(text: str) -> bool:
    """Does a short line say when (``Updated 10:32 AM, March 4, 2026``, ``04/03/2026``): a
    clock time, a date in figures, or a month name with a year? A page's time stamp, not a
    row of figures."""
    if _CLOCK.search(text) or _NUMERIC_DATE.search(text):
        return True
    months, _weekdays = _language()
    tokens = re.split(r"[\s,./]+", text.lower())
    return any(t in months for t in tokens) and YEAR.search(text) is not None


def dateline_parts(text: str) -> tuple[int | None, int, int] | None:
    """A date line, or a dateline standing alone (``CITY, March 2 (AGENCY)``)."""
    parts = date_parts(text)
    if parts is not None:
        return parts
    body = re.sub(r"\s*\([^()]{1,40}\)\s*$", "", text.strip())
    place, comma, rest = body.partition(",")
    if comma and place.replace(" ", "").isupper() and len(place) <= 40:
        return date_parts(rest)
    if comma and _place(place.strip()):
        # ``Berlin, 17. Mai 2024``, ``Glasgow, May 14, 2024``: a place in ordinary case before
        # a full date, year and all.
        parts = date_parts(rest)
        return parts if parts is not None and parts[0] is not None else None
    return None


def iso(parts: tuple[int | None, int, int], year: int | None) -> str | None:
    found, month, day = parts
    year = found or year
    return f"{year:04d}-{month:02d}-{day:02d}" if year else None


def _physical(text: str) -> list[tuple[int, str, int, int]]:
    """(start offset, stripped text, blank lines before, indent) of each non-empty line."""
    out: list[tuple[int, str, int, int]] = []
    gap = offset = 0
    for raw in text.splitlines(keepends=True):
        stripped = raw.strip()
        if stripped:
            indent = raw.index(stripped[0])
            out.append((offset + indent, stripped, gap, indent))
            gap = 0
        else:
            gap += 1
        offset += len(raw)
    return out


def _wrap_width(physical: list[tuple[int, str, int, int]]) -> int | None:
    """The width a hard-wrapped text is wrapped at, or None when lines are not wrapped.

    Wrapped text has most lines near one width (at most 100 characters), and many lines
    that stop there in mid-sentence, the next line going on in lower case.
    """
    lengths = [len(t) + indent for _s, t, _g, indent in physical]
    if len(lengths) < 3:
        return None
    width = sorted(lengths)[int(0.9 * (len(lengths) - 1))]
    near = sum(1 for n in lengths if n >= 0.7 * width)
    broken = sum(
        1
        for (_s, a, _g, ia), (_t, b, gap, _ib) in pairwise(physical)
        if gap == 0 and len(a) + ia >= 0.7 * width and not is_terminal(a) and b[0].islower()
    )
    wrapped = width <= 100 and near >= 0.5 * len(lengths) and broken >= max(1, 0.2 * len(lengths))
    return width if wrapped else None


_LEAD_LETTERS = re.compile(r"[^\W\d_]+")


def _first_letters(text: str) -> str:
    """The letters ``text`` opens with (``iOS`` of ``iOS 13's``, ``self`` of ``self.x``)."""
    found = _LEAD_LETTERS.match(text)
    return found.group() if found else ""


def _broken(before: str, line: str) -> bool:
    """Does ``line`` go on with the sentence ``before`` left open (markup broke it): ``before``
    ends no sentence and announces nothing, ``line`` opens in small letters, and both read as
    running text longer than a label (``... who in 2008 won the`` / ``award for best
    supporting role``): ``line`` with at least half its words in small letters (not a name
    such as ``via Agency``), ``before`` with at least a third (not a heading in capitals or
    Title Case; German capitalises its nouns)? A first word in mixed case (``iOS``,
    ``iPhone``, ``eBay``) is a name written so, which opens sentences: a lede under its
    headline."""
    tokens, head = words(line), words(before)
    return (
        line[:1].islower()
        and _first_letters(line).islower()
        and not is_terminal(before)
        and not before.endswith((":", ";"))
        and len(head) >= 4
        and len(tokens) >= 4
        and 3 * _lower_share(head) >= 1  # not a heading in capitals or Title Case
        and _lower_share(tokens) >= 0.5
        and not item(before)
        and not item(line)
        and date_parts(line) is None  # "le 3 mars 2024" under a headline stands alone
    )


_BULLETS = frozenset("-–—•*·▪◦")


def _unwrap(physical: list[tuple[int, str, int, int]]) -> list[tuple[int, int, str, int]]:
    """Join hard-wrapped lines into paragraphs: (start, end, text, gap) per paragraph.

    A line continues the one before when the text is wrapped at a fixed width, nothing
    separates them, the one before reaches the wrap width, and this one is not indented
    further (an indent opens a paragraph); or when markup broke a sentence (`_broken`).
    """
    width = _wrap_width(physical)
    merged: list[tuple[int, int, str, int]] = []
    previous: tuple[int, str, int, int] | None = None
    for k, (start, stripped, gap, indent) in enumerate(physical):
        joins = (
            width is not None
            and previous is not None
            and gap == 0
            and len(previous[1]) + previous[3] >= 0.7 * width
            and indent <= previous[3]
        )
        if merged and not joins and gap <= 1:
            after = physical[k + 1][1] if k + 1 < len(physical) else ""
            before = merged[-2][2] if len(merged) > 1 else ""
            bullet = _bullet_of(merged[-1][2], stripped, before, after)
            joins = bullet or _broken(merged[-1][2], stripped)
        if joins and merged:
            first, _end, joined, first_gap = merged[-1]
            merged[-1] = (first, start + len(stripped), f"{joined} {stripped}", first_gap)
        else:
            merged.append((start, start + len(stripped), stripped, gap))
        previous = (start, stripped, gap, indent)
    return merged


ITEM_WORDS = 8  # the text a lone bullet is joined to is an item this long at most, alone


def _bullet_of(bullet: str, text: str, before: str, after: str) -> bool:
    """Is ``bullet`` a bullet alone on its line and ``text`` its item's (what markup that
    sets the bullet apart leaves in text)? Only when the text is short, or another item
    stands before it or another bullet after it: a lone ``*`` or ``—`` between two
    paragraphs divides scenes."""
    if bullet not in _BULLETS:
        return False
    listed = after in _BULLETS or item(before)
    return listed or len(text.split()) <= ITEM_WORDS


@lru_cache(maxsize=1024)
def split_lines(text: str) -> tuple[Line, ...]:
    """The non-empty lines of ``text`` (hard-wrapped ones joined) with offsets and shape.

    Cached: a build counts a batch's lines (`line_stats`) and then segments the same pages.
    """
    lines: list[Line] = []
    for start, end, stripped, gap in _unwrap(_physical(text)):
        tokens = words(stripped)
        spans = sentence_spans(stripped)
        cased = _cased(stripped)
        lines.append(
            Line(
                index=len(lines),
                start=start,
                end=end,
                text=stripped,
                gap=gap,
                key=shape_key(stripped),
                words=word_count(tokens),
                sentences=len(spans),
                terminal=is_terminal(stripped),
                lower=_lower_share(tokens),
                caps=stripped.isupper() and cased,
                separators=separated(stripped),
                credit=_credit(stripped, spans),
                cased=cased,
                notice=bool(_NOTICE.search(stripped) and YEAR.search(stripped)),
            )
        )
    return tuple(lines)
