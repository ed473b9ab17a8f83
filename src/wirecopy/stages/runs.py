"""Step 1 of segmentation (`wirecopy.stages.segment`): runs of body lines.

Consecutive prose lines form a run, and so do the rows of a table of figures; a run steps
over short lines (subheads, in-body widgets, lists with a subhead after them, fact boxes,
quotations, a passage or credit printed again) when the article goes on after them, and
stops at what closes an article (a date, a source name, a wide gap, a line that could title
the next one), except a head (a date line, bylines, captions) between a standfirst (one
paragraph under its headline) and the body that goes on under it.
"""

from __future__ import annotations

import re

from wirecopy.stages.furniture import PageContext, byline, counter
from wirecopy.stages.lines import (
    CAPTION_WORDS,
    Line,
    code_evidence,
    code_like,
    dateline_parts,
    figures,
    glued_dateline,
    is_terminal,
    item,
    item_number,
    list_item,
    slot_label,
)
from wirecopy.stages.tables import ROW
from wirecopy.stages.titles import title_score
from wirecopy.textnorm import normalize

MAX_BRIDGE = 2  # short lines a body run may step over
SUBHEAD_WORDS = 12
FLAT_SENTENCES = 5
FLAT_WORDS = 50
LABEL_ROW_FIGURES = 2  # an unmarked line under a label holds this many figures: a fact
LIST_INTRO_WORDS = 8  # a sentence announcing a list; ``Related articles:`` is a label


def body_candidate(ctx: PageContext, i: int) -> bool:
    line = ctx.lines[i]
    if i in ctx.table or i in ctx.code:
        return True
    if not line.prose or ctx.dup(i) or ctx.metadata_title(i) or ctx.profiled(i):
        return False
    # A sentence announcing what follows with a colon that the site prints on other pages
    # (an appeal to subscribe) is furniture (a run steps over it: `appeal`).
    return not appeal(ctx, i)


def appeal(ctx: PageContext, i: int) -> bool:
    """Is prose line i, ending with a colon, one the site prints on other pages (an appeal
    to subscribe between paragraphs)? No body, but a run steps over it as over a widget."""
    line = ctx.lines[i]
    if not (line.prose and line.text.endswith(":") and ctx.printed_elsewhere(i)):
        return False
    # An article the site prints again (an update, a second address) repeats its colon
    # sentences with the paragraphs beside them; an appeal stands among paragraphs of its own.
    near = [k for k in (i - 1, i + 1) if 0 <= k < len(ctx.lines) and ctx.lines[k].prose]
    return not any(ctx.printed_elsewhere(k) for k in near)


def _furniture(ctx: PageContext, i: int) -> bool:
    """Is line i, an intro to a list, the page's or the site's furniture: printed again on
    the page, listed in the profile, printed on other pages of the site, or opening with a
    ``Label:`` that opens other lines of the page or of other pages?"""
    if ctx.dup(i) or ctx.profiled(i) or ctx.label_repeats(i) or ctx.label_recurs(i):
        return True
    return ctx.mark(i, "recurs")


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
        ruled = any(_RULE.match(lines[k].text) for k in range(i, end))
        columns = lines[i].text.strip("|").count("|") + 1  # a box of one column lists links
        before = any(0 <= k < n and _paragraph(ctx, k) for k in range(i - TABLE_REACH, i))
        after = any(k < n and _paragraph(ctx, k) for k in range(end, end + TABLE_REACH))
        if ruled and columns >= 2 and end - i >= 3 and (before or after):
            # A head the site prints over most of its pages (a weather or standings box) is
            # the article's table only standing between two of its paragraphs.
            boxed = not (before and after) and ctx.mark(i, "half")
            if not boxed and _tabular(ctx, i, end):
                found.update(dict.fromkeys(range(i, end), ROW))
        i = end
    return found


HEADLINE_WORDS = 4  # a cell this long, with no figure and no full stop, reads as a headline


