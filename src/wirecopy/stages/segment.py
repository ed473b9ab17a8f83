"""Segmentation: a page's text into labelled blocks, and the blocks into copies of articles.

Two plain functions over batches:

- `line_stats(pages)` (from `wirecopy.stages.evidence`) counts the short lines of a batch
  across pages and sites; counts merge, so a build accumulates them over batches and runs.
- `segment(pages, stats)` labels every line of every page and groups the labelled blocks into
  copies, one per article the page carries.

How a page is read (every step decides from evidence that holds on pages never seen before):

1. Lines. Each non-empty line is a candidate block; hard-wrapped text is joined back into
   paragraphs first (`wirecopy.stages.lines`). A line is prose when it reads like running
   text (sentence-final punctuation, lower-case words, length). A line printed twice on the
   page is never body: titles and captions get echoed, paragraphs do not.
2. Body runs. Consecutive prose lines form a run, and so do the rows of a table of figures
   (`wirecopy.stages.tables`: short lines of figures, an earnings item's say, that are
   neither repeats on the page nor the site's furniture); a run steps over at most two short
   lines (subheads, in-body widgets) when substantial prose follows (or paragraphs that go
   on) and no echo, date, source, wide gap, heading about the site or heading that names the
   next paragraph (``About X`` / ``X is ...``) stands between, and not from one flattened
   teaser (a long paragraph standing alone) to the next unless a numbered heading stands
   between. A line longer than a subhead stops a run only when it could title the next one;
   a list that a colon announces is stepped over whole, and what it announces, however short,
   goes on the article.
3. Titles. In the zone between two runs the most title-like line heads the next run: short,
   no final full stop, no separators, not a date, a counter, a byline or a source name;
   echoed in the same head, equal to the page's metadata title, followed by a caption, near
   the body are signs for; being printed on most pages of the site is a sign against. An
   untitled run opening with a short question, or with a table line that reads as a
   headline, takes it as its title.
4. Copies. A run is an article when it has two paragraphs or more; or a title and a table;
   or a title and a single flattened paragraph of several sentences (a teaser); or a title
   and the page's first text (a brief). A single paragraph printed on other pages of the
   site is a blurb unless the page opens with it (and it is not on most of the site's
   pages: the site printed one story twice). Runs the site prints on most of its pages, or
   that all name the site itself (a whole body may name it in passing), are boilerplate, as
   are the other runs (blurbs, comment prompts). The page's metadata (title, date, source)
   goes to the copy the page is about: the one titled with the metadata title, else its
   longest copy written in paragraphs, else its first; a first copy that needed the page's
   title to be an article at all (a brief under it) keeps the title.
5. Furniture. After the title, repeats of the title or caption are echoes (they belong to no
   copy), date lines datelines, descriptive lines captions (the first is the copy's caption),
   names known as sources (page metadata, printed alone on several sites when three words
   long or less, or printed twice on the page as ``X`` and ``- X``) source lines; the rest
   is boilerplate (bylines, widgets). A source name right after a body is that copy's source
   unless it stands closer to the next title. Inside a run, a short line is a subhead unless
   it is a menu, a lone word, a counter, or the site (or the corpus, for pages of no known
   site) prints it or its ``Label:`` on other pages; between the rows of a table, a short
   line is a subhead (a heading such as ``Full year``). A dateline glued to a first
   paragraph and an unterminated fragment glued after a flattened body's last sentence are
   cut into blocks of their own.

Site profiles (`wirecopy.stages.profiles`, data given to the build) add what the corpus
cannot teach: lines a profile lists as the site's boilerplate are never body, title,
subhead or caption; names it lists as sources are source lines wherever they stand alone.

Every block keeps the evidence that decided its label (`Block.evidence`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from wirecopy.records import PAGE_OK, Block, Copy, Page, PageResult
from wirecopy.stages.copies import text_hash
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
    line_stats,
    site_marks,
    site_of,
)
from wirecopy.stages.lines import (
    YEAR,
    Line,
    byline_words,
    dateline_parts,
    fragment_start,
    glued_dateline,
    head_key,
    iso,
    item,
    list_item,
    name_key,
    sentence_spans,
    split_lines,
)
from wirecopy.stages.profiles import EMPTY, Profiles, SiteProfile
from wirecopy.stages.tables import ROW, possible_rows, tables
from wirecopy.textnorm import normalize

__all__ = ["LABELS", "LineStats", "Trace", "line_stats", "segment", "segment_traced"]

TITLE = "title"
CAPTION = "caption"
DATELINE = "dateline"
SOURCE = "source"
SUBHEAD = "subhead"
BODY = "body"
ECHO = "echo"
BOILERPLATE = "boilerplate"
LABELS = (TITLE, CAPTION, DATELINE, SOURCE, SUBHEAD, BODY, ECHO, BOILERPLATE)

MAX_BRIDGE = 2  # short lines a body run may step over
SUBHEAD_WORDS = 12
TEASER_SENTENCES = 3
TEASER_WORDS = 40
BRIEF_WORDS = 12
FLAT_SENTENCES = 5
FLAT_WORDS = 50
CORPUS_NAME_WORDS = 3  # a name printed alone on several sites is a source up to this long
FURNITURE_WEIGHT = 0.5  # a title candidate on half the site's pages scores this much less
BYLINE_NAME_WORDS = 4  # the names of a byline's author (``By Anna Maria Example``)


def segment(
    pages: Sequence[Page], stats: LineStats | None = None, profiles: Profiles | None = None
) -> list[PageResult]:
    """Label and group the blocks of each page; rejected or empty pages pass through.

    ``stats`` are the corpus counts (by default, those of ``pages``); ``profiles`` the site
    profiles in effect (none by default).
    """
    return [result for result, _trace in segment_traced(pages, stats, profiles)]


@dataclass(frozen=True, slots=True)
class Trace:
    """What segmenting one page asked of the corpus counts, so that the archive segments it
    again only when an answer changes (`wirecopy.archive.evidence`).

    - ``asked``: (kind, key digest) -> the questions its decisions asked of that key's
      counts (`wirecopy.stages.evidence.MARK_BITS` and ``CORPUS_BIT``). Segmentation is a
      function of the page and these answers: while none changes, it would decide the same.
    - ``block_keys``: for each block, the digests of its line's shape and ``Label:`` head
      (None: no label), whose site marks the block's evidence shows (``site``) whether or not
      a decision asked them; when only those change, the evidence is brought up to date
      without segmenting the page again.
    """

    asked: dict[tuple[int, str], int]
    block_keys: tuple[tuple[str, str | None], ...]


def segment_traced(
    pages: Sequence[Page], stats: LineStats | None = None, profiles: Profiles | None = None
) -> list[tuple[PageResult, Trace]]:
    """`segment`, with what each page's segmentation asked of the counts (`Trace`)."""
    stats = stats if stats is not None else line_stats(pages)
    return [
        _segment_page(page, stats, profiles.for_site(page.site) if profiles else EMPTY)
        for page in pages
    ]


