"""The pieces of the syndication generator: shingles, the source pool, outlets and edits.

`generate_syndication.py` puts them together. Everything here is deterministic for a seed:
randomness comes only from `random.Random` instances seeded by the caller.
"""

from __future__ import annotations

import json
import re
from array import array
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from random import Random
from typing import TypeVar

from benchmarks.reuters import ReutersStory, story_text

WORDS_FILE = Path(__file__).with_name("syndication_words.json")
_MASK64 = (1 << 64) - 1

# ---- word 5-gram shingles ------------------------------------------------------------------
# A local, simplified twin of wirecopy.textnorm (not imported: the benchmark must not depend
# on the code it measures). Curly quotes fold to straight ones, case folds, and a word is a
# run of letters and digits, keeping an inner apostrophe (don't) and a decimal point or
# thousands comma between digits (3.5, 1,000). Line breaks and punctuation do not count.

_FOLD = (("\u2018", "'"), ("\u2019", "'"), ("\u201c", '"'), ("\u201d", '"'))
_WORD = r"[0-9a-z_\u00c0-\u00d6\u00d8-\u00f6\u00f8-\U0010ffff]"
_JOIN = r"(?:'|(?<=[0-9])[.,](?=[0-9]))"
_TOKEN = re.compile(rf"{_WORD}+(?:{_JOIN}{_WORD}+)*")
_ASCII_TOKEN = re.compile(rf"[0-9a-z_]+(?:{_JOIN}[0-9a-z_]+)*")  # the same on ASCII, faster
SHINGLE = 5

Shingle = tuple[str, ...]
T = TypeVar("T")


def tokens(text: str) -> list[str]:
    """The words of `text`, case and quotes folded."""
    if text.isascii():
        return _ASCII_TOKEN.findall(text.lower())
    for curly, straight in _FOLD:  # str.replace: far faster than str.translate here
        text = text.replace(curly, straight)
    return _TOKEN.findall(text.lower())


def _grams(words: Sequence[T], n: int) -> Iterable[tuple[T, ...]]:
    if len(words) < n:
        return [tuple(words)] if words else []
    return zip(*(words[i:] for i in range(n)), strict=False)


def shingles(text: str, n: int = SHINGLE) -> set[Shingle]:
    """The set of word n-grams of `text`; a text of fewer than n words gives one shingle.

    This is the definition; the generator works on `shingle_hashes`, the same set hashed.
    """
    return set(_grams(tokens(text), n))


def jaccard(a: set[Shingle], b: set[Shingle]) -> float:
    """|a & b| / |a | b|; two empty sets are identical (1.0)."""
    if not a and not b:
        return 1.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def shingle_hashes(words: list[str]) -> set[int]:
    """`shingles` of the `tokens` `words`, as Python hashes: faster to build and compare,
    equal but for 64-bit collisions. Hashes of strings change from one process to the next,
    so they are only compared within a run and never written out."""
    return set(map(hash, _grams(words, SHINGLE)))


def hashed_jaccard(a: set[int], b: Collection[int]) -> float:
    """`jaccard` of a hash set and a collection of distinct hashes."""
    if not a and not b:
        return 1.0
    inter = len(a.intersection(b))
    return inter / (len(a) + len(b) - inter)