def _tabular(ctx: PageContext, start: int, end: int) -> bool:
    """Do rows ``start:end`` hold a table rather than a box of links laid out as one? No
    row under the head is furniture (by the test figure tables pass, `not_in_table`; the
    head may recur over other rows), and the rows under the head hold figures, or cells
    that are not headlines (``| Most read | |``)."""
    rows = [k for k in range(start, end) if not _RULE.match(ctx.lines[k].text)]
    # The head (``| Crossing | Winter |``) may well be printed on other pages of the site
    # over other rows: only the rows under it are asked.
    possible = set(rows)
    if any(not_in_table(ctx, k, possible) for k in rows[1:]):
        return False
    body = [ctx.lines[k].text for k in rows[1:]]
    if any(figures(text) for text in body):
        return True
    return not all(_headline_row(text) for text in body)


def _headline_row(text: str) -> bool:
    """A row with one filled cell, or one that reads as a headline (long, no full stop)."""
    cells = [cell.strip() for cell in text.strip("|").split("|") if cell.strip()]
    long = [c for c in cells if len(c.split()) >= HEADLINE_WORDS and not is_terminal(c)]
    return len(cells) <= 1 or bool(long)


CODE_LINES = 3  # a block of code is this many lines or more (one line may be a list's)


def code_blocks(ctx: PageContext) -> set[int]:
    """Blocks of program code that stand by a paragraph (a programmer's blog, a how-to):
    consecutive lines shaped as code (`wirecopy.stages.lines.code_like`), most of them no
    prose, that hold both kinds of `wirecopy.stages.lines.code_evidence` in lines printed
    once (a line printed again, ``@classmethod`` or ``}``, is code as much in such a block)
    and are not, most of them, the site's furniture (a tracker's script on each page)."""
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
        if end - i >= CODE_LINES and 2 * prose <= end - i and near_text and _program(ctx, i, end):
            found.update(range(i, end))
        i = end
    return found


def _program(ctx: PageContext, start: int, end: int) -> bool:
    """Lines ``start:end``, shaped as code, are a program's: lines printed once hold both
    kinds of code evidence, and most lines are not the site's furniture."""
    once = [code_evidence(ctx.lines[k].text) for k in range(start, end) if not ctx.dup(k)]
    if not (any(frame for frame, _act in once) and any(act for _frame, act in once)):
        return False
    furniture = sum(ctx.furniture(k) for k in range(start, end))
    return 2 * furniture <= end - start


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
    # Only a list it announces, or whose items are parts of one sentence: dashed lines
    # that end with no comma after a teaser are the titles of the next ones.
    led = ctx.lines[i].text.endswith(":") or _one_sentence(ctx, list(range(i + 1, after)))
    if after - i <= 2 or not led:
        after = i + 1
    near = [j for j in (i - 1, after) if 0 <= j < n]
    return flattened(ctx.lines[i]) and not any(body_candidate(ctx, j) for j in near)


