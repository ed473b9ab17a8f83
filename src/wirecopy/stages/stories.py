"""Stories: articles about one real-world event, grouped (pure functions, no SQL).

Similarity of two articles a and b::

    s(a, b) = time(a, b) × ((1 − W) × cos(text_a, text_b) + W × cos(ent_a, ent_b))

- ``text``: TF-IDF of the title (counted :data:`TITLE_WEIGHT` times) and the body. Words of two
  letters or more, English stop words left out, and numbers of two digits or more ("310",
  "0.4", "21,782,929": articles on one event repeat its figures, articles cast in one template
  do not; common ones such as years get a low IDF), hashed into 2**20 buckets (no vocabulary to
  fit, so a vector never changes once computed); term frequency is sublinear (1 + ln tf);
  a term's weight is its IDF, ``ln((1 + N) / (1 + df)) + 1`` from the document frequencies
  the archive keeps for all its N articles, times ``min(1, common / df)`` with
  ``common = max(COMMON_MIN, COMMON_SHARE × N)`` (:func:`term_weights`): a term in more than
  :data:`COMMON_SHARE` of a large archive is a template's or the language's ("shr", "net",
  "vs" of results tables; "said"), not an event's, and counts the less the more articles hold
  it. Without it, articles cast in one template chain into one story: in 2,257 Reuters
  stories of February-March 1987, dividend notices, results tables and eurobond issues made
  stories of 131, 81 and 50 articles (60, 51 and 21 with it: templates held by fewer than
  COMMON_SHARE of the articles still chain). Under :data:`COMMON_MIN` articles nothing is
  discounted: in a small archive a large event's own words are as common as a template's.
- ``ent``: the same over the article's entities (people, organisations, places, groups), keyed
  by their words case-folded (labels ignored: the model may call one name a place here and an
  organisation there), weighted 1 + ln(count) and by entity IDF (not discounted).
  W = :data:`ENTITY_WEIGHT` × min(1, e / :data:`ENTITY_FULL`), e the smaller of the two
  articles' numbers of entities (:func:`entity_weights`): the cosine of two short lists is
  high on little evidence (two New Zealand statistics naming only "Reserve Bank" and "New
  Zealand" have an entity cosine of 0.8), so it counts in full only for articles that name
  ENTITY_FULL entities or more. When either article has no entities (built with
  ``--no-entities``), s is the text cosine.
- ``time``: 1 when both dates are at most :data:`SAME_DAYS` apart, falling linearly to 0 at
  :data:`APART_DAYS`: the same people months apart are another story. An undated article is
  written no earlier than the latest full date it mentions: when that is more than
  :data:`APART_DAYS` after the other article's date, time is 0. Otherwise (no dates) 1.

Grouping. Article a links to b when b is a's nearest article and s ≥ :data:`LINK`, or when
s ≥ :data:`STRONG` whatever else is near. Links are taken strongest first (ties by article
ids) and each joins the two stories A and B it connects when both hold (:func:`merge`):

- the mean similarity of their articles, pair by pair, is at least :data:`AVERAGE`;
- the cosine of their centroids (s taken as the dot product of two articles) is at least
  :data:`CENTROID`, each similarity counted at most :data:`CENTROID_CAP`::

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
  for it.

Nearest-neighbour links let an article join the *closest* story, not every story it shares a
place with; the mean keeps a story from growing by a chain of articles each a little off the
last. Measured on the labelled Reuters days inside a stream of 2,000 other Reuters stories
(``benchmarks/stories.py --stream 2000``, pairwise F1, entities on / off), the entity weight
by count and the centroid test raise tune from 0.531 / 0.564 to 0.567 / 0.569 and heldout
from 0.439 / 0.475 to 0.483 / 0.490 (the entity weight 0.557 and 0.473 alone); the parts
grouped alone, where nothing is discounted, lose with entities on (0.138 to 0.122, 0.347 to
0.315): there the entities were what kept templates apart.

Similarities are rounded to multiples of 2**-24 (:data:`SCALE`) and kept as integers, so sums
of them are exact and do not depend on the order they are added in; under :data:`FLOOR` they
count as 0. They are worked out ROWS_AT_ONCE articles at a time against all articles (sparse
matrix products: :func:`neighbours`); an entry is the same whichever of the two articles'
rows it is in, to the last bit (a row adds its shared terms in ascending order).

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
Term weights (IDF and its discount) change as the archive grows, so stories nothing new came
near keep the links they were given with the weights of their time; `wirecopy.derive` bounds
that by regrouping every article each time the archive grows past the next of a fixed series
of sizes (`wirecopy.derive.regroup_sizes`). What is left is the tolerance, measured by
``tests/stages/test_stories.py`` (articles added in fixed and seeded-random orders and batches,
after every batch, against all at once). :func:`merge` breaks ties by article ids and sums
exactly (integers), so a whole regroup does not depend even on the order of the rows.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer

N_FEATURES = 1 << 20
TITLE_WEIGHT = 2.0
ENTITY_WEIGHT = 0.3
ENTITY_FULL = 5
"""Two articles that each name ENTITY_FULL entities or more weigh their entities by
ENTITY_WEIGHT; with fewer, by ENTITY_WEIGHT × (the smaller count) / ENTITY_FULL."""
LINK = 0.13
STRONG = 0.30
AVERAGE = 0.08
FLOOR = 0.04
CENTROID = Fraction(13, 100)
CENTROID_CAP = Fraction(1, 2)
"""A join also needs the cosine of the two stories' centroids to be CENTROID or more, each
similarity counted at most CENTROID_CAP (:func:`merge`; exact fractions, compared in
integers). CENTROID is LINK: two articles that link pass it."""
SAME_DAYS = 3
APART_DAYS = 30
TOKENS = r"(?u)\b(?:[^\W\d_][^\W_]+|\d[\d.,]*\d)\b"
"""Terms: a word of two letters or more (it may hold digits), or a number of two digits or more
with its inner separators ("1,250", "0.4")."""
COMMON_SHARE = 0.05
COMMON_MIN = 100
"""A text term found in more than ``common = max(COMMON_MIN, COMMON_SHARE × N)`` of the N
articles has its IDF multiplied by common / df: see :func:`term_weights`."""
STORIES_VERSION = (
    f"tfidf-2^20/words+numbers/title{TITLE_WEIGHT:g}/ent{ENTITY_WEIGHT:g}-{ENTITY_FULL}"
    f"/common{COMMON_SHARE:g}-{COMMON_MIN}/link{LINK:g}-{STRONG:g}-{AVERAGE:g}"
    f"/centroid{float(CENTROID):g}-{float(CENTROID_CAP):g}"
)
"""Stored with each placed article: a change here places every article again."""

_WORD = re.compile(r"\b[^\W\d_][^\W_]+\b")

Floats = npt.NDArray[np.float32]
Ints = npt.NDArray[np.int32]


@dataclass(frozen=True, slots=True)
class Terms:
    """An article's hashed terms (ascending) and their sublinear term frequencies."""

    terms: Ints
    weights: Floats


