"""How an outlet republishes a wire story: the edits of the syndication generator.

`make_variant` turns a `Source` into the text one outlet printed, with the list of edits it
made. Each variant gets a target word 5-gram Jaccard to its original: light variants aim at
0.8-0.98, heavy ones at 0.5-0.8. Edits are tried in random order and one is kept only while
a running estimate of the Jaccard stays at or above the target, so long stories carry more
furniture than short ones (as they do). The estimate counts shingles: an insertion of k
words inside the text breaks the 4 shingles spanning the seam and adds k + 4; a replaced
word breaks 5 and adds 5. The caller measures the true Jaccard of the result.

Edits (the ``op`` of each entry in ``edit_ops``):

- ``truncate``, ``drop_paragraphs``, ``reorder_paragraphs``: body paragraphs cut or moved;
- ``edit_words``: words replaced (by a synonym or a filler), inserted or deleted;
- ``add_dateline``, ``add_byline``, ``add_caption``, ``echo_title``, ``prefix_title``;
- ``add_boilerplate``: invented site furniture above, under the title, between paragraphs
  and below (share prompts, "Read more", ages, counters, copyright lines);
- ``retitle``, ``restyle_quotes``, ``flatten_paragraphs``, ``line_breaks`` (one line break
  between blocks instead of a blank line): house style, which changes the text but not its
  words (so not its Jaccard).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from random import Random

from benchmarks.syndication import SHINGLE, Outlet, Source, Words, tokens

Op = dict[str, object]
_SMALL = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "by",
        "for",
        "from",
        "in",
        "of",
        "on",
        "or",
        "the",
        "to",
        "vs",
        "with",
    ]
)
_SEAM = SHINGLE - 1  # shingles spanning the seam between two runs of words


@dataclass(slots=True)
class Draft:
    """A variant being made: its parts, its edits, and the running Jaccard estimate."""

    title: str
    paragraphs: list[str]
    counts: list[int]
    tokens: list[tuple[str, ...] | None]  # of each paragraph while it is unedited
    shingles: int  # of the original
    head: list[str] = field(default_factory=list)
    under_title: list[str] = field(default_factory=list)
    inline: list[tuple[int, str]] = field(default_factory=list)
    tail: list[str] = field(default_factory=list)
    dateline: str = ""
    prefix: str = ""
    ops: list[Op] = field(default_factory=list)
    broken: int = 0
    added: int = 0

    def estimate(self, broken: int = 0, added: int = 0) -> float:
        kept = max(0, self.shingles - self.broken - broken)
        return kept / (self.shingles + self.added + added)

    def take(self, broken: int, added: int, target: float) -> bool:
        """Account for an edit if the estimate stays at or above `target`."""
        if self.estimate(broken, added) < target:
            return False
        self.broken += broken
        self.added += added
        return True


@dataclass(frozen=True, slots=True)
class Variant:
    text: str
    title: str
    ops: list[Op]
    heavy: bool
    published: datetime
    words: list[str]  # = tokens(text)


def make_variant(
    src: Source, outlet: Outlet, rng: Random, words: Words, other_title: str, heavy: bool
) -> Variant:
    """The text `outlet` prints for `src`, and the edits that made it."""
    draft = Draft(
        src.title, list(src.paragraphs), list(src.counts), list(src.tokens), src.shingle_count
    )
    published = src.date + timedelta(minutes=min(int(rng.expovariate(1 / 300)), 14 * 24 * 60))
    fill = Fill(src, outlet, rng, words, other_title, published)
    if heavy:
        target = rng.uniform(0.5, 0.8)
        _cut(draft, rng, words, target)
    else:
        target = rng.uniform(0.8, 0.98)
    edits: list[Callable[[], object]] = [
        lambda: _dateline(draft, src, outlet, target),
        lambda: _line(draft, "add_byline", draft.under_title, fill(outlet.byline), 0, target),
        lambda: _caption(draft, outlet, rng, words, fill, target),
        lambda: _echo_title(draft, outlet, rng, target),
        lambda: _prefix_title(draft, rng, words, target),
        lambda: _furniture(draft, outlet, rng, fill, target),
        lambda: _edit_words(draft, rng, words, rng.randint(1, 3), target),
        lambda: _drop_paragraph(draft, rng, target),
        lambda: _reorder(draft, rng, target),
    ]
    rng.shuffle(edits)
    for edit in edits:
        edit()
    if outlet.retitle:
        styled = title_case if outlet.retitle == "title_case" else sentence_case
        title = styled(draft.title, proper_words(" ".join(src.paragraphs[:2])))
        if title != draft.title:
            draft.title = title
            draft.ops.append({"op": "retitle", "style": outlet.retitle})
    draft.title = draft.prefix + draft.title
    text, style, found = _render(draft, outlet)
    if not (draft.ops or style) or text == src.text:  # nothing fitted: the outlet signs it
        line = fill(rng.choice(outlet.footer))
        draft.tail.append(line)
        draft.ops.append({"op": "add_boilerplate", "lines": 1})
        text, style, found = _render(draft, outlet)
    return Variant(text, draft.title, [*draft.ops, *style], heavy, published, found)


# ---- cuts and word edits -------------------------------------------------------------------


def _cut(draft: Draft, rng: Random, words: Words, target: float) -> None:
    """Bring a heavy variant near its target: cut paragraphs, or edit many words."""
    goal = min(0.95, target + rng.uniform(0.0, 0.08))
    n = len(draft.paragraphs)
    if n >= 3 and rng.random() < 0.5:
        keep = n
        while keep > 1 and draft.estimate(sum(draft.counts[keep - 1 :])) > goal:
            keep -= 1
        if keep < n:
            draft.take(sum(draft.counts[keep:]), 0, 0.0)
            del draft.paragraphs[keep:], draft.counts[keep:], draft.tokens[keep:]
            draft.ops.append({"op": "truncate", "kept": keep, "dropped": n - keep})
    elif n >= 3:
        dropped = 0
        while len(draft.paragraphs) > 2 and draft.estimate() > goal:
            i = rng.randrange(1, len(draft.paragraphs))
            draft.take(draft.counts[i] + _SEAM, _SEAM, 0.0)
            del draft.paragraphs[i], draft.counts[i], draft.tokens[i]
            dropped += 1
        if dropped:
            draft.ops.append({"op": "drop_paragraphs", "count": dropped})
    per_edit = SHINGLE  # a replacement breaks 5 shingles and adds about 5
    missing = draft.shingles - draft.broken - goal * (draft.shingles + draft.added)
    edits = int(missing / ((1 + goal) * per_edit)) + 1 if missing > 0 else 0
    if edits:
        _edit_words(draft, rng, words, edits, 0.0)


def _edit_words(draft: Draft, rng: Random, words: Words, count: int, target: float) -> None:
    done = {"replaced": 0, "inserted": 0, "deleted": 0}
    for _ in range(count):
        if not any(c > 0 for c in draft.counts) or draft.estimate(SHINGLE, SHINGLE) < target:
            break
        i = rng.choices(range(len(draft.paragraphs)), [max(c, 0) for c in draft.counts])[0]
        parts = draft.paragraphs[i].split(" ")
        spots = [j for j, w in enumerate(parts) if w.isalpha()]
        if not spots:
            continue
        kind = rng.choices(("replaced", "inserted", "deleted"), (5, 3, 2))[0]
        if kind == "deleted" and len(spots) < 2:
            kind = "replaced"
        if kind == "replaced":
            known = [j for j in spots if parts[j].lower() in words.synonyms]
            j = rng.choice(known if known and rng.random() < 0.8 else spots)
            new = rng.choice(words.synonyms.get(parts[j].lower()) or words.insertions)
            parts[j] = new.capitalize() if parts[j][:1].isupper() else new
        elif kind == "inserted":  # before a word inside a sentence, so the case stays right
            inside = [j for j in spots if j and parts[j].islower() and parts[j - 1][-1:].isalpha()]
            if not inside:
                continue
            parts.insert(rng.choice(inside), rng.choice(words.insertions))
            draft.counts[i] += 1
        else:
            del parts[rng.choice(spots)]
            draft.counts[i] -= 1
        draft.take(SHINGLE, SHINGLE, 0.0)
        draft.paragraphs[i] = " ".join(parts)
        draft.tokens[i] = None
        done[kind] += 1
    if any(done.values()):
        draft.ops.append({"op": "edit_words", **done})


def _drop_paragraph(draft: Draft, rng: Random, target: float) -> None:
    n = len(draft.paragraphs)
    if n < 4 or rng.random() > 0.3:
        return
    i = n - 1 if rng.random() < 0.6 else rng.randrange(1, n)
    seam = 0 if i == n - 1 else _SEAM
    if draft.take(draft.counts[i] + seam, seam, target):
        del draft.paragraphs[i], draft.counts[i], draft.tokens[i]
        draft.ops.append({"op": "drop_paragraphs", "count": 1})


def _reorder(draft: Draft, rng: Random, target: float) -> None:
    n = len(draft.paragraphs)
    if n < 4 or rng.random() > 0.12 or not draft.take(3 * _SEAM, 3 * _SEAM, target):
        return
    i = rng.randrange(1, n)
    j = rng.choice([k for k in range(1, n) if k != i])
    draft.paragraphs.insert(j, draft.paragraphs.pop(i))
    draft.counts.insert(j, draft.counts.pop(i))
    draft.tokens.insert(j, draft.tokens.pop(i))
    draft.ops.append({"op": "reorder_paragraphs", "moved": 1})


# ---- additions -----------------------------------------------------------------------------


def _cost(line: str, at_edge: bool) -> tuple[int, int]:
    k = len(line.split())
    return (0, k) if at_edge else (_SEAM, k + _SEAM)


def _line(draft: Draft, op: str, where: list[str], line: str, pos: int, target: float) -> bool:
    if not line or not draft.take(*_cost(line, where is draft.head), target):
        return False
    where.insert(min(pos, len(where)), line)
    draft.ops.append({"op": op, "text": line})
    return True


def _dateline(draft: Draft, src: Source, outlet: Outlet, target: float) -> None:
    if not outlet.dateline or not src.dateline:
        return
    city, _, rest = src.dateline.partition(",")
    parts = rest.split()
    month = _MONTHS[src.date.month - 1]
    mon = parts[0].rstrip(".") if parts else month[:3]
    day = parts[1] if len(parts) > 1 and parts[1].isdigit() else str(src.date.day)
    line = outlet.dateline.format(
        CITY=city.upper(), City=place_name(city), mon=mon, day=day, Month=month
    )
    if draft.take(*_cost(line, False), target):
        draft.dateline = line
        draft.ops.append({"op": "add_dateline", "text": line.strip()})


def _caption(
    draft: Draft, outlet: Outlet, rng: Random, words: Words, fill: Fill, target: float
) -> None:
    if rng.random() >= outlet.caption_rate:
        return
    line = fill(rng.choice(words.captions))
    where = draft.head if rng.random() < 0.3 else draft.under_title
    _line(draft, "add_caption", where, line, len(where), target)


def _echo_title(draft: Draft, outlet: Outlet, rng: Random, target: float) -> None:
    """The title again: an og:title line above it, or a repeat under the caption."""
    if rng.random() >= outlet.echo_rate:
        return
    where = draft.head if rng.random() < 0.5 else draft.under_title
    broken, added = (0, 0) if where is draft.head else (_SEAM, _SEAM)
    if draft.take(broken, added, target):  # the title's own shingles are already there
        where.append(draft.title)
        draft.ops.append({"op": "echo_title"})


def _prefix_title(draft: Draft, rng: Random, words: Words, target: float) -> None:
    if rng.random() >= 0.05:
        return
    prefix = rng.choice(words.title_prefixes)
    if draft.take(0, len(prefix.split()), target):
        draft.prefix = prefix  # put on after any retitling, which would change its case
        draft.ops.append({"op": "prefix_title", "text": prefix.strip()})


def _furniture(draft: Draft, outlet: Outlet, rng: Random, fill: Fill, target: float) -> None:
    """The outlet's boilerplate lines, each printed on most of its pages."""
    count = 0
    slots = {
        "head": (outlet.header, draft.head),
        "under_title": (outlet.under_title, draft.under_title),
        "inline": (outlet.inline, None),
        "tail": (outlet.footer, draft.tail),
    }
    for slot, (templates, where) in slots.items():
        for template in templates:
            if rng.random() < 0.2:
                continue
            line = fill(template)
            if where is None:
                if len(draft.paragraphs) > 1 and draft.take(*_cost(line, False), target):
                    draft.inline.append((rng.randrange(1, len(draft.paragraphs)), line))
                    count += 1
            elif draft.take(*_cost(line, slot != "under_title"), target):
                where.append(line)
                count += 1
    if count:
        draft.ops.append({"op": "add_boilerplate", "lines": count})


