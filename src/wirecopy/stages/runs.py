"""Step 1 of segmentation (`wirecopy.stages.segment`): runs of body lines.

Consecutive prose lines form a run, and so do the rows of a table of figures; a run steps
over short lines (subheads, in-body widgets, lists, quotations, a passage or credit printed
again) when the article goes on after them, and stops at what closes an article (a date, a
source name, a wide gap, a line that could title the next one).
"""

from __future__ import annotations

from wirecopy.stages.furniture import PageContext
from wirecopy.stages.lines import Line, dateline_parts, item, list_item
from wirecopy.stages.titles import title_score
from wirecopy.textnorm import normalize

MAX_BRIDGE = 2  # short lines a body run may step over
SUBHEAD_WORDS = 12
FLAT_SENTENCES = 5
FLAT_WORDS = 50


def body_candidate(ctx: PageContext, i: int) -> bool:
    line = ctx.lines[i]
    if i in ctx.table:
        return True
    return line.prose and not ctx.dup(i) and not ctx.metadata_title(i) and not ctx.profiled(i)


def _can_start(ctx: PageContext, i: int) -> bool:
    line = ctx.lines[i]
    if i in ctx.table:
        return True
    # A described scene with a credit opens no article: it is a caption.
    return body_candidate(ctx, i) and not (line.credit and line.sentences <= 3)


def not_in_table(ctx: PageContext, i: int, possible: set[int]) -> bool:
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


def flattened(line: Line) -> bool:
    """A whole body run into one line (a teaser), not a paragraph."""
    return line.sentences >= FLAT_SENTENCES and line.words >= FLAT_WORDS


def _teaser(ctx: PageContext, i: int) -> bool:
    """A flattened body standing alone: no paragraph of running text right before or after
    it. A paragraph of an article has neighbours that are paragraphs (or subheads), however
    long it is; a teaser under a heading is a whole article on its own."""
    near = [j for j in (i - 1, i + 1) if 0 <= j < len(ctx.lines)]
    return flattened(ctx.lines[i]) and not any(body_candidate(ctx, j) for j in near)


def _announced(ctx: PageContext, start: int) -> int:
    """End of the list that starts at ``start``: the items (``- ...``, ``1. ...``) that the
    line before ``start`` (or ``start`` itself) announces with a colon, or two items or
    more, maybe under one heading; ``start`` when there is none."""
    n = len(ctx.lines)

    def listed(i: int) -> bool:
        return i < n and item(ctx.lines[i].text) and not ctx.dup(i)

    if ctx.lines[start - 1].text.endswith(":"):
        end = start
    elif ctx.lines[start].text.endswith(":"):
        end = start + 1
    else:
        end = start if listed(start) else start + 1  # under a heading (``The steps``)
        if not (listed(end) and listed(end + 1)):
            return start
    while listed(end):
        end += 1
    return end


def _could_title(ctx: PageContext, i: int, between: list[int]) -> bool:
    return title_score(ctx, i, between[0], between[-1]) is not None


def _bridgeable(ctx: PageContext, between: list[int], after: int) -> bool:
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
        if line.gap >= 2 or ((ctx.dup(i) or line.prose) and not _printed_between(ctx, i)):
            return False
        if line.words > SUBHEAD_WORDS and i >= listed and not _inserted(ctx, i, between):
            return False  # a long line that could head an article
        if dateline_parts(line.text) is not None or ctx.metadata_title(i):
            return False  # a date closes an article; the page's own title opens one
        if not (i < listed and item(line.text)) and ctx.sourceish(i):
            return False  # so does a source name, standing alone rather than in a list
        if ctx.names_site(i) or _announces(line, ctx.lines[after]):
            return False  # a heading about the site, or naming what the next line describes
    # What a colon announces goes on the article, however short; so do paragraphs that go on
    # (a section under its subhead), where a lone short line would be a teaser.
    return (
        _substantial(ctx.lines[after])
        or _goes_on(ctx, after)
        or ctx.lines[after - 1].text.endswith(":")
    )