@dataclass(slots=True)
class ArticleFeatures:
    """What clustering knows of one article."""

    id: str
    terms: Terms
    entities: dict[str, float] = field(default_factory=dict)  # entity key -> count
    date: dt.date | None = None
    mentioned: dt.date | None = None  # the latest full date the text mentions
    title: str | None = None
    story: str | None = None  # the story it is in now
    copies: int = 1  # how many times it was printed


_HASHING = HashingVectorizer(
    n_features=N_FEATURES,
    alternate_sign=False,
    norm=None,
    lowercase=True,
    stop_words="english",
    token_pattern=TOKENS,
    dtype=np.float64,
)


def vectorise(docs: Sequence[tuple[str | None, str]]) -> list[Terms]:
    """Hashed, sublinear term frequencies of each (title, body): the title counts
    :data:`TITLE_WEIGHT` times."""
    if not docs:
        return []
    body = _HASHING.transform([text for _, text in docs])
    head = _HASHING.transform([title or "" for title, _ in docs])
    counts = sparse.csr_matrix(body + TITLE_WEIGHT * head)
    counts.sort_indices()
    found: list[Terms] = []
    for i in range(counts.shape[0]):
        start, end = counts.indptr[i], counts.indptr[i + 1]
        found.append(
            Terms(
                counts.indices[start:end].astype(np.int32),
                (1.0 + np.log(counts.data[start:end])).astype(np.float32),
            )
        )
    return found


