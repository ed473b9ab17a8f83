"""Step 1 of segmentation (`wirecopy.stages.segment`): runs of body lines.

Consecutive prose lines form a run, and so do the rows of a table of figures; a run steps
over short lines (subheads, in-body widgets, lists with a subhead after them, fact boxes,
quotations, a passage or credit printed again) when the article goes on after them, and
stops at what closes an article (a date, a source name, a wide gap, a line that could title
the next one).
"""

from __future__ import annotations

import re

from wirecopy.stages.furniture import PageContext
from wirecopy.stages.lines import Line, code_like, dateline_parts, item, item_number, list_item
from wirecopy.stages.tables import ROW
from wirecopy.stages.titles import title_score
from wirecopy.textnorm import normalize

MAX_BRIDGE = 2  # short lines a body run may step over
SUBHEAD_WORDS = 12
FLAT_SENTENCES = 5
FLAT_WORDS = 50
LIST_INTRO_WORDS = 8  # a sentence announcing a list; ``Related articles:`` is a label


def body_candidate(ctx: PageContext, i: int) -> bool:
    line = ctx.lines[i]
    if i in ctx.table or i in ctx.code:
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


_CELLS = re.compile(r"^\|.*\|$")  # ``| a | b |``: a row of a table written as text
_RULE = re.compile(r"^\|(?:\s*:?-{3,}:?\s*\|)+$")  # ``|---|---|``, under a table's head
TABLE_REACH = 2  # a table this close to a paragraph (a heading between) is the article's


def markup_tables(ctx: PageContext) -> dict[int, str]:
    """Tables written as text (``| a | b |`` rows, a ``|---|`` rule under their head, two
    columns or more) that stand by a paragraph: a text's table of results or benchmarks,
    rows of an article as a table of figures is (`ROW`). A table that no paragraph stands by
    lays out a page; a box of one column (``| Machine learning |``) lists links."""
    lines = ctx.lines
    n = len(lines)
    found: dict[int, str] = {}
    i = 0
    while i < n:
        end = i
        while end < n and _CELLS.match(lines[end].text) and (end == i or lines[end].gap < 2):
            end += 1
        if end == i:
            i += 1
            continue
        near = [*range(i - TABLE_REACH, i), *range(end, end + TABLE_REACH)]
        ruled = any(_RULE.match(lines[k].text) for k in range(i, end))
        columns = lines[i].text.strip("|").count("|") + 1  # a box of one column lists links
        near_text = any(0 <= k < n and _paragraph(ctx, k) for k in near)
        if ruled and columns >= 2 and end - i >= 3 and near_text:
            found.update(dict.fromkeys(range(i, end), ROW))
        i = end
    return found


CODE_LINES = 3  # a block of code is this many lines or more (one line may be a list's)


def code_blocks(ctx: PageContext) -> set[int]:
    """Blocks of program code that stand by a paragraph (a programmer's blog, a how-to):
    consecutive lines shaped as code (`wirecopy.stages.lines.code_like`), most of them no
    prose; a line printed again in them (``@classmethod``, ``}``) is code as much."""
    lines = ctx.lines
    n = len(lines)
    found: set[int] = set()
    i = 0
    while i < n:
        end = i
        while end < n and _code(lines[end]) and (end == i or lines[end].gap < 2):
            end += 1
        if end == i:
            i += 1
            continue
        near = [*range(i - TABLE_REACH, i), *range(end, end + TABLE_REACH)]
        prose = sum(lines[k].prose for k in range(i, end))
        near_text = any(0 <= k < n and _paragraph(ctx, k) for k in near)
        if end - i >= CODE_LINES and 2 * prose <= end - i and near_text:
            found.update(range(i, end))
        i = end
    return found


def _code(line: Line) -> bool:
    """A line of code: a paragraph of prose is none (asked first: it is cheaper)."""
    return not (line.prose and line.words > SUBHEAD_WORDS) and code_like(line.text)


def _paragraph(ctx: PageContext, i: int) -> bool:
    return ctx.lines[i].prose and not ctx.dup(i) and not ctx.profiled(i)


def _substantial(line: Line) -> bool:
    return line.words >= 12 or line.sentences >= 2


def flattened(line: Line) -> bool:
    """A whole body run into one line (a teaser), not a paragraph."""
    return line.sentences >= FLAT_SENTENCES and line.words >= FLAT_WORDS


def _teaser(ctx: PageContext, i: int) -> bool:
    """A flattened body standing alone: no paragraph of running text right before or after
    it (after the list it may lead to). A paragraph of an article has neighbours that are
    paragraphs (or subheads), however long it is; a teaser under a heading is a whole
    article on its own."""
    n = len(ctx.lines)
    after = i + 1
    while after < n and item(ctx.lines[after].text) and not ctx.dup(after):
        after += 1  # a list it leads to (what to pack, the steps to take), then the text
    if after - i <= 2:
        after = i + 1  # one dashed line: the title of the next teaser, no list
    near = [j for j in (i - 1, after) if 0 <= j < n]
    return flattened(ctx.lines[i]) and not any(body_candidate(ctx, j) for j in near)


