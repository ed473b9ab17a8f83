"""The language an article is written in, guessed from its function words (pure functions).

Two stages need the guess, and both only need to know "English or not, and if not, which":

- story similarity leaves a language's function words out of the text terms, as it leaves
  English ones out (`wirecopy.stages.story_similarity`). With English stop words only, any
  two German articles share dozens of terms ("und", "der", "nicht") and a small archive,
  where no term is discounted for being common, joins them into one story: on 120 real pages
  of other sites (``benchmarks/realpages.py``'s pages, grouped whole) 18 of the 21 pairs of
  articles of different pages put together were German or French articles on unrelated
  subjects; with each language's function words left out, none.
- entities come from an English pipeline, which reads capitalised German nouns as people and
  organisations ("Wettbewerb" PERSON, "Prozent" ORG): an article in another language gets no
  entities rather than wrong ones (`wirecopy.stages.entities`).

The guess (:func:`guess`), over the first :data:`WORDS_READ` words of two letters or more of
the text (a single letter is as often a code in a table as a word: a Reuters price table of
"A", "B", "H" and "L" marks read as Romanian when they counted):

1. Fewer than :data:`MIN_WORDS` words: English (too little to tell, and a table of figures has
   few words of any language).
2. At least :data:`ENGLISH_SHARE` of the words are English stop words (scikit-learn's list,
   the one story vectors leave out): English. English prose is 35-50% function words.
3. Otherwise the stop word lists spaCy ships for its languages (function words, read on first
   need) are counted, and the language with the largest share is the guess when that share is
   at least :data:`LEAST_SHARE` and :data:`RATIO` times the English share; else English.
   German, French and Spanish articles come out at 30-60% of their own language's list and
   at most 20% of English's (which holds "de", "me", "no", "un").

Measured on 22,046 Reuters-21578 texts (the labelled story sets of ``benchmarks/stories.py``
and their streams, tables of figures included): none guessed other than English, with RATIO
1.5 to 3. On the 151 articles of the 120 real pages above: 79 German, 7 French, 2 Spanish,
63 English (the Chinese, Japanese, Thai and Arabic pages among them: no list matches them well
enough, and the entity stage skips their lines already by script).
"""

from __future__ import annotations

import importlib.util
import re
from functools import cache
from pathlib import Path
from types import ModuleType

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

__all__ = ["ENGLISH", "guess", "is_english", "stop_words"]

ENGLISH = "en"
WORDS_READ = 2000
MIN_WORDS = 30
ENGLISH_SHARE = 0.25
LEAST_SHARE = 0.3
RATIO = 2.0
_CHARS_READ = 40 * WORDS_READ  # bounds the work on a huge text: more than WORDS_READ words
_WORD = re.compile(r"[^\W\d_]{2,}")  # one letter is a code in a table as often as a word


def _words(text: str) -> list[str]:
    return [word.lower() for word in _WORD.findall(text[:_CHARS_READ])[:WORDS_READ]]


def guess(text: str) -> str:
    """The language of ``text`` as spaCy's code for it ("de", "fr"); ``ENGLISH`` when it is
    English or cannot be told (see the module's rules)."""
    words = _words(text)
    if len(words) < MIN_WORDS:
        return ENGLISH
    english = sum(word in ENGLISH_STOP_WORDS for word in words) / len(words)
    if english >= ENGLISH_SHARE:
        return ENGLISH
    languages = _languages_of_words()
    counts: dict[str, int] = {}
    for word in words:
        for code in languages.get(word, ()):
            counts[code] = counts.get(code, 0) + 1
    if not counts:
        return ENGLISH
    best = max(sorted(counts), key=counts.__getitem__)  # ties: the first code
    share = counts[best] / len(words)
    if best != ENGLISH and share >= LEAST_SHARE and share >= RATIO * english:
        return best
    return ENGLISH


def is_english(text: str) -> bool:
    return guess(text) == ENGLISH


def stop_words(code: str) -> frozenset[str]:
    """The function words of a language (lower case): scikit-learn's for English, spaCy's for
    the others; empty for a code spaCy has no list for."""
    if code == ENGLISH:
        return frozenset(ENGLISH_STOP_WORDS)
    return _stop_lists().get(code, frozenset())


@cache
def _stop_lists() -> dict[str, frozenset[str]]:
    """spaCy's stop word list of each of its languages.

    Each list is a module holding one set of words and importing nothing; they are read from
    spaCy's folder without importing spaCy itself (seconds of start-up, for word lists)."""
    spec = importlib.util.find_spec("spacy")
    if spec is None or not spec.submodule_search_locations:
        return {}  # stories still work without spaCy, with English stop words
    found: dict[str, frozenset[str]] = {}
    for folder in spec.submodule_search_locations:
        for path in sorted(Path(folder, "lang").glob("*/stop_words.py")):
            code = path.parent.name
            try:
                words = _run(path, f"wirecopy_stop_words_{code}").STOP_WORDS
                found.setdefault(code, frozenset(str(word).lower() for word in words))
            except Exception:  # a list that cannot be read here: that language is not guessed
                continue
    return found


def _run(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def _languages_of_words() -> dict[str, tuple[str, ...]]:
    """For each stop word, the languages whose list holds it."""
    found: dict[str, list[str]] = {}
    for code, words in sorted(_stop_lists().items()):
        for word in words:
            found.setdefault(word, []).append(code)
    return {word: tuple(codes) for word, codes in found.items()}
