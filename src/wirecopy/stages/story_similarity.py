"""Story similarity: what two articles have in common (pure functions, no SQL).

Similarity of two articles a and b::

    s(a, b) = time(a, b) × ((1 − W) × cos(text_a, text_b) + W × cos(ent_a, ent_b))

- ``text``: TF-IDF of the title (counted :data:`TITLE_WEIGHT` times) and the body. Words of two
  letters or more (in scripts written without spaces, each pair of characters:
  `wirecopy.textnorm.pair_unspaced`), stop words left out (English ones, and those of the
  article's language when it is another: `wirecopy.stages.languages`), and numbers of two
  digits or more ("310", "0.4", "21,782,929": articles on one event repeat its figures,
  articles cast in one template do not; common ones such as years get a low IDF), hashed
  into 2**20 buckets (no vocabulary to fit, so a vector never changes once computed); term
  frequency is sublinear (1 + ln tf);
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
  by their words case-folded, initials undotted ("U.S." is "US"; labels ignored: the model
  may call one name a place here and an organisation there), weighted 1 + ln(count) and by
  entity IDF (not discounted).
  W = :data:`ENTITY_WEIGHT` × min(1, e / :data:`ENTITY_FULL`), e the smaller of the two
  articles' numbers of entities (:func:`entity_weights`): the cosine of two short lists is
  high on little evidence (two New Zealand statistics naming only "Reserve Bank" and "New
  Zealand" have an entity cosine of 0.8), so it counts in full only for articles that name
  ENTITY_FULL entities or more. Two articles that each name ENTITY_FULL entities or more and
  none in common are *apart*: s is 0 whatever their text (:func:`_apart`). Articles cast in
  one template about two subjects (two companies' note sales, dividend notices) are alike in
  text and name different companies, people and places; articles on one event name some of
  the same ones. Measured when it came (entity weight 0.3) on the labelled Reuters days in a
  stream of 2,000 others (entities on, pairwise F1): tune 0.602 to 0.607, heldout 0.542 to
  0.555, and the seed pages inside that stream grouped exactly (pairwise F1 0.67 without it).
  When either article has no entities (built with ``--no-entities``), s is the text cosine.
  ENTITY_WEIGHT is small (0.1): names are words of the text already, and a few shared names
  (a country, a president, a minister) are what same-week topic neighbours have in common.
  Pairwise F1 with entities on, on the labelled Reuters days inside 2,000 others (tune,
  heldout) and on the 22 developing stories of a week of 2,468 (``benchmarks/stories.py
  --developing``): W 0.3 gave 0.602, 0.550, 0.713; 0.2 0.574, 0.549, 0.701; 0.1 0.614,
  0.567, 0.741; 0.05 0.653, 0.564, 0.759 (entities off: 0.667, 0.540, 0.758). The seed pages
  and the example corpus stay exact with each, alone and inside the stream, and the example
  corpus's loose storm event splits at the same centroid bar (0.20) with 0.1 as with 0.3.
  0.1 rather than 0.05: one outlet's wire copy words one event alike, outlets writing apart
  do not, and there the names they share count for more (not measured: no labelled
  multi-outlet stream of that size). All three sets were in sight when 0.1 was chosen, the
  held-out days too: for this choice they are no longer only measured.
- ``time``: 1 when both dates are at most :data:`SAME_DAYS` apart, falling linearly to 0 at
  :data:`APART_DAYS`: the same people months apart are another story. An undated article is
  written no earlier than the latest full date it mentions: when that is more than
  :data:`APART_DAYS` after the other article's date, time is 0. Otherwise (no dates) 1.

Similarities are rounded to multiples of 2**-24 (:data:`SCALE`) and kept as integers, so sums
of them are exact and do not depend on the order they are added in; under :data:`FLOOR` they
count as 0. They are worked out ROWS_AT_ONCE articles at a time against all articles (sparse
matrix products: :func:`neighbours`); an entry is the same whichever of the two articles'
rows it is in, to the last bit (a row adds its shared terms in ascending order).

How articles are grouped by this similarity is in `wirecopy.stages.stories`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, HashingVectorizer

from wirecopy.stages import languages
from wirecopy.textnorm import pair_unspaced

N_FEATURES = 1 << 20
TITLE_WEIGHT = 2.0
ENTITY_WEIGHT = 0.1
ENTITY_FULL = 5
"""Two articles that each name ENTITY_FULL entities or more weigh their entities by
ENTITY_WEIGHT; with fewer, by ENTITY_WEIGHT × (the smaller count) / ENTITY_FULL."""
FLOOR = 0.04
"""Similarities under FLOOR count as 0 (they are not kept)."""
SAME_DAYS = 3
APART_DAYS = 30
TOKENS = r"(?u)\b(?:[^\W\d_][^\W_]+|\d[\d.,]*\d)\b"
"""Terms: a word of two letters or more (it may hold digits), or a number of two digits or more
with its inner separators ("1,250", "0.4")."""
COMMON_SHARE = 0.05
COMMON_MIN = 100
"""A text term found in more than ``common = max(COMMON_MIN, COMMON_SHARE × N)`` of the N
articles has its IDF multiplied by common / df: see :func:`term_weights`."""


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


_TERM = re.compile(TOKENS)


@cache
def _hashing(code: str) -> HashingVectorizer:
    """The vectoriser of articles in a language: English stop words left out, and the
    language's own (`wirecopy.stages.languages`)."""
    stop_words = ENGLISH_STOP_WORDS | languages.stop_words(code)
    return HashingVectorizer(
        n_features=N_FEATURES,
        alternate_sign=False,
        norm=None,
        lowercase=True,
        # Only stop words that are terms themselves: "qu'" could never match one, and
        # scikit-learn warns of such a list on every call.
        stop_words=sorted(word for word in stop_words if _TERM.fullmatch(word)),
        token_pattern=TOKENS,
        dtype=np.float64,
    )