def entity_key(text: str) -> str:
    return " ".join(_WORD.findall(text.casefold())) or text.casefold()


def idf(df: npt.NDArray[np.float64], n: int) -> npt.NDArray[np.float64]:
    """Smoothed IDF of terms found in ``df`` of ``n`` articles: ln((1 + n) / (1 + df)) + 1."""
    result: npt.NDArray[np.float64] = np.log((1.0 + n) / (1.0 + df)) + 1.0
    return result


def term_weights(df: npt.NDArray[np.float64], n: int) -> npt.NDArray[np.float64]:
    """The weight of text terms found in ``df`` of ``n`` articles: their IDF, times
    common / df for a term in more than ``common = max(COMMON_MIN, COMMON_SHARE × n)``
    articles.

    The smoothed IDF alone leaves a term of a quarter of the archive a third to a half of the
    weight of a rare one, so articles cast in one template (results tables, dividend notices:
    "shr", "net", "cts", "vs") come out as alike as articles on one event, and chain into one
    story. An event's own words are held by its articles, fewer than COMMON_SHARE of a large
    archive. In a small archive a template and a large event cannot be told apart by how many
    articles hold a term, so nothing held by COMMON_MIN articles or fewer is discounted (an
    event of 150 of 250 articles, its words discounted up to a third, stays one story:
    ``tests/stages/test_stories.py``)."""
    common = max(float(COMMON_MIN), COMMON_SHARE * n)
    discount = np.minimum(1.0, common / np.maximum(df, 1.0))
    result: npt.NDArray[np.float64] = idf(df, n) * discount
    return result


# Similarities, rounded ------------------------------------------------------------------------

SCALE = 1 << 24
"""Similarities are rounded to multiples of 1/SCALE and kept as integers, so that sums of them
are exact whatever order they are added in (see the module's docstring)."""
ROWS_AT_ONCE = 256
"""Similarity rows computed together: bounds memory to about ROWS_AT_ONCE × articles entries."""

Int64s = npt.NDArray[np.int64]


def _at_least(value: float) -> int:
    """The smallest rounded similarity (an integer, in 1/SCALE) that is ``value`` or more."""
    return math.ceil(value * SCALE)


def _ordinals(values: Sequence[dt.date | None]) -> npt.NDArray[np.float64]:
    return np.array([v.toordinal() if v else np.nan for v in values], dtype=np.float64)


def _normalise(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ matrix)


def _rows(
    n: int,
    lengths: Int64s,
    columns: Int64s,
    values: npt.NDArray[np.float64],
    width: int,
) -> sparse.csr_matrix:
    """Rows of ``lengths`` entries each, columns ascending within a row, L2-normalised.

    Ascending columns make s(a, b) and s(b, a) the very same sum: a sparse product adds a
    row's terms in their stored order, so both add the shared terms in one order."""
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    matrix = sparse.csr_matrix((values, columns, indptr), shape=(n, max(width, 1)))
    matrix.has_sorted_indices = True
    return _normalise(matrix)