# ---- per-page context ----------------------------------------------------------------------


@dataclass(slots=True)
class _Ctx:
    page: Page
    stats: LineStats
    lines: tuple[Line, ...]
    profile: SiteProfile = EMPTY
    norm: list[str] = field(default_factory=list)
    repeats: Counter[str] = field(default_factory=Counter)
    where: dict[str, list[int]] = field(default_factory=dict)  # text -> its line numbers
    names: Counter[str] = field(default_factory=Counter)  # name -> forms printed on the page
    table: dict[int, str] = field(default_factory=dict)  # line -> its part in a table
    name_of: list[str] = field(default_factory=list)  # line -> its name key
    keys: list[tuple[str, str | None]] = field(default_factory=list)  # shape and head digests
    source_key: str = ""  # the page's metadata source as a name key
    asked: dict[tuple[int, str], int] = field(default_factory=dict)  # see `Trace`
    marks_of: dict[int, frozenset[str]] = field(default_factory=dict)  # line -> its site marks

    def __post_init__(self) -> None:
        self.norm = [normalize(line.text) for line in self.lines]
        self.repeats = Counter(self.norm)
        for i, norm in enumerate(self.norm):
            self.where.setdefault(norm, []).append(i)
        self.name_of = [name_key(line.text) for line in self.lines]
        self.names = Counter(name for name, _form in set(zip(self.name_of, self.norm, strict=True)))
        for line in self.lines:
            head = head_key(line.text)
            self.keys.append((digest(line.key), digest(head) if head else None))
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
        meta = normalize(self.page.title or "")
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
        if (line.words == 1 or _counter(line)) and not item(line.text):
            return "a lone word or a counter"  # an item of a list (``- Costs``) is neither
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
        if not _namelike(line.text):
            return False
        stats = self.stats
        # Printed alone on several sites: an agency's name, or a syndicated headline; only a
        # short one (``Agence France-Presse``, not ``Acme Corp Raises Dividend``) is a name.
        short = _name_words(line.text) <= CORPUS_NAME_WORDS
        name = digest(key)
        self.ask(NAME, name, CORPUS_BIT)  # a page's metadata source, or on several sites
        return (
            key in stats.sources
            or (short and stats.sites(stats.names, name) >= NAME_SITES)
            or self.names[key] > 1  # printed in two forms: ``X`` and ``- X``
            or key == self.source_key
        )

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