def vectorise(docs: Sequence[tuple[str | None, str]]) -> list[Terms]:
    """Hashed, sublinear term frequencies of each (title, body): the title counts
    :data:`TITLE_WEIGHT` times; the function words of the article's language are left out."""
    # Chinese, Japanese or Thai print no spaces: their terms are pairs of characters.
    docs = [(title and pair_unspaced(title), pair_unspaced(text)) for title, text in docs]
    codes = [languages.guess(f"{title or ''}\n{text}") for title, text in docs]
    found: dict[int, Terms] = {}
    for code in sorted(set(codes)):
        picked = [i for i, c in enumerate(codes) if c == code]
        hashing = _hashing(code)
        body = hashing.transform([docs[i][1] for i in picked])
        head = hashing.transform([docs[i][0] or "" for i in picked])
        counts = sparse.csr_matrix(body + TITLE_WEIGHT * head)
        counts.sort_indices()
        for row, i in enumerate(picked):
            start, end = counts.indptr[row], counts.indptr[row + 1]
            found[i] = Terms(
                counts.indices[start:end].astype(np.int32),
                (1.0 + np.log(counts.data[start:end])).astype(np.float32),
            )
    return [found[i] for i in range(len(docs))]


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


def at_least(value: float) -> int:
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
    n_documents: int = 0  # the archive's articles, whose document frequencies weigh the terms

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
        n_documents=n_documents,
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


def rows_of_entries(matrix: sparse.csr_matrix) -> Int64s:
    """The row of each stored entry."""
    return np.repeat(np.arange(matrix.shape[0], dtype=np.int64), np.diff(matrix.indptr))


def _apart(
    sp: Space, picked: Int64s, columns: Int64s, scores: sparse.csr_matrix, ents: sparse.csr_matrix
) -> npt.NDArray[np.bool_]:
    """The entries of ``scores`` whose two articles each name ENTITY_FULL entities or more and
    share none (``ents``: their entity products, an entry only where they share one)."""
    entry_rows = rows_of_entries(scores)
    full = (sp.n_ents[picked[entry_rows]] >= ENTITY_FULL) & (
        sp.n_ents[columns[scores.indices]] >= ENTITY_FULL
    )
    width = scores.shape[1]
    positive = ents.data > 0
    shared = (rows_of_entries(ents) * width + ents.indices)[positive]
    found: npt.NDArray[np.bool_] = full & ~np.isin(entry_rows * width + scores.indices, shared)
    return found


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
        both = sp.has_ents[picked][rows_of_entries(scores)] & sp.has_ents[columns[scores.indices]]
        where = rows_of_entries(scores)[both], scores.indices[both]
        scores.data[both] *= 1.0 - entity_weights(sp, picked[where[0]], columns[where[1]])
        ents.data *= entity_weights(sp, picked[rows_of_entries(ents)], columns[ents.indices])
        scores = sparse.csr_matrix(scores + ents)  # ents: only where both have entities
        scores.data[_apart(sp, picked, columns, scores, ents)] = 0.0
    # time ≤ 1: what is under FLOOR now stays under it (less a rounding step).
    floor = at_least(FLOOR)
    scores.data[scores.data < (floor - 1) / SCALE] = 0.0
    scores.eliminate_zeros()
    a = picked[rows_of_entries(scores)]
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


def entity_df(articles: Iterable[ArticleFeatures]) -> dict[str, int]:
    """How many of `articles` name each entity key (each article's entities are keyed)."""
    found: dict[str, int] = {}
    for art in articles:
        for key in art.entities:
            found[key] = found.get(key, 0) + 1
    return found