# ---- filling templates ---------------------------------------------------------------------


_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


class Fill(dict[str, str]):
    """Fills the ``{placeholders}`` of templates, making each value only when asked for.

    The values of the page (site, section, city ...) are made once; counts, ages and names
    are drawn again for every line, so no two pages carry quite the same furniture.
    """

    _FRESH = frozenset(
        [
            "n",
            "n2",
            "hours",
            "minutes",
            "first",
            "last",
            "FIRST",
            "LAST",
            "first2",
            "last2",
            "editor",
        ]
    )

    def __init__(
        self, src: Source, outlet: Outlet, rng: Random, words: Words, other: str, when: datetime
    ) -> None:
        section = rng.choice(outlet.sections)
        super().__init__(site=outlet.name, domain=outlet.domain, section=section)
        self.src, self.rng, self.words, self.other, self.when = src, rng, words, other, when

    def __call__(self, template: str) -> str:
        return template.format_map(self) if "{" in template else template

    def __missing__(self, key: str) -> str:
        if key in self._FRESH:
            return self._fresh(key)
        value = self[key] = self._page(key)
        return value

    def _fresh(self, key: str) -> str:
        rng, words = self.rng, self.words
        if key == "n":
            return str(int(rng.lognormvariate(3.5, 1.6)) + 1)
        if key in ("n2", "hours", "minutes"):
            low, high = {"n2": (10, 85), "hours": (1, 23), "minutes": (2, 12)}[key]
            return str(rng.randint(low, high))
        if key == "editor":
            return f"{rng.choice(words.first_names)} {rng.choice(words.last_names)}"
        name = rng.choice(words.last_names if "last" in key.lower() else words.first_names)
        return name.upper() if key.isupper() else name

    def _page(self, key: str) -> str:
        src = self.src
        if key == "Section":
            return self["section"].capitalize()
        if key == "other_title":
            return title_case(self.other)
        if key == "topics":
            return ", ".join(src.topics) or self["section"]
        if key == "city":
            city = src.dateline.partition(",")[0] or " ".join(src.places[:1]).replace("-", " ")
            return place_name(city) or "the city"
        if key == "Month":
            return _MONTHS[src.date.month - 1]
        if key == "day":
            return str(src.date.day)
        if key == "date":
            return f"{_MONTHS[self.when.month - 1][:3]} {self.when.day}, {self.when.year}"
        raise KeyError(key)


