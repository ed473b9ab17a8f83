"""Stories: articles about one real-world event, grouped (pure functions, no SQL).

The similarity s(a, b) of two articles is in `wirecopy.stages.story_similarity`.

Grouping. Article a links to b when b is a's nearest article and s ≥ :data:`LINK`, or when
s ≥ :data:`STRONG` whatever else is near. Links are taken strongest first (ties by article
ids) and each joins the two stories A and B it connects when all three hold (:func:`merge`):

- the mean similarity of their articles, pair by pair, is at least the mean bar;
- the cosine of their centroids (s taken as the dot product of two articles) is at least the
  centroid bar, each similarity counted at most :data:`CENTROID_CAP`::

      Σ_{a∈A, b∈B} min(s(a, b), CAP) / √(C(A) × C(B)),
      C(X) = |X| + Σ_{x≠y∈X} min(s(x, y), CAP)

  (from the similarities of FLOOR or more, so without new products). For two articles it is
  s itself, and CENTROID is LINK: two articles that link pass it (a higher CENTROID splits
  the loose four-article event of the example corpus, 0.14 already). For a story it
  compares what joins it with how alike its own articles are, as Miranda et al. (2018)
  compare a document with cluster centroids: topic neighbours each tightly written (one
  country's statistics, one agency's notices) stay apart, where a loose large event, its
  articles written by different outlets, takes an article its mean already accepts. The cap
  keeps near copies of one wire story (similar by 0.7-1.0) from making a story's core so tight
  that articles written apart cannot reach it (``tests/stages/test_stories.py``: an event of
  30 edited copies and 30 articles of its own in archives of 360 and 1,060 loses none). A
  story kept whole (below) has no similarities within it at hand: only the mean is tested
  for it;
- no two of their articles are apart in time (:class:`_TimeSpans`): dated
  :data:`APART_DAYS` or more apart, or one undated but mentioning a full date more than
  APART_DAYS after the other's date. Their similarity is 0 already
  (`wirecopy.stages.story_similarity`), but an undated article close to both could join
  them. Built from pages without metadata dates (about half of 219 real multi-outlet
  articles then have a date, from their url or text), the arrest and the indictment of one
  man six weeks apart, or two crashes of one aircraft type five months apart, were one story
  through their undated articles. This rule took pairwise F1 there from 0.742 to 0.836
  (entities on) and 0.812 to 0.870 (off), and changed nothing on the dated corpora (the
  multi-outlet set dated, the Reuters days alone and in a stream, the developing stories'
  week, the seeds, the example corpus).

The bars rise with the archive (:func:`join_bars`): :data:`AVERAGE` and :data:`CENTROID` in
an archive of :data:`SMALL_ARCHIVE` articles or fewer, where no term is discounted,
:data:`AVERAGE_LARGE` and :data:`CENTROID_LARGE` from :data:`LARGE_ARCHIVE` on, where the
discount has its full form, and between them with the logarithm of the size. Without the
discount the words every article uses weigh on each similarity, and one event's articles
written apart come out barely more alike than topic neighbours (the loose storm event of the
example corpus: pairs of 0.06-0.15, split by a centroid bar of 0.14 in its archive of 15);
with it they stand out (the same event inside 2,000 Reuters stories stays whole with bars
up to 0.12 and 0.19), while same-day topic neighbours do not: in a Reuters stream the pairs
wrongly put together were mostly two subjects of one template (two companies' note sales,
debenture redemptions, dividends) and one country's or agency's items of one day, with
similarities of 0.13-0.42, and true pairs 0.2-0.7. Chosen on the tune days (pairwise F1,
entities off / on, inside 2,000 others; every choice kept the seed pages and the example
corpus exact, alone and inside that stream): bars 0.08 / 0.13 (before) 0.569 / 0.567;
0.10 / 0.16 0.633 / 0.596; 0.10 / 0.18 0.667 / 0.602; 0.12 / 0.19 0.674 / 0.618 (0.20 splits
the example corpus's storm event inside the stream, a mean of 0.15 too). 0.10 / 0.18 keeps a
step of margin from both; the held-out days, only measured, go from 0.488 / 0.483 to
0.540 / 0.542 (0.555 with entities apart too: `wirecopy.stages.story_similarity`).

Nearest-neighbour links let an article join the *closest* story, not every story it shares a
place with; the mean keeps a story from growing by a chain of articles each a little off the
last. Measured on the labelled Reuters days inside a stream of 2,000 other Reuters stories
(``benchmarks/stories.py --stream 2000``, pairwise F1, entities on / off), the entity weight
by count and the centroid test raise tune from 0.531 / 0.564 to 0.567 / 0.569 and heldout
from 0.439 / 0.475 to 0.483 / 0.490 (the entity weight 0.557 and 0.473 alone); the parts
grouped alone, where nothing is discounted, lose with entities on (0.138 to 0.122, 0.347 to
0.315): there the entities were what kept templates apart.

Incremental and order-independent. For fixed similarities the stories are a function of the
set of articles, not of their order. `wirecopy.derive` regroups a small archive whole on
every change (exact); above that it re-evaluates only what new or changed articles (dirty)
can affect (:func:`affected`): their old stories; the articles a dirty one links to or that
link to it (within :data:`LINK` of it, and no nearer to the rest of their own story: then
their own row says whether it is now their nearest); and, until nothing is added, the
articles that any of these link to. Each comes with its whole story, and all are grouped
again from scratch with the current IDF. For fixed similarities that is the grouping of all
articles at once (what the region leaves out links to nothing in it). One exception keeps a
large archive cheap: a story of more than :data:`KEEP_WHOLE` articles, none of them dirty,
is kept whole (placed articles may join it, or it another story, but its articles are not
grouped again).
Term weights (IDF and its discount) and the bars change as the archive grows, so stories
nothing new came near keep the links they were given with the weights of their time;
`wirecopy.derive` bounds that by regrouping every article each time the archive grows past
the next of a fixed series of sizes (`wirecopy.derive.regroup_sizes`). What is left is the
tolerance, measured by ``tests/stages/test_stories.py`` (articles added in fixed and
seeded-random orders and batches, after every batch, against all at once). :func:`merge`
breaks ties by article ids and sums exactly (integers), so a whole regroup does not depend
even on the order of the rows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import numpy.typing as npt
from scipy import sparse

from wirecopy.stages.story_similarity import (
    APART_DAYS,
    COMMON_MIN,
    COMMON_SHARE,
    ENTITY_FULL,
    ENTITY_WEIGHT,
    ROWS_AT_ONCE,
    SCALE,
    TITLE_WEIGHT,
    ArticleFeatures,
    Int64s,
    Space,
    at_least,
    entity_df,
    neighbours,
    rows_of_entries,
    space,
)

__all__ = [
    "AVERAGE",
    "AVERAGE_LARGE",
    "CENTROID",
    "CENTROID_CAP",
    "CENTROID_LARGE",
    "KEEP_WHOLE",
    "LARGE_ARCHIVE",
    "LINK",
    "SMALL_ARCHIVE",
    "STORIES_VERSION",
    "STRONG",
    "Grouping",
    "Links",
    "affected",
    "cluster",
    "join_bars",
    "links",
    "merge",
    "representative",
]

LINK = 0.13
STRONG = 0.30
AVERAGE = Fraction(8, 100)
CENTROID = Fraction(13, 100)
AVERAGE_LARGE = Fraction(10, 100)
CENTROID_LARGE = Fraction(18, 100)
SMALL_ARCHIVE = COMMON_MIN
LARGE_ARCHIVE = round(COMMON_MIN / COMMON_SHARE)
"""A join must clear AVERAGE and CENTROID in an archive of SMALL_ARCHIVE articles or fewer
(where no term is discounted), AVERAGE_LARGE and CENTROID_LARGE in one of LARGE_ARCHIVE or
more (where the term discount has its full form), and in between bars that rise with the
logarithm of the archive's size (:func:`join_bars`)."""
CENTROID_CAP = Fraction(1, 2)
"""A join also needs the cosine of the two stories' centroids to clear the centroid bar, each
similarity counted at most CENTROID_CAP (:func:`merge`; exact fractions, compared in
integers). CENTROID is LINK: two articles that link pass it in a small archive."""
STORIES_VERSION = (
    f"tfidf-2^20/words+numbers+character-pairs/stop-words-by-language/title{TITLE_WEIGHT:g}/ent{ENTITY_WEIGHT:g}-{ENTITY_FULL}"
    f"/common{COMMON_SHARE:g}-{COMMON_MIN}/link{LINK:g}-{STRONG:g}-{float(AVERAGE):g}"
    f"/centroid{float(CENTROID):g}-{float(CENTROID_CAP):g}"
    f"/bars{SMALL_ARCHIVE}-{LARGE_ARCHIVE}:{float(AVERAGE_LARGE):g}-{float(CENTROID_LARGE):g}"
    f"/apart{ENTITY_FULL}/span{APART_DAYS}"
)
"""Stored with each placed article: a change here places every article again."""


