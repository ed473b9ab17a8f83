"""What the page and the corpus say about one line, for segmentation (`wirecopy.stages.segment`).

`PageContext` holds a page's lines and what is known of each: repeats on the page, the
site's and the corpus's counts (asked through `PageContext.mark` and recorded, so that the
archive segments a page again only when an answer changes: `Trace`), the site profile.
From these it tells furniture from text: widgets among subheads, source names, lines that
name the site. Bylines, names and counters are read from the line alone.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from wirecopy.records import Page
from wirecopy.stages.evidence import (
    CORPUS_BIT,
    HEAD,
    HEAD_PAGES,
    LINE,
    MARK_BITS,
    NAME,
    NAME_SITES,
    UNKNOWN,
    UNKNOWN_SITE_PAGES,
    LineStats,
    digest,
    site_marks,
    site_of,
)
from wirecopy.stages.lines import (
    SEPARATOR_CHARS,
    SPACED_SEPARATORS,
    YEAR,
    Line,
    byline_words,
    head_key,
    item,
    name_key,
    prompt,
    slot_label,
)
from wirecopy.stages.profiles import EMPTY, SiteProfile
from wirecopy.textnorm import normalize

CORPUS_NAME_WORDS = 3  # a name printed alone on several sites is a source up to this long
BYLINE_NAME_WORDS = 4  # the names of a byline's author (``By Anna Maria Example``)
CREDIT_WORDS = 3  # a credit printed under each picture (``AP``, ``Getty Images``) is this short


@dataclass(slots=True)
class PageContext:
    page: Page
    stats: LineStats
    lines: tuple[Line, ...]
    profile: SiteProfile = EMPTY
    norm: list[str] = field(default_factory=list)
    repeats: Counter[str] = field(default_factory=Counter)
    where: dict[str, list[int]] = field(default_factory=dict)  # text -> its line numbers
    names: Counter[str] = field(default_factory=Counter)  # name -> forms printed on the page
    table: dict[int, str] = field(default_factory=dict)  # line -> its part in a table
    code: set[int] = field(default_factory=set)  # lines of blocks of program code in a text
    sections: set[int] = field(default_factory=set)  # numbered headings whose next follows
    head: set[int] = field(default_factory=set)  # a standfirst's byline, date line, caption
    name_of: list[str] = field(default_factory=list)  # line -> its name key
    keys: list[tuple[str, str | None]] = field(default_factory=list)  # shape and head digests
    heads: Counter[str] = field(default_factory=Counter)  # head digest -> lines it opens
    source_key: str = ""  # the page's metadata source as a name key
    asked: dict[tuple[int, str], int] = field(default_factory=dict)  # see `Trace`
    marks_of: dict[int, frozenset[str]] = field(default_factory=dict)  # line -> its site marks
    title_norm: str = ""  # the page's metadata title, normalised once: lines are compared with it

    def __post_init__(self) -> None:
        self.title_norm = normalize(self.page.title or "")
        self.norm = [normalize(line.text) for line in self.lines]
        self.repeats = Counter(self.norm)
        for i, norm in enumerate(self.norm):
            self.where.setdefault(norm, []).append(i)
        self.name_of = [name_key(line.text) for line in self.lines]
        # The forms a name is printed in (``X`` and ``- X``: a source line), not counting the
        # items of a list: a subhead and its entry in a list of contents are one heading.
        n = len(self.lines)
        listed = {
            i
            for i, line in enumerate(self.lines)
            if item(line.text)
            and any(0 <= j < n and item(self.lines[j].text) for j in (i - 1, i + 1))
        }
        forms = {(self.name_of[i], self.norm[i]) for i in range(n) if i not in listed}
        self.names = Counter(name for name, _form in forms)
        for line in self.lines:
            head = head_key(line.text)
            self.keys.append((digest(line.key), digest(head) if head else None))
        self.heads = Counter(h for _key, h in self.keys if h is not None)
        self.source_key = name_key(self.page.source or "")

    def ask(self, kind: int, key: str, bit: int) -> None:
        """Record a question a decision asks of a key's counts (`Trace.asked`)."""
        self.asked[(kind, key)] = self.asked.get((kind, key), 0) | bit

    @property
    def site(self) -> str:
        return site_of(self.page)

    def metadata_title(self, i: int) -> bool:
        """Is line i the title the page's metadata gives (HTML ``<title>``, feed field),
        maybe with the site's name appended there (``Title - Site``)?"""
        meta = self.title_norm
        line = self.norm[i]
        if not meta or not line:
            return False
        if line == meta:
            return True
        shorter, longer = sorted((line, meta), key=len)
        return len(shorter.split()) >= 4 and longer.startswith(shorter + " ")

    def profiled(self, i: int) -> bool:
        """Does the site profile list line i as the site's boilerplate?"""
        return self.lines[i].key in self.profile.boilerplate

    def dup(self, i: int) -> bool:
        return self.repeats[self.norm[i]] > 1

    def in_body_credit(self, i: int) -> bool:
        """Is line i a photo credit printed under each picture among the paragraphs (``AP``)?
        A short capitalised name with no figure, printed several times, every print right over
        a paragraph, one under a caption (a described scene that is no paragraph) that stands
        right under a paragraph. A source line under each title of a list of stories has a
        title or a standfirst over it; names and time stamps between comments (``Jane Doe``,
        ``Yesterday``) have the comments over them, no caption."""
        line = self.lines[i]
        if line.words > CREDIT_WORDS or not self.dup(i) or self.metadata_title(i):
            return False
        words = clean_name(line.text).split()
        if line.prose or not words or any(not w[:1].isupper() for w in words):
            return False
        if any(c.isdigit() for c in line.text):
            return False
        lines = self.lines
        prints = self.where[self.norm[i]]
        if not all(j + 1 < len(lines) and lines[j + 1].prose for j in prints):
            return False
        return any(
            j > 1 and lines[j - 1].captionish and not lines[j - 1].prose and lines[j - 2].prose
            for j in prints
        )

    def site_count(self, i: int) -> tuple[int, int]:
        """(pages of this site printing line i, pages of the site), best of line and label."""
        line_key, head = self.keys[i]
        found, total = self.stats.on_site(self.stats.lines, line_key, self.site)
        if head:
            found = max(found, self.stats.on_site(self.stats.heads, head, self.site)[0])
        return found, total

    def marks(self, i: int) -> frozenset[str]:
        """Which thresholds on its share of the site's pages line i reaches (`SITE_MARKS`):
        all segmentation asks of the count, so decisions hold while counts grow. (What the
        evidence shows; a decision asks through `mark`.)"""
        marks = self.marks_of.get(i)
        if marks is None:
            marks = self.marks_of[i] = site_marks(*self.site_count(i))
        return marks

    def mark(self, i: int, name: str) -> bool:
        """Does line i reach the site mark ``name`` (line or label)? Recorded as asked."""
        line_key, head = self.keys[i]
        self.ask(LINE, line_key, MARK_BITS[name])
        if head:
            self.ask(HEAD, head, MARK_BITS[name])
        return name in self.marks(i)

    def printed_elsewhere(self, i: int) -> bool:
        """Does the site print line i itself (not only its label) on other pages? Recorded
        as asked, as `mark` is."""
        line_key = self.keys[i][0]
        self.ask(LINE, line_key, MARK_BITS["recurs"])
        found, total = self.stats.on_site(self.stats.lines, line_key, self.site)
        return "recurs" in site_marks(found, total)

    def label_repeats(self, i: int) -> bool:
        """Does line i open with a ``Label:`` that opens another line of the page too?"""
        head = self.keys[i][1]
        return head is not None and self.heads[head] > 1

    def label_recurs(self, i: int) -> bool:
        """Does line i open with a ``Label:`` that opens lines on other pages (any site)?"""
        head = self.keys[i][1]
        if head is None:
            return False
        self.ask(HEAD, head, CORPUS_BIT)
        return self.stats.pages(self.stats.heads, head) >= HEAD_PAGES

    def widget(self, i: int) -> str | None:
        """Why short line i is a widget rather than a subhead, or None."""
        line = self.lines[i]
        if self.profiled(i):
            return "the site profile lists it as boilerplate"
        if line.separators:
            return "a menu of items"
        if (line.words == 1 or counter(line)) and not item(line.text):
            return "a lone word or a counter"  # an item of a list (``- Costs``) is neither
        if prompt(line.text):
            return "a call to action"  # ``Sign up to our daily newsletter``
        if slot_label(line.text):
            return "the label of an advertisement's or a link box's slot"
        if self.mark(i, "recurs"):
            return "the site prints it (or its label) on other pages"
        if self.label_recurs(i):  # ``Read more: ...`` on several pages, whatever follows
            return "its label opens lines on other pages"
        # No site known: a short line printed on several pages of the corpus.
        if self.site == UNKNOWN:
            self.ask(LINE, self.keys[i][0], CORPUS_BIT)
            if self.stats.pages(self.stats.lines, self.keys[i][0]) >= UNKNOWN_SITE_PAGES:
                return "printed on several pages of the corpus"
        return None

    def names_site(self, i: int) -> bool:
        """Does line i name the page's own site (its host name or its metadata name)?"""
        squashed = "".join(c for c in self.lines[i].text.lower() if c.isalpha())
        return any(name in squashed for name in self.site_names)

    @property
    def site_names(self) -> list[str]:
        names = []
        host = (self.page.site or "").lower().removeprefix("www.").split(".")[0]
        for name in (host, (self.page.source or "").lower()):
            squashed = "".join(c for c in name if c.isalpha())
            if len(squashed) >= 6:
                names.append(squashed)
        return names

    def furniture(self, i: int) -> bool:
        """Printed on most pages of its site (or listed in its profile): its furniture."""
        return self.profiled(i) or self.mark(i, "half")

    def sourceish(self, i: int) -> bool:
        line = self.lines[i]
        key = self.name_of[i]
        if self.profiled(i):
            return False
        if key in self.profile.sources:
            return True
        if slot_label(line.text):
            return False  # ``Advertisement``, ``READ MORE``: printed alone on many sites, no agency
        if not namelike(line.text):
            return False
        if self.source_here(i):
            return True
        stats = self.stats
        # Printed alone on several sites: an agency's name, or a syndicated headline; only a
        # short one (``Agence France-Presse``, not ``Acme Corp Raises Dividend``) is a name.
        short = name_words(line.text) <= CORPUS_NAME_WORDS
        name = digest(key)
        self.ask(NAME, name, CORPUS_BIT)  # a page's metadata source, or on several sites
        return key in stats.sources or (short and stats.sites(stats.names, name) >= NAME_SITES)

    def source_here(self, i: int) -> bool:
        """Does the page itself make line i a source name: its profile or metadata name it,
        or it prints the name in two forms (``X`` and ``- X``)? (Not asked of the corpus.)"""
        key = self.name_of[i]
        if key in self.profile.sources:
            return True
        return namelike(self.lines[i].text) and (self.names[key] > 1 or key == self.source_key)

    def evidence(self, i: int, why: str, **more: object) -> dict[str, object]:
        """What decided line i's label. Counts appear only as the thresholds they reach
        (``site``: `SITE_MARKS`), never as numbers, so the evidence stays the same while
        counts grow without crossing one; `wirecopy show` adds the current counts."""
        line = self.lines[i]
        ev: dict[str, object] = {
            "why": why,
            "words": line.words,
            "prose": line.prose,
            "page_repeats": self.repeats[self.norm[i]],
        }
        marks = self.marks(i)
        if marks:
            ev["site"] = sorted(marks)
        if self.profiled(i):
            ev["profile"] = "boilerplate"
        elif self.name_of[i] in self.profile.sources:
            ev["profile"] = "source"
        ev.update(more)
        return ev


