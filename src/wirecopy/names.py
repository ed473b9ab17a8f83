"""Names as printed: initials, acronyms, and the key that compares names across articles.

Small and free of models and NumPy: the reading verbs (search, show, export, serve) use it
to roll up a story's entities, the build to merge mentions and to compare articles' entities.

- `undot_initials`: initials written without their dots (``U.S.`` → ``US``, ``J.B.`` →
  ``JB``): writers dot them or not.
- `is_acronym`: two to six capitals, dotted or not (``US``, ``U.S.``, ``NATO``).
- `spells`: whether an acronym is the initials of a name's capitalised words (``US`` and
  ``United States``, ``FBI`` and ``Federal Bureau of Investigation``).
- `acronym_forms`: the acronyms among the forms merged into an article's entity (the JSON
  list ``article_entities.mentions`` holds).
- `entity_key`: an entity's words of two letters or more, case-folded, initials undotted
  (``U.S.`` and ``US`` are ``us``, ``Al-Varro`` and ``al varro`` are ``al varro``).
- `spelling_key`: a name as its spellings compare: every word, one letter too, case-folded,
  initials undotted (``WikiLeaks`` and ``Wikileaks``; ``George H. W. Bush`` is not ``George
  W. Bush``), for rolling up a story's entities.
- `entity_keys`: the keys an article's entity counts under when articles are compared: its
  name's, and those of the acronyms merged into it that spell it (``United States`` named
  ``US`` too in one article shares the entity with an article that names only ``US``;
  merging folds an acronym into the name it abbreviates only within an article).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

_INITIALS = re.compile(r"(?<!\S)(?:(?:[^\W\d_]\.){2,}|(?:[^\W\d_]\.)+[^\W\d_])(?!\S)")
_ACRONYM = re.compile(r"[A-Z]{2,6}")
# A JSON list of forms holding an acronym (``"U.S."``): most hold none, and are not parsed.
_ACRONYM_FORM = re.compile(r'"(?:[A-Z]\.?){2,6}"')
_WORD = re.compile(r"\b[^\W\d_][^\W_]+\b")
_SPLIT = re.compile(r"[\s\-‐‑‒–—]+")
_TOKEN = re.compile(r"[^\W_]+")


def undot_initials(text: str) -> str:
    """``text`` with each printed word made of initials written without their dots (``U.S.``
    → ``US``, ``u.s`` → ``us``; ``St.`` and ``U.SA`` are no initials)."""
    return _INITIALS.sub(lambda match: match[0].replace(".", ""), text)


def is_acronym(text: str) -> bool:
    """Two to six capitals, dotted or not (``US``, ``U.S.``, ``NATO``)."""
    return _ACRONYM.fullmatch(undot_initials(text)) is not None


def spells(acronym: str, name: str) -> bool:
    """Whether ``acronym`` is the initials of ``name``'s capitalised words, two or more."""
    if not is_acronym(acronym):
        return False
    capitalised = [word for word in _SPLIT.split(name) if word[:1].isupper()]
    return len(capitalised) >= 2 and "".join(w[0] for w in capitalised) == undot_initials(acronym)


def acronym_forms(forms: str | None) -> list[str]:
    """The acronyms in a JSON list of an entity's merged forms: ``["United States", "U.S."]``
    gives ``["U.S."]``."""
    if not forms or not _ACRONYM_FORM.search(forms):
        return []
    return [form for form in json.loads(forms) if is_acronym(form)]


def entity_key(text: str) -> str:
    """The key that compares an entity's names across articles (see the module's notes)."""
    folded = undot_initials(text).casefold()
    return " ".join(_WORD.findall(folded)) or folded


def spelling_key(text: str) -> str:
    """A name as its spellings compare (see the module's notes)."""
    return " ".join(_TOKEN.findall(undot_initials(text).casefold()))


def entity_keys(text: str, forms: Iterable[str] = ()) -> set[str]:
    """The keys of an entity named ``text`` whose merged ``forms`` are given (see the module's
    notes)."""
    return {entity_key(text), *(entity_key(form) for form in forms if spells(form, text))}