_SEPARATOR_CHARS = set("|·•›»↗©®™/")


def _namelike(text: str) -> bool:
    """A name standing alone: a few capitalised words, no digits, no sentence."""
    key = name_key(text)
    tokens = key.split()
    if not 1 <= len(tokens) <= 5 or any(c.isdigit() for c in text) or ":" in text:
        return False
    if sum(c.isalpha() for c in key) < 3 or _SEPARATOR_CHARS & set(text):
        return False
    stripped = text.strip(" -–—()[]")
    first, _, rest = stripped.partition(" ")
    if rest and first.islower() and len(first) <= 4:
        stripped = rest
    caps = [w for w in stripped.split() if w[:1].isalpha()]
    return bool(caps) and all(w[0].isupper() or len(w) <= 3 for w in caps)


def _byline(text: str) -> bool:
    """``By A. Name`` or ``Von A. Name``: a byline word (language data) before a person's
    name (up to four words: ``PAR PHARMACEUTICAL SEEKS NYSE LISTING`` is a headline)."""
    first, _, rest = text.strip().partition(" ")
    return (
        first.lower() in byline_words()
        and bool(rest)
        and _namelike(rest)
        and _name_words(rest) <= BYLINE_NAME_WORDS
    )


def _name_words(text: str) -> int:
    """Words of a name, not counting short lower-case ones (``Press Trust of India``: 3)."""
    return sum(1 for w in _clean_name(text).split() if not (w.islower() and len(w) <= 3))


_COUNT = re.compile(r"\d+")


def _counter(line: Line) -> bool:
    """A short line holding a number: counters, ages, sizes (``312 reads``, ``5 hours ago``).
    A year (``Budget passes in 2026``) counts nothing."""
    counts = [n for n in _COUNT.findall(line.text) if not YEAR.fullmatch(n)]
    return line.words <= 5 and bool(counts) and not line.terminal


# ---- step 1: body runs ---------------------------------------------------------------------


def _body_candidate(ctx: _Ctx, i: int) -> bool:
    line = ctx.lines[i]
    if i in ctx.table:
        return True
    return line.prose and not ctx.dup(i) and not ctx.metadata_title(i) and not ctx.profiled(i)


def _can_start(ctx: _Ctx, i: int) -> bool:
    line = ctx.lines[i]
    if i in ctx.table:
        return True
    # A described scene with a credit opens no article: it is a caption.
    return _body_candidate(ctx, i) and not (line.credit and line.sentences <= 3)


# ---- tables of figures (`wirecopy.stages.tables`) ------------------------------------------


def _not_in_table(ctx: _Ctx, i: int, possible: set[int]) -> bool:
    """Lines the page or the corpus marks as furniture are no table's rows, however shaped:
    repeats on the page, profile lines, lines on most of the site's pages (its counters,
    numbers masked), lines opening with a ``Label:`` printed on other pages. The counts are
    asked only of the ``possible`` rows (`wirecopy.stages.tables.possible_rows`): for the
    other lines the answer changes no table."""
    if ctx.dup(i) or ctx.profiled(i):
        return True
    return i in possible and (ctx.furniture(i) or ctx.label_recurs(i))


def _substantial(line: Line) -> bool:
    return line.words >= 12 or line.sentences >= 2


def _flattened(line: Line) -> bool:
    """A whole body run into one line (a teaser), not a paragraph."""
    return line.sentences >= FLAT_SENTENCES and line.words >= FLAT_WORDS


def _teaser(ctx: _Ctx, i: int) -> bool:
    """A flattened body standing alone: no paragraph of running text right before or after
    it. A paragraph of an article has neighbours that are paragraphs (or subheads), however
    long it is; a teaser under a heading is a whole article on its own."""
    near = [j for j in (i - 1, i + 1) if 0 <= j < len(ctx.lines)]
    return _flattened(ctx.lines[i]) and not any(_body_candidate(ctx, j) for j in near)


