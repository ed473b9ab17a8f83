"""Segmentation: a page's text into labelled blocks, and the blocks into copies of articles.

Two plain functions over batches:

- `line_stats(pages)` (from `wirecopy.stages.evidence`) counts the short lines of a batch
  across pages and sites; counts merge, so a build accumulates them over batches and runs.
- `segment(pages, stats)` labels every line of every page and groups the labelled blocks into
  copies, one per article the page carries.

How a page is read (every step decides from evidence that holds on pages never seen before):

1. Lines. Each non-empty line is a candidate block; hard-wrapped text is joined back into
   paragraphs first, and a bullet alone on its line to its item (`wirecopy.stages.lines`). A
   line is prose when it reads like running text (sentence-final punctuation, maybe followed
   by a pictograph, lower-case words, length; a long sentence that announces what follows
   with a colon). A line printed twice on the page is never body: titles and captions get
   echoed, paragraphs do not (unless each print stands between paragraphs: a passage quoted
   again, a credit under each picture).
2. Body runs (`wirecopy.stages.runs`). Consecutive prose lines form a run, and so do the
   rows of a table of figures (`wirecopy.stages.tables`: short lines of figures, an earnings
   item's say, that are neither repeats on the page nor the site's furniture), of a table
   written as text (``| a | b |`` under a ``|---|`` rule, two columns or more, no row the
   site's furniture, figures or cells other than headlines under its head) and the lines of
   a block of program code (a definition or braces and calls or assignments, not mostly the
   site's furniture), each standing by a paragraph (a table whose head the site prints over
   most pages, between two); a sentence ending with a colon that the site prints on other
   pages among paragraphs of their own (an appeal) is no body, and a run steps over it. A
   run steps over at most two short lines (subheads, in-body widgets) when substantial prose
   follows (or paragraphs that go on, maybe after one more subhead; a credit printed under
   each picture, with the caption over it, too: a short name printed several times, every
   print over a paragraph, one under a caption that stands under a paragraph, ``AP``) and
   no echo, date (unless up to four lines of a head, a date line among bylines, captions and
   counters such as ``2 min read``, stand between a standfirst, one paragraph under its
   headline, and the body: they are labelled as a head's lines),
   source, the page's title, wide gap, heading about the site or heading that names the next
   paragraph (``About X`` / ``X is ...``) stands between, and not from one flattened teaser
   (a long paragraph standing alone, unless it announces a list, or leads to one whose items
   make one sentence, and more text follows) to the next unless a numbered heading stands
   between. A line longer than a subhead stops a run only when it could title the next one
   and is neither a quotation, a numbered heading whose next number follows before a wide
   gap (not under a heading of its own), nor a link whose ``Label:`` opens other lines
   (``Read more: ...``); a list that a colon announces (marked as items; after a sentence
   rather than a label, marked or not; after a line the site prints elsewhere, marked items
   only, and none when that line stands under a subhead of its own), two items or more under
   at most one heading, or a box of ``Label: value`` lines whose labels the page and the
   corpus print nowhere else, is stepped over whole, with one subhead after it (or before
   the line that announces it), its items going on the article whether they read as prose or
   not; and what a colon announces, however short, goes on the article, as does a list of
   items that a sentence right after the last paragraph (or ending it) announces (not a
   label: ``Related articles:``).
3. Titles (`wirecopy.stages.titles`). In the zone between two runs the most title-like line
   heads the next run: short, no final full stop, comma or semicolon, no separators, not a
   date, a counter, a byline, a source name, a link with its label glued on
   (``More:Headline``) or a caption over a credit; echoed in the same head, equal to the
   page's metadata title, followed by a caption, near the body are signs for; being printed
   on most pages of the site is a sign against. An untitled run opening with a short
   question, or with a table line that reads as a headline, takes it as its title.
4. Copies (`wirecopy.stages.labelling`). A run is an article when it has two paragraphs or
   more; or a title and a table; or a title and a single flattened paragraph of several
   sentences (a teaser), or such a paragraph holding two thirds of the page's running text
   under a date line (among the last three lines over it); or a title and the page's first
   text (a brief; the page's title heads the first run unless a line further on prints
   it). A single paragraph printed on
   other pages of the site is a blurb unless the page opens with it (and it is not on most
   of the site's pages: the site printed one story twice). Runs the site prints on most of
   its pages, or that all name the site itself (a whole body may name it in passing), are
   boilerplate, as are the other runs (blurbs, comment prompts). The page's metadata (title,
   date, source) goes to the copy the page is about: the one titled with the metadata title,
   else its longest copy written in paragraphs, else its first; a first copy that needed the
   page's title to be an article at all (a brief under it) keeps the title.
5. Furniture (`wirecopy.stages.labelling`; what the page and the corpus say of a line is
   read in `wirecopy.stages.furniture`). After the title, repeats of the title or caption
   are echoes (they belong to no copy), date lines datelines, descriptive lines captions
   (the first is the copy's caption), names known as sources (page metadata, printed alone
   on several sites when three words long or less, or printed twice on the page as ``X`` and
   ``- X``, the dashed form not an item among others; never a slot's label, ``Advertisement``
   or ``READ MORE``, which a run steps over) source lines; the rest is boilerplate
   (bylines, widgets). A source name right after a body is that copy's source unless it
   stands closer to the next title; a copy with no source line credits the agency its
   dateline names in brackets (``PORTVALE, May 7 (MPA) -``), before the page's metadata
   source. Inside a
   run, a short line is a subhead unless it is a menu, a lone word, a counter, a call to
   action, a slot's label, or the site
   (or the corpus, for pages of no known site) prints it or its ``Label:`` on other pages;
   between the rows of a table, a short line is a subhead (a heading such as ``Full year``).
   A dateline glued to a first paragraph and an unterminated fragment glued after a
   flattened body's last sentence are cut into blocks of their own.

Site profiles (`wirecopy.stages.profiles`, data given to the build) add what the corpus
cannot teach: lines a profile lists as the site's boilerplate are never body, title,
subhead or caption; names it lists as sources are source lines wherever they stand alone.

Every block keeps the evidence that decided its label (`Block.evidence`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from wirecopy.records import DATE_IN_MARKUP, PAGE_OK, Block, Copy, Page, PageResult
from wirecopy.stages.copies import text_hash
from wirecopy.stages.evidence import LineStats, line_stats
from wirecopy.stages.furniture import PageContext
from wirecopy.stages.labelling import (
    BODY,
    BOILERPLATE,
    CAPTION,
    DATELINE,
    ECHO,
    LABELS,
    SOURCE,
    SUBHEAD,
    TITLE,
    Draft,
    Labels,
    header_zone,
    judge_run,
    label_header,
    label_run,
    set_label,
    teaser_sources,
    trailing_source,
)
from wirecopy.stages.lines import dateline_parts, split_lines
from wirecopy.stages.profiles import EMPTY, Profiles, SiteProfile
from wirecopy.stages.runs import (
    body_runs,
    code_blocks,
    markup_tables,
    not_in_table,
    numbered_sections,
)
from wirecopy.stages.tables import possible_rows, tables
from wirecopy.stages.titles import pick_title, question_title, table_title

__all__ = [
    "BODY",
    "BOILERPLATE",
    "CAPTION",
    "DATELINE",
    "ECHO",
    "LABELS",
    "SOURCE",
    "SUBHEAD",
    "TITLE",
    "LineStats",
    "Trace",
    "line_stats",
    "segment",
    "segment_traced",
]


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


HEAD_LINES = 3


def _dated_main_text(ctx: PageContext, zone: range, run: list[int], prose_words: int) -> bool:
    """Does a date line among the last HEAD_LINES lines over ``run`` head it, and does the
    run hold two thirds of the page's running text (``prose_words``) or more? Then it is the
    story the page tells (`wirecopy.stages.labelling.judge_run`), where a dated teaser in a
    list, an entry of a live blog or an author's note under an article is not."""
    if not any(dateline_parts(ctx.lines[i].text) is not None for i in zone[-HEAD_LINES:]):
        return False
    return 3 * sum(ctx.lines[i].words for i in run if ctx.lines[i].prose) > 2 * prose_words