@dataclass(slots=True)
class Space:
    """All articles as normalised TF-IDF rows, text and entities, ready for similarities."""

    ids: list[str]
    text: sparse.csr_matrix
    ents: sparse.csr_matrix
    has_ents: npt.NDArray[np.bool_]
    days: npt.NDArray[np.float64]
    mentioned_days: npt.NDArray[np.float64]
    rank: Int64s = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    text_t: sparse.csr_matrix | None = None
    ents_t: sparse.csr_matrix | None = None
    dated: bool = False  # whether any article has a date or mentions one
    n_ents: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))

    def __post_init__(self) -> None:
        # Ties go to the smallest id: ranks of the ids, so arrays can be sorted by id.
        self.rank = np.empty(len(self.ids), dtype=np.int64)
        self.rank[sorted(range(len(self.ids)), key=self.ids.__getitem__)] = np.arange(len(self.ids))
        self.text_t = sparse.csr_matrix(self.text.T)
        self.ents_t = sparse.csr_matrix(self.ents.T) if self.has_ents.any() else None
        self.dated = bool((~np.isnan(self.days)).any() or (~np.isnan(self.mentioned_days)).any())
        self.n_ents = np.diff(self.ents.indptr).astype(np.float64)  # entities each names

    @property
    def index(self) -> dict[str, int]:
        return {article_id: i for i, article_id in enumerate(self.ids)}


def space(
    articles: Sequence[ArticleFeatures],
    term_df: Mapping[int, int],
    entity_df: Mapping[str, int],
    n_documents: int,
) -> Space:
    """Vectors of ``articles`` with IDF from the archive's document frequencies."""
    n = len(articles)
    lengths = np.fromiter((len(a.terms.terms) for a in articles), dtype=np.int64, count=n)
    if n and lengths.sum():
        terms = np.concatenate([a.terms.terms for a in articles]).astype(np.int64)
        weights = np.concatenate([a.terms.weights for a in articles]).astype(np.float64)
    else:
        terms, weights = np.zeros(0, dtype=np.int64), np.zeros(0)
    # Columns: the terms present, ascending (so each row's columns stay ascending).
    vocabulary, columns = np.unique(terms, return_inverse=True)
    df = np.array([term_df.get(t, 1) for t in vocabulary.tolist()], dtype=np.float64)
    text = _rows(
        n,
        lengths,
        columns.astype(np.int64),
        weights * term_weights(df, n_documents)[columns],
        len(vocabulary),
    )
    keys = sorted({key for art in articles for key in art.entities})
    column = {key: j for j, key in enumerate(keys)}
    key_idf = idf(np.array([entity_df.get(k, 1) for k in keys], dtype=np.float64), n_documents)
    e_lengths = np.fromiter((len(a.entities) for a in articles), dtype=np.int64, count=n)
    e_cols: list[int] = []
    e_counts: list[float] = []
    for art in articles:
        for key in sorted(art.entities, key=column.__getitem__):
            e_cols.append(column[key])
            e_counts.append(art.entities[key])
    e_columns = np.array(e_cols, dtype=np.int64)
    e_values = (1.0 + np.log(np.maximum(np.array(e_counts, dtype=np.float64), 1.0))) * key_idf[
        e_columns
    ]
    return Space(
        ids=[art.id for art in articles],
        text=text,
        ents=_rows(n, e_lengths, e_columns, e_values, len(keys)),
        has_ents=e_lengths > 0,
        days=_ordinals([art.date for art in articles]),
        mentioned_days=_ordinals([art.mentioned for art in articles]),
    )


def time_factor(
    a_date: dt.date | None,
    b_date: dt.date | None,
    a_mentioned: dt.date | None,
    b_mentioned: dt.date | None,
) -> float:
    """1 for articles close in time, 0 for articles far apart (see the module's rules)."""
    if a_date is not None and b_date is not None:
        days = abs((a_date - b_date).days)
        if days <= SAME_DAYS:
            return 1.0
        return max(0.0, 1.0 - (days - SAME_DAYS) / (APART_DAYS - SAME_DAYS))
    if a_date is not None and b_mentioned is not None:
        return 0.0 if (b_mentioned - a_date).days > APART_DAYS else 1.0
    if b_date is not None and a_mentioned is not None:
        return 0.0 if (a_mentioned - b_date).days > APART_DAYS else 1.0
    return 1.0