def _announced(ctx: _Ctx, start: int) -> int:
    """End of the list that the line before ``start`` (or ``start`` itself) announces with a
    colon: the items (``- ...``, ``1. ...``) that follow it; ``start`` when there is none."""
    if ctx.lines[start - 1].text.endswith(":"):
        end = start
    elif ctx.lines[start].text.endswith(":"):
        end = start + 1
    else:
        return start
    while end < len(ctx.lines) and item(ctx.lines[end].text) and not ctx.dup(end):
        end += 1
    return end


def _could_title(ctx: _Ctx, i: int, between: list[int]) -> bool:
    return _title_score(ctx, i, between[0], between[-1]) is not None


def _bridgeable(ctx: _Ctx, between: list[int], after: int) -> bool:
    listed = _announced(ctx, between[0]) if between else 0  # items that an intro announces
    if not between or len(between) > max(MAX_BRIDGE, listed - between[0]):
        return False
    if ctx.lines[after].gap >= 2:
        return False
    # A numbered heading (``2. Costs``) between long paragraphs: sections of one list. A dash
    # or bullet may just as well open each title of a list of teasers.
    numbered = any(list_item(ctx.lines[i].text) for i in between)
    if not numbered and _teaser(ctx, between[0] - 1) and _teaser(ctx, after):
        return False  # two flattened bodies: the line between them titles the second
    for i in between:
        line = ctx.lines[i]
        if ctx.dup(i) or line.gap >= 2 or line.prose:
            return False
        if line.words > SUBHEAD_WORDS and i >= listed and _could_title(ctx, i, between):
            return False  # a long line that could head an article; others are insertions
        if dateline_parts(line.text) is not None or ctx.sourceish(i):
            return False  # a date or a source name closes an article
        if ctx.names_site(i) or _announces(line, ctx.lines[after]):
            return False  # a heading about the site, or naming what the next line describes
    # What a colon announces goes on the article, however short; so do paragraphs that go on
    # (a section under its subhead), where a lone short line would be a teaser.
    goes_on = after + 1 < len(ctx.lines) and _body_candidate(ctx, after + 1)
    return _substantial(ctx.lines[after]) or goes_on or ctx.lines[after - 1].text.endswith(":")


def _announces(heading: Line, paragraph: Line) -> bool:
    """``About X`` over ``X is ...``: a heading whose words after the first open the paragraph."""
    head = normalize(heading.text).split()[1:]
    return bool(head) and normalize(paragraph.text).split()[: len(head)] == head


def _runs(ctx: _Ctx) -> list[list[int]]:
    """Runs of body lines (with the short lines they bridge), in page order."""
    runs: list[list[int]] = []
    n = len(ctx.lines)
    i = 0
    while i < n:
        if not _can_start(ctx, i):
            i += 1
            continue
        run = [i]
        j = i + 1
        while j < n:
            if _body_candidate(ctx, j):
                run.append(j)
                j += 1
                continue
            k = j
            listed = _announced(ctx, j)
            while k < n and (k - j <= MAX_BRIDGE or k < listed) and not _body_candidate(ctx, k):
                k += 1
            if k < n and _body_candidate(ctx, k) and _bridgeable(ctx, list(range(j, k)), k):
                run.extend(range(j, k + 1))
                j = k + 1
                continue
            break
        runs.append(run)
        i = j
    return runs


# ---- step 2: titles ------------------------------------------------------------------------


