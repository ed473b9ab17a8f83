"""Steps 3 to 5 of segmentation (`wirecopy.stages.segment`): which runs are articles, and
the label of every line of a copy (its head: echo, dateline, caption, source; its body:
paragraphs, subheads, widgets; datelines and residue cut off its paragraphs).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wirecopy.records import Page
from wirecopy.stages.furniture import PageContext, clean_name
from wirecopy.stages.lines import (
    dateline_parts,
    fragment_start,
    glued_dateline,
    iso,
    sentence_spans,
)
from wirecopy.stages.runs import appeal, flattened
from wirecopy.stages.tables import ROW
from wirecopy.textnorm import normalize

TITLE = "title"
CAPTION = "caption"
DATELINE = "dateline"
SOURCE = "source"
SUBHEAD = "subhead"
BODY = "body"
ECHO = "echo"
BOILERPLATE = "boilerplate"
LABELS = (TITLE, CAPTION, DATELINE, SOURCE, SUBHEAD, BODY, ECHO, BOILERPLATE)
TEASER_SENTENCES = 3
TEASER_WORDS = 40
BRIEF_WORDS = 12


@dataclass(slots=True)
class Draft:
    run: list[int]
    title: int | None = None
    title_text: str | None = None
    caption: str | None = None
    date: str | None = None
    source: str | None = None
    first: int = 0  # first line of the copy's span


@dataclass(slots=True)
class Labels:
    label: list[str]
    owner: list[int | None]
    why: list[dict[str, object]]
    # Lines cut in pieces: line -> [(start, end, label, owned, evidence)] in character offsets.
    pieces: dict[int, list[tuple[int, int, str, bool, dict[str, object]]]] = field(
        default_factory=dict
    )
    rejected: set[int] = field(default_factory=set)  # prose lines of runs that are no article


def judge_run(
    ctx: PageContext, run: list[int], titled: bool, first: bool, dated: bool = False
) -> tuple[bool, str]:
    """Is body run ``run`` an article, and why (step 4 of `wirecopy.stages.segment`)?

    ``titled``: a title heads it (its own, or the page's); ``first``: no article of the page
    comes before it; ``dated``: a date line stands over it, and it holds two thirds of the
    page's running text (`wirecopy.stages.segment`). Two paragraphs or more make an article;
    a table needs a title (or paragraphs around it); a single paragraph needs a title and
    either several sentences (a teaser) or to open the page (a brief), and is a blurb when the
    site prints it on other pages. So dated, a paragraph of several sentences is an article
    as under a title (``Updated May 1, 2019 6:33 AM CDT`` over a story told in one
    paragraph). Prose the site prints on nearly all its pages, or that only names the site,
    is never one.
    """
    paragraphs = [i for i in run if ctx.lines[i].prose]
    if any(i in ctx.table for i in run):
        if titled:
            return True, "a table of figures under a title"
        if len(paragraphs) < 2:
            return False, "a table of figures with no title"
    if all(ctx.mark(i, "three_quarters") for i in paragraphs):
        return False, "prose the site prints on most of its pages"
    if all(ctx.names_site(i) and not flattened(ctx.lines[i]) for i in paragraphs):
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
    if dated and teaser and not recurs:
        return True, "flattened paragraph under a date line"
    if titled and first and line.words >= BRIEF_WORDS and not recurs:
        return True, "the page's first text under a title: a brief"
    why = "single short paragraph" if titled else "single paragraph with no title"
    return False, why + (" printed on other pages of the site" if recurs else "")


def _year(page: Page) -> int | None:
    published = page.published or ""
    return int(published[:4]) if published[:4].isdigit() else None


def label_header(ctx: PageContext, out: Labels, draft: Draft, idx: int, zone: range) -> None:
    """Lines between a title (or the zone start) and the body: echo, date, caption, source."""
    captions: set[str] = set()
    title_norm = normalize(draft.title_text or "")
    for i in zone:
        if i in out.rejected:
            continue
        line = ctx.lines[i]
        parts = dateline_parts(line.text)
        if ctx.norm[i] == title_norm or ctx.norm[i] in captions:
            set_label(ctx, out, i, ECHO, None, "repeat of a title or caption", echoes_copy=idx)
        elif ctx.profiled(i):
            set_label(ctx, out, i, BOILERPLATE, None, "the site profile lists it as boilerplate")
        elif parts is not None:
            draft.date = draft.date or iso(parts, _year(ctx.page))
            set_label(ctx, out, i, DATELINE, idx, "a date standing alone after the title")
        elif line.captionish and (line.words >= 8 or ctx.dup(i)) and not ctx.furniture(i):
            first = not captions
            captions.add(ctx.norm[i])
            draft.caption = draft.caption or line.text
            why = "describes a scene above the body" + ("" if first else " (another caption)")
            set_label(ctx, out, i, CAPTION, idx, why, credit=line.credit)
        elif ctx.sourceish(i):
            draft.source = draft.source or clean_name(line.text)
            set_label(ctx, out, i, SOURCE, idx, "a known source name after the title")
        else:
            set_label(ctx, out, i, BOILERPLATE, None, "page furniture between title and body")


def set_label(
    ctx: PageContext, out: Labels, i: int, label: str, owner: int | None, why: str, **more: object
) -> None:
    out.label[i] = label
    out.owner[i] = owner
    out.why[i] = ctx.evidence(i, why, **more)


def label_run(ctx: PageContext, out: Labels, draft: Draft, idx: int) -> None:
    """Body paragraphs, subheads and in-body widgets; cut glued datelines and residue."""
    prose = [i for i in draft.run if ctx.lines[i].prose]
    heading = [i for i in draft.run if i in ctx.head]  # between a standfirst and its body
    if heading:
        label_header(ctx, out, draft, idx, range(heading[0], heading[-1] + 1))
    for i in draft.run:
        line = ctx.lines[i]
        first_print = ctx.where[ctx.norm[i]][0]
        if i in ctx.head:
            continue
        if i in ctx.code:  # printed again or not: code says what it says where it stands
            set_label(ctx, out, i, BODY, idx, "a line of a block of code")
        elif line.prose and ctx.dup(i) and first_print != i:
            # The copy that printed it first, as for echoes in a head (none: it was no body).
            echoed = out.owner[first_print]
            echo: dict[str, object] = {} if echoed is None else {"echoes_copy": echoed}
            set_label(ctx, out, i, ECHO, None, "a paragraph printed again in the body", **echo)
        elif ctx.dup(i) and not line.prose:
            set_label(ctx, out, i, BOILERPLATE, None, "a credit printed again between paragraphs")
        elif ctx.table.get(i) == ROW:
            set_label(ctx, out, i, BODY, idx, "a row of figures in a table")
        elif i in ctx.table:
            set_label(ctx, out, i, SUBHEAD, idx, "a heading between rows of a table")
        elif appeal(ctx, i):
            why = "a sentence with a colon the site prints on other pages"
            set_label(ctx, out, i, BOILERPLATE, None, why)
        elif line.prose:
            more: dict[str, object] = {"sentences": line.sentences}
            if flattened(line):  # a whole body on one line: where its sentences start
                more["sentence_starts"] = [line.start + a for a, _b in sentence_spans(line.text)]
            set_label(ctx, out, i, BODY, idx, "prose in a body run", **more)
        elif i + 1 < len(ctx.lines) and ctx.in_body_credit(i + 1):
            set_label(ctx, out, i, CAPTION, idx, "a picture's caption over its credit")
        # Asked only of the short lines left (its counts change no other label's answer).
        elif widget := ctx.widget(i):
            set_label(ctx, out, i, BOILERPLATE, None, f"short line in a body run: {widget}")
        else:
            set_label(ctx, out, i, SUBHEAD, idx, "short line between paragraphs")
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
    ctx: PageContext,
    out: Labels,
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


def trailing_source(ctx: PageContext, out: Labels, draft: Draft, idx: int, nxt: int) -> bool:
    """Is line ``nxt`` (right after a body) the source line of that copy?"""
    if nxt >= len(ctx.lines) or not ctx.sourceish(nxt):
        return False
    after = ctx.lines[nxt + 1].gap if nxt + 1 < len(ctx.lines) else 99
    if ctx.lines[nxt].gap > after:
        return False  # it stands closer to what follows: a teaser's source
    draft.source = draft.source or clean_name(ctx.lines[nxt].text)
    set_label(ctx, out, nxt, SOURCE, idx, "a source name right after the body")
    return True


def header_zone(ctx: PageContext, out: Labels, zone: range, title: int | None) -> range:
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


def teaser_sources(ctx: PageContext, out: Labels, draft: Draft, idx: int, before: range) -> None:
    """Source names in the few lines right above a title (a teaser's head)."""
    for i in range(max(before.start, before.stop - 3), before.stop):
        if out.owner[i] is None and ctx.sourceish(i):
            draft.source = draft.source or clean_name(ctx.lines[i].text)
            set_label(ctx, out, i, SOURCE, idx, "a source name heading the title")