def _segment_page(
    page: Page, stats: LineStats, profile: SiteProfile = EMPTY
) -> tuple[PageResult, Trace]:
    if page.status != PAGE_OK or not page.text:
        return PageResult(page, [], []), Trace({}, ())
    ctx = PageContext(page, stats, split_lines(page.text), profile)
    possible = possible_rows(ctx.lines, lambda i: ctx.dup(i) or ctx.profiled(i))
    ctx.table = tables(ctx.lines, lambda i: not_in_table(ctx, i, possible))
    ctx.table.update(markup_tables(ctx))
    ctx.code = code_blocks(ctx)
    ctx.sections = numbered_sections(ctx)
    n = len(ctx.lines)
    out = Labels([BOILERPLATE] * n, [None] * n, [{} for _ in range(n)])
    for i in range(n):
        why = "the site profile lists it as boilerplate" if ctx.profiled(i) else None
        out.why[i] = ctx.evidence(i, why or "outside every article")
    drafts: list[Draft] = []
    zone_start = 0
    prose_words = sum(line.words for line in ctx.lines if line.prose)
    for run in body_runs(ctx):
        zone = range(zone_start, run[0])
        title, score = pick_title(ctx, zone)
        if title is None and (question_title(ctx, run) or table_title(ctx, run)):
            title, score, run = run[0], 0.0, run[1:]
        # The page's title heads its first run, unless a line further on prints it: then
        # it heads that run (what stands above it is a standfirst or a teaser). Decided once:
        # the run judged as titled by it is the draft that carries it.
        page_titled = bool(page.title and not drafts and not _printed_later(ctx, run))
        titled = title is not None or page_titled
        dated = _dated_main_text(ctx, zone, run, prose_words)
        accepted, why = judge_run(ctx, run, titled, not drafts, dated)
        if not accepted:
            for i in run:
                set_label(ctx, out, i, BOILERPLATE, None, f"prose but no article: {why}")
            out.rejected.update(run)
            continue
        draft = Draft(run)
        idx = len(drafts)
        start = zone.start
        if drafts and trailing_source(ctx, out, drafts[-1], idx - 1, zone.start):
            start += 1
        header = header_zone(ctx, out, range(start, zone.stop), title)
        if title is not None:
            draft.title, draft.title_text = title, ctx.lines[title].text
            set_label(
                ctx,
                out,
                title,
                TITLE,
                idx,
                "most title-like line before the body",
                score=round(score, 2),
            )
            teaser_sources(ctx, out, draft, idx, range(start, title))
        elif page_titled:
            draft.title_text = page.title
        label_header(ctx, out, draft, idx, header)
        label_run(ctx, out, draft, idx)
        draft.first = title if title is not None else (header.start if header else run[0])
        drafts.append(draft)
        zone_start = run[-1] + 1
    if drafts:
        trailing_source(ctx, out, drafts[-1], len(drafts) - 1, zone_start)
    main = _main_copy(ctx, drafts)
    # The metadata title is the main copy's, unless the first copy has no title of its own
    # and needed the page's to be an article at all (a brief, a table or a flattened
    # paragraph under the page's title: `judge_run`); the date and source go to the main copy.
    if main and drafts[0].title is None and not _needs_page_title(ctx, drafts[0]):
        if drafts[main].title is None:
            drafts[main].title_text = drafts[0].title_text
        drafts[0].title_text = None
    return _result(ctx, out, drafts, main)


