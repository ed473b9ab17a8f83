"""Copies into articles: exact, near-duplicate and partial copies grouped, one canonical text each.

Plain functions over batches, no SQL (the archive side is `wirecopy.archive.articles`):
`sign` computes a copy's match state, `group` assigns a closed set of signed copies to
articles.

**Comparing two texts.** Texts are compared by their sets of word 5-gram shingles, hashed by
`wirecopy.textnorm` exactly as the near-duplicate engine (`wirecopy.dedup`) hashes them: case,
quotes, dashes and every line break are normalised away, so a teaser with all its paragraphs run
into one line has the same shingles as the full copy, and in scripts written without spaces
(Chinese, Japanese, Thai, ...) each character is a word. With I the shingles two texts share, two
texts *match* when

- their Jaccard similarity I / |A ∪ B| is at least `near` (0.4): an edited republication
  (quotes restyled, a dateline added, words changed, sentences dropped); or
- the shorter is contained in the longer, I / min(|A|, |B|) >= `contained` (0.6), and they share
  at least `min_shared` shingles (15): a teaser, an excerpt, a shortened version. Containment,
  not Jaccard: a three-paragraph teaser of a twenty-paragraph story has a Jaccard similarity
  near 0.15 but a containment near 1.

**Finding candidates.** Copies with the same normalised text (`Copy.text_hash`) are one unit
from the start (exact copies, and copies that differ only in what normalising folds: quotes,
case, dashes, white space). Other pairs are only compared when they are candidates:

- they share a MinHash LSH band key (`wirecopy.dedup.minhash.sketch` and `lsh.band_keys`, the
  engine's one-permutation MinHash and banding, default 16 bands x 8 rows), which finds the
  near-duplicates; or
- they share a passage fingerprint (`wirecopy.passages`: winnowing over word 8-grams, window 8).
  Winnowing rather than LSH Ensemble because it is exact about what it promises, whatever the
  sizes: any passage of 15 words or more that two texts share gives a common fingerprint, so
  a teaser finds its story with certainty, and the fingerprints of a text are a plain set of
  integers, stored and looked up in an SQL index with no partitioning by size to maintain
  as the archive grows (LSH Ensemble's partitions depend on the size distribution of all
  the texts, which changes with every build).

Every candidate is verified on the exact shingle sets. A *group* is a connected component of
the matching pairs; groups are the unit of incremental work (below), not articles.

**Articles within a group, and the chaining guard.** The units of a group are taken in the
canonical order: copies printed in paragraphs before copies run into one line, then the most
complete (most shingles) first, then the earliest date, then page id and copy number. Each unit
joins the article whose *canonical text* it matches best (highest containment, then Jaccard),
or, matching none, founds a new article and becomes its canonical copy. A copy is compared
with canonical texts only, never with the other copies of an article, so A ≈ B and B ≈ C never
pull C into A's article when C does not match A itself; and it joins one article only.

**Canonical text.** Because units are taken in that order, each article's founder is its most
complete copy printed in paragraphs, ties by the printed form (below) most of the copies in
paragraphs with its normalised text share (the version most outlets ran; the others are their
edits), then by earliest date, then source order (page id, copy number): its text is the
article's text, and the article's id is ``a-`` and the first twelve hex digits of its
normalised-text hash. `kind` is ``full`` when a copy holds at least
`full_coverage` (90%) of the canonical text's shingles or of its printed words (each edited
word costs five shingles: an outlet's few edits of a short story would read as a shortened
version) and keeps its paragraphs (or the canonical text has fewer than three), ``partial``
otherwise (a teaser, an excerpt, a shortened version).

**Exact or near, and `similarity`: what was printed.** Grouping compares normalised texts (curly
and straight quotes are one article), but a copy's `similarity` says how close what it printed
is to what the canonical copy printed. A copy's *printed form* is its body with white space
normalised (runs of spaces, line and paragraph breaks made one space; nothing else: case, quotes,
apostrophes, dashes and punctuation kept) and its title, caption, date and source fields (white
space normalised the same way). A copy is **exact** when its printed form equals the canonical
copy's (`printed_key`; the canonical copy is exact to itself), and **near** otherwise. Then

- an exact copy has `similarity` 1.0, whatever its `kind` (a copy run into one paragraph is
  `partial` but may be exact);
- a near copy has ``min(J, W)``, rounded to 4 decimals and at most 0.9999, where J is the
  Jaccard similarity of the normalised shingle sets (as above) and W the Jaccard similarity of
  the printed words as multisets: the body's white-space-separated words as printed, and each
  field's words tagged with the field's name (so a caption's words never match the body's);
  in scripts written without spaces each character printed is a word (`printed_pieces`).
  A changed apostrophe, a swapped caption, a date or a source line added each lower W; a
  rewritten sentence or a dropped paragraph lowers J and W.

So `similarity` is in [0, 1] and is 1.0 exactly for the exact copies; `kind` keeps its meaning
(`full` or `partial`, from the shingles), and a partial copy's similarity is small when it
holds a small part of the text.

**Order independence.** Groups are connected components of a relation defined pair by pair, and
the articles of a group depend only on its copies, so the result is a function of the set of
copies: building pages in parts, re-evaluating only the groups new copies reach, gives what
one build gives.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import xxhash
from numpy.typing import NDArray

from wirecopy.dedup.cluster import UnionFind
from wirecopy.dedup.config import DedupConfig
from wirecopy.dedup.lsh import band_keys
from wirecopy.dedup.minhash import sketch
from wirecopy.dedup.verify import intersection_size, jaccard, sorted_unique
from wirecopy.passages import NGRAM, WINDOW, winnow
from wirecopy.textnorm import hash_tokens, mix64, printed_pieces, shingle

U64 = NDArray[np.uint64]
CopyKey = tuple[str, int]

FULL = "full"
PARTIAL = "partial"


@dataclass(frozen=True, slots=True)
class ArticleConfig:
    """What makes two copies one article (see the module docstring)."""

    near: float = 0.4
    contained: float = 0.6
    min_shared: int = 15
    full_coverage: float = 0.9
    teaser_paragraphs: int = 3
    dedup: DedupConfig = field(default_factory=DedupConfig)
    fingerprint_ngram: int = NGRAM
    window: int = WINDOW


@dataclass(frozen=True, slots=True)
class CopyInput:
    """What grouping needs of a copy."""

    page_id: str
    seq: int
    text: str
    text_hash: str
    date: str | None = None
    title: str | None = None
    caption: str | None = None
    source: str | None = None


def printed_key(
    text: str,
    title: str | None = None,
    caption: str | None = None,
    date: str | None = None,
    source: str | None = None,
) -> tuple[str, str, str, str, str]:
    """A copy's printed form: body and fields with white space normalised, nothing else."""
    return (
        " ".join(text.split()),
        " ".join((title or "").split()),
        " ".join((caption or "").split()),
        " ".join((date or "").split()),
        " ".join((source or "").split()),
    )