def _title_score(ctx: _Ctx, i: int, zone_start: int, zone_end: int) -> float | None:
    """How much line i looks like the title of the run starting after ``zone_end``."""
    line = ctx.lines[i]
    text = line.text
    metadata = ctx.metadata_title(i)
    if ctx.profiled(i):
        return None
    if (line.prose and not metadata) or line.separators or not 2 <= line.words <= 30:
        return None
    if text.endswith((":", ".")) or _counter(line) or dateline_parts(text) is not None:
        return None
    if (line.captionish and line.credit) or _byline(text):
        return None
    # Printed again in the same head (around the caption): an echoed title.
    same = [j for j in ctx.where[ctx.norm[i]] if zone_start <= j <= zone_end]
    echoed = len(same) > 1
    if not (metadata or echoed) and ctx.sourceish(i):
        return None
    if line.words < 3 and not echoed and not metadata:
        return None
    score = min(line.words, 12) / 12
    score += 1.0 if echoed else 0.0
    score += 1.5 if metadata else 0.0
    # Headline lists recur too: weigh, not veto. (Not a profile line, so furniture when on
    # half the site's pages; `_pick_title` records the question where the answer matters.)
    score -= FURNITURE_WEIGHT if "half" in ctx.marks(i) else 0.0
    score -= 0.3 if line.caps else 0.0  # mastheads are capitals; some headlines too
    following = i + 1
    if (
        following <= zone_end
        and ctx.lines[following].captionish
        and ctx.norm[following] != ctx.norm[i]
    ):
        score += 0.25
    if following == zone_end + 1:
        score += 0.15
    # Nearer the body is likelier (a headline list may stand above the title).
    score += 0.15 * (same[-1] - zone_start + 1) / (zone_end - zone_start + 1)
    return score


def _question_title(ctx: _Ctx, run: list[int]) -> bool:
    """An untitled run opening with a short question or exclamation: a headline that asks."""
    line = ctx.lines[run[0]]
    ends = line.text.rstrip().rstrip("\"'”’»)")[-1:]
    follows = len(run) > 1 and ctx.lines[run[1]].prose
    return ends in ("?", "!") and 3 <= line.words <= 15 and line.sentences == 1 and follows


def _table_title(ctx: _Ctx, run: list[int]) -> bool:
    """An untitled run opening with a line of a table that reads as a headline (``Two
    killed, 15 hurt in blast`` over the body, ``Profit up 12 pct to 40 mln`` over its rows)."""
    first = run[0]
    return (
        len(run) > 1 and first in ctx.table and _title_score(ctx, first, first, first) is not None
    )


def _pick_title(ctx: _Ctx, zone: range) -> tuple[int | None, float]:
    """The most title-like line of a zone (the first of the best), with its score; None
    when no line scores above zero.

    Being on half the site's pages weighs on a line's score; it is recorded as asked
    (`_Ctx.mark`) for the line picked, whose score the evidence keeps, and for each line
    that the other answer could make the pick: the other lines' scores are kept nowhere,
    so a page is not segmented again when one of them becomes the site's furniture."""
    scored: list[tuple[int, float]] = []
    best: tuple[int | None, float] = (None, 0.0)
    for i in zone:
        score = _title_score(ctx, i, zone.start, zone.stop - 1)
        if score is not None:
            scored.append((i, score))
            if score > best[1]:
                best = (i, score)
    for i, score in scored:
        other = score + (FURNITURE_WEIGHT if "half" in ctx.marks(i) else -FURNITURE_WEIGHT)
        if i == best[0] or other >= best[1] - 1e-9:  # a tie may win too: err towards asking
            ctx.mark(i, "half")
    return best


# ---- step 3 and 4: copies and their furniture ----------------------------------------------


@dataclass(slots=True)
class _Draft:
    run: list[int]
    title: int | None = None
    title_text: str | None = None
    caption: str | None = None
    date: str | None = None
    source: str | None = None
    first: int = 0  # first line of the copy's span


@dataclass(slots=True)
class _Labels:
    label: list[str]
    owner: list[int | None]
    why: list[dict[str, object]]
    # Lines cut in pieces: line -> [(start, end, label, owned, evidence)] in character offsets.
    pieces: dict[int, list[tuple[int, int, str, bool, dict[str, object]]]] = field(
        default_factory=dict
    )
    rejected: set[int] = field(default_factory=set)  # prose lines of runs that are no article