@dataclass(frozen=True, slots=True)
class Links:
    """Pairs of articles (``a[k]`` < ``b[k]``) that link, with their rounded similarity."""

    a: Int64s
    b: Int64s
    score: Int64s

    @staticmethod
    def of(a: Int64s, b: Int64s, score: Int64s) -> Links:
        """Each pair once, whichever way it was found."""
        low, high = np.minimum(a, b), np.maximum(a, b)
        order = np.lexsort((high, low))
        low, high, score = low[order], high[order], score[order].astype(np.int64)
        first = np.r_[True, (low[1:] != low[:-1]) | (high[1:] != high[:-1])] if len(low) else []
        return Links(low[first], high[first], score[first])

    @staticmethod
    def join(parts: Sequence[Links]) -> Links:
        if not parts:
            return Links.of(*(np.zeros(0, dtype=np.int64),) * 3)
        return Links.of(
            np.concatenate([p.a for p in parts]),
            np.concatenate([p.b for p in parts]),
            np.concatenate([p.score for p in parts]),
        )


def links(sp: Space, rows: Int64s, scores: sparse.csr_matrix) -> Links:
    """The links of each of ``rows`` (``scores``: its row of :func:`neighbours`): its nearest
    article if s ≥ LINK (ties to the smallest id), and every article with s ≥ STRONG."""
    entry_rows = rows_of_entries(scores)
    data = scores.data.astype(np.int64)
    best = np.zeros(scores.shape[0], dtype=np.int64)
    np.maximum.at(best, entry_rows, data)
    tied = np.nonzero((data == best[entry_rows]) & (data >= at_least(LINK)))[0]
    # Among a row's ties, the smallest id: sort by row, then rank; take each row's first.
    tied = tied[np.lexsort((sp.rank[scores.indices[tied]], entry_rows[tied]))]
    first = tied[np.r_[True, entry_rows[tied][1:] != entry_rows[tied][:-1]]] if len(tied) else tied
    strong = np.nonzero(data >= at_least(STRONG))[0]
    found = np.concatenate([first, strong])
    return Links.of(rows[entry_rows[found]], scores.indices[found].astype(np.int64), data[found])