def _goes_on(ctx: PageContext, after: int) -> bool:
    """Paragraphs go on after line ``after``: the next line is one, or is a short line (a
    subhead) with one right after it. A lone brief under a heading has neither."""
    n = len(ctx.lines)
    nxt = after + 1
    if nxt < n and body_candidate(ctx, nxt):
        return True
    if nxt + 1 >= n or not body_candidate(ctx, nxt + 1):
        return False
    line = ctx.lines[nxt]
    return not (line.prose or ctx.dup(nxt) or line.gap >= 2 or line.words > SUBHEAD_WORDS)


def _inserted(ctx: PageContext, i: int, between: list[int]) -> bool:
    """Is long line i an insertion in the body rather than the title of a next article: it
    cannot title one, or it is a quotation, or its ``Label:`` opens other lines of the page
    or of other pages (``Read more: <headline>``)?"""
    if not _could_title(ctx, i, between):
        return True
    return _quotation(ctx.lines[i].text) or ctx.label_repeats(i) or ctx.label_recurs(i)


def _printed_between(ctx: PageContext, i: int) -> bool:
    """A paragraph or a credit printed more than once, each time between two paragraphs: a
    passage quoted again in the body, a photo credit under each picture. (Echoed titles and
    captions stand in a head, next to a line that is no paragraph; a time stamp repeated
    between comments is neither; nor is the site's furniture, such as an appeal it prints on
    most of its pages, however often it stands between paragraphs.)"""
    line = ctx.lines[i]
    if not ctx.dup(i) or not (line.prose or line.credit):
        return False
    if ctx.metadata_title(i) or ctx.profiled(i):
        return False
    n = len(ctx.lines)
    between = all(
        0 < j < n - 1 and body_candidate(ctx, j - 1) and body_candidate(ctx, j + 1)
        for j in ctx.where[ctx.norm[i]]
    )
    # Asked last (and recorded, through `PageContext.mark`): only when the answer decides.
    return between and not ctx.mark(i, "half")


_OPENING_QUOTES = "\"“„«»‚‘'"
_CLOSING_QUOTES = "\"”“»«’'"
_APOSTROPHES = "’'"  # closing quotes that are also apostrophes


def _quotation(text: str) -> bool:
    """A line wholly in quotation marks: a quote set apart from the paragraphs (a pull quote,
    a quoted post), which continues the article rather than heading one. A headline that
    quotes a name at each end (``'Parasite' wins over 'Joker'``) closes a quote inside; an
    apostrophe (``“We’ve waited …”``) closes none."""
    text = text.strip()
    if len(text) <= 2 or text[0] not in _OPENING_QUOTES or text[-1] not in _CLOSING_QUOTES:
        return False
    # ``’`` and ``'`` close quotes but are apostrophes too: between two letters (``We’ve``,
    # ``can't``, ``n’avons``) one closes nothing.
    return not any(
        c in _CLOSING_QUOTES
        and not (c in _APOSTROPHES and text[k - 1].isalpha() and text[k + 1].isalpha())
        for k, c in enumerate(text[1:-1], start=1)
    )


def _announces(heading: Line, paragraph: Line) -> bool:
    """``About X`` over ``X is ...``: a heading whose words after the first open the paragraph."""
    head = normalize(heading.text).split()[1:]
    return bool(head) and normalize(paragraph.text).split()[: len(head)] == head


def body_runs(ctx: PageContext) -> list[list[int]]:
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
            if body_candidate(ctx, j):
                run.append(j)
                j += 1
                continue
            k = j
            listed = _announced(ctx, j)
            while k < n and (k - j <= MAX_BRIDGE or k < listed) and not body_candidate(ctx, k):
                k += 1
            if k < n and body_candidate(ctx, k) and _bridgeable(ctx, list(range(j, k)), k):
                run.extend(range(j, k + 1))
                j = k + 1
                continue
            break
        runs.append(run)
        i = j
    return runs