def _announced(ctx: PageContext, start: int) -> int:
    """End of the list that starts at ``start``: the items (``- ...``, ``1. ...``, or short
    lines with no mark) that the line before ``start`` (or ``start`` itself, or the line
    after it under a subhead) announces with a colon, or two items or more, maybe under one
    heading, or two ``Label: value`` lines or more (a fact box); ``start`` when there is
    none."""
    n = len(ctx.lines)

    def listed(i: int) -> bool:
        return i < n and item(ctx.lines[i].text) and not ctx.dup(i)

    def row(i: int) -> bool:
        """An item, or a short line of an unmarked list that a colon announces (the sizes
        of a product, the times of a programme, an address: printed with no bullets)."""
        if listed(i):
            return True
        line = ctx.lines[i] if i < n else None
        if line is None or line.prose or line.words > SUBHEAD_WORDS or line.gap >= 2:
            return False
        return not ctx.dup(i)

    def pair(i: int) -> bool:
        """A short ``Label: value`` line whose label opens no other line of the page or of
        other pages: a row of a fact box or of the credits of an outfit (``Jacket: Brand``),
        where ``Tags: ...`` or ``Read more: ...`` under each of several posts is furniture."""
        line = ctx.lines[i] if i < n else None
        if line is None or line.prose or line.words > SUBHEAD_WORDS or line.gap >= 2:
            return False
        head = ctx.keys[i][1] is not None and not ctx.label_repeats(i) and not ctx.dup(i)
        return head and not ctx.label_recurs(i)

    if ctx.lines[start - 1].text.endswith(":"):
        end = start
    elif ctx.lines[start].text.endswith(":"):
        end = start + 1
    elif start + 1 < n and ctx.lines[start + 1].text.endswith(":"):
        end = start + 2  # a subhead over the line that announces the list
    elif pair(start) and pair(start + 1):
        end = start + 2
        while pair(end):
            end += 1
        return end
    else:
        end = start if listed(start) else start + 1  # under a heading (``The steps``)
        if not (listed(end) and listed(end + 1)):
            return start
        while listed(end):
            end += 1
        return end
    while row(end):
        end += 1
    return end


def _could_title(ctx: PageContext, i: int, between: list[int]) -> bool:
    return title_score(ctx, i, between[0], between[-1]) is not None


def _bridgeable(ctx: PageContext, between: list[int], after: int) -> bool:
    listed = _announced(ctx, between[0]) if between else 0  # items that an intro announces
    # After a list, one heading may stand before the paragraphs go on (a section's subhead).
    if not between or len(between) > max(MAX_BRIDGE, listed - between[0] + 1):
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
        if not (i < listed and item(line.text)) and _closing_source(ctx, i, between):
            return False  # so does a source name, standing alone rather than in a list
        # A heading about the site (a sentence may name it in passing), or naming what the
        # next line describes.
        about_site = line.words < LIST_INTRO_WORDS and ctx.names_site(i)
        if about_site or _announces(line, ctx.lines[after]):
            return False
    # What a colon announces goes on the article, however short; so do paragraphs that go on
    # (a section under its subhead), where a lone short line would be a teaser, and the last
    # item of a list whose items are parts of one sentence (``a) ..., b) ..., c) ....``;
    # the items of a list of headlines end with no comma).
    return (
        _substantial(ctx.lines[after])
        or _goes_on(ctx, after)
        or ctx.lines[after - 1].text.endswith(":")
        or (listed > after and item(ctx.lines[after].text) and _one_sentence(ctx, between))
    )


def _one_sentence(ctx: PageContext, between: list[int]) -> bool:
    """Do the items among ``between`` all end with a comma or a semicolon: parts of one
    sentence that the next item closes?"""
    items = [ctx.lines[i].text for i in between if item(ctx.lines[i].text)]
    return bool(items) and all(text.endswith((",", ";")) for text in items)


def _closing_source(ctx: PageContext, i: int, between: list[int]) -> bool:
    """Is line i a source name closing the article? A name that only other sites print
    alone (``Conclusion``, ``Advantages``: any site's subheads, as much as ``AFP``), standing
    alone between two paragraphs, is a subhead; the page's own sources close it anywhere."""
    if len(between) == 1 and not ctx.source_here(i):
        return False
    return ctx.sourceish(i)


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
    if not _could_title(ctx, i, between) or _numbered_section(ctx, i):
        return True
    return _quotation(ctx.lines[i].text) or ctx.label_repeats(i) or ctx.label_recurs(i)


def _numbered_section(ctx: PageContext, i: int) -> bool:
    """Is line i a numbered heading (``1) ...``) whose next number opens a line further on:
    the first of the numbered sections of one text (the decisions of a meeting, the steps
    of a guide), however long, rather than the title of another article?"""
    number = item_number(ctx.lines[i].text)
    if number is None:
        return False
    later = ctx.lines[i + 1 :]
    return any(item_number(line.text) == number + 1 for line in later)


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
            while k < n and (k - j <= MAX_BRIDGE or k <= listed) and not body_candidate(ctx, k):
                k += 1
            if k < n and body_candidate(ctx, k) and _bridgeable(ctx, list(range(j, k)), k):
                run.extend(range(j, k + 1))
                j = k + 1
                continue
            end = _closing_list(ctx, j)
            run.extend(range(j, end))
            j = end
            break
        runs.append(run)
        i = j
    return runs


def _closing_list(ctx: PageContext, j: int) -> int:
    """End of a list that closes the article after its last paragraph (``j`` itself when
    there is none): a sentence right after the paragraph announces it with a colon (``My
    favourite spots on the coast:``), and two items or more follow, marked as items. A label
    (``Related articles:``) is too short to be that sentence; a list the site prints on
    other pages is furniture."""
    n = len(ctx.lines)
    intro = ctx.lines[j]
    if not intro.text.endswith(":") or intro.words < LIST_INTRO_WORDS or intro.lower < 0.25:
        return j
    if intro.gap >= 2 or ctx.dup(j) or ctx.profiled(j) or ctx.names_site(j):
        return j
    end = j + 1
    while end < n and item(ctx.lines[end].text) and not ctx.dup(end) and ctx.lines[end].gap < 2:
        end += 1
    if end - j - 1 < 2 or ctx.mark(j, "recurs"):
        return j
    return end