@dataclass(slots=True)
class Grouping:
    """The affected articles (ascending), their new stories, and the rounded similarities
    between them (of FLOOR or more: a sparse matrix over ``members``, both ways; none among
    the articles of one story kept whole, ``held``)."""

    sp: Space
    members: Int64s
    groups: list[list[int]]
    scores: sparse.csr_matrix
    held: npt.NDArray[np.bool_]  # over all articles: in a story kept whole
    label: Int64s | None = None  # each member's group, once asked

    def closeness(self, articles: Sequence[int]) -> list[int]:
        """Total rounded similarity of each of ``articles`` (of one story) to the rest of it."""
        if self.label is None:
            self.label = np.empty(len(self.members), dtype=np.int64)
            for n, group in enumerate(self.groups):
                self.label[np.searchsorted(self.members, group)] = n
        local = np.searchsorted(self.members, np.asarray(articles, dtype=np.int64))
        group = self.members[self.label == self.label[local[0]]]
        if self.held[group].any():  # no similarities kept within it: work them out
            within = neighbours(self.sp, np.asarray(articles, dtype=np.int64), group)
            return [int(t) for t in np.asarray(within.sum(axis=1, dtype=np.int64)).ravel()]
        indptr = self.scores.indptr
        lengths = indptr[local + 1] - indptr[local]
        span = _spans(indptr, local)
        which = np.repeat(np.arange(len(local)), lengths)
        same = self.label[local[which]] == self.label[self.scores.indices[span]]
        values = self.scores.data[span][same].astype(np.int64)
        totals = np.zeros(len(local), dtype=np.int64)
        np.add.at(totals, which[same], values)
        return [int(t) for t in totals]