PRINTED_FIELDS = ("title", "caption", "date", "source")


def printed_hash(key: tuple[str, ...]) -> str:
    """The hash of a printed form: equal for exact copies."""
    return xxhash.xxh3_128_hexdigest("\x1e".join(key).encode("utf-8", "surrogatepass"))


def printed_words(key: tuple[str, ...], cache: dict[str, int] | None = None) -> U64:
    """The printed words of a copy as a set of 64-bit hashes standing for a multiset: the
    body's words, and each field's words tagged with the field; the k-th occurrence of a word
    is mixed with k, so the Jaccard similarity of two such sets is that of the multisets.
    `cache` (word -> hash) may be shared by the copies of a batch."""
    cache = {} if cache is None else cache
    out: list[int] = []
    for n, part in enumerate(key):
        # Chinese, Japanese or Thai print no spaces between words: their characters count.
        for word in (piece for printed in part.split() for piece in printed_pieces(printed)):
            token = f"{n}\x1f{word}" if n else word
            h = cache.get(token)
            if h is None:
                h = cache[token] = xxhash.xxh3_64_intdigest(token.encode("utf-8", "surrogatepass"))
            out.append(h)
    if not out:
        return np.zeros(0, dtype=np.uint64)
    hashes = np.sort(np.array(out, dtype=np.uint64))
    starts = np.flatnonzero(np.concatenate([[True], hashes[1:] != hashes[:-1]]))
    runs = np.diff(np.append(starts, len(hashes)))
    occurrence = np.arange(len(hashes)) - np.repeat(starts, runs)
    return np.unique(mix64(hashes ^ (occurrence.astype(np.uint64) * _OCCURRENCE)))


_OCCURRENCE = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True, slots=True)
class Signature:
    """A copy's match state: kept in the archive, so old copies are never hashed again."""

    page_id: str
    seq: int
    text_hash: str
    date: str | None
    paragraphs: int
    shingles: U64  # sorted unique word 5-gram hashes
    minhash: U64  # the engine's sketch (all EMPTY for a text with no word)
    fingerprints: U64  # sorted unique winnowed 8-gram hashes
    printed: str  # `printed_hash` of the printed form: equal for exact copies
    words: U64  # `printed_words`: the printed words (body and fields), sorted

    @property
    def key(self) -> CopyKey:
        return (self.page_id, self.seq)

    def order(self) -> tuple[bool, int, str, str, int]:
        """The canonical order: paragraphs first, most complete, earliest, source order."""
        return (self.paragraphs < 2, -len(self.shingles), self.date or "~", self.page_id, self.seq)


def paragraphs(text: str) -> int:
    return sum(1 for part in text.split("\n\n") if part.strip())