def _accepted(ctx: _Ctx, run: list[int], titled: bool, first: bool) -> tuple[bool, str]:
    paragraphs = [i for i in run if ctx.lines[i].prose]
    if any(i in ctx.table for i in run):
        if titled:
            return True, "a table of figures under a title"
        if len(paragraphs) < 2:
            return False, "a table of figures with no title"
    if all(ctx.mark(i, "three_quarters") for i in paragraphs):
        return False, "prose the site prints on most of its pages"
    if all(ctx.names_site(i) and not _flattened(ctx.lines[i]) for i in paragraphs):
        return False, "prose about the site itself"  # a whole body may name it in passing
    if len(paragraphs) >= 2:
        return True, f"{len(paragraphs)} paragraphs"
    only = paragraphs[0]
    line = ctx.lines[only]
    # Printed on other pages of the site, a paragraph is a blurb (an author's note, an
    # appeal) unless the page opens with it and the site does not print it on most of its
    # pages: then the site printed one story twice.
    recurs = ctx.mark(only, "recurs") and not (first and not ctx.mark(only, "half"))
    teaser = line.sentences >= TEASER_SENTENCES and line.words >= TEASER_WORDS
    if titled and teaser and not recurs:
        return True, "titled flattened paragraph"
    if titled and first and line.words >= BRIEF_WORDS and not recurs:
        return True, "the page's first text under a title: a brief"
    why = "single short paragraph" if titled else "single paragraph with no title"
    return False, why + (" printed on other pages of the site" if recurs else "")


def _year(page: Page) -> int | None:
    published = page.published or ""
    return int(published[:4]) if published[:4].isdigit() else None


def _label_header(ctx: _Ctx, out: _Labels, draft: _Draft, idx: int, zone: range) -> None:
    """Lines between a title (or the zone start) and the body: echo, date, caption, source."""
    captions: set[str] = set()
    title_norm = normalize(draft.title_text or "")
    for i in zone:
        if i in out.rejected:
            continue
        line = ctx.lines[i]
        parts = dateline_parts(line.text)
        if ctx.norm[i] == title_norm or ctx.norm[i] in captions:
            _set(ctx, out, i, ECHO, None, "repeat of a title or caption", echoes_copy=idx)
        elif ctx.profiled(i):
            _set(ctx, out, i, BOILERPLATE, None, "the site profile lists it as boilerplate")
        elif parts is not None:
            draft.date = draft.date or iso(parts, _year(ctx.page))
            _set(ctx, out, i, DATELINE, idx, "a date standing alone after the title")
        elif line.captionish and (line.words >= 8 or ctx.dup(i)) and not ctx.furniture(i):
            first = not captions
            captions.add(ctx.norm[i])
            draft.caption = draft.caption or line.text
            why = "describes a scene above the body" + ("" if first else " (another caption)")
            _set(ctx, out, i, CAPTION, idx, why, credit=line.credit)
        elif ctx.sourceish(i):
            draft.source = draft.source or _clean_name(line.text)
            _set(ctx, out, i, SOURCE, idx, "a known source name after the title")
        else:
            _set(ctx, out, i, BOILERPLATE, None, "page furniture between title and body")


def _clean_name(text: str) -> str:
    text = text.strip(" -–—()[]")
    first, _, rest = text.partition(" ")
    return rest if rest and first.islower() and len(first) <= 4 else text


def _set(
    ctx: _Ctx, out: _Labels, i: int, label: str, owner: int | None, why: str, **more: object
) -> None:
    out.label[i] = label
    out.owner[i] = owner
    out.why[i] = ctx.evidence(i, why, **more)


def _label_run(ctx: _Ctx, out: _Labels, draft: _Draft, idx: int) -> None:
    """Body paragraphs, subheads and in-body widgets; cut glued datelines and residue."""
    prose = [i for i in draft.run if ctx.lines[i].prose]
    for i in draft.run:
        line = ctx.lines[i]
        widget = None if line.prose or i in ctx.table else ctx.widget(i)
        if ctx.table.get(i) == ROW:
            _set(ctx, out, i, BODY, idx, "a row of figures in a table")
        elif i in ctx.table:
            _set(ctx, out, i, SUBHEAD, idx, "a heading between rows of a table")
        elif line.prose:
            more: dict[str, object] = {"sentences": line.sentences}
            if _flattened(line):  # a whole body on one line: where its sentences start
                more["sentence_starts"] = [line.start + a for a, _b in sentence_spans(line.text)]
            _set(ctx, out, i, BODY, idx, "prose in a body run", **more)
        elif widget:
            _set(ctx, out, i, BOILERPLATE, None, f"short line in a body run: {widget}")
        else:
            _set(ctx, out, i, SUBHEAD, idx, "short line between paragraphs")
    if not prose:
        return
    first = ctx.lines[prose[0]]
    cut = glued_dateline(first.text)
    if cut is not None:
        head = first.text[:cut].rstrip(" -–—")
        parts = dateline_parts(head)
        if parts is not None:
            draft.date = draft.date or iso(parts, _year(ctx.page))
        _split(ctx, out, prose[0], cut, (DATELINE, idx, "dateline glued to the first paragraph"))
    last = ctx.lines[prose[-1]]
    if last.sentences >= TEASER_SENTENCES:
        tail = fragment_start(last.text)
        if tail is not None:
            why = "fragment glued after the last sentence"
            _split(ctx, out, prose[-1], tail, (BOILERPLATE, None, why), tail_piece=True)