class _Rows:
    """Rows of :func:`neighbours` computed so far, in blocks, each row once."""

    def __init__(self, sp: Space) -> None:
        self.sp = sp
        self.blocks: list[sparse.csr_matrix] = []
        self.block_of = np.full(len(sp.ids), -1, dtype=np.int64)
        self.row_in = np.full(len(sp.ids), -1, dtype=np.int64)

    def get(self, rows: Int64s) -> sparse.csr_matrix:
        """The rows of the articles ``rows``, in that order."""
        missing = np.unique(rows[self.block_of[rows] < 0])
        for start in range(0, len(missing), ROWS_AT_ONCE):
            chunk = missing[start : start + ROWS_AT_ONCE]
            self.block_of[chunk] = len(self.blocks)
            self.row_in[chunk] = np.arange(len(chunk))
            self.blocks.append(neighbours(self.sp, chunk))
        if not len(rows):
            return sparse.csr_matrix((0, len(self.sp.ids)), dtype=np.int32)
        blocks = self.block_of[rows]
        if (blocks == blocks[0]).all():
            block = self.blocks[int(blocks[0])]
            where = self.row_in[rows]
            if len(where) == block.shape[0] and (where == np.arange(len(where))).all():
                return block
            return sparse.csr_matrix(block[where])
        order = np.argsort(blocks, kind="stable")
        parts = []
        for b in np.unique(blocks).tolist():
            where = self.row_in[rows[blocks == b]]
            whole = len(where) == self.blocks[b].shape[0] and (where == np.arange(len(where))).all()
            parts.append(self.blocks[b] if whole else self.blocks[b][where])
        stacked = sparse.csr_matrix(sparse.vstack(parts, format="csr"))
        if (order == np.arange(len(rows))).all():
            return stacked
        back = np.empty(len(rows), dtype=np.int64)
        back[order] = np.arange(len(rows))
        return sparse.csr_matrix(stacked[back])


KEEP_WHOLE = 500
"""A story of more articles than this that a change reaches only through links (none of its
articles is dirty) is kept whole: the placed articles may join it, or it another story, but
its own articles are not grouped again (their rows would cost most of a full regroup). The
regroups of everything as the archive grows group them again."""