def time_factors(sp: Space, a: Int64s, b: Int64s) -> npt.NDArray[np.float64]:
    """time(a[k], b[k]) for each k, as :func:`time_factor` (vectorised, and symmetric)."""
    factors = np.ones(len(a))
    da, db = sp.days[a], sp.days[b]
    ma, mb = sp.mentioned_days[a], sp.mentioned_days[b]
    with np.errstate(invalid="ignore"):
        dated_a, dated_b = ~np.isnan(da), ~np.isnan(db)
        both = dated_a & dated_b
        slope = 1.0 - (np.abs(da[both] - db[both]) - SAME_DAYS) / (APART_DAYS - SAME_DAYS)
        factors[both] = np.clip(slope, 0.0, 1.0)
        factors[dated_a & ~dated_b & (mb - da > APART_DAYS)] = 0.0
        factors[~dated_a & dated_b & (ma - db > APART_DAYS)] = 0.0
    return factors


def entity_weights(sp: Space, a: Int64s, b: Int64s) -> npt.NDArray[np.float64]:
    """W of each pair (a[k], b[k]) of articles that both name entities: ENTITY_WEIGHT, times
    the smaller of their counts of entities over ENTITY_FULL when that is under 1."""
    fewer = np.minimum(sp.n_ents[a], sp.n_ents[b])
    found: npt.NDArray[np.float64] = ENTITY_WEIGHT * np.minimum(1.0, fewer / ENTITY_FULL)
    return found


def _entry_rows(matrix: sparse.csr_matrix) -> Int64s:
    """The row of each stored entry."""
    return np.repeat(np.arange(matrix.shape[0], dtype=np.int64), np.diff(matrix.indptr))


def neighbours(
    sp: Space, rows: Sequence[int] | Int64s, among: Int64s | None = None
) -> sparse.csr_matrix:
    """s(a, b) of each article a in ``rows`` against every article b (or each of ``among``,
    then column k is ``among[k]``), rounded (integers in 1/SCALE), where it is FLOOR or more:
    a sparse matrix, a row for each of ``rows``. An entry is the same either way: a sparse
    product adds a row's shared terms in their stored order, whatever the other columns."""
    picked = np.asarray(rows, dtype=np.int64)
    columns = np.arange(len(sp.ids), dtype=np.int64) if among is None else among
    assert sp.text_t is not None
    text_t = sp.text_t if among is None else sparse.csr_matrix(sp.text[among].T)
    scores = sparse.csr_matrix(sp.text[picked] @ text_t)
    if sp.ents_t is not None and sp.has_ents[picked].any():
        ents_t = sp.ents_t if among is None else sparse.csr_matrix(sp.ents[among].T)
        ents = sparse.csr_matrix(sp.ents[picked] @ ents_t)
        both = sp.has_ents[picked][_entry_rows(scores)] & sp.has_ents[columns[scores.indices]]
        where = _entry_rows(scores)[both], scores.indices[both]
        scores.data[both] *= 1.0 - entity_weights(sp, picked[where[0]], columns[where[1]])
        ents.data *= entity_weights(sp, picked[_entry_rows(ents)], columns[ents.indices])
        scores = sparse.csr_matrix(scores + ents)  # ents: only where both have entities
    # time ≤ 1: what is under FLOOR now stays under it (less a rounding step).
    floor = _at_least(FLOOR)
    scores.data[scores.data < (floor - 1) / SCALE] = 0.0
    scores.eliminate_zeros()
    a = picked[_entry_rows(scores)]
    b = columns[scores.indices]
    if sp.dated:
        scores.data *= time_factors(sp, a, b)
    rounded = np.rint(scores.data * SCALE).astype(np.int32)
    rounded[(rounded < floor) | (a == b)] = 0
    found = sparse.csr_matrix(
        (rounded, scores.indices, scores.indptr), shape=(len(picked), len(columns))
    )
    found.eliminate_zeros()
    return found


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
    entry_rows = _entry_rows(scores)
    data = scores.data.astype(np.int64)
    best = np.zeros(scores.shape[0], dtype=np.int64)
    np.maximum.at(best, entry_rows, data)
    tied = np.nonzero((data == best[entry_rows]) & (data >= _at_least(LINK)))[0]
    # Among a row's ties, the smallest id: sort by row, then rank; take each row's first.
    tied = tied[np.lexsort((sp.rank[scores.indices[tied]], entry_rows[tied]))]
    first = tied[np.r_[True, entry_rows[tied][1:] != entry_rows[tied][:-1]]] if len(tied) else tied
    strong = np.nonzero(data >= _at_least(STRONG))[0]
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
    link, strong = _at_least(LINK), _at_least(STRONG)
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
        near = is_dirty[batch[_entry_rows(scores)]] & (scores.data >= link)
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
    entry_rows = _entry_rows(within)
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
    entry_rows = _entry_rows(rows)
    inside = local[rows.indices] >= 0
    r, c = local[free[entry_rows[inside]]], local[rows.indices[inside]]
    v = rows.data[inside]
    back = held[members[c]]
    parts_r, parts_c, parts_v = [r, c[back]], [c, r[back]], [v, v[back]]
    for k, first in enumerate(kept):  # between two stories kept whole, both ways
        for second in kept[k + 1 :]:
            a, b = np.asarray(first, dtype=np.int64), np.asarray(second, dtype=np.int64)
            cross = _rows_of(sp, a, b)
            e_rows, e_cols = local[a[_entry_rows(cross)]], local[b[cross.indices]]
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