def _announced(ctx: PageContext, start: int) -> int:
    """End of the list that starts at ``start``: the items that the line before ``start``
    (or ``start`` itself, or the line after it under a subhead) announces with a colon
    (``- ...``, ``1. ...``; short lines with no mark too when a sentence announces them, or
    rows of figures; marked items only when the announcing line is furniture: ``Get our
    newsletter:`` or ``Ingredients:`` the site prints on other pages), or two items or
    more, maybe under one heading, or two ``Label: value`` lines or more (a fact box);
    ``start`` when there is none."""
    n = len(ctx.lines)

    def listed(i: int) -> bool:
        return i < n and item(ctx.lines[i].text) and not ctx.dup(i)

    def row(i: int) -> bool:
        """An item, or a short line of an unmarked list that a sentence announces with a
        colon (the sizes of a product, the times of a programme, an address: printed with
        no bullets); after a label (``Read also:``) only items."""
        if listed(i):
            return True
        if refused:
            return False  # under an intro the site prints elsewhere, marked items only
        line = ctx.lines[i] if i < n else None
        if not sentence and not (line is not None and figures(line.text) >= LABEL_ROW_FIGURES):
            return False  # after a label, a row of figures (``Grill: 53 x 49 cm``) at most
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

    intro = next(
        (
            k
            for k in (start - 1, start, start + 1)
            if 0 <= k < n and ctx.lines[k].text.endswith(":")
        ),
        None,
    )
    sentence = intro is not None and _announcing(ctx, intro)
    # Under an intro the page or the site prints elsewhere (``Get our newsletter:``, or a
    # section label such as ``Ingredients:`` on several pages), marked items (``- ...``) are
    # still stepped over, unmarked rows are not.
    refused = intro is not None and _furniture(ctx, intro)
    if intro is not None:
        end = intro + 1  # (start + 1: a subhead over the line that announces the list)
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
    # Under a subhead, an intro the site prints elsewhere opens its own box (``More news`` /
    # ``Read also:``): nothing is stepped over.
    return start if refused and (end == intro + 1 or intro == start + 1) else end


def _announcing(ctx: PageContext, i: int) -> bool:
    """Does line i, ending with a colon, read as a sentence that announces a list (``My
    favourite spots on the coast:``) rather than a label (``Related articles:``)?"""
    line = ctx.lines[i]
    return line.words >= LIST_INTRO_WORDS and line.lower >= 0.25 and not line.separators


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
        if line.gap >= 2:
            return False
        if line.prose and not ctx.dup(i) and appeal(ctx, i):
            continue  # the site's appeal between paragraphs: stepped over as a widget is
        if slot_label(line.text):
            continue  # an advertisement's or a link box's slot, however often printed
        credit = ctx.in_body_credit(i)  # a credit under each picture: stepped over
        if (ctx.dup(i) or line.prose) and not (credit or _printed_between(ctx, i)):
            return False
        if line.words > SUBHEAD_WORDS and i >= listed and not _inserted(ctx, i, between):
            return False  # a long line that could head an article
        if dateline_parts(line.text) is not None or ctx.metadata_title(i):
            return False  # a date closes an article; the page's own title opens one
        if not ((i < listed and item(line.text)) or credit) and ctx.sourceish(i):
            return False  # so does a source name, standing alone (not in a list, no credit)
        # A heading about the site (not a row or a sentence that announces one: they may
        # name it in passing), or naming what the next line describes.
        in_list = i < listed and not line.text.endswith(":")
        sentence = line.text.endswith(":") and _announcing(ctx, i)
        if (ctx.names_site(i) and not (in_list or sentence)) or _announces(line, ctx.lines[after]):
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
    if not _could_title(ctx, i, between) or _numbered_section(ctx, i, between):
        return True
    return _quotation(ctx.lines[i].text) or ctx.label_repeats(i) or ctx.label_recurs(i)


def numbered_sections(ctx: PageContext) -> set[int]:
    """Lines opening with a number (``1) ...``) whose next number opens a line further on in
    the same stretch of the page (no wide gap between), with two paragraphs or more under
    it: the numbered sections of one text (the decisions of a meeting, the steps of a
    guide). A box of teasers numbered the same way has one paragraph under each headline;
    a numbered line the site prints on other pages is its furniture. Once per page."""
    found: set[int] = set()
    numbers = [item_number(line.text) for line in ctx.lines]
    if sum(number is not None for number in numbers) < 2:
        return found  # most pages: no paragraphs to weigh (`body_candidate` asks the corpus)
    seen: set[int] = set()  # the numbers opening lines after i, up to a wide gap
    paragraphs = 0  # body lines between line i and the next numbered line
    for i in reversed(range(len(ctx.lines))):
        number = numbers[i]
        if number is None:
            paragraphs += body_candidate(ctx, i)
        else:
            if number + 1 in seen and paragraphs >= 2 and not ctx.mark(i, "recurs"):
                found.add(i)
            seen.add(number)
            paragraphs = 0
        if ctx.lines[i].gap >= 2:
            seen = set()
    return found


