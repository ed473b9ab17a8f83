"""Tables of figures: a page's body may be rows of numbers rather than prose.

Earnings and dividend items, prices, results and polls print their news as short lines of
figures (``Revenue 4.2 bn vs 3.9 bn``, ``Paid on June 30``) under a title, with no sentence at
all. `tables(lines, excluded)` finds such tables from the shape of the lines alone:

- a **row** holds figures (digits or number words from ``wirecopy/data/segment.json``;
  an ordinal such as ``2ND`` is a rank, not a figure): two or more, or one in a line of a
  few words (``Paid on June 30``, ``6 months``);
- a **label** is a short line without figures, or with one in a longer line, that heads
  the rows after it (``Full year``);
- neither is prose, a menu, a caption with a credit, an item of a numbered list
  (``3. Headline``), a date line or a time stamp (``Updated 10:32 AM, March 4, 2026``), nor
  a line the caller excludes (segmentation excludes repeats on the page, the site's furniture
  and profile lines, and lines opening with a ``Label:`` printed on other pages);
- consecutive rows and labels form a block, cut into sections (labels, then their rows). A
  table is the series of sections from the first that holds a row comparing figures (two
  figures or more, with words to say what they are) up to the first that holds none: lone
  figures (``312 reads``, ``5 min read``) neither make a table nor extend one, and a table
  prints digits in some row (number words alone are a heading's words). Labels at its
  edges are left out (the line over the first row is the table's title or furniture), and
  so is a counter (a figure and a word) after its last row.

What surrounds a table (its title, the page's furniture) is segmentation's to decide.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from wirecopy.stages.lines import Line, dateline_parts, figures, list_item, timestamp

ROW = "row"
LABEL = "label"

ROW_WORDS = 30  # a row is a short line (or a few rows run into one)
ROW_FIGURE_WORDS = 4  # a row of one figure is a line this short (``Paid on June 30``)
LABEL_WORDS = 8  # a heading between rows (``Full year``)
COUNTER_WORDS = 2  # a lone figure and a word after a table: a counter (``312 reads``)
STAMP_WORDS = 8  # a short line with a date and a year, or a clock time: the page's time stamp


def _shape(line: Line) -> tuple[str | None, int]:
    """`ROW`, `LABEL` or None, from the line's length and figures; and its figures (counted
    for short lines only: most lines are prose, and no row is long)."""
    if line.prose or line.separators or line.credit or line.words > ROW_WORDS:
        return None, 0
    n = figures(line.text)
    if n >= 2 or (n == 1 and line.words <= ROW_FIGURE_WORDS):
        return ROW, n
    return (LABEL if line.words <= LABEL_WORDS and n <= 1 else None), n


def _dated(line: Line) -> bool:
    """A list item, a date line or a time stamp: figures, but no table's."""
    if list_item(line.text) or dateline_parts(line.text) is not None:
        return True
    return line.words <= STAMP_WORDS and timestamp(line.text)


def compares(line: Line, n: int) -> bool:
    """A row of ``n`` figures that sets them side by side (``Revenue 4.2 bn vs 3.9 bn``,
    ``Loss nil vs nil``): two or more, with words to say what they are (``2 nil`` is a
    counter)."""
    return n >= 2 and line.words >= 3


def tables(lines: Sequence[Line], excluded: Callable[[int], bool]) -> dict[int, str]:
    """The lines of the tables of a page, each with its part (`ROW` or `LABEL`)."""
    found: dict[int, str] = {}
    block: list[_Part] = []
    for i, line in enumerate(lines):
        kind, n = _shape(line)
        if kind == LABEL and not block:
            continue  # a label opens no block (and most short lines are labels: skip them)
        if kind is not None and (_dated(line) or excluded(i)):
            kind = None
        if kind is None or (block and line.gap >= 2):
            found.update((p[0], p[1]) for p in _table(lines, block))
            block = []
        if kind == ROW or (kind == LABEL and block):  # a block opens with a row
            block.append((i, kind, n))
    found.update((p[0], p[1]) for p in _table(lines, block))
    return found


def possible_rows(lines: Sequence[Line], excluded: Callable[[int], bool]) -> set[int]:
    """The lines `tables` could put in a table whatever else it were told to exclude: the
    lines of each run of table-shaped lines (neither dated nor ``excluded``) that holds a
    row comparing figures. Excluding more lines only cuts these runs into the blocks
    `tables` reads, and a table holds a comparing row: a line outside them is in no table
    however its own exclusion is decided."""
    found: set[int] = set()
    run: list[int] = []
    comparing = False
    for i, line in enumerate(lines):
        kind, n = _shape(line)
        if kind is not None and (_dated(line) or excluded(i)):
            kind = None
        if kind is None or (run and line.gap >= 2):
            if comparing:
                found.update(run)
            run, comparing = [], False
        if kind is not None:
            run.append(i)
            comparing = comparing or (kind == ROW and compares(line, n))
    if comparing:
        found.update(run)
    return found


_Part = tuple[int, str, int]  # line, ROW or LABEL, figures


def _table(lines: Sequence[Line], block: list[_Part]) -> list[_Part]:
    """The table a block of rows and labels holds (empty when it holds none)."""
    sections: list[list[_Part]] = []
    for part in block:
        if not sections or (part[1] == LABEL and sections[-1][-1][1] == ROW):
            sections.append([])
        sections[-1].append(part)
    table: list[_Part] = []
    for section in sections:
        if any(kind == ROW and compares(lines[i], n) for i, kind, n in section):
            table += section
        elif table:
            break  # the table ends: lone figures after it are counters, not rows
    # At the end, a label heads nothing, and a figure with a word (``312 reads``) is a
    # counter; at the start, a label is the table's title or furniture.
    while table and (table[-1][1] == LABEL or _counter(lines, table[-1])):
        table.pop()
    while table and table[0][1] == LABEL:
        table.pop(0)
    # Number words alone ("Loss nil vs nil") only make rows beside printed figures: a table
    # prints digits, and a heading that holds two number words is not one.
    if not any(ch.isdigit() for i, kind, _n in table if kind == ROW for ch in lines[i].text):
        return []
    return table


def _counter(lines: Sequence[Line], part: _Part) -> bool:
    """A figure and a word (``312 reads``, ``Like 19``): a counter after a table."""
    i, _kind, n = part
    return lines[i].words <= COUNTER_WORDS and not compares(lines[i], n)