def affected(
    sp: Space,
    dirty: Iterable[int],
    stories: Mapping[str, Sequence[int]],
    story_of: Sequence[str | None],
) -> Grouping:
    """Regroup what the ``dirty`` articles (new, changed, or in a story that lost one) affect
    (the module's docstring says what that is)."""
    n = len(sp.ids)
    member = np.zeros(n, dtype=bool)
    is_dirty = np.zeros(n, dtype=bool)
    is_dirty[np.fromiter(dirty, dtype=np.int64)] = True
    todo: list[int] = []
    taken: set[str] = set()
    held = np.zeros(n, dtype=bool)
    kept: list[list[int]] = []

    def add(i: int) -> None:
        story = story_of[i]
        whole = () if story is None or story in taken else stories.get(story, ())
        if story is not None:
            taken.add(story)
        if len(whole) > KEEP_WHOLE and not is_dirty[list(whole)].any():
            kept.append(list(whole))  # in whole, without rows of its own
            member[kept[-1]] = held[kept[-1]] = True
            return
        for j in [*whole, i]:
            if not member[j]:
                member[j] = True
                todo.append(j)

    for i in np.nonzero(is_dirty)[0].tolist():
        add(i)
    computed = _Rows(sp)
    found: list[Links] = []
    link, strong = at_least(LINK), at_least(STRONG)
    while todo:
        batch = np.array(sorted(todo[:ROWS_AT_ONCE]), dtype=np.int64)
        todo = todo[ROWS_AT_ONCE:]
        scores = computed.get(batch)
        row_links = links(sp, batch, scores)
        found.append(row_links)
        ends = np.concatenate([row_links.a, row_links.b])
        for j in np.unique(ends[~member[ends]]).tolist():
            add(j)
        # What a dirty article comes within LINK of may now link to it: if s ≥ STRONG it
        # does; otherwise when it is now that article's nearest, which its own row tells.
        near = is_dirty[batch[rows_of_entries(scores)]] & (scores.data >= link)
        near_b = scores.indices[near].astype(np.int64)
        for j in np.unique(near_b[scores.data[near] >= strong]).tolist():
            add(j)
        candidates = _maybe_nearer(sp, scores, near, stories, story_of, member)
        for start in range(0, len(candidates), ROWS_AT_ONCE):
            outside = candidates[start : start + ROWS_AT_ONCE]
            outside = outside[~member[outside]]
            theirs = links(sp, outside, computed.get(outside))
            to_dirty = is_dirty[theirs.a] | is_dirty[theirs.b]
            ends = np.concatenate([theirs.a[to_dirty], theirs.b[to_dirty]])
            for j in np.unique(ends[~member[ends]]).tolist():
                add(j)
    members = np.nonzero(member)[0]
    scores = _among(members, computed, held, kept)
    del computed
    pairs = Links.join(found)
    local = Links(np.searchsorted(members, pairs.a), np.searchsorted(members, pairs.b), pairs.score)
    groups = merge(
        [sp.ids[i] for i in members.tolist()],
        local,
        scores,
        [np.searchsorted(members, block).tolist() for block in kept],
        n_documents=sp.n_documents,
        days=sp.days[members],
        mentioned=sp.mentioned_days[members],
    )
    return Grouping(sp, members, [members[g].tolist() for g in groups], scores, held)


def _maybe_nearer(
    sp: Space,
    scores: sparse.csr_matrix,
    near: npt.NDArray[np.bool_],
    stories: Mapping[str, Sequence[int]],
    story_of: Sequence[str | None],
    member: npt.NDArray[np.bool_],
) -> Int64s:
    """The articles (not yet affected) a dirty article of ``batch`` may now be the nearest of:
    within LINK of it (``near``: those entries of ``scores``), and not farther from it than
    from the nearest other article of their own story, which would stay their nearest."""
    b: Int64s = scores.indices[near].astype(np.int64)
    score = scores.data[near].astype(np.int64)
    outside = ~member[b]
    b, score = b[outside], score[outside]
    if not len(b):
        return b
    best = np.zeros(len(sp.ids), dtype=np.int64)  # each one's nearest dirty article here
    np.maximum.at(best, b, score)
    b = np.unique(b)
    mates = np.unique(
        np.concatenate(
            [np.asarray(stories.get(story_of[j] or "", (j,)), dtype=np.int64) for j in b.tolist()]
        )
    )
    label = {story: k for k, story in enumerate(sorted({story_of[j] or "" for j in mates}))}
    row_story = np.array([label[story_of[j] or ""] for j in b.tolist()], dtype=np.int64)
    col_story = np.array([label[story_of[j] or ""] for j in mates.tolist()], dtype=np.int64)
    within = neighbours(sp, b, mates)
    entry_rows = rows_of_entries(within)
    same = row_story[entry_rows] == col_story[within.indices]
    mate = np.zeros(len(b), dtype=np.int64)
    np.maximum.at(mate, entry_rows[same], within.data[same].astype(np.int64))
    # A tie may go either way (by ids): look at the row then.
    found: Int64s = b[best[b] >= mate]
    return found