def _numbered_section(ctx: PageContext, i: int, between: list[int]) -> bool:
    """Is line i the first of the numbered sections of one text, however long, rather than
    the title of another article? Not under a heading of its own (``Most read`` over a
    numbered box of teasers after the article)."""
    heading = any(not list_item(ctx.lines[k].text) for k in between if k < i)
    return i in ctx.sections and not heading


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
            body = _under_standfirst(ctx, run, j)
            if body is not None:
                ctx.head.update(range(j, body))  # labelled by `label_header`
                run.extend(range(j, body + 1))
                j = body + 1
                continue
            # The intro may be a long sentence the run took in (``...:`` is prose).
            intro = j - 1 if run[-1] == j - 1 and item(ctx.lines[j].text) else j
            end = _closing_list(ctx, intro)
            if end > j:
                run.extend(range(j, end))
                j = end
            break
        runs.append(run)
        i = j
    return runs


STANDFIRST_HEAD = 4
"""Lines a standfirst's head may hold between it and the body: `_under_standfirst`."""


def _under_standfirst(ctx: PageContext, run: list[int], j: int) -> int | None:
    """The body's first line when a standfirst (``run``: one paragraph right under a line
    that could title it) stands over its head, from line ``j``: up to STANDFIRST_HEAD lines,
    a date line (or dateline) among them, the others bylines, credited or repeated captions
    or counters (``2 min read``); then the body goes on. One article's head, not two articles
    (``By A. Name`` / ``Posted on May 1, 2019`` between the standfirst and the body).

    A date elsewhere closes an article: between two articles' paragraphs the second one's
    title stands too, and untitled briefs have no headline over them."""
    if len(run) != 1 or not (run[0] > 0 and _could_title(ctx, run[0] - 1, [run[0] - 1])):
        return None
    n = len(ctx.lines)
    dated = False
    k = j
    while k < n and k - j < STANDFIRST_HEAD and not body_candidate(ctx, k):
        line = ctx.lines[k]
        date_line = dateline_parts(line.text) is not None
        # A picture's caption describes a scene: ``Harbour bar reopens [VIDEO]`` is a headline.
        caption = line.words >= CAPTION_WORDS and (line.credit or (ctx.dup(k) and line.captionish))
        if line.gap >= 2 or not (date_line or byline(line.text) or caption or counter(line)):
            return None
        dated = dated or date_line
        k += 1
    if not dated or k >= n or k == j or ctx.lines[k].gap >= 2:
        return None
    if glued_dateline(ctx.lines[k].text) is not None:
        return None  # ``NORTHPORT, May 2 (MPA) - ...``: the next article's own dateline
    if body_candidate(ctx, k) and _substantial(ctx.lines[k]) and _goes_on(ctx, k):
        return k
    return None


def _closing_list(ctx: PageContext, j: int) -> int:
    """End of a list that closes the article after its last paragraph (``j`` itself when
    there is none): sentence ``j`` announces it with a colon (``My favourite spots on the
    coast:``), right after the last paragraph or, long enough to be prose, as the run's last
    line, and two items or more follow, marked as items. A label (``Related
    articles:``) is too short to be that sentence; an intro that is furniture (printed on
    other pages, its label opening other lines) announces no list of the article."""
    n = len(ctx.lines)
    intro = ctx.lines[j]
    if not intro.text.endswith(":") or not _announcing(ctx, j):
        return j
    if intro.gap >= 2 or ctx.names_site(j):
        return j
    end = j + 1
    while end < n and item(ctx.lines[end].text) and not ctx.dup(end) and ctx.lines[end].gap < 2:
        end += 1
    if end - j - 1 < 2 or _furniture(ctx, j):
        return j
    return end