def _split(
    ctx: _Ctx,
    out: _Labels,
    i: int,
    at: int,
    piece: tuple[str, int | None, str],
    *,
    tail_piece: bool = False,
) -> None:
    """Cut line i at character ``at``: the head (or tail) gets ``piece``'s label."""
    line = ctx.lines[i]
    pieces = out.pieces.get(i) or [
        (0, len(line.text), out.label[i], out.owner[i] is not None, out.why[i])
    ]
    start, end, label, owned, ev = pieces[-1] if tail_piece else pieces[0]
    label_p, owner_p, why = piece
    cut = ctx.evidence(i, why)
    if tail_piece:
        new = [(start, at, label, owned, ev), (at, end, label_p, owner_p is not None, cut)]
        out.pieces[i] = [*pieces[:-1], *new]
    else:
        new = [(start, at, label_p, owner_p is not None, cut), (at, end, label, owned, ev)]
        out.pieces[i] = [*new, *pieces[1:]]


def _trailing_source(ctx: _Ctx, out: _Labels, draft: _Draft, idx: int, nxt: int) -> bool:
    """Is line ``nxt`` (right after a body) the source line of that copy?"""
    if nxt >= len(ctx.lines) or not ctx.sourceish(nxt):
        return False
    after = ctx.lines[nxt + 1].gap if nxt + 1 < len(ctx.lines) else 99
    if ctx.lines[nxt].gap > after:
        return False  # it stands closer to what follows: a teaser's source
    draft.source = draft.source or _clean_name(ctx.lines[nxt].text)
    _set(ctx, out, nxt, SOURCE, idx, "a source name right after the body")
    return True


def _segment_page(
    page: Page, stats: LineStats, profile: SiteProfile = EMPTY
) -> tuple[PageResult, Trace]:
    if page.status != PAGE_OK or not page.text:
        return PageResult(page, [], []), Trace({}, ())
    ctx = _Ctx(page, stats, split_lines(page.text), profile)
    possible = possible_rows(ctx.lines, lambda i: ctx.dup(i) or ctx.profiled(i))
    ctx.table = tables(ctx.lines, lambda i: _not_in_table(ctx, i, possible))
    n = len(ctx.lines)
    out = _Labels([BOILERPLATE] * n, [None] * n, [{} for _ in range(n)])
    for i in range(n):
        why = "the site profile lists it as boilerplate" if ctx.profiled(i) else None
        out.why[i] = ctx.evidence(i, why or "outside every article")
    drafts: list[_Draft] = []
    zone_start = 0
    for run in _runs(ctx):
        zone = range(zone_start, run[0])
        title, score = _pick_title(ctx, zone)
        if title is None and (_question_title(ctx, run) or _table_title(ctx, run)):
            title, score, run = run[0], 0.0, run[1:]
        titled = title is not None or bool(page.title and not drafts)
        accepted, why = _accepted(ctx, run, titled, not drafts)
        if not accepted:
            for i in run:
                _set(ctx, out, i, BOILERPLATE, None, f"prose but no article: {why}")
            out.rejected.update(run)
            continue
        draft = _Draft(run)
        idx = len(drafts)
        start = zone.start
        if drafts and _trailing_source(ctx, out, drafts[-1], idx - 1, zone.start):
            start += 1
        header = _header_zone(ctx, out, range(start, zone.stop), title)
        if title is not None:
            draft.title, draft.title_text = title, ctx.lines[title].text
            _set(
                ctx,
                out,
                title,
                TITLE,
                idx,
                "most title-like line before the body",
                score=round(score, 2),
            )
            _teaser_sources(ctx, out, draft, idx, range(start, title))
        elif page.title and not drafts:
            draft.title_text = page.title
        _label_header(ctx, out, draft, idx, header)
        _label_run(ctx, out, draft, idx)
        draft.first = title if title is not None else (header.start if header else run[0])
        drafts.append(draft)
        zone_start = run[-1] + 1
    if drafts:
        _trailing_source(ctx, out, drafts[-1], len(drafts) - 1, zone_start)
    main = _main_copy(ctx, drafts)
    # The metadata title is the main copy's, unless the first copy has no title of its own
    # and needed the page's to be an article at all (a brief, a table or a flattened
    # paragraph under the page's title: `_accepted`); the date and source go to the main copy.
    if main and drafts[0].title is None and not _needs_page_title(ctx, drafts[0]):
        if drafts[main].title is None:
            drafts[main].title_text = drafts[0].title_text
        drafts[0].title_text = None
    return _result(ctx, out, drafts, main)