# ---- house style and rendering ------------------------------------------------------------

_OPENS_AFTER = frozenset(" \t\n([{")


def _curl(text: str, mark: str, opening: str, closing: str) -> str:
    """Replace each `mark`: opening at the start or after a space or bracket, else closing."""
    pieces = text.split(mark)
    out = [pieces[0]]
    last = pieces[0][-1:]
    for piece in pieces[1:]:
        quote = opening if not last or last in _OPENS_AFTER else closing
        out += (quote, piece)
        last = piece[-1:] or quote
    return "".join(out)


def to_curly(text: str) -> str:
    """Straight quotes and apostrophes to typographic ones."""
    if '"' in text:
        text = _curl(text, '"', "\u201c", "\u201d")
    if "'" in text:
        text = _curl(text, "'", "\u2018", "\u2019")
    return text


def to_straight(text: str) -> str:
    """Typographic quotes and apostrophes to straight ones."""
    return text.translate(str.maketrans("\u2018\u2019\u201c\u201d", "''\"\""))


def place_name(name: str) -> str:
    """``NEW YORK`` or ``new york`` to ``New York``."""
    return " ".join(w.capitalize() for w in name.split())


_CAPITALISED = re.compile(r"(?<![.!?:\"]\s)\b[A-Z][\w.&'-]*")