def sign(copies: Sequence[CopyInput], config: ArticleConfig | None = None) -> list[Signature]:
    """Hash a batch of copies: shingles, MinHash sketch, passage fingerprints."""
    config = config or ArticleConfig()
    if not copies:
        return []
    tokens = hash_tokens([c.text for c in copies], split_scripts=True, drop_invisible=True)
    grams = shingle(tokens, config.dedup.ngram)
    sketches = sketch(grams, config.dedup.permutations, config.dedup.seed)
    passages = shingle(tokens, config.fingerprint_ngram)
    keys = [printed_key(c.text, c.title, c.caption, c.date, c.source) for c in copies]
    cache: dict[str, int] = {}
    return [
        Signature(
            page_id=c.page_id,
            seq=c.seq,
            text_hash=c.text_hash,
            date=c.date,
            paragraphs=paragraphs(c.text),
            shingles=sorted_unique(grams.doc(i)),
            minhash=sketches[i],
            fingerprints=winnow(passages.doc(i), config.window),
            printed=printed_hash(keys[i]),
            words=printed_words(keys[i], cache),
        )
        for i, c in enumerate(copies)
    ]


def bands_of(signatures: Sequence[Signature], config: ArticleConfig | None = None) -> list[U64]:
    """The LSH band keys of each signature (none for a text with no word)."""
    config = config or ArticleConfig()
    if not signatures:
        return []
    d = config.dedup
    keys = band_keys(np.stack([s.minhash for s in signatures]), d.bands, d.rows, d.seed)
    return [
        keys[i] if len(s.shingles) else np.zeros(0, np.uint64) for i, s in enumerate(signatures)
    ]


# ---- comparing -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Comparison:
    shared: int
    jaccard: float
    containment: float  # shared / the smaller set


def compare(a: U64, b: U64) -> Comparison:
    shared = intersection_size(a, b)
    union = len(a) + len(b) - shared
    smaller = min(len(a), len(b))
    return Comparison(
        shared, shared / union if union else 0.0, shared / smaller if smaller else 0.0
    )


def matches(a: U64, b: U64, config: ArticleConfig) -> bool:
    """Do two shingle sets match (near-duplicate or contained)? Symmetric."""
    if not len(a) or not len(b):
        return False
    if (
        min(len(a), len(b)) < config.min_shared
        and min(len(a), len(b)) / max(len(a), len(b)) < config.near
    ):
        return False  # neither test can pass
    c = compare(a, b)
    return c.jaccard >= config.near or (
        c.shared >= config.min_shared and c.containment >= config.contained
    )


# ---- grouping ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a copy went."""

    page_id: str
    seq: int
    article_id: str
    kind: str
    similarity: float


@dataclass(frozen=True, slots=True)
class ArticleGroup:
    """An article: its canonical copy and its copies in canonical order (canonical first)."""

    id: str
    canonical: CopyKey
    copies: tuple[CopyKey, ...]
    group: int  # the id of the group (connected component) it belongs to


@dataclass(frozen=True, slots=True)
class Grouping:
    articles: list[ArticleGroup]
    placements: list[Placement]


@dataclass(slots=True)
class _Unit:
    """Copies with one normalised text (exact copies, or differing only in what is folded)."""

    members: list[Signature]

    @property
    def head(self) -> Signature:
        return self.members[0]


def units(signatures: Iterable[Signature]) -> list[_Unit]:
    """Exact copies together, each unit's members and the units in canonical order."""
    by_hash: dict[str, list[Signature]] = defaultdict(list)
    for s in signatures:
        by_hash[s.text_hash].append(s)
    out = []
    for members in by_hash.values():
        printed = Counter(s.printed for s in members if s.paragraphs >= 2)

        def order(s: Signature, printed: Counter[str] = printed) -> tuple[object, ...]:
            flat, size, *rest = s.order()
            return (flat, size, -printed[s.printed], *rest)

        out.append(_Unit(sorted(members, key=order)))
    out.sort(key=lambda u: u.head.order())
    return out


def group_id(text_hash: str) -> int:
    """A group's id: from its first copy's text hash (a positive 63-bit integer)."""
    return xxhash.xxh3_64_intdigest(text_hash.encode("utf-8")) >> 1