def _among(
    members: Int64s, computed: _Rows, held: npt.NDArray[np.bool_], kept: Sequence[Sequence[int]]
) -> sparse.csr_matrix:
    """The similarities among ``members`` (ascending), renumbered: the rows computed, the same
    entries the other way for articles of stories kept whole (``held``), and between two
    such stories; none within one."""
    sp = computed.sp
    n = len(sp.ids)
    free = members[~held[members]]
    rows = computed.get(free)
    if len(members) == n and not kept:
        return rows
    local = np.full(n, -1, dtype=np.int64)
    local[members] = np.arange(len(members))
    entry_rows = rows_of_entries(rows)
    inside = local[rows.indices] >= 0
    r, c = local[free[entry_rows[inside]]], local[rows.indices[inside]]
    v = rows.data[inside]
    back = held[members[c]]
    parts_r, parts_c, parts_v = [r, c[back]], [c, r[back]], [v, v[back]]
    for k, first in enumerate(kept):  # between two stories kept whole, both ways
        for second in kept[k + 1 :]:
            a, b = np.asarray(first, dtype=np.int64), np.asarray(second, dtype=np.int64)
            cross = _rows_of(sp, a, b)
            e_rows, e_cols = local[a[rows_of_entries(cross)]], local[b[cross.indices]]
            parts_r += [e_rows, e_cols]
            parts_c += [e_cols, e_rows]
            parts_v += [cross.data, cross.data]
    matrix = sparse.coo_matrix(
        (np.concatenate(parts_v), (np.concatenate(parts_r), np.concatenate(parts_c))),
        shape=(len(members), len(members)),
    )
    return sparse.csr_matrix(matrix)


def _rows_of(sp: Space, rows: Int64s, among: Int64s | None = None) -> sparse.csr_matrix:
    """:func:`neighbours` of ``rows``, ROWS_AT_ONCE at a time."""
    width = len(sp.ids) if among is None else len(among)
    if not len(rows):
        return sparse.csr_matrix((0, width), dtype=np.int32)
    blocks = [
        neighbours(sp, rows[start : start + ROWS_AT_ONCE], among)
        for start in range(0, len(rows), ROWS_AT_ONCE)
    ]
    return blocks[0] if len(blocks) == 1 else sparse.csr_matrix(sparse.vstack(blocks, "csr"))


def join_bars(n_documents: int) -> tuple[Fraction, Fraction]:
    """The (mean, centroid) bars a join must clear in an archive of ``n_documents`` articles:
    AVERAGE and CENTROID up to SMALL_ARCHIVE articles, AVERAGE_LARGE and CENTROID_LARGE from
    LARGE_ARCHIVE, in between rising with the logarithm of the size (in steps of
    1/1000, so the bars are exact fractions).

    In a small archive no term is discounted, and the words every article uses weigh on each
    similarity, so one event's articles written apart come out little more alike than topic
    neighbours (the loose storm event of the example corpus: pairs of 0.06-0.15). With the
    discount in full the same event, inside 2,000 Reuters stories, stays whole under bars up
    to 0.12 and 0.19, where many same-day topic neighbours (two companies' note sales, one
    country's statistics) fall below them (the module's docstring)."""
    low, high = float(SMALL_ARCHIVE), float(max(LARGE_ARCHIVE, SMALL_ARCHIVE + 1))
    share = math.log(max(n_documents, 1) / low) / math.log(high / low)
    step = Fraction(round(min(1.0, max(0.0, share)) * 1000), 1000)
    return (
        AVERAGE + step * (AVERAGE_LARGE - AVERAGE),
        CENTROID + step * (CENTROID_LARGE - CENTROID),
    )