def _needs_page_title(ctx: _Ctx, draft: _Draft) -> bool:
    prose = sum(1 for i in draft.run if ctx.lines[i].prose)
    return prose < 2 or any(i in ctx.table for i in draft.run)


def _main_copy(ctx: _Ctx, drafts: list[_Draft]) -> int:
    """The copy the page is about, which takes the page's metadata (title, date, source):
    the one titled with the metadata title, else the longest copy written in paragraphs (a
    teaser flattened into one line is another page's article), else the first."""
    for idx, draft in enumerate(drafts):
        if draft.title is not None and ctx.metadata_title(draft.title):
            return idx
    sizes = []
    for idx, draft in enumerate(drafts):
        paragraphs = [ctx.lines[i] for i in draft.run if ctx.lines[i].prose]
        if len(paragraphs) >= 2:
            sizes.append((sum(line.words for line in paragraphs), -idx))
    return -max(sizes)[1] if sizes else 0


def _header_zone(ctx: _Ctx, out: _Labels, zone: range, title: int | None) -> range:
    """The part of a zone that belongs to the copy's head: after its title, or (no title)
    the lines just before the body that read like captions, dates or echoes."""
    if title is not None:
        return range(title + 1, zone.stop)
    start = zone.stop
    while start > zone.start and start - 1 not in out.rejected:
        line = ctx.lines[start - 1]
        if not (line.captionish or ctx.dup(start - 1) or dateline_parts(line.text) is not None):
            break
        start -= 1
    return range(start, zone.stop)


def _teaser_sources(ctx: _Ctx, out: _Labels, draft: _Draft, idx: int, before: range) -> None:
    """Source names in the few lines right above a title (a teaser's head)."""
    for i in range(max(before.start, before.stop - 3), before.stop):
        if out.owner[i] is None and ctx.sourceish(i):
            draft.source = draft.source or _clean_name(ctx.lines[i].text)
            _set(ctx, out, i, SOURCE, idx, "a source name heading the title")


def _result(
    ctx: _Ctx, out: _Labels, drafts: list[_Draft], main: int = 0
) -> tuple[PageResult, Trace]:
    page = ctx.page
    blocks: list[Block] = []
    keys: list[tuple[str, str | None]] = []
    for i, line in enumerate(ctx.lines):
        pieces = out.pieces.get(i) or [
            (0, len(line.text), out.label[i], out.owner[i] is not None, out.why[i])
        ]
        for start, end, label, owned, ev in pieces:
            text = (
                line.text[start:end].strip(" -–—")
                if label == DATELINE
                else line.text[start:end].strip()
            )
            if not text:
                continue
            if len(pieces) == 1:  # the whole line (hard-wrapped lines span several)
                first, last = line.start, line.end
            else:
                first = line.start + start + line.text[start:end].find(text)
                last = first + len(text)
            owner = out.owner[i] if owned else None
            blocks.append(Block(page.id, len(blocks), first, last, text, label, ev, owner))
            keys.append(ctx.keys[i])
    copies: list[Copy] = []
    for idx, draft in enumerate(drafts):
        mine = [b for b in blocks if b.copy_seq == idx]
        body = [b for b in mine if b.label in (BODY, SUBHEAD)]
        text = "\n\n".join(b.text for b in body)
        first = ctx.lines[draft.first].start
        copies.append(
            Copy(
                page_id=page.id,
                seq=idx,
                text=text,
                text_hash=text_hash(text),
                title=draft.title_text,
                caption=draft.caption,
                date=draft.date
                or (page.published[:10] if page.published and idx == main else None),
                source=draft.source or (page.source if idx == main else None),
                start=min(first, body[0].start),
                end=max(b.end for b in mine),
            )
        )
    return PageResult(page, blocks, copies), Trace(ctx.asked, tuple(keys))