def proper_words(text: str) -> dict[str, str]:
    """Capitalised words of `text` not at the start of a sentence: ``{"nsw": "NSW"}``."""
    known: dict[str, str] = {}
    for match in _CAPITALISED.finditer(text):
        if match.start():
            core = match.group().strip(".,;:!?'\"()")
            known.setdefault(core.lower(), core)
    return known


def _case_word(word: str, known: dict[str, str], default: str) -> str:
    core = word.strip(".,;:!?'\"()")
    form = known.get(core.lower())
    return word.replace(core, form) if form and core else default


def title_case(title: str, known: dict[str, str] | None = None) -> str:
    """``STANDARD OIL <SRD> TO FORM UNIT`` to ``Standard Oil <SRD> to Form Unit``.

    Acronyms found in `known` (words of the body) keep their capitals: ``NSW``, ``U.S.``.
    """
    known = known or {}
    out = []
    for i, word in enumerate(title.split()):
        if word.startswith("<") or any(c.isdigit() for c in word):
            out.append(word)
        elif i and word.lower() in _SMALL:
            out.append(word.lower())
        else:
            cased = _case_word(word, known, word.capitalize())
            out.append(cased if cased.isupper() else word.capitalize())
    return " ".join(out)


def sentence_case(title: str, known: dict[str, str] | None = None) -> str:
    """``STANDARD OIL <SRD> TO FORM UNIT`` to ``Standard Oil <SRD> to form unit``.

    Words found capitalised in `known` (words of the body) keep their case; others are
    lowered.
    """
    known = known or {}
    words = [w if w.startswith("<") else _case_word(w, known, w.lower()) for w in title.split()]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _render(draft: Draft, outlet: Outlet) -> tuple[str, list[Op], list[str]]:
    """The page text, the house-style edits that rendering it made, and its words.

    The words are those `tokens` would find in the text, put together block by block (blocks
    are joined by white space, so no word spans two), reusing the cached words of unedited
    paragraphs: most of the text is never tokenised again.
    """
    style: list[Op] = []
    body = list(draft.paragraphs)
    words = [
        t if t is not None else tuple(tokens(p)) for p, t in zip(body, draft.tokens, strict=True)
    ]
    if draft.dateline and body:
        body[0] = draft.dateline + body[0]
        words[0] = (*tokens(draft.dateline), *words[0])
    for pos, line in sorted(draft.inline, key=lambda item: -item[0]):
        body.insert(min(pos, len(body)), line)
        words.insert(min(pos, len(words)), tuple(tokens(line)))
    if outlet.flatten and len(body) > 1:
        body = [" ".join(body)]
        style.append({"op": "flatten_paragraphs"})
    before = [*draft.head, draft.title, *draft.under_title]
    blocks = [b for b in (*before, *body, *draft.tail) if b]
    text = outlet.separator.join(blocks)
    if outlet.separator != "\n\n" and len(blocks) > 1:
        style.append({"op": "line_breaks", "separator": outlet.separator})
    if outlet.curly and ('"' in text or "'" in text):
        text = to_curly(text)
        style.append({"op": "restyle_quotes", "to": "curly"})
    all_words = [w for line in before for w in tokens(line)]
    for block in words:
        all_words.extend(block)
    for line in draft.tail:
        all_words.extend(tokens(line))
    return text, style, all_words