def merge(
    ids: Sequence[str],
    pairs: Links,
    scores: sparse.csr_matrix,
    kept: Sequence[Sequence[int]] = (),
    *,
    n_documents: int,
    days: npt.NDArray[np.float64] | None = None,
    mentioned: npt.NDArray[np.float64] | None = None,
) -> list[list[int]]:
    """Stories of the articles 0 … len(ids) - 1 from their links (``pairs``): links are taken
    strongest first (ties by ids), and each joins two stories when the mean similarity of their
    articles, pair by pair, and the cosine of their centroids clear the bars of an archive of
    ``n_documents`` articles (:func:`join_bars`; the module's docstring). ``scores``: the
    rounded similarities of FLOOR or more, both ways; smaller ones count as 0. Each story
    sorted, stories in order of their first article. A story of ``kept`` has no similarities
    within it in ``scores``: the centroid test is not made for it, nor for what it becomes.

    The sums over the pairs of two stories are taken from the rows of the smaller one, in
    exact integers (each story's C(X) is kept as it grows); a join refused is remembered until
    one of the two stories grows."""
    n = len(ids)
    rank = np.empty(n, dtype=np.int64)
    rank[sorted(range(n), key=ids.__getitem__)] = np.arange(n)
    low = np.minimum(rank[pairs.a], rank[pairs.b])
    high = np.maximum(rank[pairs.a], rank[pairs.b])
    order = np.lexsort((high, low, -pairs.score))
    where = np.arange(n, dtype=np.int64)  # each article's story, named by one of its articles
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    for block in kept:  # stories kept whole: one story from the start
        if block:
            where[list(block)] = block[0]
            for i in block[1:]:
                del members[i]
            members[block[0]] = list(block)
    refused: dict[tuple[int, int], tuple[int, int]] = {}
    indptr, indices, data = scores.indptr, scores.indices, scores.data
    # Each story's centroid, squared: its articles' own SCALE each plus its pairs both ways
    # (capped); unknown (-1) for a story kept whole, whose pairs are not at hand.
    inner = {i: -1 if len(rows) > 1 else SCALE for i, rows in members.items()}
    span = _TimeSpans(members, days, mentioned)
    cap = int(CENTROID_CAP * SCALE)
    average, centroid = join_bars(n_documents)
    num, den = centroid.numerator**2, centroid.denominator**2
    for i, j in zip(pairs.a[order].tolist(), pairs.b[order].tolist(), strict=True):
        a, b = int(where[i]), int(where[j])
        if a == b:
            continue
        if (len(members[a]), a) > (len(members[b]), b):
            a, b = b, a
        sizes = (len(members[a]), len(members[b]))
        if refused.get((a, b)) == sizes:
            continue
        if span.apart(a, b):
            refused[(a, b)] = sizes
            continue
        rows = members[a]
        entries: slice | Int64s = (
            _span(indptr, rows[0]) if len(rows) == 1 else _spans(indptr, np.array(rows))
        )
        values = data[entries][where[indices[entries]] == b]
        total = int(values.sum(dtype=np.int64))
        capped = int(np.minimum(values, cap).sum(dtype=np.int64))
        known = inner[a] >= 0 and inner[b] >= 0
        if total * average.denominator < average.numerator * SCALE * sizes[0] * sizes[1] or (
            known and capped * capped * den < num * inner[a] * inner[b]
        ):
            refused[(a, b)] = sizes
            continue
        inner[b] = inner[a] + inner[b] + 2 * capped if known else -1
        del inner[a]
        span.join(a, b)
        where[rows] = b
        members[b].extend(members.pop(a))
    return sorted(sorted(group) for group in members.values())


