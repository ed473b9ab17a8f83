"""Stories: articles about one real-world event, grouped (pure functions, no SQL).

Similarity of two articles a and b::

    s(a, b) = time(a, b) × ((1 − W) × cos(text_a, text_b) + W × cos(ent_a, ent_b))

- ``text``: TF-IDF of the title (counted :data:`TITLE_WEIGHT` times) and the body. Words of two
  letters or more, English stop words left out, hashed into 2**20 buckets (no vocabulary to
  fit, so a vector never changes once computed); term frequency is sublinear (1 + ln tf);
  IDF is ``ln((1 + N) / (1 + df)) + 1`` from the document frequencies the archive keeps for
  all its articles.
- ``ent``: the same over the article's entities (people, organisations, places, groups), keyed
  by their words case-folded (labels ignored: the model may call one name a place here and an
  organisation there), weighted 1 + ln(count) and by entity IDF. W = :data:`ENTITY_WEIGHT`;
  when either article has no entities (built with ``--no-entities``), s is the text cosine.
- ``time``: 1 when both dates are at most :data:`SAME_DAYS` apart, falling linearly to 0 at
  :data:`APART_DAYS`: the same people months apart are another story. An undated article is
  written no earlier than the latest full date it mentions: when that is more than
  :data:`APART_DAYS` after the other article's date, time is 0. Otherwise (no dates) 1.

Grouping. Article a links to b when b is a's nearest article and s ≥ :data:`LINK`, or when
s ≥ :data:`STRONG` whatever else is near. Links are taken strongest first (ties by article
ids) and each joins the two stories it connects when the mean similarity of their articles,
pair by pair, is at least :data:`AVERAGE` (:func:`merge`). Nearest-neighbour links let an
article join the *closest* story, not every story it shares a place with; the mean keeps a
story from growing by a chain of articles each a little off the last.

Incremental and order-independent. For fixed similarities the stories are a function of the
set of articles, not of their order. `wirecopy.derive` regroups a small archive whole on
every change (exact); above that it re-evaluates only what new or changed articles can affect
(:func:`affected`): their old stories and, until nothing is added, the whole story of
every article within :data:`LINK` of an affected one (it may link to it, or now have it as its
nearest); their stories are then recomputed from scratch with the current IDF.
IDF does change as the archive grows, so stories nothing new came near keep the links they
were given with the IDF of their time; `wirecopy.derive` bounds that by regrouping every
article each time the archive grows past the next of a fixed series of sizes (each 1.25 times
the last, `wirecopy.derive.regroup_sizes`). What is left is the tolerance, measured by
``tests/stages/test_stories.py`` (articles added in fixed and seeded-random orders and batches,
after every batch, against all at once). :func:`merge` breaks ties by article ids and sums
exactly (``math.fsum``), so a whole regroup does not depend even on the order of the rows.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer

N_FEATURES = 1 << 20
TITLE_WEIGHT = 2.0
ENTITY_WEIGHT = 0.3
LINK = 0.13
STRONG = 0.30
AVERAGE = 0.08
FLOOR = 0.04
SAME_DAYS = 3
APART_DAYS = 30
STORIES_VERSION = (
    f"tfidf-2^20/title{TITLE_WEIGHT:g}/ent{ENTITY_WEIGHT:g}/link{LINK:g}-{STRONG:g}-{AVERAGE:g}"
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
    token_pattern=r"(?u)\b[^\W\d_][^\W_]+\b",
    dtype=np.float64,
)


def vectorise(docs: Sequence[tuple[str | None, str]]) -> list[Terms]:
    """Hashed, sublinear term frequencies of each (title, body): the title counts twice."""
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
    result: npt.NDArray[np.float64] = np.log((1.0 + n) / (1.0 + df)) + 1.0
    return result


def _normalise(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ matrix)


def _ordinals(values: Sequence[dt.date | None]) -> npt.NDArray[np.float64]:
    return np.array([v.toordinal() if v else np.nan for v in values], dtype=np.float64)


@dataclass(slots=True)
class Space:
    """All articles as normalised TF-IDF rows, text and entities, ready for similarities."""

    ids: list[str]
    text: sparse.csr_matrix
    ents: sparse.csr_matrix
    has_ents: npt.NDArray[np.bool_]
    dates: list[dt.date | None]
    mentioned: list[dt.date | None]
    days: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    mentioned_days: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))

    def __post_init__(self) -> None:
        self.days = _ordinals(self.dates)
        self.mentioned_days = _ordinals(self.mentioned)

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
    rows, cols, vals = [], [], []
    for i, art in enumerate(articles):
        rows.append(np.full(len(art.terms.terms), i, dtype=np.int64))
        cols.append(art.terms.terms.astype(np.int64))
        df = np.array([term_df.get(int(t), 1) for t in art.terms.terms], dtype=np.float64)
        vals.append(art.terms.weights.astype(np.float64) * idf(df, n_documents))
    n = len(articles)
    text = sparse.csr_matrix(
        (
            np.concatenate(vals) if vals else np.zeros(0),
            (np.concatenate(rows) if rows else np.zeros(0), np.concatenate(cols) if cols else []),
        ),
        shape=(n, N_FEATURES),
    )
    keys = sorted({key for art in articles for key in art.entities})
    column = {key: j for j, key in enumerate(keys)}
    e_rows, e_cols, e_vals = [], [], []
    for i, art in enumerate(articles):
        for key, count in art.entities.items():
            e_rows.append(i)
            e_cols.append(column[key])
            weight = 1.0 + math.log(max(count, 1.0))
            e_vals.append(weight * float(idf(np.array([entity_df.get(key, 1)]), n_documents)[0]))
    ents = sparse.csr_matrix((e_vals, (e_rows, e_cols)), shape=(n, max(len(keys), 1)))
    return Space(
        ids=[art.id for art in articles],
        text=_normalise(text),
        ents=_normalise(ents),
        has_ents=np.array([bool(art.entities) for art in articles], dtype=bool),
        dates=[art.date for art in articles],
        mentioned=[art.mentioned for art in articles],
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


def time_factors(sp: Space, i: int) -> npt.NDArray[np.float64]:
    """time(i, j) for every article j, as :func:`time_factor` (vectorised)."""
    dates, mentioned = sp.days, sp.mentioned_days
    factors = np.ones(len(sp.ids))
    mine, my_mention = dates[i], mentioned[i]
    with np.errstate(invalid="ignore"):
        if not np.isnan(mine):
            days = np.abs(dates - mine)
            slope = 1.0 - (days - SAME_DAYS) / (APART_DAYS - SAME_DAYS)
            dated = ~np.isnan(dates)
            factors[dated] = np.clip(slope[dated], 0.0, 1.0)
            later = np.isnan(dates) & (mentioned - mine > APART_DAYS)
            factors[later] = 0.0
        elif not np.isnan(my_mention):
            factors[(my_mention - dates) > APART_DAYS] = 0.0
    return factors


def similarities(sp: Space, rows: Sequence[int]) -> npt.NDArray[np.float64]:
    """s(a, b) of each article in ``rows`` against every article (the module's formula)."""
    if not rows:
        return np.zeros((0, len(sp.ids)))
    picked = list(rows)
    text = np.asarray((sp.text[picked] @ sp.text.T).todense(), dtype=np.float64)
    ents = np.asarray((sp.ents[picked] @ sp.ents.T).todense(), dtype=np.float64)
    both = np.outer(sp.has_ents[picked], sp.has_ents)
    scores: npt.NDArray[np.float64] = np.where(
        both, (1.0 - ENTITY_WEIGHT) * text + ENTITY_WEIGHT * ents, text
    )
    for r, i in enumerate(picked):
        scores[r] *= time_factors(sp, i)
        scores[r, i] = 0.0
    return scores


def links(sp: Space, row: int, scores: npt.NDArray[np.float64]) -> dict[int, float]:
    """The articles ``row`` links to, with s: its nearest if s ≥ LINK, and all with s ≥ STRONG."""
    found = {int(j): float(scores[j]) for j in np.nonzero(scores >= STRONG)[0]}
    if len(scores):
        best = float(scores.max())
        if best >= LINK:
            # Ties go to the smallest id, so the result does not depend on row order.
            nearest = min((sp.ids[int(j)], int(j)) for j in np.nonzero(scores == best)[0])
            found[nearest[1]] = best
    found.pop(row, None)
    return found


@dataclass(slots=True)
class Grouping:
    """The affected articles and their new stories."""

    members: set[int]
    groups: list[list[int]]


ROWS_AT_ONCE = 256
"""Similarity rows computed together: bounds memory to ROWS_AT_ONCE × articles floats."""


def affected(
    sp: Space,
    dirty: Iterable[int],
    stories: Mapping[str, Sequence[int]],
    story_of: Sequence[str | None],
) -> Grouping:
    """Regroup what the ``dirty`` articles (new, changed, or in a story that lost one) affect."""
    dirty_set = set(dirty)
    members: set[int] = set()
    todo: list[int] = []

    def add(i: int) -> None:
        story = story_of[i]
        for j in [*(stories.get(story, ()) if story is not None else ()), i]:
            if j not in members:
                members.add(j)
                todo.append(j)

    for i in sorted(dirty_set):
        add(i)
    edges: dict[int, dict[int, float]] = {}
    near: dict[int, dict[int, float]] = {}
    while todo:
        batch, todo = sorted(set(todo))[:ROWS_AT_ONCE], sorted(set(todo))[ROWS_AT_ONCE:]
        for i, row in zip(batch, similarities(sp, batch), strict=True):
            edges[i] = links(sp, i, row)
            kept = np.nonzero(row >= FLOOR)[0]
            near[i] = dict(zip(kept.tolist(), row[kept].tolist(), strict=True))
            # Whatever links to i, or may now (i may be its nearest): s ≥ LINK either way.
            reach = set(edges[i]) | {int(j) for j in np.nonzero(row >= LINK)[0]}
            for j in sorted(reach):
                if j not in members:
                    add(j)
    return Grouping(members, merge(sp.ids, members, edges, near))


def merge(
    ids: Sequence[str],
    members: Iterable[int],
    edges: Mapping[int, Mapping[int, float]],
    near: Mapping[int, Mapping[int, float]],
) -> list[list[int]]:
    """Stories of ``members`` from their links: links are taken strongest first (ties by
    ids), and each joins two stories when the mean similarity of their articles, pair by
    pair, is at least AVERAGE (``near[i]``: i's similarities of FLOOR or more; smaller ones
    count as 0). Each story sorted, stories in order of their first article."""
    story = {i: [i] for i in members}
    where = {i: i for i in story}
    pairs = {
        (min(i, j), max(i, j)): score
        for i, targets in edges.items()
        for j, score in targets.items()
        if i in where and j in where
    }
    # Ties by the two ids in sorted order, and means by exactly rounded sums (math.fsum), so
    # the stories do not depend on the order the articles are given in, to the last bit.
    for (i, j), _score in sorted(
        pairs.items(), key=lambda item: (-item[1], *sorted((ids[item[0][0]], ids[item[0][1]])))
    ):
        a, b = where[i], where[j]
        if a == b:
            continue
        if len(story[a]) > len(story[b]):
            a, b = b, a
        total = math.fsum(
            score for k in story[a] for m, score in near.get(k, {}).items() if where.get(m) == b
        )
        if total / (len(story[a]) * len(story[b])) < AVERAGE:
            continue
        story[a] = sorted(story[a] + story.pop(b))
        for k in story[a]:
            where[k] = a
    return sorted(story.values())


def representative(
    group: Sequence[int], sp: Space, titles: Sequence[str | None], copies: Sequence[int]
) -> int:
    """The story's representative article: titled first, then the most printed (the wire
    story many outlets ran), then the closest to the rest of the story (highest total
    similarity), then the smallest id."""
    totals = similarities(sp, list(group))[:, list(group)].sum(axis=1)

    def key(k: int) -> tuple[bool, int, float, str]:
        i = group[k]
        return (titles[i] is None, -copies[i], -round(float(totals[k]), 9), sp.ids[i])

    return group[min(range(len(group)), key=key)]


def cluster(articles: Sequence[ArticleFeatures]) -> list[list[str]]:
    """Stories of a whole set of articles at once (document frequencies from the set itself):
    what an archive holds after building them, in any order, up to the tolerance above."""
    term_df: dict[int, int] = {}
    entity_df: dict[str, int] = {}
    for art in articles:
        for term in art.terms.terms.tolist():
            term_df[term] = term_df.get(term, 0) + 1
        for key in art.entities:
            entity_df[key] = entity_df.get(key, 0) + 1
    sp = space(articles, term_df, entity_df, len(articles))
    grouping = affected(sp, range(len(articles)), {}, [None] * len(articles))
    return [[sp.ids[i] for i in group] for group in grouping.groups]