# A name holds no character that joins menu items, spaced or not (``A/B``, ``A > B``).
_SEPARATOR_CHARS = frozenset(SEPARATOR_CHARS + SPACED_SEPARATORS)


def namelike(text: str) -> bool:
    """A name standing alone: a few capitalised words, no digits, no sentence."""
    key = name_key(text)
    tokens = key.split()
    if not 1 <= len(tokens) <= 5 or any(c.isdigit() for c in text) or ":" in text:
        return False
    if sum(c.isalpha() for c in key) < 3 or _SEPARATOR_CHARS & set(text):
        return False
    caps = [w for w in clean_name(text).split() if w[:1].isalpha()]
    return bool(caps) and all(w[0].isupper() or len(w) <= 3 for w in caps)


def byline(text: str) -> bool:
    """``By A. Name`` or ``Von A. Name``: a byline word (language data) before a person's
    name (up to four words: ``PAR PHARMACEUTICAL SEEKS NYSE LISTING`` is a headline)."""
    first, _, rest = text.strip().partition(" ")
    return (
        first.lower() in byline_words()
        and bool(rest)
        and namelike(rest)
        and name_words(rest) <= BYLINE_NAME_WORDS
    )


def name_words(text: str) -> int:
    """Words of a name, not counting short lower-case ones (``Press Trust of India``: 3)."""
    return sum(1 for w in clean_name(text).split() if not (w.islower() and len(w) <= 3))


def clean_name(text: str) -> str:
    text = text.strip(" -–—()[]")
    first, _, rest = text.partition(" ")
    return rest if rest and first.islower() and len(first) <= 4 else text


_COUNT = re.compile(r"\d+")


def counter(line: Line) -> bool:
    """A short line holding a number: counters, ages, sizes (``312 reads``, ``5 hours ago``).
    A year (``Budget passes in 2026``) counts nothing."""
    counts = [n for n in _COUNT.findall(line.text) if not YEAR.fullmatch(n)]
    return line.words <= 5 and bool(counts) and not line.terminal