def merge(
    ids: Sequence[str],
    pairs: Links,
    scores: sparse.csr_matrix,
    kept: Sequence[Sequence[int]] = (),
) -> list[list[int]]:
    """Stories of the articles 0 … len(ids) - 1 from their links (``pairs``): links are taken
    strongest first (ties by ids), and each joins two stories when the mean similarity of their
    articles, pair by pair, is at least AVERAGE and the cosine of their centroids is at least
    CENTROID (the module's docstring; ``scores``: the rounded similarities of FLOOR or more,
    both ways; smaller ones count as 0). Each story sorted, stories in order of their first
    article. A story of ``kept`` has no similarities within it in ``scores``: the centroid
    test is not made for it, nor for what it becomes.

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
    cap = int(CENTROID_CAP * SCALE)
    num, den = CENTROID.numerator**2, CENTROID.denominator**2
    for i, j in zip(pairs.a[order].tolist(), pairs.b[order].tolist(), strict=True):
        a, b = int(where[i]), int(where[j])
        if a == b:
            continue
        if (len(members[a]), a) > (len(members[b]), b):
            a, b = b, a
        sizes = (len(members[a]), len(members[b]))
        if refused.get((a, b)) == sizes:
            continue
        rows = members[a]
        span: slice | Int64s = (
            _span(indptr, rows[0]) if len(rows) == 1 else _spans(indptr, np.array(rows))
        )
        values = data[span][where[indices[span]] == b]
        total = int(values.sum(dtype=np.int64))
        capped = int(np.minimum(values, cap).sum(dtype=np.int64))
        known = inner[a] >= 0 and inner[b] >= 0
        if total < AVERAGE * SCALE * sizes[0] * sizes[1] or (
            known and capped * capped * den < num * inner[a] * inner[b]
        ):
            refused[(a, b)] = sizes
            continue
        inner[b] = inner[a] + inner[b] + 2 * capped if known else -1
        del inner[a]
        where[rows] = b
        members[b].extend(members.pop(a))
    return sorted(sorted(group) for group in members.values())


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


def entity_df(articles: Iterable[ArticleFeatures]) -> dict[str, int]:
    """How many of `articles` name each entity key (each article's entities are keyed)."""
    found: dict[str, int] = {}
    for art in articles:
        for key in art.entities:
            found[key] = found.get(key, 0) + 1
    return found


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