def _shared(us: Sequence[_Unit], config: ArticleConfig) -> list[tuple[int, ...]]:
    """The distinct posting lists (units sharing a band key, or a fingerprint) of 2 or more."""
    keys: list[U64] = []
    owners: list[NDArray[np.int64]] = []
    for kind, runs in (
        (0, bands_of([u.head for u in us], config)),
        (1, [u.head.fingerprints for u in us]),
    ):
        for i, run in enumerate(runs):
            # Band keys and fingerprints never share a posting list: the low bit says which.
            keys.append((run & ~np.uint64(1)) | np.uint64(kind))
            owners.append(np.full(len(run), i, dtype=np.int64))
    if not keys:
        return []
    key, owner = np.concatenate(keys), np.concatenate(owners)
    order = np.lexsort((owner, key))
    key, owner = key[order], owner[order]
    starts = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))
    stops = np.append(starts[1:], len(key))
    lists = {
        tuple(owner[a:b].tolist())
        for a, b in zip(starts.tolist(), stops.tolist(), strict=True)
        if b - a > 1
    }
    return sorted(lists)


def components(us: Sequence[_Unit], config: ArticleConfig) -> list[list[int]]:
    """Connected components of matching candidate pairs; each sorted, listed by first unit.

    Exact: every candidate pair is verified unless its units are already connected. Within
    one posting list, a unit is tested against the members of each other component seen in
    that list until one matches, so a cluster costs about one test per member, and posting
    lists shared by whole clusters (most of a cluster's fingerprints) are processed once.
    """
    uf = UnionFind()
    for members in _shared(us, config):
        seen: dict[int, list[int]] = {}  # component root -> its members in this list
        for b in members:
            for root, others in seen.items():
                if uf.find(root) != uf.find(b) and any(
                    matches(us[b].head.shingles, us[a].head.shingles, config) for a in others
                ):
                    uf.union(b, root)
            merged: dict[int, list[int]] = defaultdict(list)
            for root, others in seen.items():
                merged[uf.find(root)].extend(others)
            merged[uf.find(b)].append(b)
            seen = merged
    comps: dict[int, list[int]] = defaultdict(list)
    for i in range(len(us)):
        comps[uf.find(i)].append(i)
    return sorted(comps.values(), key=lambda c: c[0])


def group(signatures: Iterable[Signature], config: ArticleConfig | None = None) -> Grouping:
    """Assign a set of copies closed under matching to articles (see the module docstring)."""
    config = config or ArticleConfig()
    us = units(signatures)
    articles: list[ArticleGroup] = []
    placements: list[Placement] = []
    for comp in components(us, config):
        gid = group_id(us[comp[0]].head.text_hash)
        founders: list[int] = []
        joined: dict[int, list[int]] = {}
        for i in comp:
            best: tuple[float, float] | None = None
            home = None
            for f in founders:
                a, b = us[i].head.shingles, us[f].head.shingles
                if matches(a, b, config):
                    c = compare(a, b)
                    if best is None or (c.containment, c.jaccard) > best:
                        best, home = (c.containment, c.jaccard), f
            if home is None:
                founders.append(i)
                joined[i] = [i]
            else:
                joined[home].append(i)
        for f in founders:
            article, placed = _article(us, joined[f], gid, config)
            articles.append(article)
            placements.extend(placed)
    return Grouping(articles, placements)


def _article(
    us: Sequence[_Unit], members: list[int], gid: int, config: ArticleConfig
) -> tuple[ArticleGroup, list[Placement]]:
    canon = us[members[0]].head
    article_id = "a-" + canon.text_hash[:12]
    copies = [s for i in members for s in us[i].members]
    placed = []
    for s in copies:
        placed.append(
            Placement(s.page_id, s.seq, article_id, *_kind(s, canon, config))
            if s is not canon
            else Placement(s.page_id, s.seq, article_id, FULL, 1.0)
        )
    return ArticleGroup(article_id, canon.key, tuple(s.key for s in copies), gid), placed


def _kind(copy: Signature, canon: Signature, config: ArticleConfig) -> tuple[str, float]:
    shared = intersection_size(copy.shingles, canon.shingles)
    canon_size = len(canon.shingles)
    coverage = shared / canon_size if canon_size else 1.0
    if len(canon.words):
        # Or of its printed words: each edited word costs five shingles, so an outlet's
        # edits of a few words in a short story leave it under the bar, all of it printed.
        words = intersection_size(copy.words, canon.words) / len(canon.words)
        coverage = max(coverage, words)
    flattened = copy.paragraphs < 2 <= config.teaser_paragraphs <= canon.paragraphs
    kind = FULL if coverage >= config.full_coverage and not flattened else PARTIAL
    return kind, similarity(copy, canon, shared)


def similarity(copy: Signature, canon: Signature, shared: int | None = None) -> float:
    """1.0 for an exact printed copy; else min(shingle Jaccard, printed-word Jaccard), at most
    0.9999 (see the module docstring). `shared`: the shingles they share, if known."""
    if copy.printed == canon.printed:
        return 1.0
    if shared is None:
        shared = intersection_size(copy.shingles, canon.shingles)
    union = len(copy.shingles) + len(canon.shingles) - shared
    shingled = shared / union if union else 1.0
    worded = jaccard(copy.words, canon.words)
    return min(round(min(shingled, worded), 4), 0.9999)
