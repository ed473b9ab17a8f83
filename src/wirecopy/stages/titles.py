"""Step 2 of segmentation (`wirecopy.stages.segment`): the title of each body run.

In the zone between two runs the most title-like line heads the next run: short, no final
full stop, comma or semicolon, no separators, not a date, a counter, a byline, a source
name, a link with its label glued on (``More:Headline``), a call to action (``Sign up ...``)
or a caption over a credit printed under each picture; echoed in the same head, equal to
the page's metadata title, followed by a caption, near the body are signs for; being
printed on most pages of the site is a sign against.
"""

from __future__ import annotations

from wirecopy.stages.furniture import PageContext, byline, counter
from wirecopy.stages.lines import dateline_parts, glued_label, prompt

FURNITURE_WEIGHT = 0.5  # a title candidate on half the site's pages scores this much less


def title_score(ctx: PageContext, i: int, zone_start: int, zone_end: int) -> float | None:
    """How much line i looks like the title of the run starting after ``zone_end``."""
    line = ctx.lines[i]
    text = line.text
    metadata = ctx.metadata_title(i)
    if ctx.profiled(i):
        return None
    if (line.prose and not metadata) or line.separators or not 2 <= line.words <= 30:
        return None
    if text.endswith((":", ".", ",")) or _ends_clause(text) or counter(line):
        return None
    if dateline_parts(text) is not None:
        return None
    if glued_label(text):
        return None  # ``More:Lion Air crash: ...``: an in-body link, its label glued on
    if prompt(text):
        return None  # ``Sign up to our daily newsletter``
    if (line.captionish and line.credit) or byline(text):
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
    # half the site's pages; `pick_title` records the question where the answer matters.)
    score -= FURNITURE_WEIGHT if "half" in ctx.marks(i) else 0.0
    score -= 0.3 if line.caps else 0.0  # mastheads are capitals; some headlines too
    following = i + 1
    if following < len(ctx.lines) and ctx.in_body_credit(following) and _under_prose(ctx, i):
        return None  # a picture's caption in the body, over the credit under each picture
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


def _ends_clause(text: str) -> bool:
    """A line ending with a semicolon (a clause that goes on), not a question in Greek
    (Greek types its question mark as ``;``)."""
    return text.endswith(";") and not any("\u0370" <= ch <= "\u03ff" for ch in text)


def _under_prose(ctx: PageContext, i: int) -> bool:
    """Does a paragraph stand right over line i (it is inside a body, not heading one)?"""
    return i > 0 and ctx.lines[i - 1].prose


def question_title(ctx: PageContext, run: list[int]) -> bool:
    """An untitled run opening with a short question or exclamation: a headline that asks."""
    line = ctx.lines[run[0]]
    ends = line.text.rstrip().rstrip("\"'”’»)")[-1:]
    follows = len(run) > 1 and ctx.lines[run[1]].prose
    return ends in ("?", "!") and 3 <= line.words <= 15 and line.sentences == 1 and follows


def table_title(ctx: PageContext, run: list[int]) -> bool:
    """An untitled run opening with a line of a table that reads as a headline (``Two
    killed, 15 hurt in blast`` over the body, ``Profit up 12 pct to 40 mln`` over its rows)."""
    first = run[0]
    return len(run) > 1 and first in ctx.table and title_score(ctx, first, first, first) is not None


def pick_title(ctx: PageContext, zone: range) -> tuple[int | None, float]:
    """The most title-like line of a zone (the first of the best), with its score; None
    when no line scores above zero.

    Being on half the site's pages weighs on a line's score; it is recorded as asked
    (`PageContext.mark`) for the line picked, whose score the evidence keeps, and for each line
    that the other answer could make the pick: the other lines' scores are kept nowhere,
    so a page is not segmented again when one of them becomes the site's furniture."""
    scored: list[tuple[int, float]] = []
    best: tuple[int | None, float] = (None, 0.0)
    for i in zone:
        score = title_score(ctx, i, zone.start, zone.stop - 1)
        if score is not None:
            scored.append((i, score))
            if score > best[1]:
                best = (i, score)
    for i, score in scored:
        other = score + (FURNITURE_WEIGHT if "half" in ctx.marks(i) else -FURNITURE_WEIGHT)
        if i == best[0] or other >= best[1] - 1e-9:  # a tie may win too: err towards asking
            ctx.mark(i, "half")
    return best