def _printed_later(ctx: PageContext, run: list[int]) -> bool:
    """Is the page's metadata title printed as a line after ``run``?"""
    return any(ctx.metadata_title(j) for j in range(run[-1] + 1, len(ctx.lines)))


def _needs_page_title(ctx: PageContext, draft: Draft) -> bool:
    prose = sum(1 for i in draft.run if ctx.lines[i].prose)
    return prose < 2 or any(i in ctx.table for i in draft.run)


def _main_copy(ctx: PageContext, drafts: list[Draft]) -> int:
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


def _result(
    ctx: PageContext, out: Labels, drafts: list[Draft], main: int = 0
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
                date=_copy_date(draft.date, page if idx == main else None),
                source=draft.source or _agency(mine) or (page.source if idx == main else None),
                start=min(first, body[0].start),
                end=max(b.end for b in mine),
            )
        )
    return PageResult(page, blocks, copies), Trace(ctx.asked, tuple(keys))


def _copy_date(stated: str | None, page: Page | None) -> str | None:
    """A copy's date: the day its date line states, else, for the copy the page is about
    (``page``), the page's metadata date. When both are there and the page's markup writes
    its date as an ISO day (a meta tag, JSON-LD: `wirecopy.records.DATE_IN_MARKUP`),
    the earlier wins: a date line in a page's head may be the site's today box (``Thu, 18
    April 2024`` over a story of 2019). A date trafilatura read from the text instead (a date
    the article mentions) does not beat a date line."""
    day = page.published[:10] if page is not None and page.published else None
    if stated and day and page is not None and page.meta.get(DATE_IN_MARKUP):
        return min(stated, day)  # ISO days sort as dates
    return stated or day


_BRACKETED = re.compile(r"\(([^()]{2,40})\)\W*$")


def _agency(blocks: list[Block]) -> str | None:
    """The name in brackets at the end of a copy's dateline (``PORTVALE, May 7 (MPA) -``):
    the agency that wrote it, which outlets printing it credit so."""
    for block in blocks:
        if block.label == DATELINE and (found := _BRACKETED.search(block.text)):
            name = found.group(1).strip()
            return name if name and not any(ch.isdigit() for ch in name) else None
    return None