def mix64(x: int) -> int:
    """SplitMix64's finaliser: a well-spread 64-bit hash of an int (stable everywhere)."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


# ---- the source pool -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class Source:
    """A Reuters story used as an original: title and body paragraphs, with counts."""

    newid: int
    title: str
    paragraphs: tuple[str, ...]
    counts: tuple[int, ...]  # words of each paragraph (split on white space)
    dateline: str
    date: datetime
    places: tuple[str, ...]
    topics: tuple[str, ...]
    hashes: array[int]  # its distinct shingle hashes (8 bytes each: the pool stays small)
    title_tokens: tuple[str, ...]
    tokens: tuple[tuple[str, ...], ...]  # of each paragraph (interned: shared, so small)

    @property
    def text(self) -> str:
        return "\n\n".join((self.title, *self.paragraphs)) if self.title else self.body

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def shingle_count(self) -> int:
        return max(1, len(self.hashes))


@dataclass(frozen=True, slots=True)
class PoolStats:
    stories: int  # stories read
    with_body: int  # of which have a body (the candidates)
    exact_duplicates: int  # candidates whose text repeats an earlier kept one exactly
    near_duplicates: int  # candidates at or above the Jaccard limit to an earlier kept one
    kept: int


def build_pool(
    stories: Iterable[ReutersStory], max_jaccard: float = 0.3, sample: int = 4
) -> tuple[list[Source], PoolStats]:
    """Keep every story with a body that is not a (near-)duplicate of an earlier kept one.

    Reuters reissued and corrected stories, so the collection holds exact and near
    duplicates; keeping them would make two "unrelated" originals similar and the truth
    wrong. Candidates are found through an index of one shingle in `sample`, chosen by a
    hash of word numbers (so the choice is the same in every run), then checked with the
    exact Jaccard.
    """
    vocab: dict[str, int] = {}
    names: dict[str, str] = {}  # one string object per distinct token
    index: dict[int, list[int]] = {}
    sampled_counts: list[int] = []
    kept: list[Source] = []
    seen: set[str] = set()
    read = with_body = exact = near = 0
    for story in stories:
        read += 1
        if not story.body or story.date is None:
            continue
        with_body += 1
        text = story_text(story)
        if text in seen:
            exact += 1
            continue
        blocks = [tokens(story.title), *(tokens(p) for p in story.body.split("\n\n"))]
        words = [w for block in blocks for w in block]  # = tokens(text): blocks end at spaces
        ids = [vocab.setdefault(w, len(vocab)) for w in words]
        keys = set(map(hash, _grams(ids, SHINGLE)))
        picked = sorted(k for k in keys if k % sample == 0) or sorted(keys)[:1]
        hashes = set(map(hash, _grams(words, SHINGLE)))
        if _too_similar(hashes, picked, index, sampled_counts, kept, max_jaccard):
            near += 1
            continue
        seen.add(text)
        number = len(kept)
        canon = [tuple(names.setdefault(w, w) for w in block) for block in blocks]
        kept.append(_source(story, hashes, canon))
        sampled_counts.append(len(picked))
        for key in picked:
            index.setdefault(key, []).append(number)
    return kept, PoolStats(read, with_body, exact, near, len(kept))


def _too_similar(
    hashes: set[int],
    picked: list[int],
    index: dict[int, list[int]],
    sampled_counts: list[int],
    kept: list[Source],
    limit: float,
) -> bool:
    shared: Counter[int] = Counter()
    for key in picked:
        shared.update(index.get(key, ()))
    for other, count in sorted(shared.items(), key=lambda kv: (-kv[1], kv[0]))[:20]:
        if count < 0.1 * max(len(picked), sampled_counts[other]):
            break
        if hashed_jaccard(hashes, kept[other].hashes) >= limit:
            return True
    return False


def _source(story: ReutersStory, hashes: set[int], blocks: list[tuple[str, ...]]) -> Source:
    paragraphs = tuple(story.body.split("\n\n"))
    assert story.date is not None
    return Source(
        newid=story.newid,
        title=story.title,
        paragraphs=paragraphs,
        counts=tuple(len(p.split()) for p in paragraphs),
        dateline=story.dateline,
        date=story.date,
        places=story.places,
        topics=story.topics,
        hashes=array("q", hashes),
        title_tokens=blocks[0],
        tokens=tuple(blocks[1:]),
    )


# ---- word lists and outlets ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Words:
    """The invented names and lines of ``syndication_words.json``."""

    outlet_places: tuple[str, ...]
    outlet_nouns: tuple[str, ...]
    sections: tuple[str, ...]
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    bylines: tuple[str, ...]
    datelines: tuple[str, ...]
    captions: tuple[str, ...]
    title_prefixes: tuple[str, ...]
    boilerplate: tuple[str, ...]
    synonyms: dict[str, tuple[str, ...]]
    insertions: tuple[str, ...]

    @classmethod
    def load(cls, path: Path = WORDS_FILE) -> Words:
        raw = json.loads(path.read_text(encoding="utf-8"))
        lists = {k: tuple(v) for k, v in raw.items() if isinstance(v, list)}
        synonyms = {k: tuple(v) for k, v in raw["synonyms"].items()}
        return cls(synonyms=synonyms, **lists)


@dataclass(frozen=True, slots=True)
class Outlet:
    """A made-up publisher with a house style that it applies to every story it prints."""

    name: str
    domain: str
    sections: tuple[str, ...]
    separator: str  # between blocks: a blank line or one line break
    curly: bool  # typographic quotes and apostrophes
    flatten: bool  # runs the body paragraphs into one line
    retitle: str  # "", "title_case" or "sentence_case"
    dateline: str  # a dateline template, or ""
    byline: str  # a byline template, or ""
    caption_rate: float
    echo_rate: float  # how often the title is printed twice
    header: tuple[str, ...]  # boilerplate templates above the title
    under_title: tuple[str, ...]  # under the title (ages, reading times)
    inline: tuple[str, ...]  # between paragraphs (advertisements, "Read more")
    footer: tuple[str, ...]  # below the body (share prompts, tags, copyright)
    url_style: int
    date_only: bool


def make_outlets(words: Words, count: int, seed: int) -> list[Outlet]:
    """`count` outlets with distinct names and domains, the same for the same seed."""
    rng = Random(mix64(seed ^ 0x0171E7))
    outlets: list[Outlet] = []
    domains: set[str] = set()
    while len(outlets) < count:
        base = f"{rng.choice(words.outlet_places)} {rng.choice(words.outlet_nouns)}"
        domain = re.sub(r"[^a-z0-9]+", "-", base.lower()).strip("-") + ".example"
        if domain in domains:
            if len(domains) < len(words.outlet_places) * len(words.outlet_nouns):
                continue
            domain = f"{len(outlets)}.{domain}"  # every name is taken: a regional edition
        domains.add(domain)
        name = f"The {base}" if rng.random() < 0.4 else base
        lines = words.boilerplate
        outlets.append(
            Outlet(
                name=name,
                domain=domain,
                sections=tuple(rng.sample(words.sections, 3)),
                separator="\n\n" if rng.random() < 0.7 else "\n",
                curly=rng.random() < 0.5,
                flatten=rng.random() < 0.12,
                retitle=rng.choice(("", "", "title_case", "sentence_case")),
                dateline=rng.choice(words.datelines) if rng.random() < 0.6 else "",
                byline=rng.choice(words.bylines) if rng.random() < 0.5 else "",
                caption_rate=rng.choice((0.0, 0.0, 0.3, 0.6)),
                echo_rate=rng.choice((0.0, 0.0, 0.0, 0.5)),
                header=tuple(rng.sample(lines, rng.randint(0, 2))),
                under_title=tuple(rng.sample(lines, rng.randint(0, 2))),
                inline=tuple(rng.sample(lines, rng.randint(0, 2))),
                footer=tuple(rng.sample(lines, rng.randint(1, 4))),
                url_style=rng.randrange(3),
                date_only=rng.random() < 0.3,
            )
        )
    return outlets