class _TimeSpans:
    """Each story's earliest and latest dates, and the latest full date an undated article of
    it mentions (it was written then or later): two stories are not joined when their union
    would hold two articles whose time factor is 0 (`wirecopy.stages.story_similarity`):
    dated :data:`APART_DAYS` or more apart, or an undated one mentioning a date more than
    APART_DAYS after a dated one's date. A story of one article reads its own from the
    arrays; only joined stories (and stories kept whole) are kept."""

    _NONE = (math.inf, -math.inf, -math.inf)

    def __init__(
        self,
        members: Mapping[int, Sequence[int]],
        days: npt.NDArray[np.float64] | None,
        mentioned: npt.NDArray[np.float64] | None,
    ) -> None:
        # story -> (earliest date, latest date, latest date an undated article mentions)
        self.spans: dict[int, tuple[float, float, float]] = {}
        self.days = days
        self.mentioned = mentioned
        for story, rows in members.items():
            if len(rows) > 1:  # a story kept whole
                self.spans[story] = self._union_of(rows)

    def _one(self, i: int) -> tuple[float, float, float]:
        if self.days is None:
            return self._NONE
        day = float(self.days[i])
        if not math.isnan(day):
            return day, day, -math.inf
        said = math.nan if self.mentioned is None else float(self.mentioned[i])
        return self._NONE if math.isnan(said) else (math.inf, -math.inf, said)

    def _union_of(self, rows: Sequence[int]) -> tuple[float, float, float]:
        spans = [self._one(i) for i in rows]
        return (
            min(f for f, _, _ in spans),
            max(last for _, last, _ in spans),
            max(m for _, _, m in spans),
        )

    def _union(self, a: int, b: int) -> tuple[float, float, float]:
        (f1, l1, m1) = self.spans.get(a) or self._one(a)
        (f2, l2, m2) = self.spans.get(b) or self._one(b)
        return min(f1, f2), max(l1, l2), max(m1, m2)

    def apart(self, a: int, b: int) -> bool:
        first, last, said = self._union(a, b)
        return last - first >= APART_DAYS or said - first > APART_DAYS

    def join(self, a: int, b: int) -> None:
        """Story a joined story b."""
        union = self._union(a, b)
        self.spans.pop(a, None)
        self.spans[b] = union


def _span(indptr: Int64s, row: int) -> slice:
    return slice(int(indptr[row]), int(indptr[row + 1]))


def _spans(indptr: Int64s, rows: Int64s) -> Int64s:
    """The positions of the entries of ``rows`` of a sparse matrix."""
    starts, lengths = indptr[rows], indptr[rows + 1] - indptr[rows]
    offsets = np.cumsum(lengths) - lengths  # where each row's run starts in the result
    positions: Int64s = np.arange(int(lengths.sum()), dtype=np.int64) + np.repeat(
        starts - offsets, lengths
    )
    return positions


def representative(
    group: Sequence[int],
    titles: Sequence[str | None],
    copies: Sequence[int],
    ids: Sequence[str],
    closeness: Callable[[Sequence[int]], Sequence[int]],
) -> int:
    """The story's representative article: titled first, then the most printed (the wire
    story many outlets ran), then the closest to the rest of the story (highest total
    similarity, as :func:`merge` counts it: :meth:`Grouping.closeness`, asked only when it
    decides), then the smallest id."""

    def first(i: int) -> tuple[bool, int]:
        return (titles[i] is None, -copies[i])

    best = min(first(i) for i in group)
    tied = [i for i in group if first(i) == best]
    if len(tied) == 1:
        return tied[0]
    total = dict(zip(tied, closeness(tied), strict=True))
    return min(tied, key=lambda i: (-total[i], ids[i]))


def cluster(articles: Sequence[ArticleFeatures]) -> list[list[str]]:
    """Stories of a whole set of articles at once (document frequencies from the set itself):
    what an archive holds after building them, in any order, up to the tolerance above."""
    term_df: dict[int, int] = {}
    for art in articles:
        for term in art.terms.terms.tolist():
            term_df[term] = term_df.get(term, 0) + 1
    sp = space(articles, term_df, entity_df(articles), len(articles))
    grouping = affected(sp, range(len(articles)), {}, [None] * len(articles))
    return [[sp.ids[i] for i in group] for group in grouping.groups]
